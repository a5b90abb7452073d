"""The history tables and the version counters: one line per change, written in the change's transaction.

Actions and incidents keep a ``version`` that every change raises; a write made from an older
version is refused (StaleWriteError). Whatever changes a row (its own service, a merge of root
causes, an import) records the change here.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tracker.base.errors import StaleWriteError
from tracker.core.keys import incident_key
from tracker.storage.database import Db


def record_action_event(db: Db, action_id: int, at: datetime, actor: str, fld: str, old: Any, new: Any,
                        note: str) -> None:
    """One line of an action's history."""
    db.execute(
        "INSERT INTO action_event (action_id, at, actor, field, old_value, new_value, note)"
        " VALUES (:action_id, :at, :actor, :field, :old, :new, :note)",
        {
            "action_id": action_id,
            "at": at,
            "actor": actor,
            "field": fld,
            "old": None if old is None else str(old),
            "new": None if new is None else str(new),
            "note": note,
        },
    )


def record_incident_event(db: Db, incident_id: int, at: datetime, actor: str, fld: str, old: Any, new: Any,
                 note: str = "") -> None:
    """One line of an incident's history."""
    db.execute(
        "INSERT INTO incident_event (incident_id, at, actor, field, old_value, new_value, note)"
        " VALUES (:incident_id, :at, :actor, :field, :old, :new, :note)",
        {"incident_id": incident_id, "at": at, "actor": actor[:200], "field": fld,
         "old": None if old is None else str(old), "new": None if new is None else str(new), "note": note},
    )


def bump_incident(db: Db, incident_id: int, version: int | None, now: datetime, sets: dict[str, Any] | None = None,
         expected: int | None = None) -> None:
    """Raise the incident's version (setting ``sets`` too), refusing when it moved past ``version``."""
    params: dict[str, Any] = {"id": incident_id, "now": now, **(sets or {})}
    assignments = "".join(f"{column} = :{column}, " for column in (sets or {}))
    where = "id = :id"
    if version is not None:
        where += " AND version = :version"
        params["version"] = version
    if db.execute(f"UPDATE incident SET {assignments}updated_at = :now, version = version + 1 WHERE {where}",
                  params) != 1:
        current = db.scalar("SELECT version FROM incident WHERE id = :id", {"id": incident_id})
        raise StaleWriteError(incident_key(incident_id), expected or version or 0, current)
