"""A one-field question (an owner, a due date, a note), checked before it is accepted; Enter accepts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.suggester import SuggestFromList
from textual.widgets import Input

from tracker.tui.dialogs.form import FormDialog


class PromptDialog(FormDialog[str | None]):
    """Ask for one value; ``check`` raises a TrackerError to refuse it (the dialog stays open)."""

    ENTER_SUBMITS: ClassVar[bool] = True
    SAVE_LABEL: ClassVar[str] = "OK"

    def __init__(
        self,
        question: str,
        value: str = "",
        *,
        placeholder: str = "",
        check: Callable[[str], object] | None = None,
        suggestions: list[str] | None = None,
        label: str = "Value",
    ) -> None:
        super().__init__(question)
        self.question = question
        self.value = value
        self.placeholder = placeholder
        self.check = check
        self.suggestions = suggestions or []
        self.label = label

    def compose_fields(self) -> ComposeResult:
        box = Input(self.value, placeholder=self.placeholder, id="prompt-input", compact=True,
                    suggester=SuggestFromList(self.suggestions, case_sensitive=False) if self.suggestions else None)
        yield self.field("value", self.label, box)
        box.select_on_focus = True  # one value to give: what is there is selected, typing replaces it

    def collect(self) -> Any:
        value = self.values()["value"]
        if self.check is not None:
            self.check(value)
        return value

    def submit(self, payload: Any) -> None:
        self.dismiss(payload)

    def action_cancel(self) -> None:
        """One value, nothing to lose: escape leaves at once (forms with more ask first)."""
        self.dismiss(None)
