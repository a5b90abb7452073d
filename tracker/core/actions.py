"""Corrective and preventive actions: list, show, add, update, with a full history.

Every change goes through ``update_action``, which refuses a write made from a stale
version and records one ActionEvent per changed field, in the same transaction.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple

from tracker.core.enums import OPEN_STATUSES, ActionKind, ActionStatus, Priority
from tracker.core.errors import InputError, NotFoundError, StaleWriteError
from tracker.core.keys import action_key, incident_key, parse_key
from tracker.core.timeutil import iso, read_date, read_stamp, utcnow
from tracker.core.validate import NOTE_MAX, clean_owner, clean_text, clean_title, shown
from tracker.storage.database import Db

NEEDS_NOTE = (ActionStatus.BLOCKED, ActionStatus.WONT_DO)
"""Statuses that must come with a note saying why."""


class ActionRow(NamedTuple):
    """An action as services return it: plain values, no session attached."""

    id: int
    title: str
    description: str
    kind: str
    owner: str | None
    priority: str
    due: date
    status: str
    created_at: datetime
    updated_at: datetime
    completed_at: datetime | None
    incident_id: int | None
    root_cause: str | None
    runbook_path: str | None
    version: int

    @property
    def key(self) -> str:
        return action_key(self.id)

    @property
    def incident(self) -> str | None:
        return None if self.incident_id is None else incident_key(self.incident_id)

    def is_overdue(self, today: date) -> bool:
        return self.due < today and self.status in OPEN_STATUSES

    def to_json(self, today: date | None = None) -> dict[str, Any]:
        """The documented JSON shape; the first ten keys are a stable interface."""
        data: dict[str, Any] = {
            "id": self.key,
            "title": self.title,
            "kind": self.kind,
            "owner": self.owner,
            "priority": self.priority,
            "status": self.status,
            "due": self.due.isoformat(),
            "incident": self.incident,
            "root_cause": self.root_cause,
            "version": self.version,
            "description": self.description,
            "runbook": self.runbook_path,
            "created_at": iso(self.created_at),
            "updated_at": iso(self.updated_at),
            "completed_at": iso(self.completed_at),
        }
        if today is not None:
            data["overdue"] = self.is_overdue(today)
        return data


class ActionEventRow(NamedTuple):
    at: datetime
    actor: str
    field: str
    old_value: str | None
    new_value: str | None
    note: str

    def to_json(self) -> dict[str, Any]:
        return {
            "at": iso(self.at),
            "actor": self.actor,
            "field": self.field,
            "old": self.old_value,
            "new": self.new_value,
            "note": self.note,
        }


class ActionFilter(NamedTuple):
    """Filters that combine (all given conditions must hold). ``today`` anchors overdue and due-within."""

    statuses: tuple[str, ...] = ()
    owner: str | None = None
    unowned: bool = False
    kinds: tuple[str, ...] = ()
    priorities: tuple[str, ...] = ()
    overdue: bool = False
    due_within_days: int | None = None
    incident_id: int | None = None
    root_cause: str | None = None
    text: str = ""
    today: date = date.min


class SortSpec(NamedTuple):
    """An order for listings: key columns ending on the primary key, so it is total (keyset-safe)."""

    columns: tuple[str, ...]
    fields: tuple[str, ...]
    descending: bool = False

    @property
    def order_by(self) -> str:
        direction = " DESC" if self.descending else ""
        return ", ".join(f"{c}{direction}" for c in self.columns)

    def key(self, row: ActionRow) -> tuple[Any, ...]:
        return tuple(getattr(row, f) for f in self.fields)


SORTS: dict[str, SortSpec] = {
    "due": SortSpec(("a.due_date", "a.id"), ("due", "id")),
    "priority": SortSpec(("a.priority", "a.due_date", "a.id"), ("priority", "due", "id")),
    "updated": SortSpec(("a.updated_at", "a.id"), ("updated_at", "id"), descending=True),
    "id": SortSpec(("a.id",), ("id",)),
}
"""The orders a listing can take, each served by an index."""


def ts_query(text: str) -> str | None:
    """User words as a PostgreSQL tsquery: every word required, the last one a prefix."""
    words = re.findall(r"\w+", text)
    if not words:
        return None
    return " & ".join([*words[:-1], f"{words[-1]}:*"])


def fts_query(text: str) -> str | None:
    """User words as a safe FTS5 query: each word quoted, the last one a prefix. None if no words."""
    words = re.findall(r"\w+", text)
    if not words:
        return None
    return " ".join(f'"{w}"' for w in words[:-1]) + (" " if len(words) > 1 else "") + f'"{words[-1]}"*'


_COLUMNS = (
    "a.id, a.title, a.description, a.kind, a.owner, a.priority, a.due_date, a.status, a.created_at,"
    " a.updated_at, a.completed_at, a.incident_id, rc.slug, a.runbook_path, a.version"
)
_FROM = "FROM action a LEFT JOIN root_cause rc ON rc.id = a.root_cause_id"


def _row(values: tuple[Any, ...]) -> ActionRow:
    return ActionRow(
        id=values[0],
        title=values[1],
        description=values[2],
        kind=values[3],
        owner=values[4],
        priority=values[5],
        due=read_date(values[6]),
        status=values[7],
        created_at=read_stamp(values[8]),  # type: ignore[arg-type]
        updated_at=read_stamp(values[9]),  # type: ignore[arg-type]
        completed_at=read_stamp(values[10]),
        incident_id=values[11],
        root_cause=values[12],
        runbook_path=values[13],
        version=values[14],
    )


def _where(filt: ActionFilter, dialect: str = "sqlite") -> tuple[str, dict[str, Any]]:
    if filt.today == date.min and (filt.overdue or filt.due_within_days is not None):
        filt = filt._replace(today=date.today())
    clauses: list[str] = []
    params: dict[str, Any] = {}

    def any_of(column: str, values: tuple[str, ...], name: str) -> None:
        names = [f"{name}{i}" for i in range(len(values))]
        clauses.append(f"{column} IN ({', '.join(':' + n for n in names)})")
        params.update(zip(names, values, strict=True))

    if filt.statuses:
        any_of("a.status", filt.statuses, "st")
    if filt.kinds:
        any_of("a.kind", filt.kinds, "kd")
    if filt.priorities:
        any_of("a.priority", filt.priorities, "pr")
    if filt.owner is not None:
        clauses.append("a.owner = :owner")
        params["owner"] = filt.owner
    if filt.unowned:
        clauses.append("a.owner IS NULL")
    if filt.overdue or filt.due_within_days is not None:
        if not filt.statuses:
            any_of("a.status", OPEN_STATUSES, "os")
        if filt.overdue:
            clauses.append("a.due_date < :today")
            params["today"] = filt.today
        if filt.due_within_days is not None:
            clauses.append("a.due_date >= :today AND a.due_date <= :horizon")
            params["today"] = filt.today
            params["horizon"] = filt.today + timedelta(days=filt.due_within_days)
    if filt.incident_id is not None:
        clauses.append("a.incident_id = :incident_id")
        params["incident_id"] = filt.incident_id
    if filt.root_cause is not None:
        clauses.append("rc.slug = :root_cause")
        params["root_cause"] = filt.root_cause
    query = fts_query(filt.text)
    if query is not None:
        if dialect == "sqlite":
            clauses.append("a.id IN (SELECT rowid FROM action_fts WHERE action_fts MATCH :fts)")
            params["fts"] = query
        elif dialect == "postgresql":
            clauses.append("a.search @@ to_tsquery('simple', :tsq)")
            params["tsq"] = ts_query(filt.text)
        else:
            clauses.append("(lower(a.title) LIKE :like OR lower(a.description) LIKE :like)")
            params["like"] = "%" + filt.text.strip().lower().replace("%", "").replace("_", "") + "%"
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


def iter_actions(db: Db, filt: ActionFilter, sort: str = "due", limit: int | None = None) -> Iterator[ActionRow]:
    """Stream the actions that match, in the given order, without holding them all."""
    where, params = _where(filt, db.dialect)
    sql = f"SELECT {_COLUMNS} {_FROM}{where} ORDER BY {SORTS[sort].order_by}"
    if limit is not None:
        sql += " LIMIT :limit"
        params["limit"] = limit
    for values in db.cursor(sql, params):
        yield _row(values)


def page_actions(
    db: Db,
    filt: ActionFilter,
    sort: str = "due",
    *,
    after: tuple[Any, ...] | None = None,
    offset: int = 0,
    limit: int = 100,
) -> list[ActionRow]:
    """One page of a listing: after the sort key ``after`` (keyset), else from ``offset``."""
    spec = SORTS[sort]
    where, params = _where(filt, db.dialect)
    if after is not None:
        names = [f"k{i}" for i in range(len(after))]
        keyset = f"({', '.join(spec.columns)}) {'<' if spec.descending else '>'} ({', '.join(':' + n for n in names)})"
        where = f"{where} AND {keyset}" if where else f" WHERE {keyset}"
        params.update(zip(names, after, strict=True))
        offset = 0
    sql = f"SELECT {_COLUMNS} {_FROM}{where} ORDER BY {spec.order_by} LIMIT :limit OFFSET :offset"
    params.update(limit=limit, offset=offset)
    return [_row(v) for v in db.cursor(sql, params)]


def count_actions(db: Db, filt: ActionFilter) -> int:
    where, params = _where(filt, db.dialect)
    return int(db.scalar(f"SELECT COUNT(*) {_FROM}{where}", params))


def known_owners(db: Db) -> list[str]:
    """Every owner handle in use, for suggestions."""
    return [r[0] for r in db.cursor("SELECT DISTINCT owner FROM action WHERE owner IS NOT NULL ORDER BY owner")]


def get_action(db: Db, key: str | int) -> ActionRow:
    action_id = key if isinstance(key, int) else parse_key(key, "ACT")
    values = db.row(f"SELECT {_COLUMNS} {_FROM} WHERE a.id = :id", {"id": action_id})
    if values is None:
        raise NotFoundError(f"no action {action_key(action_id)}")
    return _row(values)


def action_history(db: Db, action_id: int) -> list[ActionEventRow]:
    return [
        ActionEventRow(read_stamp(at), actor, fld, old, new, note)  # type: ignore[arg-type]
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


def _root_cause_id(db: Db, slug: str | None) -> int | None:
    if slug is None or slug == "":
        return None
    found = db.scalar("SELECT id FROM root_cause WHERE slug = :slug", {"slug": slug.strip()})
    if found is None:
        raise NotFoundError(f"no root cause {shown(slug)} (see: tracker rootcauses list)")
    return int(found)


def _record(db: Db, action_id: int, at: datetime, actor: str, fld: str, old: Any, new: Any, note: str) -> None:
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


def default_due(priority: Priority, today: date, due_days: Mapping[str, int]) -> date:
    """The due date a new action gets when none is given: today plus the priority's days."""
    return today + timedelta(days=due_days[priority.value])


def add_action(
    db: Db,
    *,
    title: str,
    actor: str,
    today: date,
    due_days: Mapping[str, int],
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
) -> ActionRow:
    """Create an action linked to an incident and/or a root cause; records a ``created`` event."""
    title = clean_title(title)
    description = clean_text(description)
    owner = clean_owner(owner)
    note = clean_text(note, "note", NOTE_MAX)
    if incident is None and root_cause is None:
        raise InputError("an action needs an incident or a root cause to belong to")
    if status in NEEDS_NOTE and not note.strip():
        raise InputError(f"status {status.value!r} needs a note saying why")
    due = due or default_due(priority, today, due_days)
    now = utcnow()
    with db.write():
        incident_id = _incident_id(db, incident)
        root_cause_id = _root_cause_id(db, root_cause)
        new_id = db.insert(
            "INSERT INTO action (title, description, kind, owner, priority, due_date, status, created_at,"
            " updated_at, completed_at, incident_id, root_cause_id, runbook_path, version)"
            " VALUES (:title, :description, :kind, :owner, :priority, :due, :status, :now, :now, :completed,"
            " :incident_id, :root_cause_id, :runbook_path, 1) RETURNING id",
            {
                "title": title,
                "description": description,
                "kind": kind.value,
                "owner": owner,
                "priority": priority.value,
                "due": due,
                "status": status.value,
                "now": now,
                "completed": now if status.is_closed else None,
                "incident_id": incident_id,
                "root_cause_id": root_cause_id,
                "runbook_path": runbook_path,
            },
        )
        _record(db, new_id, now, actor, "created", None, title, note)
        return get_action(db, new_id)


_EDITABLE = {
    "title": "title",
    "description": "description",
    "kind": "kind",
    "owner": "owner",
    "priority": "priority",
    "due": "due_date",
    "status": "status",
    "incident": "incident_id",
    "root_cause": "root_cause_id",
    "runbook": "runbook_path",
}
"""Fields a caller may change, by event name -> column."""


def _normalise(db: Db, changes: Mapping[str, Any]) -> dict[str, Any]:
    """Validate requested changes; values come back in their stored form, keyed by event name."""
    out: dict[str, Any] = {}
    for name, value in changes.items():
        if name not in _EDITABLE:
            raise InputError(f"cannot change {name!r} of an action")
        if name == "title":
            out[name] = clean_title(value)
        elif name == "description":
            out[name] = clean_text(value)
        elif name == "owner":
            out[name] = clean_owner(value)
        elif name in ("kind", "priority", "status"):
            out[name] = value.value if hasattr(value, "value") else str(value)
        elif name == "due":
            if not isinstance(value, date):
                raise InputError("an action always has a due date: give one (YYYY-MM-DD, +Nd, ...)")
            out[name] = value
        elif name == "incident":
            out[name] = _incident_id(db, value)
        elif name == "root_cause":
            out[name] = _root_cause_id(db, value)
        elif name == "runbook":
            out[name] = value or None
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
    changes: Mapping[str, Any],
    *,
    actor: str,
    expected_version: int | None = None,
    note: str = "",
) -> ActionRow:
    """Apply ``changes`` to one action, all or nothing.

    With ``expected_version`` (the version the caller loaded), a write over a newer version
    is refused with StaleWriteError. Returns the action as stored afterwards.
    """
    action_id = key if isinstance(key, int) else parse_key(key, "ACT")
    note = clean_text(note, "note", NOTE_MAX)
    now = utcnow()
    with db.write():
        current = db.row(
            "SELECT id, version, title, description, kind, owner, priority, due_date, status, incident_id,"
            " root_cause_id, runbook_path FROM action WHERE id = :id",
            {"id": action_id},
        )
        if current is None:
            raise NotFoundError(f"no action {action_key(action_id)}")
        version = current[1]
        if expected_version is not None and expected_version != version:
            raise StaleWriteError(action_key(action_id), expected_version, version)
        wanted = _normalise(db, changes)
        before = dict(zip(_EDITABLE, current[2:], strict=True))
        before["due"] = read_date(before["due"])
        changed = {name: value for name, value in wanted.items() if before[name] != value}
        new_status = changed.get("status")
        if new_status in NEEDS_NOTE and not note.strip():
            raise InputError(f"status {new_status!r} needs a note saying why (--note)")
        if not changed and not note.strip():
            raise InputError(f"nothing to change on {action_key(action_id)}")

        sets = [f"{_EDITABLE[name]} = :{name}" for name in changed]
        params: dict[str, Any] = dict(changed)
        if new_status is not None:
            closed = ActionStatus(new_status).is_closed
            sets.append("completed_at = :completed_at")
            params["completed_at"] = now if closed else None
        sets += ["updated_at = :now", "version = version + 1"]
        params.update(id=action_id, version=version, now=now)
        updated = db.execute(f"UPDATE action SET {', '.join(sets)} WHERE id = :id AND version = :version", params)
        if updated != 1:
            raise StaleWriteError(action_key(action_id), expected_version or version, None)
        for name, value in changed.items():
            _record(
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
            _record(db, action_id, now, actor, "note", None, None, note)
        return get_action(db, action_id)
