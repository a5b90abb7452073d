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
  again"); the cause's ``happened_again`` is true when any of them is.
- ``load``: ``[{owner, open, overdue}]`` per owner (``null`` = unowned), most overdue first.
- ``trend``: 12 weeks ending with this one, oldest first: ``[{week, start, opened, closed}]``
  (actions created / completed in that week).
- ``decisions``: history events of the week whose note starts ``Review <week>:``:
  ``[{at, action, title, actor, field, old, new, note}]``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, NamedTuple

from tracker.core.actions import ActionRow
from tracker.core.enums import OPEN_STATUSES, ActionStatus
from tracker.core.errors import InputError
from tracker.core.keys import action_key, incident_key
from tracker.core.runbook_index import RunbookRow, list_runbooks
from tracker.core.timeutil import iso, read_date, read_stamp, utcnow
from tracker.storage.database import Db

TREND_WEEKS = 12
DUE_SOON_DAYS = 7
ACTION_KEYS = ("id", "title", "kind", "owner", "priority", "status", "due", "incident", "root_cause", "version")
_WEEK = re.compile(r"(\d{4})-[Ww](\d{2})")


# -- weeks ----------------------------------------------------------------------------------------


def parse_week(text: str) -> tuple[int, int, date, date]:
    """``"2026-W48"`` -> (2026, 48, its Monday, its Sunday); anything else is an InputError naming it."""
    match = _WEEK.fullmatch(text.strip())
    if not match:
        raise InputError(f"bad week {text!r}: use YYYY-Www, e.g. 2026-W48")
    year, week = int(match.group(1)), int(match.group(2))
    if year < 1:
        raise InputError(f"bad week {text!r}: no year {year}")
    try:
        monday = date.fromisocalendar(year, week, 1)
    except ValueError:
        weeks = date(year, 12, 28).isocalendar().week  # the week of Dec 28 is always the year's last
        raise InputError(f"bad week {text!r}: {year} has ISO weeks 01 to {weeks}") from None
    return year, week, monday, monday + timedelta(days=6)


def week_name(day: date) -> str:
    """The ISO week a day falls in, as ``YYYY-Www``."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def current_week(today: date) -> str:
    return week_name(today)


def reference_day(week: str, today: date) -> date:
    """The day due dates are measured from: today inside the week, else the week's nearest end."""
    _, _, monday, sunday = parse_week(week)
    return min(max(today, monday), sunday)


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


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
    severity: str
    status: str
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
            "new_incidents", *COVERAGE, "recurrence", "load", "decisions")
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
                 "recurrence", "load", "trend", "decisions"]
        return {key: plain(data[key]) for key in order}


# -- queries --------------------------------------------------------------------------------------

_COLUMNS = (
    "a.id, a.title, a.description, a.kind, a.owner, a.priority, a.due_date, a.status, a.created_at,"
    " a.updated_at, a.completed_at, a.incident_id, rc.slug, a.runbook_path, a.version"
)
_OPEN = ", ".join(f"'{s}'" for s in OPEN_STATUSES)
_CLOSED = ", ".join(f"'{s.value}'" for s in ActionStatus if s.is_closed)
_EVENT_NOTE = (
    "(SELECT e.{what} FROM action_event e WHERE e.action_id = a.id AND (e.field = 'created'"
    " OR (e.field = 'status' AND e.new_value = a.status)) ORDER BY e.at DESC, e.id DESC LIMIT 1)"
)
"""The note (or time) of the event that put an action in its current status."""


def _action(v: tuple[Any, ...]) -> ActionRow:
    return ActionRow(v[0], v[1], v[2], v[3], v[4], v[5], read_date(v[6]), v[7],  # type: ignore[arg-type]
                     read_stamp(v[8]), read_stamp(v[9]), read_stamp(v[10]),  # type: ignore[arg-type]
                     v[11], v[12], v[13], v[14])


class _Query:
    """The review's SQL against one database, for one week."""

    def __init__(self, db: Db, ref: date, start: date, end: date, limit: int) -> None:
        self.db, self.ref, self.limit = db, ref, limit
        self.lo, self.hi = _midnight(start), _midnight(end + timedelta(days=1))
        self.plus = "+" if db.dialect == "sqlite" else ""
        """SQLite's mark that keeps a term from choosing an index (so the planner takes another)."""
        self.indexes = [] if db.dialect != "sqlite" else [
            tuple(c for (c,) in db.rows("SELECT name FROM pragma_index_info(:n) ORDER BY seqno", {"n": name}))
            for (name,) in db.rows("SELECT name FROM pragma_index_list('action')")]

    def scan_unless(self, *columns: str) -> str:
        """`` NOT INDEXED`` on SQLite unless an index of ``action`` starts with ``columns``.

        Without such an index, SQLite's planner takes the status (or updated_at) index for a
        condition most rows meet, then reads the table in index order: 3-6x slower than one plain
        scan at 100k actions (measured). With one, the planner is left to use it.
        """
        if self.db.dialect != "sqlite" or any(ix[: len(columns)] == columns for ix in self.indexes):
            return ""
        return " NOT INDEXED"

    def params(self, **extra: Any) -> dict[str, Any]:
        return {"ref": self.ref, "lo": self.lo, "hi": self.hi, "limit": self.limit, **extra}

    def actions(self, where: str, order: str, extra: str = "", scan: str = "",
                **params: Any) -> list[tuple[ActionRow, tuple[Any, ...]]]:
        """At most ``limit`` actions, with ``extra`` columns; ``scan`` is a hint for the inner query."""
        # The ids first: the inner query often runs on a covering index and stops at the limit.
        sql = (f"SELECT {_COLUMNS}{extra} FROM action a LEFT JOIN root_cause rc ON rc.id = a.root_cause_id"
               f" WHERE a.id IN (SELECT a.id FROM action a{scan} WHERE {where}"
               f" ORDER BY {order} LIMIT :limit) ORDER BY {order}")
        return [(_action(v[:15]), v[15:]) for v in self.db.cursor(sql, self.params(**params))]

    def total(self, shown: int, where: str, scan: str = "", **params: Any) -> int:
        """How many match: counted only when the list is full (a shorter list is the whole set)."""
        if shown < self.limit:
            return shown
        return int(self.db.scalar(f"SELECT COUNT(*) FROM action a{scan} WHERE {where}", self.params(**params)))

    def incidents(self, where: str, order: str, **params: Any) -> list[IncidentItem]:
        """At most ``limit`` incidents, each with its number of actions."""
        return [IncidentItem(incident_key(r[0]), r[1], r[2], r[3], read_stamp(r[4]), int(r[5])) for r in self.db.cursor(
            "SELECT i.id, i.title, i.severity, i.status, i.started_at, (SELECT COUNT(*) FROM action a"
            f" WHERE a.incident_id = i.id) FROM incident i WHERE {where} ORDER BY {order} LIMIT :limit",
            self.params(**params))]

    def day(self, stamp: datetime | None) -> int:
        return (self.ref - stamp.date()).days if stamp else 0


def _grouped(q: _Query, rows: list[tuple[ActionRow, tuple[Any, ...]]], totals: dict[str | None, int],
             extra: str) -> list[OwnerGroup]:
    """Shown actions grouped by owner (owners by name, unowned last), each with the owner's true total."""
    groups: dict[str | None, list[ActionItem]] = {}
    for action, _ in rows:
        days = (q.ref - action.due).days if extra == "days_overdue" else (action.due - q.ref).days
        groups.setdefault(action.owner, []).append(ActionItem(action, {extra: days}))
    order = sorted(groups, key=lambda o: (o is None, o or ""))
    return [OwnerGroup(o, totals.get(o, len(groups[o])), groups[o]) for o in order]


def _owner_load(q: _Query, where: str) -> dict[str | None, tuple[int, int]]:
    """Per owner: (open actions, of which overdue), grouped in SQL.

    Grouping sorts every row it counts, so without an index on (owner, status) the side with fewer
    rows is grouped: when most actions are open, all actions per owner (read in order from the
    owner index) minus the closed ones per owner.
    """
    select = "SELECT a.owner, COUNT(*), SUM(CASE WHEN a.due_date < :ref THEN 1 ELSE 0 END) FROM action a"
    scan = q.scan_unless("owner", "status")
    if scan:
        closed = int(q.db.scalar(f"SELECT COUNT(*) FROM action a WHERE a.status IN ({_CLOSED})"))
        if int(q.db.scalar("SELECT COUNT(*) FROM action")) > 2 * closed:
            counts = {o: [int(n), int(late or 0)] for o, n, late in q.db.cursor(
                f"{select} GROUP BY a.owner", q.params())}
            for owner, n, late in q.db.cursor(f"{select}{scan} WHERE a.status IN ({_CLOSED}) GROUP BY a.owner",
                                              q.params()):
                counts[owner][0] -= int(n)
                counts[owner][1] -= int(late or 0)
            return {o: (n, late) for o, (n, late) in counts.items()}
    # With that index, "+" keeps the planner off the status index so it reads the covering one in order.
    return {o: (int(n), int(late or 0)) for o, n, late in q.db.cursor(
        f"{select}{scan} WHERE {'' if scan else q.plus}{where} GROUP BY a.owner", q.params())}


def _due_sections(q: _Query, review: Review) -> None:
    where = f"a.status IN ({_OPEN})"
    load = [OwnerLoad(o, n, late) for o, (n, late) in _owner_load(q, where).items() if n]
    load.sort(key=lambda r: (-r.overdue, -r.open, r.owner is None, r.owner or ""))
    review.sections["load"], review.counts["load"] = load[: q.limit], len(load)
    overdue = q.actions(f"{where} AND a.due_date < :ref", "a.due_date, a.id")
    review.sections["overdue"] = _grouped(q, overdue, {r.owner: r.overdue for r in load}, "days_overdue")
    review.counts["overdue"] = sum(r.overdue for r in load)
    soon = f"{where} AND a.due_date >= :ref AND a.due_date <= :soon"
    horizon = q.ref + timedelta(days=DUE_SOON_DAYS)
    totals = dict(q.db.rows(f"SELECT a.owner, COUNT(*) FROM action a WHERE {soon} GROUP BY a.owner",
                            q.params(soon=horizon)))
    rows = q.actions(soon, "a.due_date, a.id", soon=horizon)
    review.sections["due_soon"] = _grouped(q, rows, totals, "days_left")
    review.counts["due_soon"] = sum(totals.values())
    unowned = f"{where} AND a.owner IS NULL"
    review.sections["unowned"] = [ActionItem(a, {"days_overdue": max(0, (q.ref - a.due).days)})
                                  for a, _ in q.actions(unowned, "a.due_date, a.id")]
    review.counts["unowned"] = next((r.open for r in load if r.owner is None), 0)


def _status_sections(q: _Query, review: Review, stale_days: int) -> None:
    proposed = "a.status = 'proposed'"
    review.sections["proposed"] = [
        ActionItem(a, {"created_at": iso(a.created_at), "days_waiting": q.day(a.created_at)})
        for a, _ in q.actions(proposed, "a.due_date, a.id")]
    review.counts["proposed"] = q.total(len(review.sections["proposed"]), proposed)
    blocked = "a.status = 'blocked'"
    review.sections["blocked"] = [
        ActionItem(a, {"note": note or "", "blocked_since": iso(read_stamp(since))})
        for a, (note, since) in q.actions(blocked, "a.due_date, a.id",
                                          ", " + _EVENT_NOTE.format(what="note") + ", "
                                          + _EVENT_NOTE.format(what="at"))]
    review.counts["blocked"] = q.total(len(review.sections["blocked"]), blocked)
    # The UTC day of the last change is at most ref - stale_days: changed before the next midnight.
    stale = "{plus}a.status IN ('open', 'in_progress') AND a.updated_at < :cutoff"
    cutoff = _midnight(q.ref - timedelta(days=stale_days - 1))
    # The list walks the updated_at index from the oldest change; the count is one plain scan.
    review.sections["stale"] = [
        ActionItem(a, {"updated_at": iso(a.updated_at), "days_since_change": q.day(a.updated_at)})
        for a, _ in q.actions(stale.format(plus=q.plus), "a.updated_at, a.id", cutoff=cutoff)]
    review.counts["stale"] = q.total(len(review.sections["stale"]), stale.format(plus=""),
                                     q.scan_unless("status", "updated_at"), cutoff=cutoff)
    # Both closed sections and their totals from one scan: numbered and counted per status.
    rows = q.db.rows(
        f"SELECT {_COLUMNS}, w.total, {_EVENT_NOTE.format(what='note')} FROM (SELECT a.id,"
        " COUNT(*) OVER (PARTITION BY a.status) AS total,"
        " ROW_NUMBER() OVER (PARTITION BY a.status ORDER BY a.completed_at, a.id) AS n"
        f" FROM action a{q.scan_unless('status', 'completed_at')} WHERE a.status IN ('done', 'wont_do')"
        " AND a.completed_at >= :lo"
        " AND a.completed_at < :hi) w JOIN action a ON a.id = w.id LEFT JOIN root_cause rc ON rc.id = a.root_cause_id"
        " WHERE w.n <= :limit ORDER BY a.completed_at, a.id", q.params())
    for status, key in (("done", "done_this_week"), ("wont_do", "wont_do_this_week")):
        mine = [(_action(v[:15]), v[15:]) for v in rows if v[7] == status]
        why = status == "wont_do"
        review.sections[key] = [
            ActionItem(a, {"completed_at": iso(a.completed_at), **({"note": note or ""} if why else {})})
            for a, (_, note) in mine]
        review.counts[key] = int(mine[0][1][0]) if mine else 0


def _incident_sections(q: _Query, review: Review) -> None:
    for key, where, order in (
        ("new_incidents", "i.started_at >= :lo AND i.started_at < :hi", "i.started_at, i.id"),
        ("incidents_without_actions", "NOT EXISTS (SELECT 1 FROM action a WHERE a.incident_id = i.id)",
         "i.started_at DESC, i.id DESC"),
    ):
        review.sections[key] = rows = q.incidents(where, order)
        review.counts[key] = len(rows) if len(rows) < q.limit else int(
            q.db.scalar(f"SELECT COUNT(*) FROM incident i WHERE {where}", q.params()))


def _cause_sections(q: _Query, review: Review, runbooks: list[RunbookRow]) -> None:
    select = ("SELECT rc.slug, rc.title, (SELECT COUNT(*) FROM incident_root_cause x WHERE x.root_cause_id = rc.id),"
              " (SELECT MAX(i.started_at) FROM incident_root_cause x JOIN incident i ON i.id = x.incident_id"
              " WHERE x.root_cause_id = rc.id) FROM root_cause rc")

    def section(key: str, where: str, **params: Any) -> None:
        review.sections[key] = rows = [
            CauseItem(slug, title, int(n), read_stamp(seen)) for slug, title, n, seen in q.db.cursor(
                f"{select} WHERE {where} ORDER BY 3 DESC, rc.slug LIMIT :limit", q.params(**params))]
        review.counts[key] = len(rows) if len(rows) < q.limit else int(
            q.db.scalar(f"SELECT COUNT(*) FROM root_cause rc WHERE {where}", q.params(**params)))

    section("causes_without_prevent", "NOT EXISTS (SELECT 1 FROM action a WHERE a.root_cause_id = rc.id"
            " AND a.kind = 'prevent' AND a.status != 'wont_do')")
    # Covered: named in a runbook's front matter (index or given rows), or by an action's runbook.
    slugs = sorted({slug for book in runbooks for slug in book.root_causes})
    ids = [r[0] for r in q.db.cursor(f"SELECT DISTINCT a.root_cause_id FROM action a{q.scan_unless('runbook_path')}"
                                     " WHERE a.runbook_path IS NOT NULL AND a.root_cause_id IS NOT NULL")]
    names = {**{f"s{i}": v for i, v in enumerate(slugs)}, **{f"c{i}": v for i, v in enumerate(ids)}}
    where = "rc.slug NOT IN (SELECT c.slug FROM runbook_cause c)"
    if slugs:
        where += f" AND rc.slug NOT IN ({', '.join(f':s{i}' for i in range(len(slugs)))})"
    if ids:
        where += f" AND rc.id NOT IN ({', '.join(f':c{i}' for i in range(len(ids)))})"
    section("causes_without_runbook", where, **names)
    stale = [StaleRunbook(b.path, b.title, b.owner, list(b.stale)) for b in runbooks if b.stale]
    review.sections["stale_runbooks"], review.counts["stale_runbooks"] = stale[: q.limit], len(stale)


def _recurrence(q: _Query, review: Review) -> None:
    found = []
    for cause_id, slug, title, count, latest in q.db.cursor(
        "SELECT rc.id, rc.slug, rc.title, COUNT(*), MAX(i.started_at) FROM incident_root_cause x"
        " JOIN incident i ON i.id = x.incident_id JOIN root_cause rc ON rc.id = x.root_cause_id"
        " GROUP BY rc.id, rc.slug, rc.title HAVING COUNT(*) >= 2 ORDER BY 5 DESC, rc.slug LIMIT :limit", q.params()
    ):
        last = read_stamp(latest)
        incidents = q.incidents("i.id IN (SELECT x.incident_id FROM incident_root_cause x"
                                " WHERE x.root_cause_id = :cause)", "i.started_at, i.id", cause=cause_id)
        done = [ActionItem(a, {"completed_at": iso(a.completed_at), "happened_again": bool(
                    a.completed_at and last and a.completed_at < last)})
                for a, _ in q.actions("a.root_cause_id = :cause AND a.status = 'done'", "a.completed_at, a.id",
                                      cause=cause_id)]
        found.append(Recurrence(slug, title, int(count), last, incidents, done,
                                any(d.extra["happened_again"] for d in done)))
    review.sections["recurrence"] = found
    review.counts["recurrence"] = int(q.db.scalar(
        "SELECT COUNT(*) FROM (SELECT x.root_cause_id FROM incident_root_cause x GROUP BY x.root_cause_id"
        " HAVING COUNT(*) >= 2) t"))


def _trend(q: _Query, week_start: date) -> list[TrendWeek]:
    """Actions opened (created) and closed (completed) per week: one GROUP BY per series, by UTC day."""
    first = week_start - timedelta(weeks=TREND_WEEKS - 1)
    series: dict[str, list[int]] = {}
    for column, only, scan in (("created_at", "", q.scan_unless("created_at")),
                               ("completed_at", "a.status IN ('done', 'wont_do') AND ",
                                q.scan_unless("status", "completed_at"))):
        counts = [0] * TREND_WEEKS
        day = (f"substr(a.{column}, 1, 10)" if q.db.dialect == "sqlite"  # stored as fixed-width UTC text
               else f"CAST(a.{column} AT TIME ZONE 'UTC' AS DATE)")
        for value, n in q.db.cursor(
            f"SELECT {day}, COUNT(*) FROM action a{scan} WHERE {only}a.{column} >= :first AND a.{column} < :hi"
            " GROUP BY 1", q.params(first=_midnight(first))
        ):
            counts[((read_date(value) or first) - first).days // 7] += int(n)
        series[column] = counts
    return [TrendWeek(week_name(first + timedelta(weeks=i)), first + timedelta(weeks=i),
                      series["created_at"][i], series["completed_at"][i]) for i in range(TREND_WEEKS)]


def _decisions(q: _Query, review: Review) -> None:
    where = "e.at >= :lo AND e.at < :hi AND substr(e.note, 1, :size) = :prefix"
    prefix = f"Review {review.week}:"
    params = q.params(prefix=prefix, size=len(prefix))
    per_action = q.db.rows(f"SELECT e.action_id, COUNT(*) FROM action_event e WHERE {where}"
                           " GROUP BY e.action_id ORDER BY e.action_id", params)
    review.counts["decisions"] = sum(int(n) for _, n in per_action)
    review.decided = [action_key(action_id) for action_id, _ in per_action]
    review.sections["decisions"] = [
        Decision(read_stamp(at), action_key(aid), title, actor, fld, old, new, note)
        for at, aid, title, actor, fld, old, new, note in q.db.cursor(
            "SELECT e.at, e.action_id, a.title, e.actor, e.field, e.old_value, e.new_value, e.note"
            f" FROM action_event e JOIN action a ON a.id = e.action_id WHERE {where} ORDER BY e.at, e.id LIMIT :limit",
            params)] if per_action else []


def build_review(db: Db, *, week: str | None, today: date, stale_days: int,
                 runbooks: list[RunbookRow] | None, limit: int = 50) -> Review:
    """The review of ``week`` (default: today's); ``runbooks`` default to the database's runbook index."""
    if limit < 0:
        raise InputError(f"bad limit {limit}: give 0 or more")
    name = week or current_week(today)
    year, number, start, end = parse_week(name)
    name = f"{year}-W{number:02d}"
    ref = reference_day(name, today)
    review = Review(name, start, end, ref, utcnow().replace(microsecond=0), stale_days)
    q = _Query(db, ref, start, end, limit)
    _due_sections(q, review)
    _status_sections(q, review, stale_days)
    _incident_sections(q, review)
    _cause_sections(q, review, list_runbooks(db, ref) if runbooks is None else runbooks)
    _recurrence(q, review)
    review.trend = _trend(q, start)
    _decisions(q, review)
    review.counts = {key: review.counts[key] for key in SECTIONS}
    return review
