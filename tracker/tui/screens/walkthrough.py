"""The guided review: one action at a time, one key per decision, each decision in its history."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Header, Static

from tracker.base.enums import ActionStatus
from tracker.base.errors import StaleWriteError, TrackerError
from tracker.base.timeutil import parse_due
from tracker.core.actions import ActionChanges, ActionRow
from tracker.core.validate import clean_owner
from tracker.tui.bases import TrackerScreen
from tracker.tui.messages import ActionNotSaved, ActionReloaded, ActionSaved, DecisionTaken, DecisionUndone
from tracker.tui.text import clean, literal
from tracker.tui.widgets.footer import TrackerFooter

if TYPE_CHECKING:
    from tracker.core.review import ActionItem

REASON_TEXT = {"overdue": "overdue", "unowned": "no owner", "proposed": "waiting for triage",
               "stale": "no change for a while", "blocked": "blocked"}


class WalkthroughScreen(TrackerScreen[list[str]]):
    """Steps through the items needing a decision; dismisses with the decisions taken."""

    BINDINGS: ClassVar[list[BindingType]] = [
        # Enter keeps (k is up everywhere); w assigns an owner, as on every action screen.
        Binding("enter", "keep", "Keep", id="walk.keep"),
        Binding("s", "reschedule", "Reschedule", id="walk.reschedule"),
        Binding("w", "reassign", "Reassign", id="walk.reassign"),
        Binding("d", "done", "Done", id="walk.done"),
        Binding("x", "wont_do", "Won't do", id="walk.wont-do"),
        Binding("b", "blocked", "Blocked", id="walk.blocked"),
        Binding("n", "note", "Add a note", id="walk.note"),
        Binding("space", "skip", "Skip", id="walk.skip"),
        Binding("u", "undo", "Undo last", id="walk.undo"),
        Binding("escape", "finish", "Finish", id="walk.finish"),
    ]

    def __init__(self, week: str, items: list[tuple[ActionItem, list[str]]]) -> None:
        super().__init__()
        self.week = week
        self.items = items
        self.position = 0
        self.decisions: list[str] = []
        self.decided_at: list[int] = []
        """The item each decision was taken on, so that undo can go back to it."""
        self.busy = False

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="walk-progress", classes="screen-title")
        with VerticalScroll(id="walk-box"):
            yield Static("", id="walk-item")
            yield Static("", id="walk-log", classes="section")
        yield TrackerFooter()

    def on_mount(self) -> None:
        self.sub_title = f"review {self.week}"
        self.show()

    @property
    def current(self) -> ActionRow:
        return self.items[self.position][0].action

    def show(self) -> None:
        item, reasons = self.items[self.position]
        row: ActionRow = item.action
        extra = item.extra
        self.query_one("#walk-progress", Static).update(literal(
            f"Review {self.week} · item {self.position + 1} of {len(self.items)} · "
            f"{len(self.decisions)} decided"))
        why = ", ".join(REASON_TEXT[r] for r in reasons)
        details = [f"{k.replace('_', ' ')}: {v}" for k, v in extra.items() if v not in (None, "")]
        self.query_one("#walk-item", Static).update(Content.assemble(
            (f"{row.key}  ", "bold"), (clean(row.title), "bold"), "\n",
            (f"needs a decision: {why}", "bold $warning"), "\n\n",
            f"status {row.status} · {row.kind} · {row.priority} · owner {clean(row.owner or '(nobody)')}"
            f" · due {row.due}", "\n",
            f"incident {row.incident or '-'} · cause {row.root_cause or '-'}", "\n",
            clean("\n".join(details)), "\n\n",
            ("enter keep · s reschedule · w reassign · d done · x won't do · b blocked · n note · space skip"
             " · u undo the last decision", "$text-muted"),
        ))
        self.query_one("#walk-log", Static).update(literal("\n".join(self.decisions[-10:])))

    # -- decisions ---------------------------------------------------------------------------

    def decide(self, what: str, changes: ActionChanges, note: str = "") -> None:
        if self.busy:
            return
        self.busy = True
        row = self.current
        text = f"Review {self.week}: {what}" + (f" ({note})" if note else "")
        self._write(row, changes, text, what)

    @work(thread=True, exclusive=True, group="walk-write", exit_on_error=False)
    def _write(self, row: ActionRow, changes: ActionChanges, note: str, what: str) -> None:
        try:
            saved = self.app.store.update_action(row.id, changes, expected_version=row.version,  # type: ignore[attr-defined]
                                                 note=note)
        except TrackerError as error:
            self.post_message(ActionNotSaved(error, row))
            return
        self.post_message(ActionSaved(saved))
        self.post_message(DecisionTaken(f"{row.key}: {what}"))

    def worker_failed(self, group: str, error: BaseException) -> None:
        if group == "walk-write":
            self.busy = False  # reported already; the same keys decide again

    def on_action_saved(self, message: ActionSaved) -> None:
        item, reasons = self.items[self.position]
        self.items[self.position] = (item._replace(action=message.action), reasons)

    def on_decision_taken(self, message: DecisionTaken) -> None:
        self.busy = False
        self.decisions.append(message.summary)
        self.decided_at.append(self.position)
        self.next()

    def action_undo(self) -> None:
        if self.busy:
            return
        if not self.decisions:
            self.app.notify("No decision to undo yet.", markup=False)
            return
        self.busy = True
        self._undo(f"Review {self.week}")

    @work(thread=True, exclusive=True, group="walk-write", exit_on_error=False)
    def _undo(self, note: str) -> None:
        try:
            undone = self.app.store.actions.undo(note=note)
        except TrackerError as error:
            self.post_message(ActionNotSaved(error, self.current))
            return
        self.post_message(DecisionUndone(undone.action, undone.summary))

    def on_decision_undone(self, message: DecisionUndone) -> None:
        self.busy = False
        self.decisions.pop()
        self.position = self.decided_at.pop()
        item, reasons = self.items[self.position]
        self.items[self.position] = (item._replace(action=message.action), reasons)
        self.app.notify(f"Undone {message.summary}", title="Undo", markup=False)
        self.show()

    def on_action_reloaded(self, message: ActionReloaded) -> None:
        item, reasons = self.items[self.position]
        self.items[self.position] = (item._replace(action=message.action), reasons)
        self.show()

    def on_action_not_saved(self, message: ActionNotSaved) -> None:
        self.busy = False
        error = message.error
        if isinstance(error, StaleWriteError):
            self.app.notify(f"{error} — reloaded: decide again.", severity="warning", markup=False)
            self._reload(self.current.id)
        else:
            self.app.report(error)

    @work(thread=True, group="walk-write", exit_on_error=False)
    def _reload(self, action_id: int) -> None:
        self.post_message(ActionReloaded(self.app.store.actions.get(action_id)))

    def next(self) -> None:
        if self.position + 1 >= len(self.items):
            self.dismiss(self.decisions)
            return
        self.position += 1
        self.show()

    def _ask(self, question: str, value: str, check: Callable[[str], object], then: Callable[[str], object],
             placeholder: str = "") -> None:
        from tracker.tui.dialogs.prompt import PromptDialog

        self.ask(PromptDialog(question, value, check=check, placeholder=placeholder), then)

    def action_keep(self) -> None:
        self.decide("kept as it is", ActionChanges())

    def action_reschedule(self) -> None:
        today: date = self.app.store.today
        self._ask(f"New due date for {self.current.key}", "", lambda v: parse_due(v, today),
                  lambda v: self.decide(f"rescheduled to {parse_due(v, today)}",
                                        ActionChanges(due=parse_due(v, today))),
                  placeholder="YYYY-MM-DD, +2w, tomorrow")

    def action_reassign(self) -> None:
        self._ask(f"New owner for {self.current.key}", self.current.owner or "", clean_owner,
                  lambda v: self.decide(f"reassigned to {clean_owner(v) or 'nobody'}", ActionChanges(owner=v)))

    def action_done(self) -> None:
        self.decide("done", ActionChanges(status=ActionStatus.DONE))

    def _required(self, value: str) -> None:
        from tracker.base.errors import InputError

        if not value.strip():
            raise InputError("say why in a few words")

    def action_wont_do(self) -> None:
        self._ask(f"Why won't {self.current.key} be done?", "", self._required,
                  lambda v: self.decide("won't do", ActionChanges(status=ActionStatus.WONT_DO), v))

    def action_blocked(self) -> None:
        self._ask(f"What blocks {self.current.key}?", "", self._required,
                  lambda v: self.decide("blocked", ActionChanges(status=ActionStatus.BLOCKED), v))

    def action_note(self) -> None:
        self._ask(f"Note on {self.current.key}", "", self._required, lambda v: self.decide("note", ActionChanges(), v))

    def action_skip(self) -> None:
        self.next()

    def action_finish(self) -> None:
        self.dismiss(self.decisions)
