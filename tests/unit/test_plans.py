"""The commands that print a page, a count or a summary cost the same whatever the number of actions.

SQLite: the work each command does (virtual machine steps, counted with a progress handler) stays
flat when the actions and incidents grow fivefold; its overdue page reads one index range per status
(EXPLAIN QUERY PLAN). PostgreSQL: with sequential scans priced out, EXPLAIN shows an index serving
every statement on the large tables (no ``Seq Scan`` left on them).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.conftest import TODAY
from tracker.base.enums import OPEN_STATUSES
from tracker.core.actions import ActionFilter, count_actions, iter_actions
from tracker.core.incidents import count_incidents, last_incidents, list_incidents
from tracker.core.review.build import build_review
from tracker.core.rootcauses import list_root_causes
from tracker.storage.database import Db

pytestmark = [pytest.mark.both_backends, pytest.mark.date_sensitive]

LARGE = ("action", "action_event", "incident")
"""Tables that grow with the data; the small ones (causes, runbooks, tallies) may be read whole."""


@pytest.fixture
def recorded(db: Db, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[str, dict[str, Any]]]]:
    """Every statement ``db`` runs, with its parameters."""
    statements: list[tuple[str, dict[str, Any]]] = []
    original = Db.cursor

    def cursor(self: Db, sql: str, params: Any = None) -> Iterator[tuple[Any, ...]]:
        if self is db and not sql.lstrip().upper().startswith(("EXPLAIN", "SET", "RESET", "PRAGMA")):
            statements.append((sql, dict(params or {})))
        return original(self, sql, params)

    monkeypatch.setattr(Db, "cursor", cursor)
    yield statements


def seq_scans(db: Db, sql: str, params: dict[str, Any]) -> list[str]:
    """PostgreSQL: the plan lines of ``sql`` that read a large table whole though an index could serve."""
    db.execute("SET enable_seqscan = off")
    try:
        lines = [str(r[0]) for r in db.rows(f"EXPLAIN {sql}", params)]
    finally:
        db.execute("RESET enable_seqscan")
    return [line for line in lines if re.search(rf"Seq Scan on ({'|'.join(LARGE)})\b", line)]


def grow(db: Db, actions: int, incidents: int) -> None:
    """Add ``incidents`` incidents and ``actions`` actions (spread over owners, statuses, due dates and
    incidents) with a history event each, in bulk through the triggers."""
    stamp = "2026-11-01T09:00:00.000000+00:00"
    first = int(db.scalar("SELECT COALESCE(MAX(id), 0) FROM incident")) + 1
    with db.write():
        db.execute(
            "INSERT INTO incident (title, company, kind, severity, status, started_at, summary, impact,"
            " customer_action, source, postmortem, created_at, updated_at, version)"
            " WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :count)"
            " SELECT 'Bulk outage ' || i, '', 'incident', 'SEV3', 'resolved', :stamp, '', '', '', '', '', :stamp,"
            " :stamp, 1 FROM n", {"count": incidents, "stamp": stamp})
        db.execute(
            "INSERT INTO action (title, description, kind, owner, priority, due_date, status, created_at,"
            " updated_at, completed_at, incident_id, version)"
            " WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :count)"
            " SELECT 'Bulk action ' || i, '', 'prevent', 'team-' || (i % 7), 'P2',"
            " date(:today, ((i % 61) - 30) || ' days'),"
            " CASE i % 5 WHEN 0 THEN 'done' WHEN 1 THEN 'blocked' WHEN 2 THEN 'proposed' ELSE 'open' END,"
            " :stamp, :stamp, CASE i % 5 WHEN 0 THEN :stamp END, :first + (i % :incidents), 1 FROM n",
            {"count": actions, "stamp": stamp, "today": TODAY.isoformat(), "first": first, "incidents": incidents})
        db.execute("INSERT INTO action_event (action_id, at, actor, field, old_value, new_value, note)"
                   " SELECT id, created_at, 'bulk', 'created', NULL, title, '' FROM action"
                   " WHERE id NOT IN (SELECT action_id FROM action_event)")


def steps(db: Db, job: Callable[[Db], object]) -> int:
    """SQLite virtual machine steps ``job`` takes (in hundreds)."""
    counted = [0]

    def tick() -> int:
        counted[0] += 1
        return 0

    raw = db._sqlite
    assert raw is not None
    raw.set_progress_handler(tick, 100)
    try:
        job(db)
    finally:
        raw.set_progress_handler(None, 0)
    return counted[0]


COMMANDS: dict[str, Callable[[Db], object]] = {
    "summary": lambda db: (count_incidents(db), count_actions(db, ActionFilter(statuses=OPEN_STATUSES)),
                           count_actions(db, ActionFilter(overdue=True, today=TODAY)), last_incidents(db, 10)),
    "actions list --overdue --limit 50": lambda db: list(iter_actions(
        db, ActionFilter(overdue=True, today=TODAY), limit=50)),
    "actions list --status open --status blocked --sort priority --limit 50": lambda db: list(iter_actions(
        db, ActionFilter(statuses=("open", "blocked"), today=TODAY), sort="priority", limit=50)),
    "actions list --owner db-team --limit 50": lambda db: list(iter_actions(
        db, ActionFilter(owner="db-team", today=TODAY), limit=50)),
    "incidents list --limit 50": lambda db: list_incidents(db, limit=50),
    "rootcauses list": list_root_causes,
    "review": lambda db: build_review(db, week="2026-W48", today=TODAY, stale_days=14, runbooks=[]),
}


@pytest.mark.parametrize("command", list(COMMANDS))
def test_the_work_does_not_grow_with_the_data(db: Db, recorded: list[tuple[str, dict[str, Any]]],
                                              command: str) -> None:
    if db.dialect == "sqlite":
        grow(db, 3000, 150)
        COMMANDS[command](db)  # warm: the statement cache, the runbook index probe
        before = steps(db, COMMANDS[command])
        grow(db, 12000, 600)
        after = steps(db, COMMANDS[command])
        assert after <= before * 1.25 + 20, f"{command}: {before} -> {after} (x100 VM steps) for 5x the rows"
    else:
        COMMANDS[command](db)
        assert recorded
        scans = {sql: found for sql, params in recorded if (found := seq_scans(db, sql, params))}
        assert scans == {}


def test_the_overdue_page_reads_one_index_range_per_status(db: Db,
                                                           recorded: list[tuple[str, dict[str, Any]]]) -> None:
    list(iter_actions(db, ActionFilter(overdue=True, today=TODAY), limit=50))
    (sql, params), = recorded
    if db.dialect == "sqlite":
        plan = "\n".join(str(r[3]) for r in db.rows(f"EXPLAIN QUERY PLAN {sql}", params))
        assert plan.count("USING COVERING INDEX ix_action_status_due_date_id (status=? AND due_date<?)") == len(
            OPEN_STATUSES)
    else:
        db.execute("SET enable_seqscan = off")
        plan = "\n".join(str(r[0]) for r in db.rows(f"EXPLAIN {sql}", params))
        db.execute("RESET enable_seqscan")
        assert "Limit" in plan and "Seq Scan on action" not in plan


def test_decisions_are_found_through_the_note_index(db: Db, recorded: list[tuple[str, dict[str, Any]]]) -> None:
    build_review(db, week="2026-W48", today=TODAY, stale_days=14, runbooks=[])
    sql, params = next((s, p) for s, p in recorded if "e.note" in s and "GROUP BY" in s)
    if db.dialect == "sqlite":
        plan = " ".join(str(r[3]) for r in db.rows(f"EXPLAIN QUERY PLAN {sql}", params))
        assert "ix_action_event_note (note>? AND note<?)" in plan
    else:
        db.execute("SET enable_seqscan = off")
        plan = " ".join(str(r[0]) for r in db.rows(f"EXPLAIN {sql}", params))
        db.execute("RESET enable_seqscan")
        assert "ix_action_event_note" in plan and "Index Cond" in plan


def test_summary_counts_come_from_the_kept_counts(db: Db, recorded: list[tuple[str, dict[str, Any]]]) -> None:
    count_actions(db, ActionFilter(overdue=True, today=TODAY))
    (sql, _), = recorded
    assert "FROM action_tally" in sql and "FROM action " not in sql
