"""Insights over weeks: action SLOs, time to close, recurrence, prevention that did not prevent.

``build_insights(db, today=..., weeks=12, targets=...) -> Insights`` is the door; the parts are plain,
typed values (``types``, whose docstring defines every figure), the SQL is in ``queries``, the text
and markdown forms in ``render``.
"""

from tracker.core.insights.build import build_insights, nearest_rank, window_bounds
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

__all__ = [
    "ACTIONS_SHOWN", "MAX_WEEKS", "CloseTimes", "DidNotPrevent", "DoneAction", "IncidentRef", "Insights",
    "Recurrence", "RecurringCause", "SloRow", "TimeToClose", "WeekRow", "build_insights", "nearest_rank",
    "window_bounds",
]
