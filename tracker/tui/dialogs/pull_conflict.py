"""A pull stopped on conflicts: abort (back to before the pull) or resolve a file."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Button, Label

from tracker.tui.dialogs.choice import ChoiceDialog
from tracker.tui.text import literal


class PullConflictDialog(ChoiceDialog[str | None]):
    """Returns ``"abort"``, the path to resolve, or None to decide later."""

    BOX_ID: ClassVar[str] = "pull-conflict-box"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "resolve", "Resolve", id="conflict-pull.resolve"),
        Binding("a", "abort", "Abort the pull", id="conflict-pull.abort"),
        Binding("escape", "later", "Later", id="conflict-pull.later"),
    ]

    def __init__(self, files: list[str]) -> None:
        super().__init__("The pull stopped on conflicts")
        self.files = files

    def compose_body(self) -> ComposeResult:
        yield Label(literal("Conflicted: " + ", ".join(self.files)), classes="form-note")
        yield Label("Your text is safe. Abort goes back to exactly where you were before the pull; "
                    "resolve opens each file to edit, and saving finishes the pull.", classes="form-note")

    def compose_buttons(self) -> ComposeResult:
        yield Button("Resolve (enter)", id="pull-resolve", variant="primary")
        yield Button("Abort the pull (a)", id="pull-abort", variant="error")
        yield Button("Later (esc)", id="pull-later")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        {"pull-resolve": self.action_resolve, "pull-abort": self.action_abort}.get(
            event.button.id or "", self.action_later)()

    def action_abort(self) -> None:
        self.dismiss("abort")

    def action_resolve(self) -> None:
        self.dismiss(self.files[0])

    def action_later(self) -> None:
        self.dismiss(None)
