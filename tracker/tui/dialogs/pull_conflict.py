"""A pull stopped on conflicts: abort (back to before the pull) or resolve a file."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label

from tracker.tui.text import literal


class PullConflictDialog(ModalScreen[str | None]):
    """Returns ``"abort"``, the path to resolve, or None to decide later."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "abort", "Abort the pull", id="conflict-pull.abort"),
        Binding("enter", "resolve", "Resolve", id="conflict-pull.resolve"),
        Binding("escape", "later", "Later", id="conflict-pull.later"),
    ]

    def __init__(self, files: list[str]) -> None:
        super().__init__()
        self.files = files

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="pull-conflict-box"):
            yield Label("The pull stopped on conflicts", classes="dialog-title")
            yield Label(literal("Conflicted: " + ", ".join(self.files)))
            yield Label("Your text is safe. Abort goes back to exactly where you were before the pull; "
                        "resolve opens each file to edit, and saving finishes the pull.", classes="hint")
            with Horizontal(classes="buttons"):
                yield Button("Resolve (enter)", id="pull-resolve", variant="primary")
                yield Button("Abort the pull (a)", id="pull-abort", variant="error")
                yield Button("Later (esc)", id="pull-later")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        {"pull-resolve": self.action_resolve, "pull-abort": self.action_abort}.get(
            event.button.id or "", self.action_later)()

    def action_abort(self) -> None:
        self.dismiss("abort")

    def action_resolve(self) -> None:
        self.dismiss(self.files[0])

    def action_later(self) -> None:
        self.dismiss(None)
