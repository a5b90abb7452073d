"""Actions for the app: pages of the list, one action with its history, the owners, a new action."""

from __future__ import annotations

from datetime import date
from typing import Any, NamedTuple

from tracker.base.enums import OPEN_STATUSES, ActionKind, ActionStatus, Priority
from tracker.base.errors import InputError
from tracker.core import actions as action_service
from tracker.core.actions import ActionChanges, ActionEventRow, ActionFilter, ActionRow
from tracker.storage.database import Db
from tracker.tui.services.shared import Shared


class ActionDetail(NamedTuple):
    action: ActionRow
    history: list[ActionEventRow]
    """Every change, oldest first."""


class Undone(NamedTuple):
    """An undo made: the action as it is now, and what was put back, in words."""

    action: ActionRow
    summary: str


def listed(filt: ActionFilter, sort: str) -> ActionFilter | None:
    """The filter as the list in ``sort`` order applies it: "next" lists open actions only (None: none can come)."""
    if sort != "next":
        return filt
    statuses = tuple(s for s in (filt.statuses or OPEN_STATUSES) if s in OPEN_STATUSES)
    return filt._replace(statuses=statuses) if statuses else None


class ActionService:
    def __init__(self, shared: Shared) -> None:
        self._shared = shared
        self._journal: list[tuple[ActionRow, ActionRow]] = []
        """(before, after) of each change made in this session, the last one last: what undo reverts."""

    def count(self, filt: ActionFilter, sort: str = "due") -> int:
        """How many match; in the "next" order only open actions come (closed ones are never next)."""
        counted = listed(filt, sort)
        if counted is None:
            return 0
        return self._shared.run(lambda db: action_service.count_actions(db, counted))

    def count_up_to(self, filt: ActionFilter, cap: int, sort: str = "due") -> tuple[int, bool]:
        """How many match, counting no further than ``cap`` ((cap, True) when there are more).

        A newer listing may cut the count short (``stop_counting``): it then raises.
        """
        counted = listed(filt, sort)
        if counted is None:
            return 0, False
        return self._shared.run_stoppable(lambda db: action_service.count_actions_up_to(db, counted, cap))

    def stop_counting(self) -> None:
        """Cut short a count still running for an older listing."""
        self._shared.stop()

    @staticmethod
    def was_stopped(error: BaseException) -> bool:
        """Whether a count failed only because ``stop_counting`` cut it short."""
        return "interrupt" in str(error).lower()

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
        """Change an action against the version the screen loaded (a stale one is refused); undo can revert it."""
        shared = self._shared

        def job(db: Db) -> ActionRow:
            before = action_service.get_action(db, key)
            after = action_service.update_action(
                db, key, changes, actor=shared.actor, expected_version=expected_version, note=note,
                clock=shared.settings.clock, runbooks_dir=shared.settings.runbooks_dir,
            )
            # The write was made against ``expected_version``: ``before`` is what it changed only if it
            # was read at that version (otherwise the write itself was refused as stale).
            if before.version == expected_version:
                self._journal.append((before, after))
            return after

        return shared.run(job)

    def can_undo(self) -> bool:
        return bool(self._journal)

    def undo(self, note: str = "") -> Undone:
        """Revert the last change made in this session: a new write against the version it produced, noted as
        an undo in the history (``note`` first: the review's walk-through names its week). Refused ("changed by
        someone else") when the action changed since."""
        from tracker.core.actions.undo import changes_back, describe_back

        shared = self._shared

        def job(db: Db) -> Undone:
            if not self._journal:
                raise InputError("nothing to undo: no action was changed in this session")
            before, after = self._journal[-1]
            when = after.updated_at.strftime("%H:%M:%S")
            try:
                row = action_service.update_action(
                    db, after.id, changes_back(before, after), actor=shared.actor, expected_version=after.version,
                    note=(f"{note}: " if note else "")
                    + f"undo: back to version {before.version} (the change made at {when} UTC)",
                    clock=shared.settings.clock, runbooks_dir=shared.settings.runbooks_dir,
                )
            finally:
                self._journal.pop()
            return Undone(row, f"{after.key}: {describe_back(before, after)}")

        return shared.run(job)
