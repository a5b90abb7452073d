"""The replica's own tables, beside the tracker's: operations, the entity map, what changed, conflicts.

They are created by the ledger, not by the schema migrations: they exist only in a replica's database
(a PostgreSQL team database never has them), and everything in them but the pending operations can be
rebuilt from the ledger.

- ``ledger_op``: every operation known here, with its bytes; ``published`` 0 for those not yet synced.
- ``ledger_entity``: each entity's ULID with its row id here, its number once synced, the six letters of
  its provisional key, its derived state (what ``capture`` compares the tables with; for an action, also
  what later edits are folded onto), and digests of its row and history as last written (so applying an
  operation writes only what changed, unread).
- ``ledger_dirty``: rows changed since the last capture, marked by triggers on the tracker's tables, so
  a change made by any code path (an import, a merge, another program) becomes operations.
- ``ledger_ref``: which aggregates name which entities (to redo them when those change).
- ``ledger_conflict``: conflicts and flags, per entity, for the review (``label`` names the entity as people
  do: ``ACT-12``, ``INC-3``, ``INC-3 #45``, a slug; ``detail`` holds the values, as JSON).
- ``ledger_meta``: the replica id, the clock, the commit applied, the format met.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from tracker.repo.ledger.format import ULID, Op, stored_op
from tracker.storage.database import Db

SCHEMA = 1
"""The layout of the replica's tables (``ledger_meta.schema``)."""

TABLES = (
    "CREATE TABLE IF NOT EXISTS ledger_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS ledger_flag (capture INTEGER NOT NULL)",
    "CREATE TABLE IF NOT EXISTS ledger_op (id TEXT PRIMARY KEY, clock TEXT NOT NULL, replica TEXT NOT NULL,"
    " kind TEXT NOT NULL, type TEXT NOT NULL, entity TEXT NOT NULL, aggregate TEXT NOT NULL, field TEXT,"
    " body BLOB NOT NULL, published INTEGER NOT NULL DEFAULT 0)",
    "CREATE INDEX IF NOT EXISTS ix_ledger_op_aggregate ON ledger_op (aggregate, clock)",
    "CREATE TABLE IF NOT EXISTS ledger_ref (uid TEXT NOT NULL, aggregate TEXT NOT NULL,"
    " PRIMARY KEY (uid, aggregate)) WITHOUT ROWID",
    "CREATE INDEX IF NOT EXISTS ix_ledger_op_pending ON ledger_op (published) WHERE published = 0",
    "CREATE TABLE IF NOT EXISTS ledger_entity (uid TEXT PRIMARY KEY, type TEXT NOT NULL, aggregate TEXT,"
    " local_id INTEGER, number INTEGER, suffix INTEGER NOT NULL, conflicts INTEGER NOT NULL DEFAULT 0, state TEXT,"
    " digest TEXT, history TEXT)",
    "CREATE UNIQUE INDEX IF NOT EXISTS ix_ledger_entity_local ON ledger_entity (type, local_id)",
    "CREATE INDEX IF NOT EXISTS ix_ledger_entity_suffix ON ledger_entity (type, suffix)",
    "CREATE INDEX IF NOT EXISTS ix_ledger_entity_number ON ledger_entity (type, number)",
    "CREATE INDEX IF NOT EXISTS ix_ledger_entity_aggregate ON ledger_entity (aggregate)",
    "CREATE TABLE IF NOT EXISTS ledger_dirty (tbl TEXT NOT NULL, row_id INTEGER NOT NULL,"
    " PRIMARY KEY (tbl, row_id)) WITHOUT ROWID",
    "CREATE TABLE IF NOT EXISTS ledger_conflict (aggregate TEXT NOT NULL, entity TEXT NOT NULL,"
    " type TEXT NOT NULL, field TEXT NOT NULL, kind TEXT NOT NULL, label TEXT NOT NULL, detail TEXT NOT NULL,"
    " PRIMARY KEY (entity, field, kind))",
    "CREATE INDEX IF NOT EXISTS ix_ledger_conflict_aggregate ON ledger_conflict (aggregate)",
)

_WATCHED = (
    # (table, the mark, the id column; events only on insert)
    ("action", "action", "id", True),
    ("incident", "incident", "id", True),
    ("timeline_entry", "timeline", "id", True),
    ("root_cause", "cause", "id", True),
    ("root_cause_alias", "cause", "root_cause_id", True),
    ("incident_root_cause", "incident", "incident_id", True),
    ("incident_component", "incident", "incident_id", True),
    ("action_event", "action_event", "id", False),
    ("incident_event", "incident_event", "id", False),
)


def _triggers() -> Iterator[str]:
    when = "WHEN (SELECT capture FROM ledger_flag)"
    for table, mark, column, changes in _WATCHED:
        rows = {"insert": ["NEW"], "update": ["OLD", "NEW"], "delete": ["OLD"]} if changes else {"insert": ["NEW"]}
        for event, sides in rows.items():
            body = " ".join(f"INSERT OR IGNORE INTO ledger_dirty (tbl, row_id) VALUES ('{mark}', {side}.{column});"
                            for side in sides)
            yield (f"CREATE TRIGGER IF NOT EXISTS ledger_{table}_{event} AFTER {event.upper()} ON {table}"
                   f" {when} BEGIN {body} END")


def create_tables(db: Db) -> None:
    """The replica's tables and triggers (inside the caller's write)."""
    for statement in (*TABLES, *_triggers()):
        db.execute(statement)
    if db.scalar("SELECT COUNT(*) FROM ledger_flag") == 0:
        db.execute("INSERT INTO ledger_flag (capture) VALUES (1)")
    set_meta(db, "schema", str(SCHEMA))


def is_replica(db: Db) -> bool:
    return db.dialect == "sqlite" and db.scalar(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'ledger_meta'") is not None


def get_meta(db: Db, key: str, default: str = "") -> str:
    value = db.scalar("SELECT value FROM ledger_meta WHERE key = :k", {"k": key})
    return default if value is None else str(value)


def set_meta(db: Db, key: str, value: str) -> None:
    db.execute("INSERT INTO ledger_meta (key, value) VALUES (:k, :v) ON CONFLICT (key) DO UPDATE SET value = :v",
                {"k": key, "v": value})


def capturing(db: Db, on: bool) -> None:
    """Switch the triggers on or off (off while the ledger itself writes the tables, inside its transaction)."""
    db.execute("UPDATE ledger_flag SET capture = :on", {"on": 1 if on else 0})


def refs(op: Op) -> set[str]:
    """The other entities an operation names: an action's incident and cause, a linked cause, a merge target."""
    value = op.value
    found: set[str] = set()
    if op.type == "action" and op.kind == "create" and isinstance(value, dict):
        found |= {value[k] for k in ("incident", "root_cause") if isinstance(value.get(k), str)}
    elif op.type == "action" and op.kind == "set" and op.field in ("incident", "root_cause") \
            and isinstance(value, str):
        found.add(value)
    elif op.kind in ("link", "unlink") and isinstance(value, dict) and isinstance(value.get("cause"), str):
        found.add(str(value["cause"]))
    elif op.kind == "merge_into" and isinstance(value, str):
        found.add(value)
    return {uid for uid in found if ULID.fullmatch(uid)}


def add_ops(db: Db, ops: Iterable[Op], *, published: bool) -> list[Op]:
    """Store operations not known yet (an op already pending becomes published); returns the new ones."""
    new: list[Op] = []
    rows: list[dict[str, Any]] = []
    links: list[dict[str, str]] = []
    ops = list(ops)
    known: dict[str, int] = {}
    for start in range(0, len(ops), 500):
        chunk = ops[start:start + 500]
        marks = ", ".join(f":i{n}" for n in range(len(chunk)))
        known.update((i, int(p)) for i, p in db.rows(f"SELECT id, published FROM ledger_op WHERE id IN ({marks})",
                                                     {f"i{n}": op.id for n, op in enumerate(chunk)}))
    seen: set[str] = set()
    for op in ops:
        if op.id in seen:
            continue
        seen.add(op.id)
        if op.id in known:
            if published and not known[op.id]:
                db.execute("UPDATE ledger_op SET published = 1 WHERE id = :id", {"id": op.id})
            continue
        new.append(op)
        rows.append({"id": op.id, "clock": op.clock, "replica": op.replica, "kind": op.kind, "type": op.type,
                     "entity": op.entity, "aggregate": op.aggregate, "field": op.field, "body": op.raw,
                     "published": 1 if published else 0})
        links.extend({"uid": uid, "aggregate": op.aggregate} for uid in refs(op))
    if rows:
        db.execute_many(
            "INSERT INTO ledger_op (id, clock, replica, kind, type, entity, aggregate, field, body, published)"
            " VALUES (:id, :clock, :replica, :kind, :type, :entity, :aggregate, :field, :body, :published)",
            rows)
    if links:
        db.execute_many("INSERT OR IGNORE INTO ledger_ref (uid, aggregate) VALUES (:uid, :aggregate)", links)
    return new


def aggregate_ops(db: Db, aggregate: str) -> list[Op]:
    return [stored_op(bytes(raw), ident) for raw, ident in db.rows(
        "SELECT body, id FROM ledger_op WHERE aggregate = :a ORDER BY clock, replica, id", {"a": aggregate})]


def pending_ops(db: Db) -> list[Op]:
    return [stored_op(bytes(raw), ident) for raw, ident in db.rows(
        "SELECT body, id FROM ledger_op WHERE published = 0 ORDER BY clock, replica, id")]


def referring(db: Db, uids: Iterable[str]) -> set[str]:
    """Aggregates with operations naming any of ``uids``."""
    found: set[str] = set()
    chunk: list[str] = []
    for uid in [*uids, None]:
        if uid is not None:
            chunk.append(uid)
        if chunk and (uid is None or len(chunk) == 500):
            marks = ", ".join(f":u{i}" for i in range(len(chunk)))
            found |= {a for (a,) in db.rows(f"SELECT aggregate FROM ledger_ref WHERE uid IN ({marks})",
                                            {f"u{i}": u for i, u in enumerate(chunk)})}
            chunk = []
    return found


def load_state(db: Db, uid: str) -> dict[str, Any] | None:
    raw = db.scalar("SELECT state FROM ledger_entity WHERE uid = :u", {"u": uid})
    return None if raw is None else dict(json.loads(raw))
