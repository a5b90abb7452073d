"""Actions for the app: pages of the list, one action with its history, the owners, a new action."""

from __future__ import annotations

from datetime import date
from typing import Any, NamedTuple

from tracker.base.enums import OPEN_STATUSES, ActionKind, ActionStatus, Priority
from tracker.core import actions as action_service
from tracker.core.actions import ActionChanges, ActionEventRow, ActionFilter, ActionRow
from tracker.storage.database import Db
from tracker.tui.services.shared import Shared


class ActionDetail(NamedTuple):
    action: ActionRow
    history: list[ActionEventRow]
    """Every change, oldest first."""


class ActionService:
    def __init__(self, shared: Shared) -> None:
        self._shared = shared

    def count(self, filt: ActionFilter, sort: str = "due") -> int:
        """How many match; in the "next" order only open actions come (closed ones are never next)."""
        if sort == "next":
            statuses = tuple(s for s in (filt.statuses or OPEN_STATUSES) if s in OPEN_STATUSES)
            if not statuses:
                return 0
            filt = filt._replace(statuses=statuses)
        return self._shared.run(lambda db: action_service.count_actions(db, filt))

    def page(
        self, filt: ActionFilter, sort: str, after: tuple[Any, ...] | None, offset: int, limit: int
    ) -> list[ActionRow]:
        """One page of the list: after the sort key ``after`` (keyset), else from ``offset``; the "next" order
        (``tracker.core.actions.scoring``) is ranked in SQL for each page and read by offset."""
        if sort == "next":
            shared = self._shared
            return [s.action for s in shared.run(lambda db: action_service.next_actions(
                db, filt, today=shared.today, targets=shared.settings.slo_days, limit=limit, offset=offset))]
        return self._shared.run(
            lambda db: action_service.page_actions(db, filt, sort, after=after, offset=offset, limit=limit)
        )

    def get(self, key: str | int) -> ActionRow:
        return self._shared.run(lambda db: action_service.get_action(db, key))

    def detail(self, key: str | int) -> ActionDetail:
        def job(db: Db) -> ActionDetail:
            row = action_service.get_action(db, key)
            return ActionDetail(row, action_service.action_history(db, row.id))

        return self._shared.run(job)

    def owners(self) -> list[str]:
        return self._shared.run(action_service.known_owners)

    def add(
        self,
        *,
        title: str,
        incident: str | None = None,
        root_cause: str | None = None,
        description: str = "",
        kind: ActionKind = ActionKind.PREVENT,
        owner: str | None = None,
        priority: Priority = Priority.P2,
        due: date | None = None,
        status: ActionStatus = ActionStatus.OPEN,
        note: str = "",
    ) -> ActionRow:
        """A new action, due by its priority unless ``due`` is given; recorded as the app's actor."""
        shared = self._shared
        return shared.run(
            lambda db: action_service.add_action(
                db, title=title, incident=incident, root_cause=root_cause, description=description, kind=kind,
                owner=owner, priority=priority, due=due, status=status, note=note, actor=shared.actor,
                today=shared.today, slo_days=shared.settings.slo_days, clock=shared.settings.clock,
                runbooks_dir=shared.settings.runbooks_dir,
            )
        )

    def update(self, key: int, changes: ActionChanges, *, expected_version: int, note: str = "") -> ActionRow:
        """Change an action against the version the screen loaded (a stale one is refused)."""
        return self._shared.run(
            lambda db: action_service.update_action(
                db, key, changes, actor=self._shared.actor, expected_version=expected_version, note=note,
                clock=self._shared.settings.clock, runbooks_dir=self._shared.settings.runbooks_dir,
            )
        )
