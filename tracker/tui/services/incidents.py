"""Incidents for the app: pages of the list, one incident in detail, and every change to one.

Each write is made against the version the screen loaded (``expected_version``): a write over a
newer version is refused with StaleWriteError and nothing is written.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tracker.base.enums import CauseRole, IncidentKind, Severity
from tracker.core import incidents as incident_service
from tracker.core.incidents import IncidentDetail, IncidentRow, TimelineItem
from tracker.core.incidents.changes import IncidentChanges
from tracker.core.rootcauses.suggest import Suggestion
from tracker.storage.database import Db
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

    def row(self, key: str | int) -> IncidentRow:
        """The incident's status, times, causes, components and version, without its texts."""
        return self._shared.run(lambda db: incident_service.get_incident_row(db, key))

    def add(
        self,
        *,
        title: str,
        started_at: datetime,
        severity: Severity,
        kind: IncidentKind,
        summary: str = "",
        components: list[str] | None = None,
    ) -> IncidentRow:
        """A new incident (investigating), recorded as the app's actor."""
        from tracker.core.incidents.changes import add_incident

        shared = self._shared
        return shared.run(lambda db: add_incident(
            db, title=title, started_at=started_at, actor=shared.actor, severity=severity, kind=kind,
            summary=summary, components=components or [], clock=shared.settings.clock,
        ))

    def update(
        self, key: str | int, changes: IncidentChanges, *, expected_version: int, note: str = "",
        force: bool = False,
    ) -> IncidentRow:
        """Change fields, times, status or components; ``force`` closes despite what is missing (with a note)."""
        from tracker.core.incidents.changes import update_incident

        shared = self._shared
        return shared.run(lambda db: update_incident(
            db, key, changes, actor=shared.actor, expected_version=expected_version, note=note, force=force,
            clock=shared.settings.clock,
        ))

    def close_blockers(self, key: str | int) -> list[str]:
        """What stops the incident from closing, each thing in one line; empty when it may close."""
        from tracker.core.incidents.changes import close_blockers
        from tracker.core.keys import parse_key

        incident_id = key if isinstance(key, int) else parse_key(key, "INC")
        return self._shared.run(lambda db: close_blockers(db, incident_id))

    def log(self, key: str | int, text: str, *, expected_version: int) -> TimelineItem:
        """A timeline entry stamped now."""
        from tracker.core.incidents.timeline import log_entry

        shared = self._shared
        return shared.run(lambda db: log_entry(
            db, key, text, actor=shared.actor, expected_version=expected_version, clock=shared.settings.clock,
        ))

    def link(self, key: str | int, slug: str, role: CauseRole, *, expected_version: int,
             note: str = "") -> IncidentRow:
        from tracker.core.incidents.links import link_cause

        shared = self._shared
        return shared.run(lambda db: link_cause(
            db, key, slug, role, actor=shared.actor, note=note, expected_version=expected_version,
            clock=shared.settings.clock,
        ))

    def unlink(self, key: str | int, slug: str, *, expected_version: int, note: str = "") -> IncidentRow:
        from tracker.core.incidents.links import unlink_cause

        shared = self._shared
        return shared.run(lambda db: unlink_cause(
            db, key, slug, actor=shared.actor, note=note, expected_version=expected_version,
            clock=shared.settings.clock,
        ))

    def cause_suggestions(self, incident_id: int) -> tuple[list[Suggestion], list[tuple[str, str]]]:
        """The causes closest to the incident (not linked yet), then every current cause as (slug, title)."""
        from tracker.core.rootcauses import cause_choices
        from tracker.core.rootcauses.suggest import suggest_for_incident

        def job(db: Db) -> tuple[list[Suggestion], list[tuple[str, str]]]:
            return suggest_for_incident(db, incident_id), cause_choices(db)

        return self._shared.run(job)
