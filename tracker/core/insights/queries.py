"""The SQL behind the insights: a few grouped queries, nothing walked row by row in Python.

At 100,000 actions the costs (measured on SQLite) are a handful of filtered scans, each grouping only the
rows it keeps, and per-week range counts that an index answers alone. Stored times and dates are
compared against bounds computed here rather than parsed: day arithmetic (days to close) runs only on
the rows closed in the window.
"""

from __future__ import annotations

import bisect
from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from tracker.base.enums import OPEN_STATUSES, ActionStatus, Priority
from tracker.base.timeutil import read_date, read_stamp
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

    def day(self, column: str) -> str:
        """SQL: the UTC day of a stored timestamp, as text (SQLite) or a date (PostgreSQL)."""
        if self.db.dialect == "sqlite":
            return f"substr({column}, 1, 10)"
        return f"CAST({column} AT TIME ZONE 'UTC' AS DATE)"

    def days_between(self, first: str, last: str) -> str:
        """SQL: whole UTC days from one stored timestamp to another."""
        if self.db.dialect == "sqlite":  # both days at midnight: a whole number of days apart, cast once
            return f"CAST(julianday(substr({last}, 1, 10)) - julianday(substr({first}, 1, 10)) AS INTEGER)"
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
    return _per_priority(w.db, "a.created_at >= :lo AND a.created_at < :hi", w.params), _per_week(w, "created_at")


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
    past, params = _past_slo(today, targets)
    return _per_priority(db, past, params)


def _per_priority(db: Db, where: str, params: Mapping[str, Any]) -> dict[str, int]:
    """How many actions meet ``where``, per priority: one plain scan on SQLite (such conditions hold for a
    large share of the table), counted per priority in one row rather than grouped (no sort)."""
    scan = " NOT INDEXED" if db.dialect == "sqlite" else ""
    sums = ", ".join(f"SUM(CASE WHEN a.priority = '{p.value}' THEN 1 ELSE 0 END)" for p in Priority)
    found = db.row(f"SELECT {sums} FROM action a{scan} WHERE {where}", params) or ()
    return {p.value: int(n or 0) for p, n in zip(Priority, found, strict=False)}


def _past_slo(today: date, targets: Mapping[str, int]) -> tuple[str, dict[str, Any]]:
    """SQL for "open and past its SLO's deadline on ``today``", and its parameters."""
    cuts = " ".join(f"WHEN '{p.value}' THEN :cut_{p.value}" for p in Priority)
    params = {f"cut_{p.value}": _midnight(today - timedelta(days=targets[p.value])) for p in Priority}
    return f"a.status IN ({OPEN}) AND a.created_at < (CASE a.priority {cuts} END)", params


def _first_week(column: str, names: list[str]) -> str:
    """SQL: the first window week whose bound (a parameter per week) the column is below; ``len(names)`` if none."""
    whens = " ".join(f"WHEN {column} < :{name} THEN {k}" for k, name in enumerate(names))
    return f"CASE {whens} ELSE {len(names)} END"


def overdue_at_week_ends(w: Window) -> list[int]:
    """Per window week, the actions overdue at the end of its last day e_k.

    Overdue at the end of day e: due before e, created by the end of e, not closed by the end of e. Counted as
    A_k - B_k - C_k, so that the bulk is read from the due-date index alone:

    - A_k: actions due before e_k (grouped by due date in index order: no table read, no sort);
    - B_k: of those, closed by the end of e_k (only actions with a completion time are looked at);
    - C_k: of those, created after the end of e_k and not closed by then (only actions created after their
      due day are looked at).

    B and C come from one scan of those few actions: for each, the first window week whose end meets each
    condition (compared as stored, no date parsing), grouped by those weeks.
    """
    params = dict(w.params, last_due=w.end)
    due_names = [f"due_{k}" for k in range(w.weeks)]
    end_names = [f"end_{k}" for k in range(w.weeks)]
    for k in range(w.weeks):
        params[due_names[k]] = w.week_end(k)
        params[end_names[k]] = _midnight(w.week_end(k) + timedelta(days=1))
    ends = [w.week_end(k) for k in range(w.weeks)]
    # Each term adds to a run of weeks: kept as a difference array (+n where the run starts, -n after it).
    fix = [0] * (w.weeks + 1)
    for due, n in w.db.cursor("SELECT a.due_date, COUNT(*) FROM action a WHERE a.due_date < :last_due"
                              " GROUP BY a.due_date", params):
        fix[bisect.bisect_right(ends, read_date(due))] += int(n)  # from the first week ending after the due day
    for due, created, done, n in w.db.cursor(
        f"SELECT {_first_week('a.due_date', due_names)}, CASE WHEN {w.day('a.created_at')} > a.due_date"
        f" THEN {_first_week('a.created_at', end_names)} ELSE 0 END,"
        f" CASE WHEN a.completed_at IS NULL THEN {w.weeks} ELSE {_first_week('a.completed_at', end_names)} END,"
        f" COUNT(*) FROM action a{w.scan} WHERE a.due_date < :last_due"
        f" AND (a.completed_at IS NOT NULL OR {w.day('a.created_at')} > a.due_date) GROUP BY 1, 2, 3", params
    ):
        due, created, done, n = int(due), int(created), int(done), int(n)
        closed_from = max(due, done)  # B: due and closed by week k's end, from this week on
        fix[closed_from] -= n
        fix[w.weeks] += n
        if created > due:  # C: due but not yet created, until it is created or closed
            stop = min(created, done)
            if due < stop:
                fix[due] -= n
                fix[stop] += n
    overdue, running = [], 0
    for k in range(w.weeks):
        running += fix[k]
        overdue.append(running)
    return overdue


def window_incidents(w: Window) -> int:
    return int(w.db.scalar("SELECT COUNT(*) FROM incident i WHERE i.kind = 'incident'"
                           " AND i.started_at >= :lo AND i.started_at < :hi", w.params))


def _links(w: Window) -> str:
    """SQL (FROM ... WHERE) of the cause links that count for recurrence: root or trigger, on incidents."""
    return (f"FROM incident_root_cause x JOIN incident i ON i.id = x.incident_id WHERE x.role IN {CAUSE_ROLES}"
            " AND i.kind = 'incident' AND i.started_at IS NOT NULL")


def struck_before(w: Window, ids: list[int]) -> set[int]:
    """Of these causes, the ones with an incident before the window (each answered by the first one found)."""
    if not ids:
        return set()
    marks, names = _in(ids)
    return {int(c) for (c,) in w.db.cursor(
        f"SELECT rc.id FROM root_cause rc WHERE rc.id IN ({marks}) AND EXISTS (SELECT 1 FROM incident_root_cause x"
        f" JOIN incident i ON i.id = x.incident_id WHERE x.root_cause_id = rc.id AND x.role IN {CAUSE_ROLES}"
        " AND i.kind = 'incident' AND i.started_at < :lo)", {**w.params, **names})}


def window_links(w: Window) -> list[tuple[int, int, str, datetime]]:
    """(cause, incident, title, start) of every counted link of the window's incidents, oldest first."""
    return [(int(c), int(i), title, read_stamp(started)) for c, i, title, started in w.db.cursor(
        f"SELECT x.root_cause_id, i.id, i.title, i.started_at {_links(w)} AND i.started_at >= :lo"
        " AND i.started_at < :hi ORDER BY i.started_at, i.id, x.root_cause_id", w.params)]


def _in(ids: list[int]) -> tuple[str, dict[str, int]]:
    names = {f"c{n}": cause_id for n, cause_id in enumerate(ids)}
    return ", ".join(":" + k for k in names), names


DayCounts = dict[int, list[tuple[date, int]]]
"""Per cause, (day, how many) sorted by day."""


def prevent_days(w: Window, ids: list[int]) -> tuple[DayCounts, DayCounts]:
    """For each cause: (day, how many) of its prevent actions by creation day (won't-do ones left out), and of
    those done, by completion day; each sorted by day. One pass over the actions, grouped in SQL."""
    made: dict[int, dict[date, int]] = {c: {} for c in ids}
    done: dict[int, dict[date, int]] = {c: {} for c in ids}
    if ids:
        marks, names = _in(ids)
        for cause, created, completed, dropped, n in w.db.cursor(
            f"SELECT a.root_cause_id, {w.day('a.created_at')}, CASE WHEN a.status = 'done' THEN"
            f" {w.day('a.completed_at')} END, CASE WHEN a.status = 'wont_do' THEN 1 ELSE 0 END, COUNT(*)"
            f" FROM action a{w.scan} WHERE a.kind = 'prevent' AND a.root_cause_id IN ({marks}) GROUP BY 1, 2, 3, 4",
            names,
        ):
            if not dropped:
                day = read_date(created)
                made[int(cause)][day] = made[int(cause)].get(day, 0) + int(n)
            if completed is not None:
                day = read_date(completed)
                done[int(cause)][day] = done[int(cause)].get(day, 0) + int(n)
    return ({c: sorted(days.items()) for c, days in made.items()},
            {c: sorted(days.items()) for c, days in done.items()})


def causes(w: Window, ids: list[int]) -> dict[int, tuple[str, str, int]]:
    """(slug, title, incidents as root or trigger up to the window's end) of the given causes."""
    if not ids:
        return {}
    marks, names = _in(ids)
    counts = dict(w.db.rows(f"SELECT x.root_cause_id, COUNT(*) {_links(w)} AND i.started_at < :hi"
                            f" AND x.root_cause_id IN ({marks}) GROUP BY 1", {**w.params, **names}))
    return {int(cid): (slug, title, int(counts.get(cid, 0))) for cid, slug, title in w.db.cursor(
        f"SELECT rc.id, rc.slug, rc.title FROM root_cause rc WHERE rc.id IN ({marks})", names)}


def done_prevent_actions(w: Window, cause_id: int, day: date, limit: int) -> list[tuple[int, str, datetime]]:
    """The cause's prevent actions done on a day before ``day``, oldest first."""
    return [(int(a), title, read_stamp(at)) for a, title, at in w.db.cursor(
        "SELECT a.id, a.title, a.completed_at FROM action a WHERE a.root_cause_id = :cause AND a.kind = 'prevent'"
        " AND a.status = 'done' AND a.completed_at < :day ORDER BY a.completed_at, a.id LIMIT :limit",
        {"cause": cause_id, "day": _midnight(day), "limit": limit})]
