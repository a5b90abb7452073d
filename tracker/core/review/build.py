"""Building the weekly review of one ISO week from the database (see ``tracker.core.review.types``)."""

from __future__ import annotations

from collections.abc import Collection
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

PARTS = ("actions", "incidents", "causes", "recurrence", "trend", "decisions", "conflicts")
"""What a review is built from, each a few queries: ``actions`` are the sections of actions (overdue, due
soon, unowned, proposed, blocked, stale, closed this week) and the load per owner."""

ACTION_PARTS = ("actions",)
"""The part the app shows first, while the rest is read (a third of the cost at 100,000 actions)."""


def build_review(db: Db, *, week: str | None, today: date, stale_days: int,
                 runbooks: list[RunbookRow] | None, limit: int = 50, clock: Clock = SYSTEM_CLOCK,
                 parts: Collection[str] = PARTS) -> Review:
    """The review of ``week`` (default: today's); ``runbooks`` default to the database's runbook index.

    ``parts`` (see ``PARTS``) builds only some sections, from the same queries: a review of fewer parts
    holds the same rows and counts for them as the whole one, and ``counts`` only the sections it has.
    """
    unknown = set(parts) - set(PARTS)
    if unknown:
        raise InputError(f"unknown review parts: {', '.join(sorted(unknown))}")
    if limit < 0:
        raise InputError(f"bad limit {limit}: give 0 or more")
    name = week or current_week(today)
    year, number, start, end = parse_week(name)
    name = f"{year:04d}-W{number:02d}"
    ref = reference_day(name, today)
    review = Review(name, start, end, ref, clock.now().replace(microsecond=0), stale_days)
    q = Query(db, ref, start, end, limit)
    if "actions" in parts:
        due_sections(q, review)
        status_sections(q, review, stale_days)
    if "incidents" in parts:
        incident_sections(q, review)
    if "causes" in parts:
        cause_sections(q, review, list_runbooks(db, ref) if runbooks is None else runbooks)
    if "recurrence" in parts:
        recurrence(q, review)
    if "trend" in parts:
        review.trend = trend(q, start)
    if "decisions" in parts:
        decisions(q, review)
    if "conflicts" in parts:
        ledger_conflicts(q, review)
    review.counts = {key: review.counts[key] for key in SECTIONS if key in review.counts}
    return review
