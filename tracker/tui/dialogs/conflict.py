"""Someone else changed the record: reload their version, or keep what you typed and save it on top of theirs."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Button, Label

from tracker.tui.dialogs.choice import ChoiceDialog
from tracker.tui.text import literal


class ConflictDialog(ChoiceDialog[bool]):
    """Returns True to reload the stored version, False to keep the user's edit (rebased on theirs by the form)."""

    BOX_ID: ClassVar[str] = "conflict-box"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "choose(True)", "Reload theirs", id="conflict.reload"),
        Binding("escape,m", "choose(False)", "Keep mine", id="conflict.keep"),
    ]

    def __init__(self, message: str) -> None:
        super().__init__("Changed by someone else")
        self.message = message

    def compose_body(self) -> ComposeResult:
        yield Label(literal(self.message), id="conflict-message", classes="form-note")

    def compose_buttons(self) -> ComposeResult:
        yield Button("Reload theirs (r)", id="conflict-reload", variant="primary")
        yield Button("Keep mine on theirs (m)", id="conflict-keep")

    def on_mount(self) -> None:
        self.query_one("#conflict-reload", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "conflict-reload")

    def action_choose(self, reload: bool) -> None:
        self.dismiss(reload)
