"""The weekly review's decisions on one action, shared by the review screen and its walk-through.

Each decision is one write against the version the screen loaded, with a history note that says
which week's review took it: ``Review 2026-W48: rescheduled to 2026-12-07``. The review finds its
decisions by that prefix, whatever day they were taken on. A decision can be undone: the fields it
changed are set back, noted ``Review 2026-W48: undo (done)``, so the history keeps both.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar, NamedTuple, TypeVar

from textual import work

from tracker.base.enums import ActionStatus
from tracker.base.errors import InputError, StaleWriteError, TrackerError
from tracker.base.timeutil import parse_due
from tracker.core.actions import UNSET, ActionChanges, ActionRow
from tracker.core.validate import clean_owner
from tracker.tui.bases import TrackerScreen
from tracker.tui.messages import ActionNotSaved, ActionReloaded, DecisionRecorded

DECISION_KEYS = "K keep · s reschedule · o reassign · d done · x won't do · b blocked · n note"
"""The decision keys in one line, as the walk-through shows them."""


class Decided(NamedTuple):
    """One decision as written: the action before and after it, in words, and the changes made."""

    before: ActionRow
    after: ActionRow
    what: str
    """``rescheduled to 2026-12-07``, ``done``, ``undo (done)``, ..."""
    changes: ActionChanges
    undo: bool = False


def note_text(week: str, what: str, note: str = "") -> str:
    """The history note of a decision: ``Review 2026-W48: won't do (superseded)``."""
    return f"Review {week}: {what}" + (f" ({note})" if note else "")


def reverse(decided: Decided) -> ActionChanges:
    """The changes that set back what a decision changed (nothing, for keep and note)."""
    given = decided.changes.given()
    before = decided.before
    return ActionChanges(
        status=before.status if "status" in given else UNSET,
        due=before.due if "due" in given else UNSET,
        owner=before.owner if "owner" in given else UNSET,
    )


def _required(value: str) -> None:
    if not value.strip():
        raise InputError("say why in a few words")


Result = TypeVar("Result")


class DecidingScreen(TrackerScreen[Result]):
    """A screen that takes review decisions on its current action (``decision_target``)."""

    DECISION_GROUP: ClassVar[str] = "review-decide"

    week: str
    busy: bool = False

    def decision_target(self) -> ActionRow | None:
        """The action a decision key applies to, or None (nothing is decided)."""
        raise NotImplementedError

    def decision_recorded(self, decided: Decided) -> None:
        """A decision (or an undo) was written."""

    def decision_reloaded(self, row: ActionRow) -> None:
        """A decision was refused as stale: ``row`` is the action as stored now."""

    # -- writing -----------------------------------------------------------------------------

    def decide(self, what: str, changes: ActionChanges, note: str = "", *, target: ActionRow | None = None) -> None:
        row = target or self.decision_target()
        if row is None or self.busy:
            return
        self.busy = True
        self._write(Decided(row, row, what, changes), note_text(self.week, what, note))

    def undo(self, decided: Decided) -> None:
        """Set back what ``decided`` changed, against the version it left."""
        if self.busy:
            return
        self.busy = True
        what = f"undo ({decided.what})"
        self._write(Decided(decided.after, decided.after, what, reverse(decided), undo=True),
                    note_text(self.week, what))

    @work(thread=True, exclusive=True, group="review-decide", exit_on_error=False)
    def _write(self, decided: Decided, note: str) -> None:
        row = decided.before
        try:
            saved = self.app.store.actions.update(row.id, decided.changes, expected_version=row.version, note=note)
        except TrackerError as error:
            self.post_message(ActionNotSaved(error, row))
            return
        self.post_message(DecisionRecorded(decided._replace(after=saved)))

    def worker_failed(self, group: str, error: BaseException) -> None:
        if group == self.DECISION_GROUP:
            self.busy = False  # reported already; the same keys decide again

    def on_decision_recorded(self, message: DecisionRecorded) -> None:
        self.busy = False
        self.decision_recorded(message.decided)

    def on_action_not_saved(self, message: ActionNotSaved) -> None:
        self.busy = False
        error = message.error
        if isinstance(error, StaleWriteError):
            self.app.notify(f"{error} — reloaded: decide again.", severity="warning", markup=False)
            self._reload(message.action.id)
        else:
            self.app.report(error)

    @work(thread=True, group="review-reload", exit_on_error=False)
    def _reload(self, action_id: int) -> None:
        self.post_message(ActionReloaded(self.app.store.actions.get(action_id)))

    def on_action_reloaded(self, message: ActionReloaded) -> None:
        self.decision_reloaded(message.action)

    # -- the decisions -----------------------------------------------------------------------

    def _ask(self, question: str, value: str, check: Callable[[str], object], then: Callable[[str], object],
             placeholder: str = "", suggestions: list[str] | None = None) -> None:
        from tracker.tui.dialogs.prompt import PromptDialog

        self.ask(PromptDialog(question, value, check=check, placeholder=placeholder, suggestions=suggestions), then)

    def action_keep(self) -> None:
        self.decide("kept as it is", ActionChanges())

    def action_reschedule(self) -> None:
        row = self.decision_target()
        if row is None:
            return
        today = self.app.store.today
        self._ask(f"New due date for {row.key}", "", lambda v: parse_due(v, today),
                  lambda v: self.decide(f"rescheduled to {parse_due(v, today)}",
                                        ActionChanges(due=parse_due(v, today)), target=row),
                  placeholder="YYYY-MM-DD, +2w, tomorrow")

    def action_reassign(self) -> None:
        row = self.decision_target()
        if row is None:
            return
        self._ask(f"New owner for {row.key} (empty: nobody)", row.owner or "", clean_owner,
                  lambda v: self.decide(f"reassigned to {clean_owner(v) or 'nobody'}", ActionChanges(owner=v),
                                        target=row),
                  placeholder="team handle", suggestions=self.app.store.actions.owners())

    def action_done(self) -> None:
        self.decide("done", ActionChanges(status=ActionStatus.DONE))

    def action_wont_do(self) -> None:
        row = self.decision_target()
        if row is None:
            return
        self._ask(f"Why won't {row.key} be done?", "", _required,
                  lambda v: self.decide("won't do", ActionChanges(status=ActionStatus.WONT_DO), v, target=row))

    def action_blocked(self) -> None:
        row = self.decision_target()
        if row is None:
            return
        self._ask(f"What blocks {row.key}?", "", _required,
                  lambda v: self.decide("blocked", ActionChanges(status=ActionStatus.BLOCKED), v, target=row))

    def action_note(self) -> None:
        row = self.decision_target()
        if row is None:
            return
        self._ask(f"Note on {row.key}", "", _required,
                  lambda v: self.decide("note", ActionChanges(), v, target=row))
