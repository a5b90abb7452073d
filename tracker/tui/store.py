"""The app's door to the services: one database connection, used by one worker thread at a time.

Screens never build queries; they call these methods from thread workers and get plain rows.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any, TypeVar

from tracker.config import Settings
from tracker.core import actions as action_service
from tracker.core import incidents as incident_service
from tracker.core import rootcauses as cause_service
from tracker.core.actions import ActionEventRow, ActionFilter, ActionRow
from tracker.core.enums import ActionKind, ActionStatus, Priority
from tracker.core.incidents import IncidentDetail, IncidentRow
from tracker.core.rootcauses import RootCauseRow
from tracker.storage.database import Db

T = TypeVar("T")


class Store:
    """Thread-safe access to the tracker database for the app."""

    def __init__(self, db: Db, settings: Settings, actor: str) -> None:
        self._db = db
        self._lock = threading.Lock()
        self.settings = settings
        self.actor = actor

    @property
    def today(self) -> date:
        return self.settings.today_date()

    def _run(self, job: Callable[[Db], T]) -> T:
        with self._lock:
            return job(self._db)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # -- reading ---------------------------------------------------------------------------

    def count_actions(self, filt: ActionFilter) -> int:
        return self._run(lambda db: action_service.count_actions(db, filt))

    def page_actions(
        self, filt: ActionFilter, sort: str, after: tuple[Any, ...] | None, offset: int, limit: int
    ) -> list[ActionRow]:
        return self._run(
            lambda db: action_service.page_actions(db, filt, sort, after=after, offset=offset, limit=limit)
        )

    def action(self, key: str | int) -> tuple[ActionRow, list[ActionEventRow]]:
        def job(db: Db) -> tuple[ActionRow, list[ActionEventRow]]:
            row = action_service.get_action(db, key)
            return row, action_service.action_history(db, row.id)

        return self._run(job)

    def count_incidents(self) -> int:
        return self._run(incident_service.count_incidents)

    def page_incidents(self, after: tuple[Any, ...] | None, offset: int, limit: int) -> list[IncidentRow]:
        return self._run(lambda db: incident_service.page_incidents(db, after=after, offset=offset, limit=limit))

    def incident(self, key: str | int) -> tuple[IncidentDetail, list[str]]:
        def job(db: Db) -> tuple[IncidentDetail, list[str]]:
            detail = incident_service.get_incident(db, key)
            return detail, detail.runbooks

        return self._run(job)

    def root_causes(self) -> list[RootCauseRow]:
        return self._run(cause_service.list_root_causes)

    def root_causes_with_runbooks(self) -> list[tuple[RootCauseRow, list[str]]]:
        def job(db: Db) -> list[tuple[RootCauseRow, list[str]]]:
            causes = cause_service.list_root_causes(db)
            return [(c, cause_service.runbook_paths(db, [c.slug])) for c in causes]

        return self._run(job)

    def owners(self) -> list[str]:
        return self._run(action_service.known_owners)

    def search_everything(self, words: str, limit: int = 20) -> list[tuple[str, str, str]]:
        """(kind, key, title) hits for the command palette: incidents, actions, causes, runbooks."""
        from tracker.core.search import jump_targets

        return self._run(lambda db: jump_targets(db, words, limit))

    # -- writing ---------------------------------------------------------------------------

    def add_action(self, **fields: Any) -> ActionRow:
        fields.setdefault("kind", ActionKind.PREVENT)
        fields.setdefault("priority", Priority.P2)
        fields.setdefault("status", ActionStatus.OPEN)
        return self._run(
            lambda db: action_service.add_action(
                db, actor=self.actor, today=self.today, due_days=self.settings.due_days, **fields
            )
        )

    def update_action(
        self, key: int, changes: Mapping[str, Any], *, expected_version: int, note: str = ""
    ) -> ActionRow:
        return self._run(
            lambda db: action_service.update_action(
                db, key, changes, actor=self.actor, expected_version=expected_version, note=note
            )
        )
