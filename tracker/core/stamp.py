"""A cheap fingerprint of the database, so a front end that stays open notices changes made elsewhere."""

from __future__ import annotations

from tracker.storage.database import Db

ChangesStamp = tuple[object, ...]
"""Opaque: compare two stamps, never read one."""


def changes_stamp(db: Db) -> ChangesStamp:
    """Maxima and counts over what another user or the command line may change.

    Two different stamps mean something changed. Cheap enough to run every few seconds at any size:
    the action and incident counts come from the counts kept by triggers (the sum over
    ``action_tally`` grows with owners and due dates, not with actions), the maxima from indexes.
    """
    return db.row(
        "SELECT (SELECT MAX(id) FROM action_event), (SELECT SUM(n) FROM action_tally),"
        " (SELECT MAX(updated_at) FROM action), (SELECT n FROM row_tally WHERE name = 'incident'),"
        " (SELECT MAX(updated_at) FROM incident), (SELECT COUNT(*) FROM incident_root_cause)"
    ) or ()
