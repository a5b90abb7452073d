"""The SQL behind the insights: each part one grouped query (a few scans at 100,000 actions, no row walks).

Day arithmetic is done in SQL on day numbers (``tracker.core.slo``), identically on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from tracker.base.enums import OPEN_STATUSES, ActionStatus
from tracker.base.timeutil import read_stamp
from tracker.core.slo import date_day_sql, day_number, stamp_day_sql, target_sql
from tracker.storage.database import Db

OPEN = ", ".join(f"'{s}'" for s in OPEN_STATUSES)
CLOSED = ", ".join(f"'{s.value}'" for s in ActionStatus if s.is_closed)
CAUSE_ROLES = "('root', 'trigger')"
"""The links that make a cause an incident's cause for recurrence (contributing ones do not)."""


class Window:
    """The window's bounds as query parameters: ``lo`` / ``hi`` timestamps, day numbers, week count."""

    def __init__(self, db: Db, start: date, end: date, lo: datetime, hi: datetime, weeks: int) -> None:
        self.db, self.weeks = db, weeks
        self.params: dict[str, Any] = {"lo": lo, "hi": hi, "start_day": day_number(start),
                                       "end_day": day_number(end), "end_date": end, "weeks": weeks}

    def day(self, column: str) -> str:
        return stamp_day_sql(self.db.dialect, column)

    def bucket(self, day: str) -> str:
        """SQL: the window week a day number falls in, -1 before the window, ``weeks`` after its end."""
        return (f"(CASE WHEN {day} < :start_day THEN -1 WHEN {day} > :end_day THEN :weeks"
                f" ELSE ({day} - :start_day) / 7 END)")


def slo_counts(w: Window, targets: Mapping[str, int]) -> dict[str, tuple[int, int, int, int]]:
    """Per priority: (opened, closed in SLO, closed late, open and breaching), in one scan."""
    target, params = target_sql(targets)
    created, completed = w.day("a.created_at"), w.day("a.completed_at")
    closed_in_window = f"a.status IN ({CLOSED}) AND a.completed_at >= :lo AND a.completed_at < :hi"
    sql = (
        "SELECT a.priority,"
        " SUM(CASE WHEN a.created_at >= :lo AND a.created_at < :hi THEN 1 ELSE 0 END),"
        f" SUM(CASE WHEN {closed_in_window} AND {completed} - {created} <= {target} THEN 1 ELSE 0 END),"
        f" SUM(CASE WHEN {closed_in_window} AND {completed} - {created} > {target} THEN 1 ELSE 0 END),"
        f" SUM(CASE WHEN a.status IN ({OPEN}) AND :end_day - {created} > {target} THEN 1 ELSE 0 END)"
        " FROM action a GROUP BY a.priority"
    )
    return {p: (int(a or 0), int(b or 0), int(c or 0), int(d or 0))
            for p, a, b, c, d in w.db.cursor(sql, {**w.params, **params})}


def close_days(w: Window) -> list[tuple[str, int, int]]:
    """(priority, days to close, how many) for the actions closed in the window."""
    days = f"{w.day('a.completed_at')} - {w.day('a.created_at')}"
    return [(p, int(d), int(n)) for p, d, n in w.db.cursor(
        f"SELECT a.priority, {days}, COUNT(*) FROM action a WHERE a.status IN ({CLOSED})"
        " AND a.completed_at >= :lo AND a.completed_at < :hi GROUP BY 1, 2", w.params)]


def weekly_counts(w: Window) -> tuple[list[int], list[int], list[int]]:
    """Per window week: actions opened, closed, and overdue at the end of its last day."""
    opened, closed, overdue = [0] * w.weeks, [0] * w.weeks, [0] * w.weeks
    for series, column, only in ((opened, "created_at", ""), (closed, "completed_at", f"a.status IN ({CLOSED}) AND ")):
        for week, n in w.db.cursor(
            f"SELECT {w.bucket(w.day('a.' + column))}, COUNT(*) FROM action a"
            f" WHERE {only}a.{column} >= :lo AND a.{column} < :hi GROUP BY 1", w.params
        ):
            if 0 <= week < w.weeks:
                series[week] += int(n)
    # Overdue at the end of day e: from day s = max(created day, due day + 1) until the completion day c
    # (exclusive; never for an open action). Grouped by the weeks of s and c, bounded by weeks squared:
    # the action counts at the end of week k when week(s) <= k < week(c).
    due_next = f"{date_day_sql(w.db.dialect, 'a.due_date')} + 1"
    created = w.day("a.created_at")
    rows = w.db.cursor(
        f"SELECT {w.bucket('t.s')}, {w.bucket('t.c')}, COUNT(*) FROM (SELECT"
        f" CASE WHEN {created} > {due_next} THEN {created} ELSE {due_next} END AS s,"
        f" CASE WHEN a.completed_at IS NULL THEN :end_day + 1 ELSE {w.day('a.completed_at')} END AS c"
        " FROM action a WHERE a.due_date < :end_date AND a.created_at < :hi"
        " AND (a.completed_at IS NULL OR a.completed_at >= :lo)) t GROUP BY 1, 2", w.params)
    starts = [0] * (w.weeks + 2)
    for first, last, n in rows:
        # Add n to weeks first..last-1 (a difference array: +n at first, -n at last).
        first, last = max(int(first), 0), min(int(last), w.weeks)
        if first < last:
            starts[first] += int(n)
            starts[last] -= int(n)
    running = 0
    for week in range(w.weeks):
        running += starts[week]
        overdue[week] = running
    return opened, closed, overdue


def window_incidents(w: Window) -> int:
    return int(w.db.scalar("SELECT COUNT(*) FROM incident i WHERE i.kind = 'incident'"
                           " AND i.started_at >= :lo AND i.started_at < :hi", w.params))


def recurrences(w: Window) -> list[tuple[int, int, str, datetime, int, int]]:
    """The window's recurrences, oldest first: (cause id, incident id, title, started, prevent actions
    that existed before it, of which done on an earlier day)."""
    prevent = "a.root_cause_id = x.root_cause_id AND a.kind = 'prevent'"
    sql = (
        "SELECT x.root_cause_id, i.id, i.title, i.started_at,"
        f" (SELECT COUNT(*) FROM action a WHERE {prevent} AND a.status <> 'wont_do' AND a.created_at < i.started_at),"
        f" (SELECT COUNT(*) FROM action a WHERE {prevent} AND a.status = 'done'"
        f" AND {w.day('a.completed_at')} < {w.day('i.started_at')})"
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
    return [(int(a), title, read_stamp(at)) for a, title, at in w.db.cursor(  # type: ignore[misc]
        "SELECT a.id, a.title, a.completed_at FROM action a JOIN incident i ON i.id = :incident"
        " WHERE a.root_cause_id = :cause AND a.kind = 'prevent' AND a.status = 'done'"
        f" AND {w.day('a.completed_at')} < {w.day('i.started_at')} ORDER BY a.completed_at, a.id LIMIT :limit",
        {"cause": cause_id, "incident": incident_id, "limit": limit})]
