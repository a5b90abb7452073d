"""Building the insights of a window from the database (see ``tracker.core.insights.types`` for each figure)."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from datetime import date, timedelta

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
from tracker.core.review.weeks import week_name
from tracker.core.slo import slo_targets
from tracker.storage.database import Db


def window_bounds(today: date, weeks: int) -> tuple[date, date]:
    """The window's first and last day: ``weeks`` ISO weeks ending with today's, up to today."""
    if not 1 <= weeks <= MAX_WEEKS:
        raise InputError(f"bad number of weeks {weeks}: give 1 to {MAX_WEEKS}")
    monday = today - timedelta(days=today.weekday())
    return monday - timedelta(weeks=weeks - 1), today


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


def _recurrence(w: queries.Window) -> Recurrence:
    pairs = queries.recurrences(w)
    info = queries.causes(w, sorted({cause for cause, *_ in pairs}))
    latest: dict[int, tuple] = {}
    failed: list[DidNotPrevent] = []
    for cause, incident, title, started, existing, done in pairs:
        latest[cause] = (started, done)  # pairs come oldest first: the last one seen is the latest
        if existing and done == existing:
            shown = [DoneAction(action_key(a), t, at)
                     for a, t, at in queries.done_prevent_actions(w, cause, incident, ACTIONS_SHOWN)]
            failed.append(DidNotPrevent(info[cause][0], IncidentRef(incident_key(incident), title, started),
                                        shown, done))
    found = [RecurringCause(info[c][0], info[c][1], info[c][2], started, done)
             for c, (started, done) in latest.items()]
    found.sort(key=lambda r: (-r.incidents, -r.last_seen.timestamp(), r.slug))
    return Recurrence(queries.window_incidents(w), len({incident for _, incident, *_ in pairs}), found, failed)


def build_insights(db: Db, *, today: date, weeks: int = 12, targets: Mapping[str, int] | None = None) -> Insights:
    """The insights of the ``weeks`` ISO weeks ending today, against the SLO ``targets`` (days by priority)."""
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
    weekly = [WeekRow(week_name(w.start + timedelta(weeks=k)), w.start + timedelta(weeks=k), w.week_end(k),
                      opened_weekly[k], closed_weekly[k], overdue[k]) for k in range(weeks)]
    return Insights(start, end, weeks, goals, slo, TimeToClose(_close_times(list(overall.items())), by_priority),
                    _recurrence(w), weekly)
