"""The SQL behind the insights: a few grouped queries, nothing walked row by row in Python.

At 100,000 actions the costs (measured on SQLite) are a handful of filtered scans, each grouping only the
rows it keeps, and per-week range counts that an index answers alone. Stored times and dates are
compared against bounds computed here rather than parsed: day arithmetic (days to close) runs only on
the rows closed in the window.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from tracker.base.enums import OPEN_STATUSES, ActionStatus, Priority
from tracker.base.timeutil import read_stamp
from tracker.core.slo import stamp_day_sql
from tracker.storage.database import Db

OPEN = ", ".join(f"'{s}'" for s in OPEN_STATUSES)
CLOSED = ", ".join(f"'{s.value}'" for s in ActionStatus if s.is_closed)
CAUSE_ROLES = "('root', 'trigger')"
"""The links that make a cause an incident's cause for recurrence (contributing ones do not)."""


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


class Window:
    """The window's bounds as query parameters, and the SQL pieces that depend on the backend."""

    def __init__(self, db: Db, start: date, end: date, weeks: int) -> None:
        self.db, self.start, self.end, self.weeks = db, start, end, weeks
        self.lo, self.hi = _midnight(start), _midnight(end + timedelta(days=1))
        self.params: dict[str, Any] = {"lo": self.lo, "hi": self.hi}
        self.scan = " NOT INDEXED" if db.dialect == "sqlite" else ""
        """On SQLite, a grouping over most of the table is one plain scan: an index on a condition most
        rows meet would make it read the table in index order, several times slower."""

    def days_between(self, first: str, last: str) -> str:
        """SQL: whole UTC days from one stored timestamp to another."""
        return f"{stamp_day_sql(self.db.dialect, last)} - {stamp_day_sql(self.db.dialect, first)}"

    def week_end(self, week: int) -> date:
        """The day a week's "at the end" figures are measured at: its Sunday, or today for the current week."""
        return min(self.start + timedelta(weeks=week, days=6), self.end)


def _per_week(w: Window, column: str, where: str = "") -> list[int]:
    """How many actions have ``column`` in each window week: one range count per week (an index serves them)."""
    params = {f"w{k}": _midnight(w.start + timedelta(weeks=k)) for k in range(w.weeks)}
    params[f"w{w.weeks}"] = w.hi
    counts = ", ".join(f"(SELECT COUNT(*) FROM action a WHERE {where}a.{column} >= :w{k} AND a.{column} < :w{k + 1})"
                       for k in range(w.weeks))
    return [int(n) for n in w.db.row(f"SELECT {counts}", params) or ()]


def opened(w: Window) -> tuple[dict[str, int], list[int]]:
    """Actions created in the window: per priority, and per window week."""
    by_priority = {p: int(n) for p, n in w.db.cursor(
        f"SELECT a.priority, COUNT(*) FROM action a{w.scan} WHERE a.created_at >= :lo AND a.created_at < :hi"
        " GROUP BY 1", w.params)}
    return by_priority, _per_week(w, "created_at")


def closed(w: Window) -> tuple[list[tuple[str, int, int]], list[int]]:
    """Actions closed in the window: (priority, whole days to close, how many), and how many per window week."""
    days = [(p, int(d), int(n)) for p, d, n in w.db.cursor(
        f"SELECT a.priority, {w.days_between('a.created_at', 'a.completed_at')}, COUNT(*) FROM action a{w.scan}"
        f" WHERE a.status IN ({CLOSED}) AND a.completed_at >= :lo AND a.completed_at < :hi GROUP BY 1, 2", w.params)]
    return days, _per_week(w, "completed_at", f"a.status IN ({CLOSED}) AND ")


def open_breaching(db: Db, today: date, targets: Mapping[str, int]) -> dict[str, int]:
    """Open actions past their SLO's deadline on ``today``, per priority (only priorities that have some).

    Past the deadline (created day + target days < today) <=> created before midnight of today - target days.
    """
    cuts = " ".join(f"WHEN '{p.value}' THEN :cut_{p.value}" for p in Priority)
    params = {f"cut_{p.value}": _midnight(today - timedelta(days=targets[p.value])) for p in Priority}
    scan = " NOT INDEXED" if db.dialect == "sqlite" else ""  # most actions are open: one plain scan
    return {p: int(n) for p, n in db.cursor(
        f"SELECT a.priority, COUNT(*) FROM action a{scan} WHERE a.status IN ({OPEN})"
        f" AND a.created_at < (CASE a.priority {cuts} END) GROUP BY 1", params)}


def _first_week(column: str, names: list[str]) -> str:
    """SQL: the first window week whose bound (a parameter per week) the column is below; ``len(names)`` if none."""
    whens = " ".join(f"WHEN {column} < :{name} THEN {k}" for k, name in enumerate(names))
    return f"CASE {whens} ELSE {len(names)} END"


def overdue_at_week_ends(w: Window) -> list[int]:
    """Per window week, the actions overdue at the end of its last day.

    Overdue at the end of day e: due before e, created by the end of e, not closed by the end of e. For each
    action that may be overdue in the window, the first week whose end meets each condition (compared as
    stored, no date parsing); grouped by those weeks, it counts at the end of week k when
    max(due week, created week) <= k < closed week.
    """
    params = dict(w.params, last_due=w.end)
    due_names = [f"due_{k}" for k in range(w.weeks)]
    end_names = [f"end_{k}" for k in range(w.weeks)]
    for k in range(w.weeks):
        params[due_names[k]] = w.week_end(k)
        params[end_names[k]] = _midnight(w.week_end(k) + timedelta(days=1))
    rows = w.db.cursor(
        f"SELECT {_first_week('a.due_date', due_names)}, {_first_week('a.created_at', end_names)},"
        f" CASE WHEN a.completed_at IS NULL THEN {w.weeks} ELSE {_first_week('a.completed_at', end_names)} END,"
        f" COUNT(*) FROM action a{w.scan} WHERE a.due_date < :last_due AND a.created_at < :hi"
        " AND (a.completed_at IS NULL OR a.completed_at >= :lo) GROUP BY 1, 2, 3", params)
    starts = [0] * (w.weeks + 1)
    for due, created, done, n in rows:
        first = max(int(due), int(created))
        if first < done:  # add n to weeks first .. done - 1: +n where it starts, -n where it stops
            starts[first] += int(n)
            starts[int(done)] -= int(n)
    overdue, running = [], 0
    for k in range(w.weeks):
        running += starts[k]
        overdue.append(running)
    return overdue


def window_incidents(w: Window) -> int:
    return int(w.db.scalar("SELECT COUNT(*) FROM incident i WHERE i.kind = 'incident'"
                           " AND i.started_at >= :lo AND i.started_at < :hi", w.params))


def recurrences(w: Window) -> list[tuple[int, int, str, datetime, int, int]]:
    """The window's recurrences, oldest first: (cause id, incident id, title, started, prevent actions
    that existed before it, of which done on an earlier day)."""
    prevent = "a.root_cause_id = x.root_cause_id AND a.kind = 'prevent'"
    before = f"{stamp_day_sql(w.db.dialect, 'a.completed_at')} < {stamp_day_sql(w.db.dialect, 'i.started_at')}"
    sql = (
        "SELECT x.root_cause_id, i.id, i.title, i.started_at,"
        f" (SELECT COUNT(*) FROM action a WHERE {prevent} AND a.status <> 'wont_do' AND a.created_at < i.started_at),"
        f" (SELECT COUNT(*) FROM action a WHERE {prevent} AND a.status = 'done' AND {before})"
        " FROM incident i JOIN incident_root_cause x ON x.incident_id = i.id"
        f" WHERE i.kind = 'incident' AND i.started_at >= :lo AND i.started_at < :hi AND x.role IN {CAUSE_ROLES}"
        " AND EXISTS (SELECT 1 FROM incident_root_cause y JOIN incident j ON j.id = y.incident_id"
        f" WHERE y.root_cause_id = x.root_cause_id AND y.role IN {CAUSE_ROLES} AND j.kind = 'incident'"
        " AND (j.started_at < i.started_at OR (j.started_at = i.started_at AND j.id < i.id)))"
        " ORDER BY i.started_at, i.id, x.root_cause_id"
    )
    return [(int(c), int(i), title, read_stamp(started), int(made), int(done))  # type: ignore[misc]
            for c, i, title, started, made, done in w.db.cursor(sql, w.params)]


def causes(w: Window, ids: list[int]) -> dict[int, tuple[str, str, int]]:
    """(slug, title, incidents as root or trigger up to the window's end) of the given causes."""
    if not ids:
        return {}
    names = {f"c{n}": cause_id for n, cause_id in enumerate(ids)}
    return {int(cid): (slug, title, int(n)) for cid, slug, title, n in w.db.cursor(
        "SELECT rc.id, rc.slug, rc.title, (SELECT COUNT(*) FROM incident_root_cause x JOIN incident i"
        f" ON i.id = x.incident_id WHERE x.root_cause_id = rc.id AND x.role IN {CAUSE_ROLES}"
        " AND i.kind = 'incident' AND i.started_at < :hi)"
        f" FROM root_cause rc WHERE rc.id IN ({', '.join(':' + k for k in names)})", {**w.params, **names})}


def done_prevent_actions(w: Window, cause_id: int, incident_id: int, limit: int) -> list[tuple[int, str, datetime]]:
    """The cause's prevent actions done on a day before the incident's, oldest first."""
    before = f"{stamp_day_sql(w.db.dialect, 'a.completed_at')} < {stamp_day_sql(w.db.dialect, 'i.started_at')}"
    return [(int(a), title, read_stamp(at)) for a, title, at in w.db.cursor(  # type: ignore[misc]
        "SELECT a.id, a.title, a.completed_at FROM action a JOIN incident i ON i.id = :incident"
        f" WHERE a.root_cause_id = :cause AND a.kind = 'prevent' AND a.status = 'done' AND {before}"
        " ORDER BY a.completed_at, a.id LIMIT :limit", {"cause": cause_id, "incident": incident_id, "limit": limit})]
