"""Insights over a window of weeks: action SLOs, time to close, recurrence, and whether prevention worked.

Every quantity, precisely (days are UTC calendar days; "closed" means done or won't do, both being a
decision recorded with its date; "open" means proposed, open, in progress or blocked):

- **window**: ``weeks`` ISO weeks ending with today's, from the Monday ``weeks - 1`` weeks before this
  week's Monday to today, both days included. Statuses are the current ones, so the window's end
  (today) is the only moment whose open actions are known exactly.
- **target days**: the priority's SLO (``[actions] slo_days``, see ``tracker.core.slo``).
- ``slo``: one row per priority (P1, P2, P3):
  ``opened`` actions created in the window; ``closed_in_slo`` actions closed in the window with
  completed day - created day <= target days (closed on the deadline day itself is in SLO);
  ``closed_late`` the ones closed in the window after it; ``open_breaching`` actions still open at
  the window's end whose deadline (created day + target days) is before today, whenever created;
  ``breach_rate`` = (closed_late + open_breaching) / (closed_in_slo + closed_late + open_breaching),
  rounded to three places, ``null`` when nothing was decided or late.
- ``time_to_close``: completed day - created day of the actions closed in the window, in whole days;
  ``p50_days`` and ``p90_days`` by the nearest-rank method (the smallest number of days within which
  at least 50% / 90% of them closed), ``null`` when none closed; ``by_priority`` the same per
  priority: ``{"P1": {"p50_days", "p90_days", "closed"}, ...}``.
- ``recurrence``: only incidents of kind ``incident`` count (maintenance is planned). An incident
  *recurs* when a cause linked to it as root or trigger was linked, as root or trigger, to an earlier
  incident (an earlier start; the same start and a lower number). ``rate`` = incidents started in the
  window that recur / incidents started in the window (three places, ``null`` with no incident).
  ``causes``: each cause behind a recurring incident of the window, most incidents first:
  ``slug``; ``incidents`` (its incidents as root or trigger, all time up to today); ``last_seen``
  (the start of its latest recurrence in the window); ``prevent_done_before_recurrence`` (its prevent
  actions done on a day before the day of that latest recurrence).
- ``did_not_prevent``, the effectiveness check stated plainly, "prevent actions did not prevent": a
  cause recurred in the window although every prevent action against it created on a day before the
  incident's day (won't-do ones left out: they were dropped, not done) was done on a day before the
  incident's day; there was at least one. Days, as for SLOs: a prevent action opened on the incident's
  day answers it. A cause that comes back on the day its last prevent action was closed does *not*
  count: a "done" stamp says when someone closed the action, not when the change reached production,
  so a same-day recurrence cannot tell whether the fix failed. A cause with no prevent action at all
  is a coverage gap (the weekly review lists those), not a failed prevention. Items: ``{slug,
  incident: {id, title, started_at}, actions: [{id, title, completed_at}]}`` (at most
  ``ACTIONS_SHOWN`` actions each), oldest incident first, at most ``limit`` (50) of them.
- ``weekly``: one row per ISO week of the window, oldest first: ``week`` (``2026-W48``); ``opened``
  and ``closed`` as above, within that week; ``overdue_at_end``: actions overdue at the end of the
  week's last day (its Sunday; today for the current week): created by then, due before that day,
  and not closed by the end of it. It is rebuilt from creation and completion times and each
  action's *current* due date (a due date moved since is not replayed).
- ``window``: ``{start, end, weeks, incidents, recurring_incidents}`` (the counts behind ``rate``);
  ``targets``: the target days by priority.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from tracker.base.timeutil import iso

ACTIONS_SHOWN = 20
"""At most this many actions are listed under one "did not prevent" incident."""

MAX_WEEKS = 104
"""The longest window ``build_insights`` accepts (two years)."""


def share(part: int, whole: int) -> float | None:
    """``part / whole`` rounded to three places; None when ``whole`` is 0."""
    return round(part / whole, 3) if whole else None


@dataclass(frozen=True, slots=True)
class SloRow:
    """One priority's SLO figures over the window."""

    priority: str
    target_days: int
    opened: int
    closed_in_slo: int
    closed_late: int
    open_breaching: int

    @property
    def breach_rate(self) -> float | None:
        late = self.closed_late + self.open_breaching
        return share(late, self.closed_in_slo + late)

    def to_json(self) -> dict[str, Any]:
        return {"priority": self.priority, "target_days": self.target_days, "opened": self.opened,
                "closed_in_slo": self.closed_in_slo, "closed_late": self.closed_late,
                "open_breaching": self.open_breaching, "breach_rate": self.breach_rate}


@dataclass(frozen=True, slots=True)
class CloseTimes:
    """How long closing took, in whole days: how many closed, the median and the 90th percentile."""

    closed: int
    p50_days: int | None
    p90_days: int | None


@dataclass(frozen=True, slots=True)
class TimeToClose:
    overall: CloseTimes
    by_priority: dict[str, CloseTimes]
    """Every priority, P1 first (``closed`` 0 and no percentiles when none closed)."""

    def to_json(self) -> dict[str, Any]:
        return {"p50_days": self.overall.p50_days, "p90_days": self.overall.p90_days,
                "by_priority": {p: {"p50_days": t.p50_days, "p90_days": t.p90_days, "closed": t.closed}
                                for p, t in self.by_priority.items()}}


@dataclass(frozen=True, slots=True)
class RecurringCause:
    slug: str
    title: str
    incidents: int
    last_seen: datetime
    """The start of the cause's latest recurrence in the window."""
    prevent_done_before_recurrence: int

    def to_json(self) -> dict[str, Any]:
        return {"slug": self.slug, "incidents": self.incidents, "last_seen": iso(self.last_seen),
                "prevent_done_before_recurrence": self.prevent_done_before_recurrence}


@dataclass(frozen=True, slots=True)
class IncidentRef:
    id: str
    title: str
    started_at: datetime

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "started_at": iso(self.started_at)}


@dataclass(frozen=True, slots=True)
class DoneAction:
    id: str
    title: str
    completed_at: datetime

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "completed_at": iso(self.completed_at)}


@dataclass(frozen=True, slots=True)
class DidNotPrevent:
    """A cause that came back although all its prevent actions were done: the incident and those actions."""

    slug: str
    incident: IncidentRef
    actions: list[DoneAction]
    """Its prevent actions, all done before the incident's day (at most ``ACTIONS_SHOWN``, oldest first)."""
    action_count: int
    """How many there were in all."""

    def to_json(self) -> dict[str, Any]:
        return {"slug": self.slug, "incident": self.incident.to_json(), "actions": [a.to_json() for a in self.actions]}


@dataclass(frozen=True, slots=True)
class Recurrence:
    incidents: int
    """Incidents started in the window."""
    recurring: int
    """Of those, the ones with a root or trigger cause that struck before."""
    causes: list[RecurringCause]
    did_not_prevent: list[DidNotPrevent]

    @property
    def rate(self) -> float | None:
        return share(self.recurring, self.incidents)

    def to_json(self) -> dict[str, Any]:
        return {"rate": self.rate, "causes": [c.to_json() for c in self.causes]}


@dataclass(frozen=True, slots=True)
class WeekRow:
    week: str
    start: date
    end: date
    """The day ``overdue_at_end`` is measured at: the week's Sunday, or today for the current week."""
    opened: int
    closed: int
    overdue_at_end: int

    def to_json(self) -> dict[str, Any]:
        return {"week": self.week, "opened": self.opened, "closed": self.closed, "overdue_at_end": self.overdue_at_end}


@dataclass(frozen=True)
class Insights:
    """Everything ``tracker insights`` reports, as plain values (see the module docstring for each)."""

    start: date
    end: date
    weeks: int
    targets: dict[str, int]
    slo: list[SloRow]
    time_to_close: TimeToClose
    recurrence: Recurrence
    weekly: list[WeekRow] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """The documented JSON shape (a stable interface)."""
        return {
            "window": {"start": self.start.isoformat(), "end": self.end.isoformat(), "weeks": self.weeks,
                       "incidents": self.recurrence.incidents,
                       "recurring_incidents": self.recurrence.recurring},
            "targets": dict(self.targets),
            "slo": [row.to_json() for row in self.slo],
            "time_to_close": self.time_to_close.to_json(),
            "recurrence": self.recurrence.to_json(),
            "did_not_prevent": [item.to_json() for item in self.recurrence.did_not_prevent],
            "weekly": [week.to_json() for week in self.weekly],
        }
