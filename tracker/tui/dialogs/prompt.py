"""A one-field question (an owner, a due date, a note), checked before it is accepted."""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.suggester import SuggestFromList
from textual.widgets import Input, Label, Static

from tracker.base.errors import TrackerError
from tracker.tui.text import literal


class PromptDialog(ModalScreen[str | None]):
    """Ask for one value; ``check`` raises a TrackerError to refuse it (the dialog stays open)."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel", id="prompt.cancel")]

    def __init__(
        self,
        question: str,
        value: str = "",
        *,
        placeholder: str = "",
        check: Callable[[str], object] | None = None,
        suggestions: list[str] | None = None,
    ) -> None:
        super().__init__()
        self.question = question
        self.value = value
        self.placeholder = placeholder
        self.check = check
        self.suggestions = suggestions or []

    def compose(self) -> ComposeResult:
        with Vertical(id="prompt-box", classes="dialog"):
            yield Label(literal(self.question), id="prompt-question")
            yield Input(
                self.value,
                placeholder=self.placeholder,
                id="prompt-input",
                suggester=SuggestFromList(self.suggestions, case_sensitive=False) if self.suggestions else None,
            )
            yield Static("", id="prompt-error", classes="form-error")
            yield Label("enter to accept · escape to cancel", classes="hint")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        value = event.value
        if self.check is not None:
            try:
                self.check(value)
            except TrackerError as error:
                self.query_one("#prompt-error", Static).update(literal(str(error)))
                return
        self.dismiss(value)

    def action_cancel(self) -> None:
        self.dismiss(None)
