"""Root causes for the app: the taxonomy with recurrence, actions by kind and runbooks."""

from __future__ import annotations

from tracker.core import rootcauses as cause_service
from tracker.core.rootcauses import RootCauseRow
from tracker.tui.services.shared import Shared


class CauseService:
    def __init__(self, shared: Shared) -> None:
        self._shared = shared

    def slugs(self) -> list[str]:
        return self._shared.run(lambda db: [c.slug for c in cause_service.list_root_causes(db)])

    def with_runbooks(self) -> list[RootCauseRow]:
        """Every cause with its recurrence and actions, and the runbooks that cover it (indexed first)."""
        self._shared.ensure_indexed()
        return self._shared.run(cause_service.list_root_causes)
