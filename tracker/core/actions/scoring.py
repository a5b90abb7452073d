"""What to do next: open actions ranked by a score that explains itself.

The score of an open action (proposed, open, in progress, blocked) is the sum of five parts, all
whole numbers computed in SQL (so ranking 100,000 actions is one query with ``ORDER BY ... LIMIT``):

- **priority**: P1 +30, P2 +20, P3 +10;
- **slo**: how much of its SLO (``tracker.core.slo``) has gone by, 40 x days since it was created /
  target days, at most 60: +40 on its SLO's last day, more each day past it, capped at 150% of it;
- **recurrence**: +10 for each time its root cause came back (incidents linked to the cause as root or
  trigger, minus the first), at most +30; 0 for an action with no root cause;
- **state**: blocked -15 (it waits on something else: unblock it first), proposed -10 (it needs triage
  before work); 0 otherwise;
- **age**: +1 for every 14 days since it was created, at most +10.

Ties go to the earlier due date, then the lower number. ``next_actions`` takes the same
``ActionFilter`` as listings, so the app can offer "next" as a sort, paged by offset.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, NamedTuple

from tracker.base.enums import OPEN_STATUSES
from tracker.core.actions.queries import COLUMNS, FROM_ACTIONS, _where, action_row
from tracker.core.actions.rows import ActionFilter, ActionRow
from tracker.core.slo import day_number, slo_targets, stamp_day_sql, target_sql
from tracker.storage.database import Db

PRIORITY_POINTS = {"P1": 30, "P2": 20, "P3": 10}
SLO_POINTS, SLO_CAP = 40, 60
RECURRENCE_POINTS, RECURRENCE_CAP = 10, 30
STATE_POINTS = {"blocked": -15, "proposed": -10}
AGE_DAYS, AGE_CAP = 14, 10


class ScorePart(NamedTuple):
    """One part of a score: its name, the points it gave, and why, in words."""

    factor: str
    points: int
    reason: str

    def to_json(self) -> dict[str, Any]:
        return {"factor": self.factor, "points": self.points, "reason": self.reason}


class ScoredAction(NamedTuple):
    action: ActionRow
    score: int
    why: tuple[ScorePart, ...]
    """Every part, in a fixed order (priority, slo, recurrence, state, age); their points add up to ``score``."""

    def to_json(self, today: date | None = None) -> dict[str, Any]:
        return {**self.action.to_json(today), "score": self.score, "why": [part.to_json() for part in self.why]}


def _parts_sql(row: str) -> list[str]:
    """SQL for each part's points, over the columns of ``row`` (priority, status, elapsed, target, n)."""
    whens = " ".join(f"WHEN '{p}' THEN {n}" for p, n in PRIORITY_POINTS.items())
    states = " ".join(f"WHEN '{s}' THEN {n}" for s, n in STATE_POINTS.items())
    slo = f"{SLO_POINTS} * {row}.elapsed / {row}.target"
    return [
        f"(CASE {row}.priority {whens} ELSE 0 END)",
        f"(CASE WHEN {row}.elapsed <= 0 THEN 0 WHEN {slo} > {SLO_CAP} THEN {SLO_CAP} ELSE {slo} END)",
        f"(CASE WHEN {row}.n * {RECURRENCE_POINTS} > {RECURRENCE_CAP} THEN {RECURRENCE_CAP}"
        f" ELSE {row}.n * {RECURRENCE_POINTS} END)",
        f"(CASE {row}.status {states} ELSE 0 END)",
        f"(CASE WHEN {row}.elapsed <= 0 THEN 0 WHEN {row}.elapsed / {AGE_DAYS} > {AGE_CAP} THEN {AGE_CAP}"
        f" ELSE {row}.elapsed / {AGE_DAYS} END)",
    ]


def _candidates_sql(dialect: str, targets: Mapping[str, int], scan: bool) -> tuple[str, dict[str, Any]]:
    """The columns the score is made of, per action (before the WHERE): id, due date, priority, status,
    days since created, target days, times its cause came back."""
    target, params = target_sql(targets)
    recurred = (
        "(SELECT x.root_cause_id AS cause, COUNT(*) - 1 AS n FROM incident_root_cause x JOIN incident i"
        " ON i.id = x.incident_id WHERE x.role IN ('root', 'trigger') AND i.kind = 'incident'"
        " AND i.started_at < :tomorrow GROUP BY x.root_cause_id)"
    )
    source = FROM_ACTIONS.replace("action a", "action a NOT INDEXED", 1) if scan else FROM_ACTIONS
    return (f"SELECT a.id, a.due_date, a.priority, a.status, :today_day - {stamp_day_sql(dialect, 'a.created_at')}"
            f" AS elapsed, {target} AS target, COALESCE(r.n, 0) AS n {source}"
            f" LEFT JOIN {recurred} r ON r.cause = a.root_cause_id"), params


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def explain(action: ActionRow, elapsed: int, target: int, recurred: int,
            points: tuple[int, ...]) -> tuple[ScorePart, ...]:
    """The parts of a score in words, from the figures the query used."""
    pri, slo, rec, state, age = points
    if elapsed > target:
        slo_reason = f"{_plural(elapsed - target, 'day')} past its {target}-day SLO"
    elif elapsed == target:
        slo_reason = f"last day of its {target}-day SLO"
    else:
        slo_reason = f"{_plural(target - elapsed, 'day')} left of its {target}-day SLO"
    if action.root_cause is None:
        rec_reason = "no root cause"
    elif recurred:
        rec_reason = f"its cause {action.root_cause} came back {_plural(recurred, 'time')}"
    else:
        rec_reason = f"its cause {action.root_cause} has not come back"
    state_reason = {"blocked": "blocked: it waits on something else", "proposed": "proposed: it needs triage first"}
    return (
        ScorePart("priority", pri, action.priority),
        ScorePart("slo", slo, slo_reason),
        ScorePart("recurrence", rec, rec_reason),
        ScorePart("state", state, state_reason.get(action.status, action.status.replace("_", " "))),
        ScorePart("age", age, f"opened {_plural(max(elapsed, 0), 'day')} ago"),
    )


def next_actions(db: Db, filt: ActionFilter, *, today: date, targets: Mapping[str, int] | None = None,
                 limit: int = 10, offset: int = 0) -> list[ScoredAction]:
    """The open actions matching ``filt`` with the highest scores first (closed ones never come next)."""
    statuses = tuple(s for s in (filt.statuses or OPEN_STATUSES) if s in OPEN_STATUSES)
    if not statuses or limit < 1:
        return []
    where, params = _where(filt._replace(statuses=statuses), db.dialect)
    # Without a selective filter most actions are open: on SQLite one plain scan beats reading the table
    # through the status index (measured 2-3x at 100,000 actions).
    selective = (filt.owner is not None or filt.unowned or filt.incident_id is not None
                 or filt.root_cause is not None or bool(filt.text.strip()))
    inner, score_params = _candidates_sql(db.dialect, slo_targets(targets), db.dialect == "sqlite" and not selective)
    tomorrow = datetime.combine(today + timedelta(days=1), time(), tzinfo=UTC)
    params.update(score_params, today_day=day_number(today), tomorrow=tomorrow, limit=limit, offset=offset)
    # SQLite would copy the day arithmetic into every use of ``elapsed`` (parsing each date many times); a
    # LIMIT keeps the candidates a subquery of their own, so each row's is computed once. Only the score is
    # worked out for every candidate; its parts, for the rows kept.
    once = " LIMIT -1" if db.dialect == "sqlite" else ""
    ranked = (f"SELECT s.*, {' + '.join(_parts_sql('s'))} AS score FROM ({inner}{where}{once}) s"
              " ORDER BY score DESC, s.due_date, s.id LIMIT :limit OFFSET :offset")
    sql = (f"SELECT {COLUMNS}, k.elapsed, k.target, k.n, {', '.join(_parts_sql('k'))}, k.score FROM ({ranked}) k"
           " JOIN action a ON a.id = k.id LEFT JOIN root_cause rc ON rc.id = a.root_cause_id"
           " ORDER BY k.score DESC, k.due_date, k.id")
    found = []
    for values in db.cursor(sql, params):
        action = action_row(values[:15])
        elapsed, target, recurred, *points, score = (int(v) for v in values[15:])
        found.append(ScoredAction(action, score, explain(action, elapsed, target, recurred, tuple(points))))
    return found
