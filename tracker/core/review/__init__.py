"""The weekly action review: weeks, the report's types, its SQL, building it, and its text forms.

``build_review`` is the door; ``Review`` and its parts are plain values (see ``types``).
"""

from tracker.core.review.build import build_review
from tracker.core.review.types import (
    ACTION_KEYS,
    COVERAGE,
    DUE_SOON_DAYS,
    SECTIONS,
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
    plain,
)
from tracker.core.review.weeks import current_week, midnight, parse_week, reference_day, week_name

__all__ = [
    "ACTION_KEYS", "COVERAGE", "DUE_SOON_DAYS", "SECTIONS", "TREND_WEEKS", "ActionItem", "CauseItem", "Decision",
    "IncidentItem", "OwnerGroup", "OwnerLoad", "Recurrence", "Review", "StaleRunbook", "TrendWeek", "build_review",
    "current_week", "midnight", "parse_week", "plain", "reference_day", "week_name",
]
