"""Building the insights of a window from the database (see ``tracker.core.insights.types`` for each figure)."""

from __future__ import annotations

import bisect
import itertools
import math
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta

from tracker.base.enums import Priority
from tracker.base.errors import InputError
from tracker.core.insights import queries
from tracker.core.insights.types import (
    ACTIONS_SHOWN,
    MAX_WEEKS,
    CloseTimes,
    DidNotPrevent,
    DoneAction,
    IncidentRef,
    Insights,
    Recurrence,
    RecurringCause,
    SloRow,
    TimeToClose,
    WeekRow,
)
from tracker.core.keys import action_key, incident_key
from tracker.core.slo import slo_targets
from tracker.storage.database import Db


def window_bounds(today: date, weeks: int) -> tuple[date, date]:
    """The window's first and last day: ``weeks`` ISO weeks ending with today's, up to today."""
    if not 1 <= weeks <= MAX_WEEKS:
        raise InputError(f"bad number of weeks {weeks}: give 1 to {MAX_WEEKS}")
    monday = today - timedelta(days=today.weekday())
    return monday - timedelta(weeks=weeks - 1), today


def _week_name(monday: date) -> str:
    """``2026-W48``: the ISO week a Monday starts (as the weekly review names weeks)."""
    year, week, _ = monday.isocalendar()
    return f"{year}-W{week:02d}"


def nearest_rank(counts: Iterable[tuple[int, int]], share: float) -> int | None:
    """The smallest value with at least ``share`` of the items at or below it; ``counts`` is (value, how many)."""
    ordered = sorted(counts)
    total = sum(n for _, n in ordered)
    if not total:
        return None
    rank = max(1, math.ceil(share * total))
    seen = 0
    for value, n in ordered:
        seen += n
        if seen >= rank:
            return value
    return ordered[-1][0]


def _close_times(counts: list[tuple[int, int]]) -> CloseTimes:
    return CloseTimes(sum(n for _, n in counts), nearest_rank(counts, 0.5), nearest_rank(counts, 0.9))


class _Running:
    """Counts by day (sorted), asked "how many before this day?" in logarithmic time."""

    def __init__(self, days: list[tuple[date, int]]) -> None:
        self.days = [d for d, _ in days]
        self.totals = list(itertools.accumulate((n for _, n in days), initial=0))

    def before(self, day: date) -> int:
        return self.totals[bisect.bisect_left(self.days, day)]


def _recurrence(w: queries.Window, limit: int) -> Recurrence:
    links = queries.window_links(w)  # oldest first
    # A link recurs when its cause struck before: before the window, or earlier in it.
    seen = queries.struck_before(w, sorted({cause for cause, *_ in links}))
    recurring = []
    for cause, incident, title, started in links:
        if cause in seen:
            recurring.append((cause, incident, title, started))
        seen.add(cause)
    ids = sorted({cause for cause, *_ in recurring})
    info = queries.causes(w, ids)
    made_days, done_days = queries.prevent_days(w, ids)
    made = {c: _Running(days) for c, days in made_days.items()}
    done = {c: _Running(days) for c, days in done_days.items()}
    latest: dict[int, tuple[datetime, int]] = {}
    failed: list[DidNotPrevent] = []
    for cause, incident, title, started in recurring:  # oldest first: the last one seen per cause is its latest
        day = started.date()
        existing, done_before = made[cause].before(day), done[cause].before(day)
        latest[cause] = (started, done_before)
        if existing and done_before == existing and len(failed) < limit:
            shown = [DoneAction(action_key(a), t, at)
                     for a, t, at in queries.done_prevent_actions(w, cause, day, ACTIONS_SHOWN)]
            failed.append(DidNotPrevent(info[cause][0], IncidentRef(incident_key(incident), title, started),
                                        shown, done_before))
    found = [RecurringCause(info[c][0], info[c][1], info[c][2], started, n) for c, (started, n) in latest.items()]
    found.sort(key=lambda r: (-r.incidents, -r.last_seen.timestamp(), r.slug))
    return Recurrence(queries.window_incidents(w), len({incident for _, incident, *_ in recurring}), found, failed)


def build_insights(db: Db, *, today: date, weeks: int = 12, targets: Mapping[str, int] | None = None,
                   limit: int = 50) -> Insights:
    """The insights of the ``weeks`` ISO weeks ending today, against the SLO ``targets`` (days by priority);
    at most ``limit`` "did not prevent" items, oldest first."""
    start, end = window_bounds(today, weeks)
    goals = slo_targets(targets)
    w = queries.Window(db, start, end, weeks)
    opened, opened_weekly = queries.opened(w)
    days, closed_weekly = queries.closed(w)
    breaching = queries.open_breaching(db, end, goals)
    overdue = queries.overdue_at_week_ends(w)
    slo = []
    for p in Priority:
        mine = [(d, n) for q, d, n in days if q == p.value]
        in_slo = sum(n for d, n in mine if d <= goals[p.value])
        late = sum(n for d, n in mine if d > goals[p.value])
        slo.append(SloRow(p.value, goals[p.value], opened.get(p.value, 0), in_slo, late, breaching.get(p.value, 0)))
    by_priority = {p.value: _close_times([(d, n) for q, d, n in days if q == p.value]) for p in Priority}
    overall: dict[int, int] = {}
    for _, d, n in days:
        overall[d] = overall.get(d, 0) + n
    weekly = [WeekRow(_week_name(w.start + timedelta(weeks=k)), w.start + timedelta(weeks=k), w.week_end(k),
                      opened_weekly[k], closed_weekly[k], overdue[k]) for k in range(weeks)]
    return Insights(start, end, weeks, goals, slo, TimeToClose(_close_times(list(overall.items())), by_priority),
                    _recurrence(w, limit), weekly)
