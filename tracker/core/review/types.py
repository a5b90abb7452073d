"""The weekly action review: what slipped, what got done, where coverage is missing, for one ISO week.

Everything is counted and capped in SQL (each list holds at most ``limit`` rows, ``counts`` holds the
true totals), so a review of 100,000 actions costs a few table scans, never a walk in Python.
Weeks are ISO weeks (``2026-W48``) of UTC days; due dates are measured from the *reference day*:
today inside the week, the week's Sunday for a past week, its Monday for a future one. Statuses are
the current ones: the review shows today's state against the week's dates.

JSON keys (``Review.to_json()``, stable):

- ``week`` (``"2026-W48"``), ``start`` / ``end`` (its Monday and Sunday), ``reference_day`` (dates),
  ``generated_at`` (UTC, ISO 8601).
- ``counts``: the true size of each section below, by the section's key (``overdue``, ``due_soon``,
  ``unowned``, ``proposed``, ``blocked``, ``stale``, ``done_this_week``, ``wont_do_this_week``,
  ``new_incidents``, ``causes_without_prevent``, ``incidents_without_actions``,
  ``causes_without_runbook``, ``stale_runbooks``, ``recurrence``, ``load`` (owners), ``decisions``).
- Action items carry ``id``, ``title``, ``kind``, ``owner``, ``priority``, ``status``, ``due``,
  ``incident``, ``root_cause``, ``version`` (as in ``actions list --json``) plus a few section fields.
- ``overdue``: due before the reference day, not closed (proposed, open, in progress, blocked), most
  overdue first, grouped as ``[{owner, total, actions}]`` (``total``: the owner's true count; items add
  ``days_overdue``).
- ``due_soon``: due from the reference day to 7 days after it, same grouping (items add ``days_left``).
- ``unowned``: actions not closed with no owner (``days_overdue``, 0 when not overdue).
- ``proposed``: waiting for triage, oldest due first (``created_at``, ``days_waiting``).
- ``blocked``: with ``note`` and ``blocked_since`` from the event that set them blocked.
- ``stale``: open or in progress, unchanged for ``stale_days`` days or more (``updated_at``,
  ``days_since_change``), oldest change first.
- ``done_this_week`` / ``wont_do_this_week``: completed within the week (``completed_at``; won't-do
  items add the ``note`` saying why).
- ``new_incidents``: started within the week: ``{id, title, severity, status, started_at, actions}``.
- ``coverage``: ``causes_without_prevent`` and ``causes_without_runbook`` (``{slug, title,
  incident_count, last_seen}``), ``incidents_without_actions`` (incident shape, ``actions`` 0),
  ``stale_runbooks`` (``{path, title, owner, reasons}``).
- ``recurrence``: causes linked to two or more incidents, latest first: ``{slug, title,
  incident_count, last_seen, incidents, done, happened_again}``; ``incidents`` in the incident shape
  above, oldest first; ``done`` the actions done against the cause (items add ``completed_at`` and
  ``happened_again``: completed before the cause's latest incident, "these were done, and it happened
  again"); the cause's ``happened_again`` is true when any of them is; ``actions`` every action against the
  cause, whatever its status, by incident (items add ``happened_again``, true only for done ones).
- ``load``: ``[{owner, open, overdue}]`` per owner (``null`` = unowned), most overdue first.
- ``trend``: 12 weeks ending with this one, oldest first: ``[{week, start, opened, closed}]``
  (actions created / completed in that week).
- ``decisions``: history events whose note starts ``Review <week>:`` (taken while reviewing that week, on any day):
  ``[{at, action, title, actor, field, old, new, note}]``.
- ``conflicts``: what a team ledger (``tracker.repo.ledger``) could not settle alone, whatever the week: a field
  changed on two clones at once (``kind`` ``conflict``: ``values`` holds each write still standing, ``{value,
  actor, at}``, the one applied last, and ``resolve`` the command keeping one) or a status the rules forbid
  after a merge (``kind`` ``flag``, with ``flags``): ``[{key, field, kind, values, flags, resolve}]``. Empty
  for a database that is not a ledger replica.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, NamedTuple

from tracker.base.enums import IncidentStatus, Severity
from tracker.base.timeutil import iso
from tracker.core.actions import ActionRow

TREND_WEEKS = 12
DUE_SOON_DAYS = 7
ACTION_KEYS = ("id", "title", "kind", "owner", "priority", "status", "due", "incident", "root_cause", "version")


# -- the report's parts ---------------------------------------------------------------------------


class ActionItem(NamedTuple):
    """An action in a section: the action as stored, plus what the section says about it."""

    action: ActionRow
    extra: dict[str, Any]
    """Section-specific fields, already in their JSON form."""

    def to_json(self) -> dict[str, Any]:
        data = self.action.to_json()
        return {**{k: data[k] for k in ACTION_KEYS}, **self.extra}


class OwnerGroup(NamedTuple):
    """One owner's shown actions (``None``: no owner) and how many the owner has in the section."""

    owner: str | None
    total: int
    actions: list[ActionItem]


class IncidentItem(NamedTuple):
    id: str
    title: str
    severity: Severity
    status: IncidentStatus
    started_at: datetime | None
    actions: int


class CauseItem(NamedTuple):
    slug: str
    title: str
    incident_count: int
    last_seen: datetime | None


class StaleRunbook(NamedTuple):
    path: str
    title: str
    owner: str
    reasons: list[str]


class Recurrence(NamedTuple):
    """A root cause that struck more than once, its incidents, and what was done against it."""

    slug: str
    title: str
    incident_count: int
    last_seen: datetime | None
    incidents: list[IncidentItem]
    done: list[ActionItem]
    happened_again: bool
    actions: list[ActionItem]
    """Every action against the cause, whatever its status, by incident (the app's recurrence tree)."""


class OwnerLoad(NamedTuple):
    owner: str | None
    open: int
    overdue: int


class TrendWeek(NamedTuple):
    week: str
    start: date
    opened: int
    closed: int


class Decision(NamedTuple):
    at: datetime | None
    action: str
    title: str
    actor: str
    field: str
    old: str | None
    new: str | None
    note: str


class LedgerConflict(NamedTuple):
    key: str
    """``ACT-12``, ``INC-3``, ``INC-3 #45`` (a timeline entry), or a cause's slug."""
    field: str
    kind: str
    values: list[dict[str, Any]]
    flags: list[str]
    resolve: str


def plain(value: Any) -> Any:
    """Review parts as JSON-ready values: NamedTuples by field name, dates in ISO 8601."""
    if hasattr(value, "to_json"):
        return value.to_json()
    if hasattr(value, "_asdict"):
        return {k: plain(v) for k, v in value._asdict().items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


COVERAGE = ("causes_without_prevent", "incidents_without_actions", "causes_without_runbook", "stale_runbooks")
SECTIONS = ("overdue", "due_soon", "unowned", "proposed", "blocked", "stale", "done_this_week", "wont_do_this_week",
            "new_incidents", *COVERAGE, "recurrence", "load", "decisions", "conflicts")
"""Every counted section, in report order (the keys of ``counts``)."""


@dataclass
class Review:
    """The whole review of one week: plain values, no database attached."""

    week: str
    start: date
    end: date
    reference_day: date
    generated_at: datetime
    stale_days: int
    counts: dict[str, int] = field(default_factory=dict)
    sections: dict[str, list[Any]] = field(default_factory=dict)
    """Each section's rows (at most ``limit``), by key: see the module docstring for their shape."""
    trend: list[TrendWeek] = field(default_factory=list)
    decided: list[str] = field(default_factory=list)
    """Keys of every action with a decision this week (for the commit's ``Refs:`` trailer)."""

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"week": self.week, "start": self.start, "end": self.end,
                                "reference_day": self.reference_day, "generated_at": self.generated_at,
                                "counts": dict(self.counts)}
        for key in SECTIONS:
            if key in COVERAGE:
                data.setdefault("coverage", {})[key] = self.sections[key]
            else:
                data[key] = self.sections[key]
        data["trend"] = self.trend
        order = ["week", "start", "end", "reference_day", "generated_at", "counts", *SECTIONS[:9], "coverage",
                 "recurrence", "load", "trend", "decisions", "conflicts"]
        return {key: plain(data[key]) for key in order}
