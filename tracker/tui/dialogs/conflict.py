"""Someone else changed the record: reload their version, or keep what you typed and save it on top of theirs."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label

from tracker.tui.text import literal


class ConflictDialog(ModalScreen[bool]):
    """Returns True to reload the stored version, False to keep the user's edit (rebased on theirs by the form)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "choose(True)", "Reload", id="conflict.reload"),
        Binding("escape,k", "choose(False)", "Keep my edit", id="conflict.keep"),
    ]

    def __init__(self, message: str) -> None:
        super().__init__()
        self.message = message

    def compose(self) -> ComposeResult:
        with Vertical(id="conflict-box", classes="dialog"):
            yield Label("Changed by someone else", classes="dialog-title")
            yield Label(literal(self.message), id="conflict-message")
            with Horizontal(classes="buttons"):
                yield Button("Reload theirs (r)", id="conflict-reload", variant="primary")
                yield Button("Keep my edit on theirs (k)", id="conflict-keep")

    def on_mount(self) -> None:
        self.query_one("#conflict-reload", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "conflict-reload")

    def action_choose(self, reload: bool) -> None:
        self.dismiss(reload)
