"""Corrective and preventive actions: list, show, add, update, with a full history.

Every change goes through ``update_action``, which refuses a write made from a stale
version and records one ActionEvent per changed field, in the same transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from tracker.base.clock import SYSTEM_CLOCK, Clock
from tracker.base.enums import ActionKind, ActionStatus, Priority
from tracker.base.errors import InputError, NotFoundError, StaleWriteError
from tracker.base.text import shown
from tracker.base.timeutil import read_date, read_stamp
from tracker.core.actions.queries import COLUMNS, FROM_ACTIONS, action_row
from tracker.core.actions.rows import UNSET, ActionChanges, ActionEventRow, ActionRow
from tracker.core.history import record_action_event
from tracker.core.keys import action_key, incident_key, parse_key
from tracker.core.rootcauses.names import resolve_cause
from tracker.core.slo import due_by_priority
from tracker.core.validate import NOTE_MAX, clean_owner, clean_runbook_link, clean_text, clean_title
from tracker.storage.database import Db

NEEDS_NOTE = (ActionStatus.BLOCKED, ActionStatus.WONT_DO)
"""Statuses that must come with a note saying why."""


def get_action(db: Db, key: str | int) -> ActionRow:
    action_id = key if isinstance(key, int) else parse_key(key, "ACT")
    values = db.row(f"SELECT {COLUMNS} {FROM_ACTIONS} WHERE a.id = :id", {"id": action_id})
    if values is None:
        raise NotFoundError(f"no action {action_key(action_id)}")
    return action_row(values)


def action_history(db: Db, action_id: int) -> list[ActionEventRow]:
    return [
        ActionEventRow(read_stamp(at), actor, fld, old, new, note)
        for at, actor, fld, old, new, note in db.cursor(
            "SELECT at, actor, field, old_value, new_value, note FROM action_event"
            " WHERE action_id = :id ORDER BY at, id",
            {"id": action_id},
        )
    ]


def _incident_id(db: Db, key: str | None) -> int | None:
    if key is None or key == "":
        return None
    incident_id = parse_key(key, "INC")
    if db.scalar("SELECT 1 FROM incident WHERE id = :id", {"id": incident_id}) is None:
        raise NotFoundError(f"no incident {incident_key(incident_id)}")
    return incident_id


def _root_cause_id(db: Db, slug: str | None, *, new: bool = False) -> int | None:
    """The cause a slug (or an old alias of one) names; a retired cause takes no ``new`` actions."""
    if slug is None or slug == "":
        return None
    cause = resolve_cause(db, slug)
    if new and cause.retired:
        raise InputError(f"root cause {shown(cause.slug)} is retired: choose a current cause")
    return cause.id


def default_due(priority: Priority, today: date, slo_days: Mapping[str, int]) -> date:
    """The due date a new action gets when none is given: the last day of its priority's SLO
    (``tracker.core.slo``: one rule for default due dates and SLO deadlines)."""
    return due_by_priority(priority, today, slo_days)


def insert_action(db: Db, values: Mapping[str, Any]) -> int:
    """Insert an action row (columns by name, checked by the caller) and return its id: the one write path
    for new actions, used by ``add_action``, imports and the demo catalog."""
    row = {"description": "", "owner": None, "completed_at": None, "incident_id": None, "root_cause_id": None,
           "runbook_path": None, "version": 1, **values}
    row.setdefault("updated_at", row["created_at"])
    return db.insert(
        "INSERT INTO action (title, description, kind, owner, priority, due_date, status, created_at,"
        " updated_at, completed_at, incident_id, root_cause_id, runbook_path, version)"
        " VALUES (:title, :description, :kind, :owner, :priority, :due_date, :status, :created_at, :updated_at,"
        " :completed_at, :incident_id, :root_cause_id, :runbook_path, :version) RETURNING id",
        row,
    )


def add_action(
    db: Db,
    *,
    title: str,
    actor: str,
    today: date,
    slo_days: Mapping[str, int],
    incident: str | None = None,
    root_cause: str | None = None,
    description: str = "",
    kind: ActionKind = ActionKind.PREVENT,
    owner: str | None = None,
    priority: Priority = Priority.P2,
    due: date | None = None,
    status: ActionStatus = ActionStatus.OPEN,
    runbook_path: str | None = None,
    note: str = "",
    clock: Clock = SYSTEM_CLOCK,
    runbooks_dir: str = "runbooks",
) -> ActionRow:
    """Create an action linked to an incident and/or a root cause; records a ``created`` event."""
    title = clean_title(title)
    runbook_path = clean_runbook_link(runbook_path, runbooks_dir) if runbook_path else None
    description = clean_text(description)
    owner = clean_owner(owner)
    note = clean_text(note, "note", NOTE_MAX)
    if incident is None and root_cause is None:
        raise InputError("an action needs an incident or a root cause to belong to")
    if status in NEEDS_NOTE and not note.strip():
        raise InputError(f"status {status.value!r} needs a note saying why")
    due = due or default_due(priority, today, slo_days)
    now = clock.now()
    with db.write():
        incident_id = _incident_id(db, incident)
        root_cause_id = _root_cause_id(db, root_cause, new=True)
        new_id = insert_action(db, {
            "title": title,
            "description": description,
            "kind": kind.value,
            "owner": owner,
            "priority": priority.value,
            "due_date": due,
            "status": status.value,
            "created_at": now,
            "completed_at": now if status.is_closed else None,
            "incident_id": incident_id,
            "root_cause_id": root_cause_id,
            "runbook_path": runbook_path,
        })
        record_action_event(db, new_id, now, actor, "created", None, title, note)
        return get_action(db, new_id)


_COLUMNS = {
    "status": "status",
    "kind": "kind",
    "priority": "priority",
    "due": "due_date",
    "owner": "owner",
    "title": "title",
    "description": "description",
    "incident": "incident_id",
    "root_cause": "root_cause_id",
    "runbook": "runbook_path",
}
"""The column behind each field of ActionChanges (its name in the history)."""


def _stored(db: Db, changes: ActionChanges, runbooks_dir: str) -> dict[str, Any]:
    """The given changes checked and in their stored form, keyed by field, in event order."""
    out: dict[str, Any] = {}
    if changes.status is not UNSET:
        out["status"] = changes.status.value
    if changes.kind is not UNSET:
        out["kind"] = changes.kind.value
    if changes.priority is not UNSET:
        out["priority"] = changes.priority.value
    if changes.due is not UNSET:
        if not isinstance(changes.due, date):  # None from an untyped caller: clearing is not allowed
            raise InputError("an action always has a due date: give one (YYYY-MM-DD, +Nd, ...)")
        out["due"] = changes.due
    if changes.owner is not UNSET:
        out["owner"] = clean_owner(changes.owner)
    if changes.title is not UNSET:
        out["title"] = clean_title(changes.title)
    if changes.description is not UNSET:
        out["description"] = clean_text(changes.description)
    if changes.incident is not UNSET:
        out["incident"] = _incident_id(db, changes.incident)
    if changes.root_cause is not UNSET:
        out["root_cause"] = _root_cause_id(db, changes.root_cause)
    if changes.runbook is not UNSET:
        out["runbook"] = (clean_runbook_link(changes.runbook, runbooks_dir)
                          if changes.runbook and changes.runbook.strip() else None)
    return out


def _shown_value(db: Db, name: str, value: Any) -> Any:
    """How a stored value is written in the history (keys and slugs rather than ids)."""
    if value is None:
        return None
    if name == "incident":
        return incident_key(value)
    if name == "root_cause":
        return db.scalar("SELECT slug FROM root_cause WHERE id = :id", {"id": value})
    if isinstance(value, date):
        return value.isoformat()
    return value


def update_action(
    db: Db,
    key: str | int,
    changes: ActionChanges,
    *,
    actor: str,
    expected_version: int | None = None,
    note: str = "",
    clock: Clock = SYSTEM_CLOCK,
    runbooks_dir: str = "runbooks",
) -> ActionRow:
    """Apply ``changes`` to one action, all or nothing.

    With ``expected_version`` (the version the caller loaded), a write over a newer version
    is refused with StaleWriteError. Returns the action as stored afterwards.
    """
    action_id = key if isinstance(key, int) else parse_key(key, "ACT")
    note = clean_text(note, "note", NOTE_MAX)
    now = clock.now()
    with db.write():
        current = db.row(
            f"SELECT id, version, {', '.join(_COLUMNS.values())} FROM action WHERE id = :id"
            + ("" if db.dialect == "sqlite" else " FOR UPDATE"),  # SQLite's BEGIN IMMEDIATE already locks
            {"id": action_id},
        )
        if current is None:
            raise NotFoundError(f"no action {action_key(action_id)}")
        version = current[1]
        if expected_version is not None and expected_version != version:
            raise StaleWriteError(action_key(action_id), expected_version, version)
        wanted = _stored(db, changes, runbooks_dir)
        before = dict(zip(_COLUMNS, current[2:], strict=True))
        before["due"] = read_date(before["due"])
        changed = {name: value for name, value in wanted.items() if before[name] != value}
        new_status = changed.get("status")
        if new_status in NEEDS_NOTE and not note.strip():
            raise InputError(f"status {new_status!r} needs a note saying why (--note)")
        if not changed and not note.strip():
            raise InputError(f"nothing to change on {action_key(action_id)}")

        sets = [f"{_COLUMNS[name]} = :{name}" for name in changed]
        params: dict[str, Any] = dict(changed)
        if new_status is not None:
            closed = ActionStatus(new_status).is_closed
            sets.append("completed_at = :completed_at")
            params["completed_at"] = now if closed else None
        sets += ["updated_at = :now", "version = version + 1"]
        params.update(id=action_id, version=version, now=now)
        updated = db.execute(f"UPDATE action SET {', '.join(sets)} WHERE id = :id AND version = :version", params)
        if updated != 1:
            now_at = db.scalar("SELECT version FROM action WHERE id = :id", {"id": action_id})
            raise StaleWriteError(action_key(action_id), expected_version or version, now_at)
        for name, value in changed.items():
            record_action_event(
                db,
                action_id,
                now,
                actor,
                name,
                _shown_value(db, name, before[name]),
                _shown_value(db, name, value),
                note,
            )
        if not changed:
            record_action_event(db, action_id, now, actor, "note", None, None, note)
        return get_action(db, action_id)
