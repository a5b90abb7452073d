"""Action SLOs: how many days each priority gives an action to be closed, and the one rule built on it.

An action's SLO target is a number of days by priority (``[actions] slo_days`` in ``tracker.toml``;
by default P1 28, P2 56, P3 90: the four- and eight-week targets of published incident handbooks,
and a quarter for the rest). The same number gives a new action its default due date, so an action
added without ``--due`` is due on the last day of its SLO:

* **deadline** = the UTC day the action was created + its priority's target days;
* **in SLO**: closed (done or won't do) on or before its deadline, i.e. completed day - created day
  <= target days (closing on the deadline day itself is in SLO);
* **breaching**: still open (proposed, open, in progress, blocked) on a day after its deadline.

Days are UTC calendar days, as due dates are. The SQL helpers below turn stored timestamps and dates
into day numbers (days since 1970-01-01) on both backends, so SLO arithmetic stays in SQL.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any

from tracker.base.enums import Priority

DEFAULT_SLO_DAYS: dict[str, int] = {"P1": 28, "P2": 56, "P3": 90}
"""Days to close an action, by priority, unless ``[actions] slo_days`` says otherwise."""

EPOCH = date(1970, 1, 1)


def slo_targets(configured: Mapping[str, int] | None = None) -> dict[str, int]:
    """Every priority's target: the defaults, overridden by ``configured``."""
    return {**DEFAULT_SLO_DAYS, **(configured or {})}


def due_by_priority(priority: Priority | str, today: date, targets: Mapping[str, int]) -> date:
    """The default due date of an action created ``today``: the last day of its SLO."""
    return today + timedelta(days=targets[Priority(priority).value])


def deadline(created_at: datetime | date, priority: Priority | str, targets: Mapping[str, int]) -> date:
    """The last day on which an action created at ``created_at`` is still within its SLO."""
    day = created_at.date() if isinstance(created_at, datetime) else created_at
    return due_by_priority(priority, day, targets)


def day_number(day: date) -> int:
    """A day as the SQL helpers count it: days since 1970-01-01."""
    return (day - EPOCH).days


def stamp_day_sql(dialect: str, column: str) -> str:
    """SQL for the UTC day number of a stored timestamp column (NULL stays NULL)."""
    if dialect == "sqlite":  # fixed-width UTC text: the first ten characters are the day
        return f"CAST(julianday(substr({column}, 1, 10)) - 2440587.5 AS INTEGER)"
    return f"(CAST({column} AT TIME ZONE 'UTC' AS DATE) - DATE '1970-01-01')"


def date_day_sql(dialect: str, column: str) -> str:
    """SQL for the day number of a stored date column (``due_date``)."""
    if dialect == "sqlite":
        return f"CAST(julianday({column}) - 2440587.5 AS INTEGER)"
    return f"({column} - DATE '1970-01-01')"


def target_sql(targets: Mapping[str, int], column: str = "a.priority") -> tuple[str, dict[str, Any]]:
    """SQL for an action's target days (a CASE on its priority) and the parameters it needs."""
    params = {f"slo_{p.value}": int(targets[p.value]) for p in Priority}
    # Cast: PostgreSQL may type a bound integer as numeric, and the score divides by it.
    whens = " ".join(f"WHEN '{p.value}' THEN CAST(:slo_{p.value} AS INTEGER)" for p in Priority)
    return f"(CASE {column} {whens} END)", params
