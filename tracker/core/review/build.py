"""Building the weekly review of one ISO week from the database (see ``tracker.core.review.types``)."""

from __future__ import annotations

from datetime import date

from tracker.base.clock import SYSTEM_CLOCK, Clock
from tracker.base.errors import InputError
from tracker.core.review.conflicts import ledger_conflicts
from tracker.core.review.queries import (
    Query,
    cause_sections,
    decisions,
    due_sections,
    incident_sections,
    recurrence,
    status_sections,
    trend,
)
from tracker.core.review.types import SECTIONS, Review
from tracker.core.review.weeks import current_week, parse_week, reference_day
from tracker.core.runbooks.index import RunbookRow, list_runbooks
from tracker.storage.database import Db


def build_review(db: Db, *, week: str | None, today: date, stale_days: int,
                 runbooks: list[RunbookRow] | None, limit: int = 50, clock: Clock = SYSTEM_CLOCK) -> Review:
    """The review of ``week`` (default: today's); ``runbooks`` default to the database's runbook index."""
    if limit < 0:
        raise InputError(f"bad limit {limit}: give 0 or more")
    name = week or current_week(today)
    year, number, start, end = parse_week(name)
    name = f"{year:04d}-W{number:02d}"
    ref = reference_day(name, today)
    review = Review(name, start, end, ref, clock.now().replace(microsecond=0), stale_days)
    q = Query(db, ref, start, end, limit)
    due_sections(q, review)
    status_sections(q, review, stale_days)
    incident_sections(q, review)
    cause_sections(q, review, list_runbooks(db, ref) if runbooks is None else runbooks)
    recurrence(q, review)
    review.trend = trend(q, start)
    decisions(q, review)
    ledger_conflicts(q, review)
    review.counts = {key: review.counts[key] for key in SECTIONS}
    return review
