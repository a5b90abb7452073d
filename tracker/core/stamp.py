"""A cheap fingerprint of the database, so a front end that stays open notices changes made elsewhere."""

from __future__ import annotations

from tracker.storage.database import Db

ChangesStamp = tuple[object, ...]
"""Opaque: compare two stamps, never read one."""


def changes_stamp(db: Db) -> ChangesStamp:
    """Maxima and counts over what another user or the command line may change.

    Two different stamps mean something changed. Cheap enough to run every few seconds.
    """
    return db.row(
        "SELECT (SELECT MAX(id) FROM action_event), (SELECT COUNT(*) FROM action),"
        " (SELECT MAX(updated_at) FROM action), (SELECT COUNT(*) FROM incident),"
        " (SELECT MAX(updated_at) FROM incident), (SELECT COUNT(*) FROM incident_root_cause)"
    ) or ()
