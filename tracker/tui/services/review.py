"""The weekly review in the app: a week's review, its record written (and committed), and the insights."""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING

from tracker.tui.services.shared import Shared

if TYPE_CHECKING:
    from tracker.core.insights import Insights
    from tracker.core.review import Review
    from tracker.repo.review_record import Record


class ReviewService:
    def __init__(self, shared: Shared) -> None:
        self._shared = shared

    def week(self, week: str | None, parts: Collection[str] | None = None) -> Review:
        """The week's review (the current week when None), with the runbook index refreshed once; only its
        ``parts`` when given (``tracker.core.review.build.PARTS``: the actions alone need no runbook)."""
        from tracker.core.review.build import PARTS
        from tracker.repo.review_record import make_review, normal_week

        shared = self._shared
        wanted = PARTS if parts is None else tuple(parts)
        if "causes" in wanted:
            shared.ensure_indexed()
        name = normal_week(week, shared.settings)
        return shared.run(lambda db: make_review(db, shared.settings, name, parts=wanted))

    def insights(self, weeks: int) -> Insights:
        """The insights of the ``weeks`` weeks ending today, against the configured SLO targets."""
        from tracker.core.insights import build_insights

        shared = self._shared
        return shared.run(lambda db: build_insights(db, today=shared.today, weeks=weeks,
                                                    targets=shared.settings.slo_days))

    def record(self, week: str, commit: bool) -> Record:
        """Write the week's report under the runbooks folder; with ``commit``, commit that file alone."""
        from tracker.repo.review_record import write_record

        shared = self._shared
        return shared.run(lambda db: write_record(db, shared.settings, week, commit=commit, cwd=shared.cwd))
