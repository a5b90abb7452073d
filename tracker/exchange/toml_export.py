"""Export the whole database as one TOML document (layout: ``tracker.exchange.toml_format``).

Ids are kept, so ``INC-n`` and ``ACT-n`` survive, and export -> import -> export gives the same bytes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

import tomli_w

from tracker.base.errors import DatabaseError
from tracker.base.timeutil import read_date, read_stamp
from tracker.exchange.toml_format import (
    ACTION,
    ALIAS,
    CAUSE_LINK,
    COMPONENT,
    EVENT,
    FORMAT,
    INCIDENT,
    INCIDENT_EVENT,
    META,
    ROOT_CAUSE,
    RUNBOOK,
    SECTIONS,
    TIMELINE,
    VERSION,
    Col,
    has_table,
    show_value,
)
from tracker.storage.database import Db

_CAUSE_JOIN = " LEFT JOIN root_cause rc ON rc.id = t.root_cause_id"
# -- export ------------------------------------------------------------------------------------


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
            raise DatabaseError(f"{where}: {col.column} holds {show_value(value)}, not a {col.kind}") from None
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

EXPORTERS: dict[str, Exporter] = {
    "root_causes": _flat("root_causes", "root_cause", ROOT_CAUSE),
    "aliases": _flat("aliases", "root_cause_alias", ALIAS, _CAUSE_JOIN.replace(" LEFT", ""), order="t.slug"),
    "components": _flat("components", "component", COMPONENT),
    "incidents": _incidents,
    "incident_events": _flat("incident_events", "incident_event", INCIDENT_EVENT),
    "actions": _flat("actions", "action", ACTION, _CAUSE_JOIN),
    "events": _flat("events", "action_event", EVENT),
    "runbooks": _runbooks,
    "meta": _flat("meta", "tracker_meta", META, order="t.key"),
}
"""The function writing each top-level array (``toml_format.SECTIONS`` gives their order and tables)."""


def iter_export(db: Db) -> Iterator[bytes]:
    """The export as UTF-8 chunks, one record at a time, streamed from the database."""
    yield tomli_w.dumps({"format": FORMAT, "version": VERSION}).encode()
    for section, table in SECTIONS.items():
        if has_table(db, table):
            for chunk in EXPORTERS[section](db):
                yield chunk.encode()


def export_toml(db: Db) -> bytes:
    """The whole database as TOML bytes; the same database always gives the same bytes."""
    return b"".join(iter_export(db))
