"""Checking and rebuilding a replica: the database is a view of the operations, so it can be made again.

``rebuild`` clears what the operations make (incidents, causes, actions, timelines, histories, conflicts)
and writes it again from every operation, in clock order. ``doctor`` rebuilds a copy and compares it with
the database as the commands left it, row by row (``snapshot``) and in its kept counts (against a
recount), and checks the operations against the ledger in git: every command's incremental work must come
to exactly what a full rebuild makes.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from tracker.repo import gitsync
from tracker.repo.ledger import store
from tracker.repo.ledger.home import LOCAL_REF
from tracker.repo.ledger.materialize import Materializer
from tracker.storage.database import Db, copy_sqlite
from tracker.storage.tally import recount_statements, tally_rows

DERIVED = ("action_event", "action", "incident_event", "timeline_entry", "incident_component", "incident_root_cause",
           "incident", "root_cause_alias", "root_cause")
"""Tables the operations make, children first."""


def rebuild(db: Db) -> int:
    """Write every table the operations make again from all of them; returns how many aggregates."""
    with db.write():
        store.capturing(db, False)
        db.execute("PRAGMA defer_foreign_keys = ON")
        for table in DERIVED:
            db.execute(f"DELETE FROM {table}")
        db.execute("DELETE FROM ledger_conflict")
        db.execute("DELETE FROM ledger_dirty")
        db.execute("UPDATE ledger_entity SET local_id = NULL, state = NULL, number = NULL, conflicts = 0,"
                   " digest = NULL, history = NULL")
        aggregates = {a for (a,) in db.rows("SELECT DISTINCT aggregate FROM ledger_op")}
        materializer = Materializer(db)
        causes = {a for (a,) in db.rows("SELECT DISTINCT aggregate FROM ledger_op WHERE type = 'cause'")}
        materializer.refresh(causes)
        materializer.refresh(aggregates - causes)
        for sql in recount_statements(db.dialect):  # the triggers kept them; a count made afresh repairs any drift
            db.execute(sql)
        store.capturing(db, True)
    return len(aggregates)


def snapshot(db: Db) -> dict[str, Any]:
    """What a replica shows, without what is only local (row versions, ids of causes and history lines)."""
    def rows(sql: str) -> list[list[Any]]:
        return [list(r) for r in db.rows(sql)]

    slug = "(SELECT slug FROM root_cause WHERE id = {})"
    return {
        "incidents": rows("SELECT id, title, company, kind, severity, status, started_at, detected_at, mitigated_at,"
                          " resolved_at, summary, impact, customer_action, source, postmortem, created_at, updated_at"
                          " FROM incident ORDER BY id"),
        "timeline": rows("SELECT id, incident_id, position, at, label, body FROM timeline_entry ORDER BY id"),
        "components": rows("SELECT x.incident_id, c.group_name, c.name FROM incident_component x JOIN component c"
                           " ON c.id = x.component_id ORDER BY 1, 2, 3"),
        "cause_links": rows(f"SELECT incident_id, {slug.format('root_cause_id')}, role, note FROM incident_root_cause"
                            " ORDER BY 1, 2"),
        "causes": rows("SELECT slug, title, category, description, retired_at FROM root_cause ORDER BY slug"),
        "aliases": rows(f"SELECT slug, {slug.format('root_cause_id')} FROM root_cause_alias ORDER BY slug"),
        "actions": rows(f"SELECT id, title, description, kind, owner, priority, due_date, status, created_at,"
                        f" updated_at, completed_at, incident_id, {slug.format('root_cause_id')}, runbook_path"
                        " FROM action ORDER BY id"),
        "action_history": rows("SELECT action_id, at, actor, field, old_value, new_value, note FROM action_event"
                               " ORDER BY action_id, id"),
        "incident_history": rows("SELECT incident_id, at, actor, field, old_value, new_value, note"
                                 " FROM incident_event ORDER BY incident_id, id"),
        "conflicts": rows("SELECT entity, field, kind, detail FROM ledger_conflict ORDER BY entity, field, kind")
        if store.is_replica(db) else [],
    }


def _differences(left: dict[str, Any], right: dict[str, Any]) -> list[str]:
    found = []
    for name in left:
        a, b = left[name], right[name]
        if a != b:
            extra = [row for row in a if row not in b][:1] or [row for row in b if row not in a][:1]
            found.append(f"{name}: {len(a)} rows here, {len(b)} after a rebuild; e.g. {json.dumps(extra)[:200]}")
    return found


def doctor(db: Db, git_dir: Path) -> list[str]:
    """What is wrong with this replica (empty when nothing is): its tables against a full rebuild, its
    operations against the ledger in git."""
    problems: list[str] = []
    if db.scalar("SELECT 1 FROM ledger_dirty LIMIT 1") is not None:
        problems.append("changes not turned into operations yet (any command does it)")
    applied = store.get_meta(db, "applied") or None
    tip = gitsync.read_ref(git_dir, LOCAL_REF)
    if tip is not None and applied != tip:
        problems.append(f"the ledger at {tip[:10]} is not applied yet (any command does it)")
    if applied is not None:
        paths = {c.path for c in gitsync.tree_changes(git_dir, None, applied) if c.path.startswith("ops/")}
        ids = {p.rsplit("-", 1)[-1].removesuffix(".json") for p in paths}
        published = {i for (i,) in db.rows("SELECT id FROM ledger_op WHERE published = 1")}
        if missing := ids - published:
            problems.append(f"{len(missing)} operations of the ledger are not in the database")
        if extra := published - ids:
            problems.append(f"{len(extra)} operations marked synced are not in the ledger")
    with tempfile.TemporaryDirectory(prefix="tracker-doctor-") as folder:
        copy = Path(folder) / "copy.db"
        copy_sqlite(Path(db.url), copy)
        with Db.connect_sqlite(copy) as fresh:
            rebuild(fresh)
            problems += _differences(snapshot(db), snapshot(fresh))
            kept, counted = tally_rows(db), tally_rows(fresh)
            problems += [f"{name}: the kept counts differ from a recount (tracker ledger rebuild counts again)"
                         for name in kept if kept[name] != counted[name]]
    return problems
