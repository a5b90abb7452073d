"""Making a replica: an empty one (joining a team's ledger), or one from an existing database (starting it).

``ledger init`` turns a database into operations, keeping its keys (``ACT-12`` stays ``ACT-12``, numbered
by ``assign_key`` operations) and its histories (carried in each ``create``), then pushes them as the
ledger's first commit; a replica joining later is made empty and filled by its first sync.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

from tracker.base.errors import DatabaseError
from tracker.base.timeutil import format_stamp, read_stamp
from tracker.core.opening import open_database
from tracker.repo.ledger import store
from tracker.repo.ledger.derive import INIT_SOURCE
from tracker.repo.ledger.format import Op, make_op, new_ulid, ulid_suffix
from tracker.repo.ledger.home import DB_NAME
from tracker.repo.ledger.model import ACTION, CAUSE, INCIDENT, TIMELINE, stored
from tracker.repo.ledger.replica import Replica
from tracker.storage.database import Db, copy_sqlite


def create_replica(home: Path, *, source: Path | None = None) -> Path:
    """A new replica database in ``home``: a copy of ``source`` (SQLite's backup API), else an empty one."""
    home.mkdir(parents=True, exist_ok=True)
    path = home / DB_NAME
    if path.exists():
        raise DatabaseError(f"{path}: a replica is already there")
    if source is not None:
        with open_database(str(source), create=None):
            pass  # recognised and upgraded like any database before it is copied
        copy_sqlite(source, path)
    db = open_database(str(path), create="empty" if source is None else None)
    try:
        with db.write():
            Replica.create_tables(db)
            db.execute("DELETE FROM tracker_meta WHERE key = 'trailers_scanned_to'")
    finally:
        db.close()
    return path


def _stamp(value: Any) -> str | None:
    return None if value is None else format_stamp(read_stamp(value))


def _history(db: Db, table: str, column: str, row_id: int) -> list[list[Any]]:
    return [[_stamp(at), actor, field, old, new, note] for at, actor, field, old, new, note in db.rows(
        f"SELECT at, actor, field, old_value, new_value, note FROM {table} WHERE {column} = :id ORDER BY at, id",
        {"id": row_id})]


def initial_ops(db: Db, replica: Replica) -> list[Op]:
    """The operations that make this database's content, keys and histories included (nothing is written)."""
    ops: list[Op] = []
    uids: dict[tuple[str, int], str] = {}

    def emit(kind: str, type_: str, entity: str, **fields: Any) -> None:
        ops.append(make_op(kind, type_, entity, clock=replica.tick(), replica=replica.replica_id,
                           actor=replica.actor, wall=format_stamp(replica.clock.now()), source=INIT_SOURCE, **fields))

    def uid(type_: str, row_id: int) -> str:
        return uids.setdefault((type_, row_id), new_ulid(replica.clock))

    aliases: dict[int, list[str]] = defaultdict(list)
    for slug, cause_id in db.rows("SELECT slug, root_cause_id FROM root_cause_alias ORDER BY slug"):
        aliases[int(cause_id)].append(slug)
    for row in db.rows("SELECT id, slug, title, category, description, retired_at FROM root_cause ORDER BY id"):
        values = {f.name: stored("cause", f.name, v) for f, v in zip(CAUSE.values(), row[1:], strict=True)}
        emit("create", "cause", uid("cause", row[0]), value={**values, "aliases": aliases[row[0]]})
    columns = ", ".join(f.column for f in INCIDENT.values())
    for row in db.rows(f"SELECT id, {columns}, created_at, updated_at FROM incident ORDER BY id"):
        incident = uid("incident", row[0])
        values = {f.name: stored("incident", f.name, v) for f, v in zip(INCIDENT.values(), row[1:-2], strict=True)}
        emit("create", "incident", incident, value={**values, "created_at": _stamp(row[-2]),
                                                     "updated_at": _stamp(row[-1]),
                                                     "history": _history(db, "incident_event", "incident_id", row[0])})
        emit("assign_key", "incident", incident, value=row[0])
        for group, name in db.rows("SELECT c.group_name, c.name FROM incident_component x JOIN component c"
                                   " ON c.id = x.component_id WHERE x.incident_id = :id ORDER BY 1, 2",
                                   {"id": row[0]}):
            emit("link", "incident", incident, field="components", value=f"{group} / {name}" if group else name)
        for cause_id, role, note in db.rows("SELECT root_cause_id, role, note FROM incident_root_cause"
                                            " WHERE incident_id = :id ORDER BY root_cause_id", {"id": row[0]}):
            emit("link", "incident", incident, field="causes",
                 value={"cause": uid("cause", cause_id), "role": role, "note": note})
        for entry in db.rows("SELECT id, at, label, body FROM timeline_entry WHERE incident_id = :id"
                             " ORDER BY position, id", {"id": row[0]}):
            values = {f.name: stored("timeline", f.name, v) for f, v in zip(TIMELINE.values(), entry[1:], strict=True)}
            emit("create", "timeline", uid("timeline", entry[0]), value=values, parent=incident)
            emit("assign_key", "timeline", uid("timeline", entry[0]), value=entry[0], parent=incident)
    columns = ", ".join(f.column for f in ACTION.values())
    for row in db.rows(f"SELECT id, {columns}, created_at, updated_at, completed_at FROM action ORDER BY id"):
        action = uid("action", row[0])
        values = {}
        for spec, value in zip(ACTION.values(), row[1:-3], strict=True):
            if spec.name == "incident":
                values["incident"] = None if value is None else uid("incident", value)
            elif spec.name == "root_cause":
                values["root_cause"] = None if value is None else uid("cause", value)
            else:
                values[spec.name] = stored("action", spec.name, value)
        extra = {"created_at": _stamp(row[-3]), "updated_at": _stamp(row[-2]),
                 "history": _history(db, "action_event", "action_id", row[0])}
        if row[-1] is not None:
            extra["completed_at"] = _stamp(row[-1])
        emit("create", "action", action, value={**values, **extra})
        emit("assign_key", "action", action, value=row[0])
    parents = {op.entity: op.aggregate for op in ops}
    db.execute_many("INSERT INTO ledger_entity (uid, type, aggregate, local_id, suffix) VALUES (:u, :t, :a, :id, :s)",
                    [{"u": entity, "t": type_, "a": parents.get(entity, entity), "id": row_id, "s": ulid_suffix(entity)}
                     for (type_, row_id), entity in uids.items()])
    return ops


def convert(db: Db, replica: Replica) -> int:
    """Turn the replica's content (a copied database) into pending operations, and the tables into their view."""
    with db.write():
        store.capturing(db, False)
        db.execute("DELETE FROM ledger_entity")
        ops = initial_ops(db, replica)
        store.capturing(db, True)
        count = replica.take(ops, published=False)
    return count
