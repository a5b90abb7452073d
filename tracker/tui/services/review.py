"""The weekly review in the app: a week's review, and its record written (and committed)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tracker.tui.services.shared import Shared

if TYPE_CHECKING:
    from tracker.core.review import Review
    from tracker.repo.review_record import Record


class ReviewService:
    def __init__(self, shared: Shared) -> None:
        self._shared = shared

    def week(self, week: str | None) -> Review:
        """The week's review (the current week when None), with the runbook index refreshed once."""
        from tracker.repo.review_record import make_review, normal_week

        shared = self._shared
        shared.ensure_indexed()
        name = normal_week(week, shared.settings)
        return shared.run(lambda db: make_review(db, shared.settings, name))

    def record(self, week: str, commit: bool) -> Record:
        """Write the week's report under the runbooks folder; with ``commit``, commit that file alone."""
        from tracker.repo.review_record import write_record

        shared = self._shared
        return shared.run(lambda db: write_record(db, shared.settings, week, commit=commit, cwd=shared.cwd))
