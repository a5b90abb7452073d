"""The review built in parts (what the app shows first), the recurrence's actions, the record's Mermaid chart."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.conftest import TODAY
from tracker.base.errors import InputError
from tracker.core.review import build_review
from tracker.core.review.build import ACTION_PARTS
from tracker.core.review.render import mermaid_trend, report_document
from tracker.storage.database import Db

pytestmark = [pytest.mark.both_backends, pytest.mark.date_sensitive]


def review(db: Db, **kw):  # type: ignore[no-untyped-def]
    return build_review(db, week="2026-W48", today=TODAY, stale_days=14, runbooks=[], **kw)


def test_the_actions_part_holds_the_same_rows_and_counts_as_the_whole(db: Db) -> None:
    whole, part = review(db), review(db, parts=ACTION_PARTS)
    keys = ("overdue", "due_soon", "unowned", "proposed", "blocked", "stale", "done_this_week",
            "wont_do_this_week", "load")
    assert set(part.counts) == set(keys)
    for key in keys:
        assert part.counts[key] == whole.counts[key]
        assert part.sections[key] == whole.sections[key]
    assert "recurrence" not in part.sections and part.trend == []


def test_unknown_parts_are_refused(db: Db) -> None:
    with pytest.raises(InputError, match="unknown review parts: colour"):
        review(db, parts=("actions", "colour"))


def test_a_recurring_cause_lists_every_action_against_it(db: Db) -> None:
    found = {r.slug: r for r in review(db).sections["recurrence"]}
    stale = found["stale-config"] if "stale-config" in found else next(iter(found.values()))
    ids = [a.action.id for a in stale.actions]
    expected = [int(i) for (i,) in db.rows("SELECT a.id FROM action a JOIN root_cause rc ON rc.id = a.root_cause_id"
                                           " WHERE rc.slug = :s ORDER BY a.incident_id, a.id", {"s": stale.slug})]
    assert ids == expected
    assert found["message-queue-change"].actions == []
    assert [i.id for i in found["message-queue-change"].incidents] == ["INC-1", "INC-3"]


def test_the_record_draws_the_trend_as_a_mermaid_chart_beside_its_table(db: Db) -> None:
    with db.write():  # one action opened in the week under review
        db.execute("UPDATE action SET created_at = :at WHERE id = 1", {"at": datetime(2026, 11, 24, 9, tzinfo=UTC)})
    r = review(db)
    chart = list(mermaid_trend(r))
    assert chart[0] == "```mermaid" and chart[1] == "xychart-beta" and chart[-1] == "```"
    assert chart[3] == '    x-axis ["W37", "W38", "W39", "W40", "W41", "W42", "W43", "W44", "W45", "W46", "W47", "W48"]'
    assert chart[5] == f"    bar [{', '.join(str(w.opened) for w in r.trend)}]"
    assert chart[5].endswith(", 1]") and chart[4] == '    y-axis "Actions" 0 --> 1'
    document = report_document(r)
    assert document.startswith("+++\n") and "\n".join(chart) in document
    trend = document.index("## Trend")
    assert trend < document.index("```mermaid") < document.index("| week | starts | opened | closed |")
