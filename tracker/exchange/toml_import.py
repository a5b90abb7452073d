"""Reading a whole-database TOML export back into an empty database (see ``toml_format`` for the layout).

Everything is checked before the first write; the load is one transaction.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator, Sequence
from datetime import date, datetime
from typing import Any

from tracker.base.errors import InputError
from tracker.base.text import shown
from tracker.base.timeutil import check_day, check_moment
from tracker.core.validate import check_value, clean_meta, clean_runbook_link
from tracker.exchange.toml_format import (
    ACTION,
    ALIAS,
    CAUSE_LINK,
    COMPONENT,
    EVENT,
    FORMAT,
    INCIDENT,
    INCIDENT_EVENT,
    INT64_MAX,
    INT64_MIN,
    META,
    READABLE,
    ROOT_CAUSE,
    RUNBOOK,
    SECTIONS,
    TIMELINE,
    Col,
    Kind,
    has_table,
    show_value,
)
from tracker.storage.database import Db

# -- import: checking ----------------------------------------------------------------------------

_TOML_TYPES = ((bool, "a boolean"), (int, "an integer"), (float, "a float"), (str, "a string"),
               (datetime, "a date-time"), (date, "a date"), (list, "an array"), (dict, "a table"))


def _describe(value: Any) -> str:
    what = next((name for kind, name in _TOML_TYPES if isinstance(value, kind)), type(value).__name__)
    return what if isinstance(value, (list, dict)) else f"{what} {shown(str(value))}"


def _value(value: Any, kind: Kind, path: str) -> Any:
    """Check one value against its kind; return it in the form the database takes."""
    if not isinstance(kind, str):
        choices = [m.value for m in kind]
        if isinstance(value, str) and value in choices:
            return value
        expected = f"one of {', '.join(choices)}"
    elif kind in ("id", "int"):
        low = 1 if kind == "id" else INT64_MIN
        if isinstance(value, int) and not isinstance(value, bool) and low <= value <= INT64_MAX:
            return value
        expected = "a positive integer" if kind == "id" else "an integer"
    elif kind == "text":
        if isinstance(value, str):
            return value
        expected = "a string"
    elif kind == "stamp":
        if isinstance(value, datetime) and value.tzinfo is not None:
            return check_moment(value, path)
        expected = "a date-time with an offset (e.g. 2026-11-23T09:30:00Z)"
    else:
        if isinstance(value, date) and not isinstance(value, datetime):
            return check_day(value, path)
        expected = "a date (e.g. 2026-11-23)"
    raise InputError(f"{path}: expected {expected}, got {_describe(value)}")


def _fields(record: Any, cols: Sequence[Col], path: str, table: str,
            children: Sequence[str] = ()) -> dict[str, Any]:
    """Check a table against its fields: types, then the validation layer's rule for each column.

    Returns file key -> checked value (None when absent); an error names the record and the field.
    """
    if not isinstance(record, dict):
        raise InputError(f"{path}: expected a table, got {_describe(record)}")
    if unknown := sorted(set(record) - {c.key for c in cols} - set(children)):
        raise InputError(f"{path}.{unknown[0]}: unknown key")
    out: dict[str, Any] = {}
    for col in cols:
        if col.key in record:
            where = f"{path}.{col.key}"
            out[col.key] = _rule(table, col.column, _value(record[col.key], col.kind, where), where)
        elif col.optional:
            out[col.key] = None
        else:
            raise InputError(f"{path}: missing key {col.key!r}")
    return out


def _rule(table: str, column: str, value: Any, where: str) -> Any:
    """``value`` through the validation layer's rule for ``table.column``; a refusal names ``where``."""
    try:
        return check_value(table, column, value)
    except InputError as exc:
        raise InputError(f"{where}: {exc}") from None


def _array(container: dict[str, Any], key: str, path: str) -> list[Any]:
    items = container.get(key, [])
    if not isinstance(items, list):
        raise InputError(f"{path}: expected an array, got {_describe(items)}")
    return items


def _records(
    container: dict[str, Any], key: str, cols: Sequence[Col], seen: set[Any], prefix: str = "",
    children: Sequence[str] = (), unique: str = "id", table: str = "",
) -> Iterator[tuple[str, dict[str, Any], dict[str, Any]]]:
    """Check each table of an array; yields (path, checked fields, raw table). ``unique`` must be."""
    for n, item in enumerate(_array(container, key, f"{prefix}{key}")):
        path = f"{prefix}{key}[{n}]"
        fields = _fields(item, cols, path, table or SECTIONS[key], children)
        _unique(seen, fields[unique], f"{path}.{unique}", unique)
        yield path, fields, item


def _unique(seen: set[Any], value: Any, path: str, what: str) -> None:
    if value in seen:
        raise InputError(f"{path}: duplicate {what} {show_value(value)}")
    seen.add(value)


def _known(value: Any, known: set[Any] | dict[Any, Any], path: str, what: str) -> None:
    if value is not None and value not in known:
        raise InputError(f"{path}: no {what} {show_value(value)} in the file")


def _row(cols: Sequence[Col], fields: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """Checked fields keyed by column, ready for a named-parameter INSERT."""
    return {**{c.column: fields[c.key] for c in cols}, **extra}


Plan = dict[str, list[dict[str, Any]]]
"""Checked rows keyed by column, per table, in insert order (referenced rows first)."""


def _plan(doc: dict[str, Any], runbooks_dir: str = "runbooks") -> Plan:
    version = doc["version"]
    known = {"format", "version", *SECTIONS} - (set() if version >= 2 else {"aliases", "incident_events"})
    if unknown := sorted(set(doc) - known):
        raise InputError(f"{unknown[0]}: unknown key (not part of a version {version} export)")
    plan: Plan = {table: [] for table in (
        "root_cause", "root_cause_alias", "component", "incident", "timeline_entry", "incident_component",
        "incident_root_cause", "incident_event", "action", "action_event", "runbook", "runbook_cause",
        "tracker_meta")}
    causes: dict[str, int] = {}
    slugs: set[str] = set()
    for path, fields, _ in _records(doc, "root_causes", ROOT_CAUSE, set()):
        _unique(slugs, fields["slug"], f"{path}.slug", "slug")
        causes[fields["slug"]] = fields["id"]
        plan["root_cause"].append(_row(ROOT_CAUSE, fields))
    for path, fields, _ in _records(doc, "aliases", ALIAS, set(), unique="slug"):
        if fields["slug"] in causes:
            raise InputError(f"{path}.slug: {show_value(fields['slug'])} is a root cause's own slug")
        _known(fields["root_cause"], causes, f"{path}.root_cause", "root cause")
        fields["root_cause"] = causes[fields["root_cause"]]
        plan["root_cause_alias"].append(_row(ALIAS, fields))
    components: set[int] = set()
    names: set[tuple[str, str]] = set()
    for path, fields, _ in _records(doc, "components", COMPONENT, components):
        _unique(names, (fields["group"], fields["name"]), path, "group and name")
        plan["component"].append(_row(COMPONENT, fields))
    incidents: set[int] = set()
    entries: set[int] = set()
    children = ("components", "timeline", "causes")
    for path, fields, item in _records(doc, "incidents", INCIDENT, incidents, "", children):
        if fields["version"] is None:
            fields["version"] = 1  # a version 1 file: every incident starts at version 1
        plan["incident"].append(_row(INCIDENT, fields))
        _plan_incident(plan, path, fields["id"], item, causes, components, entries)
    for path, fields, _ in _records(doc, "incident_events", INCIDENT_EVENT, set()):
        _known(fields["incident"], incidents, f"{path}.incident", "incident with id")
        plan["incident_event"].append(_row(INCIDENT_EVENT, fields))
    actions: set[int] = set()
    for path, fields, _ in _records(doc, "actions", ACTION, actions):
        _known(fields["incident"], incidents, f"{path}.incident", "incident with id")
        _known(fields["root_cause"], causes, f"{path}.root_cause", "root cause")
        fields["root_cause"] = causes.get(fields["root_cause"])
        _runbook_link(fields["runbook_path"], runbooks_dir, f"{path}.runbook_path")
        plan["action"].append(_row(ACTION, fields))
    for path, fields, _ in _records(doc, "events", EVENT, set()):
        _known(fields["action"], actions, f"{path}.action", "action with id")
        plan["action_event"].append(_row(EVENT, fields))
    paths: set[str] = set()
    for path, fields, item in _records(doc, "runbooks", RUNBOOK, set(), "", ("causes",)):
        _unique(paths, fields["path"], f"{path}.path", "path")
        plan["runbook"].append(_row(RUNBOOK, fields))
        covered: set[str] = set()
        for k, slug in enumerate(_array(item, "causes", f"{path}.causes")):
            where = f"{path}.causes[{k}]"
            slug = _rule("runbook_cause", "slug", _value(slug, "text", where), where)
            _unique(covered, slug, where, "slug")
            plan["runbook_cause"].append({"runbook_id": fields["id"], "slug": slug})
    for path, fields, _ in _records(doc, "meta", META, set(), unique="key"):
        try:
            clean_meta(fields["key"], fields["value"])
        except InputError as exc:
            raise InputError(f"{path}: {exc}") from None
        plan["tracker_meta"].append(_row(META, fields))
    return plan


def _runbook_link(value: str | None, runbooks_dir: str, path: str) -> None:
    """An action's runbook link obeys the rules of one set by hand, and is kept exactly (no rewriting here)."""
    if not value:
        return
    try:
        if clean_runbook_link(value, runbooks_dir) != value:
            raise InputError(f"runbook link {show_value(value)} has spaces around it")
    except InputError as exc:
        raise InputError(f"{path}: {exc}") from None


def _plan_incident(
    plan: Plan, path: str, incident_id: int, item: dict[str, Any], causes: dict[str, int],
    components: set[int], entries: set[int],
) -> None:
    """An incident's children: component ids, timeline entries (ids unique file-wide), cause links."""
    linked: set[int] = set()
    for k, ref in enumerate(_array(item, "components", f"{path}.components")):
        ref = _value(ref, "id", f"{path}.components[{k}]")
        _known(ref, components, f"{path}.components[{k}]", "component with id")
        _unique(linked, ref, f"{path}.components[{k}]", "component")
        plan["incident_component"].append({"incident_id": incident_id, "component_id": ref})
    for _, fields, _ in _records(item, "timeline", TIMELINE, entries, f"{path}.", table="timeline_entry"):
        plan["timeline_entry"].append(_row(TIMELINE, fields, incident_id=incident_id))
    cited: set[str] = set()
    for k, link in enumerate(_array(item, "causes", f"{path}.causes")):
        fields = _fields(link, CAUSE_LINK, f"{path}.causes[{k}]", "incident_root_cause")
        _known(fields["slug"], causes, f"{path}.causes[{k}].slug", "root cause")
        _unique(cited, fields["slug"], f"{path}.causes[{k}].slug", "root cause")
        fields["slug"] = causes[fields["slug"]]
        plan["incident_root_cause"].append(_row(CAUSE_LINK, fields, incident_id=incident_id))


def _parse(data: bytes, name: str) -> dict[str, Any]:
    try:
        text = data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        raise InputError(f"{name}: not UTF-8 text (bad byte at offset {exc.start})") from None
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # Python 3.11's TOMLDecodeError has no lineno attribute: the position ends the message.
        message = str(exc)
        if where := re.search(r" \(at line ([0-9]+), column ([0-9]+)\)$", message):
            line, column, message = where.group(1), f"column {where.group(2)}", message[: where.start()]
        else:
            line, column = str(text.count("\n") + 1), "at end of document"
            message = message.removesuffix(" (at end of document)")
        raise InputError(f"{name} line {line}: {message} ({column})") from None
    if doc.get("format") != FORMAT:
        raise InputError(f"{name}: not a tracker export (expected format = {FORMAT!r} at the top)")
    version = doc.get("version")
    if version is None:
        raise InputError(f"{name}: missing key 'version' (the export's layout version)")
    if type(version) is not int or version not in READABLE:
        raise InputError(f"{name}: export version {show_value(version)} is not supported"
                         f" (this tracker reads {', '.join(map(str, READABLE))})")
    return doc


# -- import: writing -----------------------------------------------------------------------------

ID_TABLES = ("root_cause", "component", "incident", "timeline_entry", "incident_event", "action", "action_event",
             "runbook")
"""Tables whose rows have a generated integer id."""


def _refuse_non_empty(db: Db, tables: Sequence[str]) -> None:
    held = [(t, int(db.scalar(f"SELECT COUNT(*) FROM {t}"))) for t in tables if has_table(db, t)]
    if found := ", ".join(f"{count} {table} rows" for table, count in held if count):
        raise InputError(f"{db.url}: the database is not empty ({found});"
                         " import into a new one (tracker init --empty)")


def _advance_sequences(db: Db, tables: Sequence[str]) -> None:
    """Make new rows get ids after the imported ones.

    Nothing to do on SQLite: a plain INTEGER PRIMARY KEY takes max(id) + 1, and an AUTOINCREMENT
    table's ``sqlite_sequence`` counter follows explicit ids too. PostgreSQL's sequences do not.
    """
    if db.dialect == "postgresql":
        for table in tables:
            db.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), MAX(id)) FROM {table}"
                       " HAVING MAX(id) IS NOT NULL")


def _insert_all(db: Db, table: str, rows: list[dict[str, Any]]) -> None:
    columns = list(rows[0])
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(':' + c for c in columns)})"
    db.execute_many(sql, rows)


def _without_fts_trigger(db: Db) -> str | None:
    """On SQLite, drop the per-row FTS insert trigger for a bulk load; returns its SQL to restore.

    Inside the import's transaction, so a failure (or a crash) brings the trigger back with
    everything else. The index is rebuilt in one pass afterwards.
    """
    if db.dialect != "sqlite":
        return None
    trigger = db.scalar("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'action_fts_ai'")
    if not trigger:
        return None
    db.execute("DROP TRIGGER action_fts_ai")
    return str(trigger)


def import_toml(db: Db, data: bytes, *, name: str = "import", runbooks_dir: str = "runbooks") -> dict[str, int]:
    """Load an export into an EMPTY database, all or nothing; returns the rows created per table.

    ``name`` (a file name) starts every error message. Everything is checked before the first
    write; on SQLite the full-text index is rebuilt once after the rows are in. Actions' runbook
    links must lie inside ``runbooks_dir``.
    """
    tables = (*ID_TABLES, "tracker_meta", "root_cause_alias")
    _refuse_non_empty(db, tables)
    doc = _parse(data, name)
    try:
        plan = _plan(doc, runbooks_dir)
        if missing := [t for t, rows in plan.items() if rows and not has_table(db, t)]:
            raise InputError(f"this database has no {missing[0]} table (upgrade the tracker)")
    except InputError as exc:
        raise InputError(f"{name}: {exc}") from None
    with db.write():
        _refuse_non_empty(db, tables)  # again, under the write lock: someone may have written meanwhile
        trigger = _without_fts_trigger(db)
        try:
            for table, rows in plan.items():
                if rows:
                    _insert_all(db, table, rows)
            if trigger:
                db.execute("INSERT INTO action_fts(action_fts) VALUES ('rebuild')")
                db.execute(trigger)
        except Exception as exc:  # a constraint these checks do not know (one from a later schema)
            if not {c.__name__ for c in type(exc).__mro__} & {"IntegrityError", "DataError"}:
                raise
            raise InputError(f"{name}: the database refused the data ({str(exc).splitlines()[0]})") from None
        _advance_sequences(db, [t for t in ID_TABLES if plan[t]])
    return {table: len(rows) for table, rows in plan.items()}
