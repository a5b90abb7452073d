"""Root causes for the app: the taxonomy with recurrence, actions by kind and runbooks; adding,
editing, renaming and merging causes."""

from __future__ import annotations

from tracker.core import rootcauses as cause_service
from tracker.core.rootcauses import RootCauseRow
from tracker.core.rootcauses.changes import MergePlan
from tracker.core.rootcauses.names import CauseName
from tracker.core.rootcauses.suggest import Suggestion
from tracker.tui.services.shared import Shared


class CauseService:
    def __init__(self, shared: Shared) -> None:
        self._shared = shared

    def slugs(self) -> list[str]:
        return self._shared.run(lambda db: [c.slug for c in cause_service.list_root_causes(db)])

    def choices(self) -> list[tuple[str, str]]:
        """(slug, title) of every cause a picker may offer: retired causes are left out."""
        return self._shared.run(cause_service.cause_choices)

    def with_runbooks(self) -> list[RootCauseRow]:
        """Every cause with its recurrence and actions, and the runbooks that cover it (indexed first)."""
        self._shared.ensure_indexed()
        return self._shared.run(cause_service.list_root_causes)

    def get(self, slug: str) -> RootCauseRow:
        return self._shared.run(lambda db: cause_service.get_root_cause(db, slug))

    def similar(self, title: str) -> list[Suggestion]:
        """Current causes whose title is close to ``title`` (the "did you mean ...?")."""
        from tracker.core.rootcauses.suggest import similar_titles

        return self._shared.run(lambda db: similar_titles(db, title))

    def add(self, slug: str, *, title: str, category: str = "", description: str = "",
            force: bool = False) -> CauseName:
        """A new cause; without ``force`` a title close to an existing cause's is refused (SimilarCauseError)."""
        from tracker.core.rootcauses.changes import add_cause

        return self._shared.run(lambda db: add_cause(
            db, slug, title=title, category=category, description=description, force=force))

    def update(self, slug: str, *, title: str | None = None, category: str | None = None,
               description: str | None = None) -> CauseName:
        from tracker.core.rootcauses.changes import update_cause

        return self._shared.run(lambda db: update_cause(
            db, slug, title=title, category=category, description=description))

    def rename(self, old: str, new: str) -> CauseName:
        """A new slug; the old one stays as an alias."""
        from tracker.core.rootcauses.changes import rename_cause

        return self._shared.run(lambda db: rename_cause(db, old, new))

    def plan_merge(self, source: str, target: str) -> MergePlan:
        """What merging ``source`` into ``target`` would move; writes nothing."""
        from tracker.core.rootcauses.changes import plan_merge

        return self._shared.run(lambda db: plan_merge(db, source, target))

    def merge(self, source: str, target: str) -> MergePlan:
        from tracker.core.rootcauses.changes import merge_causes

        shared = self._shared
        return shared.run(lambda db: merge_causes(db, source, target, actor=shared.actor,
                                                  clock=shared.settings.clock))
