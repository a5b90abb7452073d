"""The whole database as one TOML document, and back: ``format = "tracker-export"``, ``version = 1``.

Layout (arrays sorted by id, keys always in the same order, NULLs left out)::

    format = "tracker-export"
    version = 1
    [[root_causes]]        id, slug, title, category, description
    [[components]]         id, group, name
    [[incidents]]          id, title, company, kind, severity, status, *_at, summary, ..., components = [ids]
    [[incidents.timeline]] id, position, at, label, body
    [[incidents.causes]]   slug, role, note
    [[actions]]            id, title, kind, owner, priority, status, due, incident, root_cause, version, ...
    [[events]]             id, action, at, actor, field, old_value, new_value, note
    [[runbooks]]           id, path, title, ..., indexed_at, causes = [slugs]  (when the runbook table exists)
    [[meta]]               key, value                                          (when tracker_meta exists)

Ids are kept, so ``INC-n`` and ``ACT-n`` survive, and export -> import -> export gives the same
bytes. Time stamps are UTC offset date-times (microseconds kept), due dates TOML dates. A key
left out means NULL where the column allows it and is an error elsewhere. Strings are one-line
basic strings: tomli-w escapes every control character, so CR, CRLF and the like come back exactly.
Lengths and text rules are not checked on import: the file restores what the database held.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from enum import StrEnum
from typing import Any, NamedTuple

import tomli_w

from tracker.core import enums
from tracker.core.errors import DatabaseError
from tracker.core.timeutil import read_date, read_stamp
from tracker.core.validate import shown
from tracker.storage.database import Db

FORMAT = "tracker-export"
"""The value of the top-level ``format`` key."""

VERSION = 1
"""The layout version this module writes and reads."""

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


Kind = str | type[StrEnum]
"""``id``, ``int``, ``text``, ``stamp``, ``date``, or an enum whose values are allowed."""


class Col(NamedTuple):
    """One field of a record: its key in the file, its column, its kind, whether it may be absent."""

    key: str
    column: str
    kind: Kind
    optional: bool
    """Absent in the file means NULL in the database (the column is nullable)."""
    select: str | None
    """What export reads when it is not ``t.<column>`` (a joined slug)."""


def _c(key: str, kind: Kind = "text", optional: bool = False, column: str = "", select: str | None = None,
       ) -> Col:
    return Col(key, column or key, kind, optional, select)


def _texts(*keys: str) -> tuple[Col, ...]:
    return tuple(_c(key) for key in keys)


OPT = True
ID = _c("id", "id")
ROOT_CAUSE = (ID, *_texts("slug", "title", "category", "description"))
COMPONENT = (ID, _c("group", column="group_name"), _c("name"))
INCIDENT = (
    ID, *_texts("title", "company"), _c("kind", enums.IncidentKind), _c("severity", enums.Severity),
    _c("status", enums.IncidentStatus),
    *(_c(k, "stamp", OPT) for k in ("started_at", "detected_at", "mitigated_at", "resolved_at")),
    *_texts("summary", "impact", "customer_action", "source", "postmortem"),
    _c("created_at", "stamp"), _c("updated_at", "stamp"),
)
TIMELINE = (ID, _c("position", "int"), _c("at", "stamp", OPT), *_texts("label", "body"))
CAUSE_LINK = (_c("slug", column="root_cause_id", select="rc.slug"), _c("role", enums.CauseRole), _c("note"))
ACTION = (
    ID, _c("title"), _c("kind", enums.ActionKind), _c("owner", optional=OPT), _c("priority", enums.Priority),
    _c("status", enums.ActionStatus), _c("due", "date", column="due_date"),
    _c("incident", "id", OPT, "incident_id"), _c("root_cause", "text", OPT, "root_cause_id", "rc.slug"),
    _c("version", "int"),
    _c("runbook_path", optional=OPT), _c("description"), _c("created_at", "stamp"), _c("updated_at", "stamp"),
    _c("completed_at", "stamp", OPT),
)
EVENT = (ID, _c("action", "id", column="action_id"), _c("at", "stamp"), *_texts("actor", "field"),
         _c("old_value", optional=OPT), _c("new_value", optional=OPT), _c("note"))
RUNBOOK = (
    ID, *_texts("path", "title", "owner", "services"), _c("last_reviewed", "date", OPT),
    _c("review_every_days", "int", OPT), _c("content_hash"), _c("last_commit", optional=OPT),
    _c("last_commit_at", "stamp", OPT), _c("error", optional=OPT), _c("indexed_at", "stamp"),
)
META = _texts("key", "value")


# -- export ------------------------------------------------------------------------------------


def _show(value: Any) -> str:
    """A value as an error shows it: integers bare, anything else quoted and cut short."""
    return str(value) if isinstance(value, int) else shown(str(value))


_CAUSE_JOIN = " LEFT JOIN root_cause rc ON rc.id = t.root_cause_id"


def _has_table(db: Db, name: str) -> bool:
    if db.dialect == "sqlite":
        sql = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = :name"
    else:
        sql = ("SELECT 1 FROM information_schema.tables"
               " WHERE table_name = :name AND table_schema = current_schema()")
    return db.scalar(sql, {"name": name}) is not None


def _select(cols: Sequence[Col], table: str, joins: str = "", order: str = "t.id", lead: str = "") -> str:
    """The query reading ``cols`` (after ``lead`` columns) from ``table`` as ``t``."""
    columns = ", ".join(c.select or f"t.{c.column}" for c in cols)
    return f"SELECT {lead}{columns} FROM {table} t{joins} ORDER BY {order}"


def _record(cols: Sequence[Col], values: Sequence[Any], where: str) -> dict[str, Any]:
    """A row as a TOML table: NULLs dropped, stamps and dates as TOML values."""
    out: dict[str, Any] = {}
    for col, value in zip(cols, values, strict=True):
        if value is None:
            continue
        try:
            if col.kind == "stamp":
                value = read_stamp(value)
            elif col.kind == "date":
                value = read_date(value)
        except (TypeError, ValueError):
            raise DatabaseError(f"{where}: {col.column} holds {_show(value)}, not a {col.kind}") from None
        out[col.key] = value
    return out


def _table(header: str, record: dict[str, Any]) -> str:
    # tomli-w writes the values; the [[header]] is ours, so a short record never becomes an
    # inline table and each record can be written on its own (streamed).
    return f"\n[[{header}]]\n{tomli_w.dumps(record)}"


class _Children:
    """Child rows ordered by parent id (their first value), handed out one parent at a time."""

    def __init__(self, rows: Iterator[tuple[Any, ...]]) -> None:
        self._rows = rows
        self._next = next(rows, None)

    def take(self, parent_id: int) -> list[tuple[Any, ...]]:
        found = []
        while self._next is not None and self._next[0] <= parent_id:
            if self._next[0] == parent_id:
                found.append(self._next[1:])
            self._next = next(self._rows, None)
        return found


def _flat(name: str, table: str, cols: Sequence[Col], joins: str = "", order: str = "t.id") -> Exporter:
    def chunks(db: Db) -> Iterator[str]:
        for values in db.cursor(_select(cols, table, joins, order)):
            yield _table(name, _record(cols, values, f"{table} {values[0]}"))

    return chunks


def _incidents(db: Db) -> Iterator[str]:
    lead, join = "t.incident_id, ", _CAUSE_JOIN.replace(" LEFT", "")
    timeline = _Children(db.cursor(_select(TIMELINE, "timeline_entry", "", "t.incident_id, t.id", lead)))
    causes = _Children(db.cursor(
        _select(CAUSE_LINK, "incident_root_cause", join, "t.incident_id, t.root_cause_id", lead)))
    parts = _Children(db.cursor(
        "SELECT incident_id, component_id FROM incident_component ORDER BY incident_id, component_id"))
    for values in db.cursor(_select(INCIDENT, "incident")):
        where = f"incident {values[0]}"
        record = _record(INCIDENT, values, where)
        if components := [row[0] for row in parts.take(values[0])]:
            record["components"] = components
        chunk = [_table("incidents", record)]
        chunk += [_table("incidents.timeline", _record(TIMELINE, r, where)) for r in timeline.take(values[0])]
        chunk += [_table("incidents.causes", _record(CAUSE_LINK, r, where)) for r in causes.take(values[0])]
        yield "".join(chunk)


def _runbooks(db: Db) -> Iterator[str]:
    covers = _Children(db.cursor("SELECT runbook_id, slug FROM runbook_cause ORDER BY runbook_id, slug"))
    for values in db.cursor(_select(RUNBOOK, "runbook")):
        record = _record(RUNBOOK, values, f"runbook {values[0]}")
        if slugs := [row[0] for row in covers.take(values[0])]:
            record["causes"] = slugs
        yield _table("runbooks", record)


Exporter = Callable[[Db], Iterator[str]]

SECTIONS: dict[str, tuple[str, Exporter]] = {
    "root_causes": ("root_cause", _flat("root_causes", "root_cause", ROOT_CAUSE)),
    "components": ("component", _flat("components", "component", COMPONENT)),
    "incidents": ("incident", _incidents),
    "actions": ("action", _flat("actions", "action", ACTION, _CAUSE_JOIN)),
    "events": ("action_event", _flat("events", "action_event", EVENT)),
    "runbooks": ("runbook", _runbooks),
    "meta": ("tracker_meta", _flat("meta", "tracker_meta", META, order="t.key")),
}
"""Each top-level array: the table it needs (skipped when absent) and the function writing it.
Order matters: referenced rows come first, so import reads them in this order too."""


def iter_export(db: Db) -> Iterator[bytes]:
    """The export as UTF-8 chunks, one record at a time, streamed from the database."""
    yield tomli_w.dumps({"format": FORMAT, "version": VERSION}).encode()
    for table, chunks in SECTIONS.values():
        if _has_table(db, table):
            for chunk in chunks(db):
                yield chunk.encode()


def export_toml(db: Db) -> bytes:
    """The whole database as TOML bytes; the same database always gives the same bytes."""
    return b"".join(iter_export(db))


def import_toml(db: Db, data: bytes, *, name: str = "import") -> dict[str, int]:
    """Load an export into an empty database, all or nothing (see ``toml_import``)."""
    from tracker.importers.toml_import import import_toml as load

    return load(db, data, name=name)
