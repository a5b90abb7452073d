"""The changes stamp the app polls: equal while nothing changes, different once something did."""

from __future__ import annotations

import pytest

from tests.conftest import TODAY
from tracker.core.actions import add_action
from tracker.core.stamp import changes_stamp
from tracker.storage.database import Db

pytestmark = [pytest.mark.both_backends]


def test_stamp_moves_when_an_action_is_added(db: Db) -> None:
    first = changes_stamp(db)
    assert changes_stamp(db) == first
    add_action(db, title="Add a failover drill", incident="INC-1", actor="ana@example.com", today=TODAY,
               slo_days={"P1": 15, "P2": 30, "P3": 60})
    assert changes_stamp(db) != first
