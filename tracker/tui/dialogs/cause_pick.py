"""Choose one current root cause (the cause to merge another into): type to filter, Enter picks."""

from __future__ import annotations

from typing import Any, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.widgets import Label

from tracker.base.errors import InputError
from tracker.tui.dialogs.form import FormDialog
from tracker.tui.messages import CauseChoicesLoaded
from tracker.tui.text import literal
from tracker.tui.widgets.cause_picker import CauseEntry, CausePicker


class CausePickDialog(FormDialog[str | None]):
    """Returns the slug of the cause chosen; ``exclude`` is not offered. Retired causes never are."""

    ENTER_SUBMITS: ClassVar[bool] = True
    SAVE_LABEL: ClassVar[str] = "Choose"

    def __init__(self, heading: str, question: str, *, exclude: str = "") -> None:
        super().__init__(heading)
        self.question = question
        self.exclude = exclude

    def compose_fields(self) -> ComposeResult:
        yield Label(literal(self.question), classes="form-note")
        yield CausePicker(placeholder="type words of the cause", id="pick-picker")

    def on_mount(self) -> None:
        super().on_mount()
        self._load()

    def focus_first(self) -> None:
        self.query_one(CausePicker).focus_filter()

    def typed(self) -> bool:
        return bool(self.query_one(CausePicker).text.strip())

    @work(thread=True, group="form", exit_on_error=False)
    def _load(self) -> None:
        self.post_message(CauseChoicesLoaded(self.app.store.causes.choices()))

    def on_cause_choices_loaded(self, message: CauseChoicesLoaded) -> None:
        message.stop()
        self.query_one(CausePicker).set_entries(
            [CauseEntry(slug, title) for slug, title in message.choices if slug != self.exclude])

    def on_cause_picker_picked(self, message: CausePicker.Picked) -> None:
        message.stop()
        self.action_save()

    def collect(self) -> Any:
        slug = self.query_one(CausePicker).highlighted
        if slug is None:
            raise InputError("no cause matches: change the words")
        return slug

    def submit(self, payload: Any) -> None:
        self.dismiss(payload)
