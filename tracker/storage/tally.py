"""The counts kept as the actions change (migrations ``0006_tallies`` and ``0007_tally_moves``), and recounting.

Triggers on ``action`` keep ``action_tally`` (status, due date, owner), ``action_day_tally`` (the UTC
day an action was created, last updated and completed, with its status), ``cause_tally`` (root
cause, kind, status), ``incident_tally`` (actions per incident, a row for every incident) and
``row_tally`` (how many incidents) in step with every write, in the same transaction. An update moves
only the counts whose key it changed: a new owner touches ``action_tally`` and the day the action was
last updated, nothing else. A bulk load that lifts the triggers (the benchmarks' generators) recounts
them once afterwards with ``recount_statements``.
"""

from __future__ import annotations

from tracker.storage.database import Db

TALLIES = ("action_tally", "action_day_tally", "cause_tally", "incident_tally", "row_tally")

STAMPS = ("created_at", "updated_at", "completed_at")
"""The timestamps ``action_day_tally`` counts by day (its ``stamp`` column holds the name)."""


def utc_day(dialect: str, column: str) -> str:
    """SQL for the UTC day of a stored timestamp column (fixed-width UTC text on SQLite)."""
    return f"substr({column}, 1, 10)" if dialect == "sqlite" else f"CAST({column} AT TIME ZONE 'UTC' AS DATE)"


def recount_statements(dialect: str) -> list[str]:
    """SQL that empties the tallies and counts every action again."""
    statements = [f"DELETE FROM {table}" for table in TALLIES]
    statements.append("INSERT INTO action_tally (status, due_date, owner, n)"
                      " SELECT status, due_date, coalesce(owner, ''), COUNT(*) FROM action GROUP BY 1, 2, 3")
    for stamp in STAMPS:
        statements.append(f"INSERT INTO action_day_tally (stamp, status, day, n) SELECT '{stamp}', status,"
                          f" {utc_day(dialect, stamp)}, COUNT(*) FROM action WHERE {stamp} IS NOT NULL GROUP BY 2, 3")
    statements.append("INSERT INTO cause_tally (root_cause_id, kind, status, n) SELECT root_cause_id, kind, status,"
                      " COUNT(*) FROM action WHERE root_cause_id IS NOT NULL GROUP BY 1, 2, 3")
    statements.append("INSERT INTO incident_tally (incident_id, n) SELECT i.id, COUNT(a.id) FROM incident i"
                      " LEFT JOIN action a ON a.incident_id = i.id GROUP BY i.id")
    statements.append("INSERT INTO row_tally (name, n) SELECT 'incident', COUNT(*) FROM incident")
    return statements


def recount(db: Db) -> None:
    """Count every action again, in one transaction."""
    with db.write():
        for sql in recount_statements(db.dialect):
            db.execute(sql)


def tally_rows(db: Db) -> dict[str, set[tuple[object, ...]]]:
    """Each tally's non-zero rows, as comparable tuples (days and dates as ISO text)."""
    found: dict[str, set[tuple[object, ...]]] = {}
    for table in TALLIES:
        rows = db.rows(f"SELECT * FROM {table}" + ("" if table in ("incident_tally", "row_tally") else " WHERE n <> 0"))
        found[table] = {tuple(str(v) if not isinstance(v, int) else v for v in row) for row in rows}
    return found
