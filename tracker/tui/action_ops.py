"""Quick changes to one action, shared by the actions list and the action detail screens.

Each change is written with the version the screen loaded; a change made meanwhile by
someone else is refused by the service and offered for reload, never overwritten. Marking an
action done asks first, and ``u`` undoes the last change made to an action in this session.
"""

from __future__ import annotations

from textual import work
from textual.binding import Binding, BindingType

from tracker.base.enums import STATUS_FLOW, ActionStatus
from tracker.base.errors import StaleWriteError, TrackerError
from tracker.base.timeutil import parse_due
from tracker.core.actions import ActionChanges, ActionRow
from tracker.core.validate import clean_owner
from tracker.tui.bases import TrackerScreen
from tracker.tui.messages import ActionNotSaved, ActionSaved, ActionUndone, Failed

ACTION_BINDINGS: list[BindingType] = [
    Binding("e", "edit", "Edit", id="action.edit"),
    Binding("a", "advance", "Advance status", id="action.advance"),
    Binding("w", "assign", "Assign owner", id="action.assign"),
    Binding("d", "due", "Due date", id="action.due"),
    Binding("u", "undo", "Undo", id="action.undo"),
]


class ActionOps(TrackerScreen[None]):
    """Base of the screens that show actions; they say which one is current and how to refresh."""

    def current_action(self) -> ActionRow | None:
        raise NotImplementedError

    def after_change(self, row: ActionRow | None) -> None:
        """Refresh the view: ``row`` is the stored action after a change, None to reload."""
        raise NotImplementedError

    def _target(self) -> ActionRow | None:
        row = self.current_action()
        if row is None:
            self.app.notify("No action selected.", severity="warning")
        return row

    def action_advance(self) -> None:
        row = self._target()
        if row is None:
            return
        following = STATUS_FLOW.get(ActionStatus(row.status))
        if following is None:
            self.app.notify(f"{row.key} is {row.status}: edit it (e) to reopen.", markup=False)
            return
        if following.is_closed:
            from tracker.tui.dialogs.confirm import ConfirmDialog

            self.ask_yes(ConfirmDialog(f"Mark {row.key} {following.value}? ({row.title[:60]})",
                                       yes=f"Mark {following.value}", no="Not yet"),
                         lambda: self.apply_change(row, ActionChanges(status=following)))
            return
        self.apply_change(row, ActionChanges(status=following))

    def action_undo(self) -> None:
        self._undo()

    @work(thread=True, group="action-write", exit_on_error=False)
    def _undo(self) -> None:
        try:
            undone = self.app.store.actions.undo()
        except TrackerError as error:
            self.post_message(Failed(error))
            return
        self.post_message(ActionUndone(undone.action, undone.summary))

    def on_action_undone(self, message: ActionUndone) -> None:
        self.app.notify(f"Undone {message.summary}", title="Undo", markup=False)
        self.after_change(message.action)

    def on_failed(self, message: Failed) -> None:
        self.app.report(message.error)

    def action_assign(self) -> None:
        row = self._target()
        if row is None:
            return
        from tracker.tui.dialogs.prompt import PromptDialog

        owners = self.app.store.actions.owners()
        self.ask(
            PromptDialog(f"Owner of {row.key} (empty: nobody)", row.owner or "", check=clean_owner,
                         suggestions=owners, placeholder="team handle", label="Owner"),
            lambda value: self.apply_change(row, ActionChanges(owner=value)),
        )

    def action_due(self) -> None:
        row = self._target()
        if row is None:
            return
        from tracker.tui.dialogs.prompt import PromptDialog

        today = self.app.store.today
        self.ask(
            PromptDialog(f"Due date of {row.key}", row.due.isoformat(), placeholder="YYYY-MM-DD, +7d, tomorrow",
                         check=lambda value: parse_due(value, today), label="Due"),
            lambda value: self.apply_change(row, ActionChanges(due=parse_due(value, today))),
        )

    def action_edit(self) -> None:
        row = self._target()
        if row is None:
            return
        from tracker.tui.dialogs.action_form import ActionFormDialog

        self.ask(ActionFormDialog(action=row), lambda saved: self.after_change(saved.action))

    def apply_change(self, row: ActionRow, changes: ActionChanges, note: str = "") -> None:
        self._write(row, changes, note)

    @work(thread=True, group="action-write", exit_on_error=False)
    def _write(self, row: ActionRow, changes: ActionChanges, note: str) -> None:
        try:
            saved = self.app.store.update_action(row.id, changes, expected_version=row.version, note=note)
        except TrackerError as error:
            self.post_message(ActionNotSaved(error, row))
            return
        self.post_message(ActionSaved(saved))

    def on_action_saved(self, message: ActionSaved) -> None:
        row = message.action
        self.app.notify(f"{row.key}: {row.status}, owner {row.owner or '-'}, due {row.due}", markup=False)
        self.after_change(row)

    def on_action_not_saved(self, message: ActionNotSaved) -> None:
        error = message.error
        if isinstance(error, StaleWriteError):
            from tracker.tui.dialogs.conflict import ConflictDialog

            self.app.notify(str(error), title="Not saved", severity="warning", markup=False)
            self.ask_yes(ConflictDialog(str(error)), lambda: self.after_change(None))
        else:
            self.app.report(error)
