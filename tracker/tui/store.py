"""The app's door to the services: one of each concern, over one database connection shared by worker threads.

Screens never build queries; from thread workers they call ``store.actions``, ``store.incidents``,
``store.causes``, ``store.runbooks``, ``store.git``, ``store.imports`` and ``store.review``
(``tracker.tui.services``) and get plain typed rows.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from tracker.config import Settings
from tracker.core.actions import ActionChanges, ActionRow
from tracker.core.stamp import ChangesStamp, changes_stamp
from tracker.storage.database import Db
from tracker.tui.services.actions import ActionService
from tracker.tui.services.causes import CauseService
from tracker.tui.services.git import GitService
from tracker.tui.services.importing import ImportService
from tracker.tui.services.incidents import IncidentService
from tracker.tui.services.review import ReviewService
from tracker.tui.services.runbooks import RunbookService
from tracker.tui.services.shared import Shared

if TYPE_CHECKING:
    from tracker.core.search import Target

T = TypeVar("T")


class Store:
    """Everything the app reads and writes, by concern; callable from any worker thread (they take turns)."""

    def __init__(self, db: Db, settings: Settings, actor: str, cwd: Path | None = None) -> None:
        self._shared = Shared(db, settings, actor, cwd)
        self.settings = settings
        self.actor = actor
        """Who every change made in the app is recorded as."""
        self.actions = ActionService(self._shared)
        self.incidents = IncidentService(self._shared)
        self.causes = CauseService(self._shared)
        self.runbooks = RunbookService(self._shared)
        self.git = GitService(self._shared)
        self.imports = ImportService(self._shared)
        self.review = ReviewService(self._shared)

    @property
    def today(self) -> date:
        return self.settings.today_date()

    def _run(self, job: Callable[[Db], T]) -> T:
        return self._shared.run(job)

    def changes_stamp(self) -> ChangesStamp:
        """A cheap fingerprint of what other people may have changed."""
        return self._run(changes_stamp)

    def search(self, words: str, limit: int = 20) -> list[Target]:
        """(kind, key, title) hits for the command palette: incidents, actions, causes, runbooks."""
        from tracker.core.search import jump_targets

        headings = self.runbooks.headings()
        return self._run(lambda db: jump_targets(db, words, limit, headings))

    def close(self) -> None:
        self._shared.close()

    def update_action(
        self, key: int, changes: ActionChanges, *, expected_version: int, note: str = ""
    ) -> ActionRow:
        """Kept for the screens that call it by this name: ``actions.update``."""
        return self.actions.update(key, changes, expected_version=expected_version, note=note)
