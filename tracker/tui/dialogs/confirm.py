"""A yes/no question: y or Enter on the focused button answers yes, n or escape no."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Button, Label

from tracker.tui.dialogs.choice import ChoiceDialog
from tracker.tui.text import literal


class ConfirmDialog(ChoiceDialog[bool]):
    BOX_ID: ClassVar[str] = "confirm-box"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "choose(True)", "Yes", id="confirm.yes"),
        Binding("escape,n", "choose(False)", "No", id="confirm.no"),
    ]

    def __init__(self, question: str, yes: str = "Yes", no: str = "No") -> None:
        super().__init__()
        self.question, self.yes, self.no = question, yes, no

    def compose_body(self) -> ComposeResult:
        yield Label(literal(self.question), id="confirm-question", classes="form-note")

    def compose_buttons(self) -> ComposeResult:
        yield Button(f"{self.yes} (y)", id="confirm-yes", variant="primary")
        yield Button(f"{self.no} (n)", id="confirm-no")

    def on_mount(self) -> None:
        self.query_one("#confirm-yes", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "confirm-yes")

    def action_choose(self, answer: bool) -> None:
        self.dismiss(answer)
