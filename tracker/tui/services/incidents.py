"""Incidents for the app: pages of the list, one incident in detail."""

from __future__ import annotations

from typing import Any

from tracker.core import incidents as incident_service
from tracker.core.incidents import IncidentDetail, IncidentRow
from tracker.tui.services.shared import Shared


class IncidentService:
    def __init__(self, shared: Shared) -> None:
        self._shared = shared

    def count(self) -> int:
        return self._shared.run(incident_service.count_incidents)

    def page(self, after: tuple[Any, ...] | None, offset: int, limit: int) -> list[IncidentRow]:
        """One page, newest first: after the key ``after`` (keyset), else from ``offset``."""
        return self._shared.run(
            lambda db: incident_service.page_incidents(db, after=after, offset=offset, limit=limit)
        )

    def get(self, key: str | int) -> IncidentDetail:
        """One incident with everything the detail shows, its runbooks included (indexed first)."""
        self._shared.ensure_indexed()
        return self._shared.run(lambda db: incident_service.get_incident(db, key))
