"""Reading actions: the row shape, filters that combine, orders served by indexes, keyset pages, search.

Everything here reads; ``tracker.core.actions`` writes (and re-exports these names).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple

from tracker.core.enums import OPEN_STATUSES
from tracker.core.keys import action_key, incident_key
from tracker.core.timeutil import iso, read_date, read_stamp
from tracker.storage.database import Db


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
