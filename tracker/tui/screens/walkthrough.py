"""The guided review: one action at a time, one key per decision, each decision in its history.

The decisions are those of the review screen (``tracker.tui.screens.review_decisions``), with the same keys.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Header, Static

from tracker.core.actions import ActionRow
from tracker.tui.screens.review_decisions import Decided, DecidingScreen
from tracker.tui.text import clean, literal
from tracker.tui.widgets.footer import TrackerFooter
from tracker.tui.widgets.review_sections import decision_bindings

if TYPE_CHECKING:
    from tracker.core.review import ActionItem

REASON_TEXT = {"overdue": "overdue", "unowned": "no owner", "proposed": "waiting for triage",
               "stale": "no change for a while", "blocked": "blocked"}

KEYS_TEXT = ("K or enter keep · s reschedule · o or w reassign · d done · x won't do · b blocked · n note"
             " · space skip · u undo the last decision")


class WalkthroughScreen(DecidingScreen[list[str]]):
    """Steps through the items needing a decision; dismisses with the decisions taken."""

    BINDINGS: ClassVar[list[BindingType]] = [
        *decision_bindings("walk"),
        # Nothing to open here, so enter keeps; w assigns an owner, as on every action screen.
        Binding("enter", "keep", "Keep", show=False, id="walk.keep-enter"),
        Binding("w", "reassign", "Reassign", show=False, id="walk.reassign-w"),
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
        self.taken: list[tuple[Decided, int]] = []
        """Each decision still standing and the item it was taken on, the last one last: what undo reverts."""

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

    def decision_target(self) -> ActionRow | None:
        return self.current

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
            (KEYS_TEXT, "$text-muted"),
        ))
        self.query_one("#walk-log", Static).update(literal("\n".join(self.decisions[-10:])))

    def decision_recorded(self, decided: Decided) -> None:
        if decided.undo:
            _, self.position = self.taken.pop()
            self.decisions.pop()
            item, reasons = self.items[self.position]
            self.items[self.position] = (item._replace(action=decided.after), reasons)
            self.app.notify(f"{decided.after.key}: {decided.what}", title="Undone", markup=False)
            self.show()
            return
        item, reasons = self.items[self.position]
        self.items[self.position] = (item._replace(action=decided.after), reasons)
        self.decisions.append(f"{decided.after.key}: {decided.what}")
        self.taken.append((decided, self.position))
        self.next()

    def action_undo(self) -> None:
        if not self.taken:
            self.app.notify("No decision to undo yet.", markup=False)
            return
        self.undo(self.taken[-1][0])

    def decision_reloaded(self, row: ActionRow) -> None:
        item, reasons = self.items[self.position]
        self.items[self.position] = (item._replace(action=row), reasons)
        self.show()

    def next(self) -> None:
        if self.position + 1 >= len(self.items):
            self.dismiss(self.decisions)
            return
        self.position += 1
        self.show()

    def action_skip(self) -> None:
        self.next()

    def action_finish(self) -> None:
        self.dismiss(self.decisions)
