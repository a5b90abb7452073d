"""A new runbook from the template, linked to root causes, opened in the app's editor afterwards."""

from __future__ import annotations

from typing import Any, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.widgets import Input, Label

from tracker.base.errors import TrackerError
from tracker.core.validate import clean_title
from tracker.tui.dialogs.form import FormDialog
from tracker.tui.messages import Failed, RunbookCreated
from tracker.tui.text import literal


class NewRunbookDialog(FormDialog[str | None]):
    """Where and under which title; returns the new runbook's path."""

    ENTER_SUBMITS: ClassVar[bool] = True
    SAVE_LABEL: ClassVar[str] = "Create"

    def __init__(self, *, causes: list[str], path: str, title: str) -> None:
        super().__init__("New runbook")
        self.causes = causes
        self.path = path
        self.title_text = title

    def compose_fields(self) -> ComposeResult:
        yield Label(literal(f"Linked to {', '.join(self.causes)}; it opens in the editor, to commit later."),
                    classes="form-note")
        yield self.field("path", "Path", Input(self.path, id="runbook-path", compact=True,
                                               placeholder="runbooks/name.md"))
        yield self.field("title", "Title", Input(self.title_text, id="runbook-title", compact=True))

    def collect(self) -> Any:
        mine = self.values()
        return mine["path"].strip(), clean_title(mine["title"])

    def submit(self, payload: Any) -> None:
        path, title = payload
        self._create(path, title)

    @work(thread=True, exclusive=True, group="form-save", exit_on_error=False)
    def _create(self, path: str, title: str) -> None:
        try:
            made = self.app.store.runbooks.new(path, title=title, causes=self.causes)
        except (TrackerError, OSError) as error:
            self.post_message(Failed(error))
            return
        self.post_message(RunbookCreated(made))

    def on_runbook_created(self, message: RunbookCreated) -> None:
        message.stop()
        self.saving = False
        self.app.notify(f"Created {message.path}", markup=False)
        self.dismiss(message.path)
