"""The weekly review's SQL: each section a few indexed, capped queries (see ``tracker.core.review``)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from tracker.base.enums import OPEN_STATUSES, IncidentStatus, Severity, by_value
from tracker.base.timeutil import iso, read_date, read_stamp
from tracker.core.actions.queries import COLUMNS, action_row
from tracker.core.actions.rows import ActionRow
from tracker.core.keys import action_key, incident_key
from tracker.core.review.types import (
    DUE_SOON_DAYS,
    TREND_WEEKS,
    ActionItem,
    CauseItem,
    Decision,
    IncidentItem,
    OwnerGroup,
    OwnerLoad,
    Recurrence,
    Review,
    StaleRunbook,
    TrendWeek,
)
from tracker.core.review.weeks import midnight, week_name
from tracker.core.runbooks.index import RUNBOOK_CAUSES, RunbookRow
from tracker.storage.database import Db

# --------------------------------------------------------------------------------------

_OPEN = ", ".join(f"'{s}'" for s in OPEN_STATUSES)
_SEVERITIES = by_value(Severity)
_STATUSES = by_value(IncidentStatus)
_EVENT_NOTE = (
    "(SELECT e.{what} FROM action_event e WHERE e.action_id = a.id AND (e.field = 'created'"
    " OR (e.field = 'status' AND e.new_value = a.status)) ORDER BY e.at DESC, e.id DESC LIMIT 1)"
)
"""The note (or time) of the event that put an action in its current status."""


class Query:
    """The review's SQL against one database, for one week."""

    def __init__(self, db: Db, ref: date, start: date, end: date, limit: int) -> None:
        self.db, self.ref, self.limit = db, ref, limit
        self.lo, self.hi = midnight(start), midnight(end + timedelta(days=1))
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
        sql = (f"SELECT {COLUMNS}{extra} FROM action a LEFT JOIN root_cause rc ON rc.id = a.root_cause_id"
               f" WHERE a.id IN (SELECT a.id FROM action a{scan} WHERE {where}"
               f" ORDER BY {order} LIMIT :limit) ORDER BY {order}")
        return [(action_row(v[:15]), v[15:]) for v in self.db.cursor(sql, self.params(**params))]

    def total(self, shown: int, status: str) -> int:
        """How many actions have ``status``: the list's length when it is not full, else the kept count."""
        if shown < self.limit:
            return shown
        return int(self.db.scalar("SELECT COALESCE(SUM(n), 0) FROM action_tally WHERE status = :status",
                                  {"status": status}))

    def day_total(self, stamp: str, statuses: str, before: date | None = None, first: date | None = None,
                  last: date | None = None) -> int:
        """Actions in ``statuses`` whose ``stamp`` (created_at, updated_at, completed_at) falls on the UTC
        days given, from the counts kept per day."""
        clauses = [f"stamp = '{stamp}'", f"status IN ({statuses})"]
        if before is not None:
            clauses.append("day < :before")
        if first is not None:
            clauses.append("day >= :first")
        if last is not None:
            clauses.append("day <= :last")
        return int(self.db.scalar(f"SELECT COALESCE(SUM(n), 0) FROM action_day_tally WHERE {' AND '.join(clauses)}",
                                  {"before": before, "first": first, "last": last}))

    def incidents(self, where: str, order: str, **params: Any) -> list[IncidentItem]:
        """At most ``limit`` incidents, each with its number of actions."""
        return [
            IncidentItem(incident_key(r[0]), r[1], _SEVERITIES[r[2]], _STATUSES[r[3]], read_stamp(r[4]), int(r[5]))
            for r in self.db.cursor(
                "SELECT i.id, i.title, i.severity, i.status, i.started_at, t.n FROM incident i"
                f" JOIN incident_tally t ON t.incident_id = i.id WHERE {where} ORDER BY {order} LIMIT :limit",
                self.params(**params))
        ]

    def day(self, stamp: datetime | None) -> int:
        return (self.ref - stamp.date()).days if stamp else 0


def _grouped(q: Query, rows: list[tuple[ActionRow, tuple[Any, ...]]], totals: dict[str | None, int],
             extra: str) -> list[OwnerGroup]:
    """Shown actions grouped by owner (owners by name, unowned last), each with the owner's true total."""
    groups: dict[str | None, list[ActionItem]] = {}
    for action, _ in rows:
        days = (q.ref - action.due).days if extra == "days_overdue" else (action.due - q.ref).days
        groups.setdefault(action.owner, []).append(ActionItem(action, {extra: days}))
    order = sorted(groups, key=lambda o: (o is None, o or ""))
    return [OwnerGroup(o, totals.get(o, len(groups[o])), groups[o]) for o in order]


def _owner_load(q: Query) -> dict[str | None, tuple[int, int]]:
    """Per owner: (open actions, of which overdue), from the counts kept by owner, status and due date."""
    return {o or None: (int(n), int(late or 0)) for o, n, late in q.db.cursor(
        "SELECT t.owner, SUM(t.n), SUM(CASE WHEN t.due_date < :ref THEN t.n ELSE 0 END) FROM action_tally t"
        f" WHERE t.status IN ({_OPEN}) GROUP BY t.owner", q.params())}


def due_sections(q: Query, review: Review) -> None:
    where = f"a.status IN ({_OPEN})"
    load = [OwnerLoad(o, n, late) for o, (n, late) in _owner_load(q).items() if n]
    load.sort(key=lambda r: (-r.overdue, -r.open, r.owner is None, r.owner or ""))
    review.sections["load"], review.counts["load"] = load[: q.limit], len(load)
    overdue = q.actions(f"{where} AND a.due_date < :ref", "a.due_date, a.id")
    review.sections["overdue"] = _grouped(q, overdue, {r.owner: r.overdue for r in load}, "days_overdue")
    review.counts["overdue"] = sum(r.overdue for r in load)
    soon = f"{where} AND a.due_date >= :ref AND a.due_date <= :soon"
    horizon = q.ref + timedelta(days=DUE_SOON_DAYS)
    totals = {o or None: int(n) for o, n in q.db.rows(
        f"SELECT t.owner, SUM(t.n) FROM action_tally t WHERE t.status IN ({_OPEN}) AND t.due_date >= :ref"
        " AND t.due_date <= :soon GROUP BY t.owner HAVING SUM(t.n) > 0", q.params(soon=horizon))}
    rows = q.actions(soon, "a.due_date, a.id", soon=horizon)
    review.sections["due_soon"] = _grouped(q, rows, totals, "days_left")
    review.counts["due_soon"] = sum(totals.values())
    unowned = f"{where} AND a.owner IS NULL"
    review.sections["unowned"] = [ActionItem(a, {"days_overdue": max(0, (q.ref - a.due).days)})
                                  for a, _ in q.actions(unowned, "a.due_date, a.id")]
    review.counts["unowned"] = next((r.open for r in load if r.owner is None), 0)


def status_sections(q: Query, review: Review, stale_days: int) -> None:
    proposed = "a.status = 'proposed'"
    review.sections["proposed"] = [
        ActionItem(a, {"created_at": iso(a.created_at), "days_waiting": q.day(a.created_at)})
        for a, _ in q.actions(proposed, "a.due_date, a.id")]
    review.counts["proposed"] = q.total(len(review.sections["proposed"]), "proposed")
    blocked = "a.status = 'blocked'"
    review.sections["blocked"] = [
        ActionItem(a, {"note": note or "", "blocked_since": iso(read_stamp(since))})
        for a, (note, since) in q.actions(blocked, "a.due_date, a.id",
                                          ", " + _EVENT_NOTE.format(what="note") + ", "
                                          + _EVENT_NOTE.format(what="at"))]
    review.counts["blocked"] = q.total(len(review.sections["blocked"]), "blocked")
    # The UTC day of the last change is at most ref - stale_days: changed before the next midnight.
    stale = "{plus}a.status IN ('open', 'in_progress') AND a.updated_at < :cutoff"
    cutoff = midnight(q.ref - timedelta(days=stale_days - 1))
    # The list walks the updated_at index from the oldest change; the count is one plain scan.
    review.sections["stale"] = [
        ActionItem(a, {"updated_at": iso(a.updated_at), "days_since_change": q.day(a.updated_at)})
        for a, _ in q.actions(stale.format(plus=q.plus), "a.updated_at, a.id", cutoff=cutoff)]
    stale_shown = len(review.sections["stale"])
    review.counts["stale"] = stale_shown if stale_shown < q.limit else q.day_total(
        "updated_at", "'open', 'in_progress'", before=cutoff.date())
    # Each closed section: its first rows through the (status, completed_at) index, its total from the
    # counts kept per day.
    for status, key in (("done", "done_this_week"), ("wont_do", "wont_do_this_week")):
        why = status == "wont_do"
        review.sections[key] = [
            ActionItem(a, {"completed_at": iso(a.completed_at), **({"note": note or ""} if why else {})})
            for a, (note,) in q.actions(f"a.status = '{status}' AND a.completed_at >= :lo AND a.completed_at < :hi",
                                        "a.completed_at, a.id", ", " + _EVENT_NOTE.format(what="note"))]
        shown = len(review.sections[key])
        review.counts[key] = shown if shown < q.limit else q.day_total(
            "completed_at", f"'{status}'", first=q.lo.date(), last=q.hi.date() - timedelta(days=1))


def incident_sections(q: Query, review: Review) -> None:
    for key, where, order in (
        ("new_incidents", "i.started_at >= :lo AND i.started_at < :hi", "i.started_at, i.id"),
        # From the counts kept per incident: only the incidents with none are read.
        ("incidents_without_actions", "t.n = 0", "i.started_at DESC, i.id DESC"),
    ):
        review.sections[key] = rows = q.incidents(where, order)
        review.counts[key] = len(rows) if len(rows) < q.limit else int(q.db.scalar(
            f"SELECT COUNT(*) FROM incident i JOIN incident_tally t ON t.incident_id = i.id WHERE {where}",
            q.params()))


def cause_sections(q: Query, review: Review, runbooks: list[RunbookRow]) -> None:
    select = ("SELECT rc.slug, rc.title, (SELECT COUNT(*) FROM incident_root_cause x WHERE x.root_cause_id = rc.id),"
              " (SELECT MAX(i.started_at) FROM incident_root_cause x JOIN incident i ON i.id = x.incident_id"
              " WHERE x.root_cause_id = rc.id) FROM root_cause rc")

    def section(key: str, where: str, **params: Any) -> None:
        review.sections[key] = rows = [
            CauseItem(slug, title, int(n), read_stamp(seen)) for slug, title, n, seen in q.db.cursor(
                f"{select} WHERE {where} ORDER BY 3 DESC, rc.slug LIMIT :limit", q.params(**params))]
        review.counts[key] = len(rows) if len(rows) < q.limit else int(
            q.db.scalar(f"SELECT COUNT(*) FROM root_cause rc WHERE {where}", q.params(**params)))

    section("causes_without_prevent", "rc.retired_at IS NULL AND NOT EXISTS (SELECT 1 FROM cause_tally t"
            " WHERE t.root_cause_id = rc.id AND t.kind = 'prevent' AND t.status != 'wont_do' AND t.n > 0)")
    # Covered: named in a runbook's front matter (index or given rows), or by an action's runbook.
    slugs = sorted({slug for book in runbooks for slug in book.root_causes})
    # "+" keeps SQLite's planner on the runbook index (only linked actions): for the DISTINCT it would
    # otherwise walk the root cause index through every action that has a cause.
    ids = [r[0] for r in q.db.cursor(f"SELECT DISTINCT {q.plus}a.root_cause_id FROM action a"
                                     f"{q.scan_unless('runbook_path')}"
                                     " WHERE a.runbook_path IS NOT NULL AND a.root_cause_id IS NOT NULL")]
    names = {**{f"s{i}": v for i, v in enumerate(slugs)}, **{f"c{i}": v for i, v in enumerate(ids)}}
    where = f"rc.retired_at IS NULL AND rc.slug NOT IN (SELECT c.slug FROM {RUNBOOK_CAUSES} c)"
    if slugs:
        where += f" AND rc.slug NOT IN ({', '.join(f':s{i}' for i in range(len(slugs)))})"
    if ids:
        where += f" AND rc.id NOT IN ({', '.join(f':c{i}' for i in range(len(ids)))})"
    section("causes_without_runbook", where, **names)
    stale = [StaleRunbook(b.path, b.title, b.owner, list(b.stale)) for b in runbooks if b.stale]
    review.sections["stale_runbooks"], review.counts["stale_runbooks"] = stale[: q.limit], len(stale)


def recurrence(q: Query, review: Review) -> None:
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
        against = [ActionItem(a, {"happened_again": bool(
                       a.status == "done" and a.completed_at and last and a.completed_at < last)})
                   for a, _ in q.actions("a.root_cause_id = :cause", "a.incident_id, a.id", cause=cause_id)]
        found.append(Recurrence(slug, title, int(count), last, incidents, done,
                                any(d.extra["happened_again"] for d in done), against))
    review.sections["recurrence"] = found
    # Per cause, its first two links at most: the taxonomy's size, not the incidents'.
    review.counts["recurrence"] = int(q.db.scalar(
        "SELECT COUNT(*) FROM root_cause rc WHERE (SELECT COUNT(*) FROM (SELECT 1 FROM incident_root_cause x"
        " WHERE x.root_cause_id = rc.id LIMIT 2) two) >= 2"))


def trend(q: Query, week_start: date) -> list[TrendWeek]:
    """Actions opened (created) and closed (completed) per week, from the counts kept per UTC day."""
    first = week_start - timedelta(weeks=TREND_WEEKS - 1)
    series: dict[str, list[int]] = {}
    for stamp, statuses in (("created_at", ""), ("completed_at", " AND status IN ('done', 'wont_do')")):
        counts = [0] * TREND_WEEKS
        for value, n in q.db.cursor(
            f"SELECT day, SUM(n) FROM action_day_tally WHERE stamp = '{stamp}'{statuses} AND day >= :first"
            " AND day < :last GROUP BY day", {"first": first, "last": q.hi.date()}
        ):
            counts[((read_date(value) or first) - first).days // 7] += int(n)
        series[stamp] = counts
    return [TrendWeek(week_name(first + timedelta(weeks=i)), first + timedelta(weeks=i),
                      series["created_at"][i], series["completed_at"][i]) for i in range(TREND_WEEKS)]


def decisions(q: Query, review: Review) -> None:
    # A decision belongs to the week under review, whenever it was taken (a past week reviewed late,
    # a walk-through that ran past Sunday): it is found by its note, not by its time. The range on
    # the note (byte order: a prefix's strings sit together) lets an index on the note serve it.
    collate = "" if q.db.dialect == "sqlite" else ' COLLATE "C"'
    where = (f"e.note{collate} >= :prefix AND e.note{collate} < :prefix_end"
             " AND substr(e.note, 1, :size) = :prefix")
    prefix = f"Review {review.week}:"
    params = q.params(prefix=prefix, prefix_end=prefix[:-1] + ";", size=len(prefix))
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


