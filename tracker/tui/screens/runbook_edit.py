"""Edit a runbook in place; saving is atomic and keeps the file's line endings."""

from __future__ import annotations

from typing import ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Header, Static, TextArea

from tracker.base.errors import TrackerError
from tracker.tui.bases import TrackerScreen
from tracker.tui.messages import Failed, RunbookSaved, RunbookTextLoaded
from tracker.tui.text import literal
from tracker.tui.widgets.footer import TrackerFooter


class RunbookEditScreen(TrackerScreen[None]):
    """A runbook in a text editor. With ``resolving``, saving also finishes the pull."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", id="edit.save"),
        Binding("escape", "leave", "Back", id="edit.back"),
    ]

    def __init__(self, path: str, resolving: bool = False) -> None:
        super().__init__()
        self.path = path
        self.resolving = resolving
        self.newline = "\n"
        self.saved_text: str | None = None
        self.warned = False

    def compose(self) -> ComposeResult:
        yield Header()
        hint = "resolve the conflict markers, then ctrl+s saves and finishes the pull" if self.resolving else \
            "ctrl+s saves (the front matter must stay valid TOML)"
        yield Static(literal(f"{self.path} — {hint}"), id="edit-title", classes="screen-title")
        yield TextArea("", id="runbook-editor", show_line_numbers=True, soft_wrap=True)
        yield TrackerFooter()

    def on_mount(self) -> None:
        editor = self.query_one(TextArea)
        try:
            editor.language = "markdown"
        except Exception:  # noqa: BLE001 - highlighting needs textual[syntax]; plain editing still works
            editor.language = None
        editor.read_only = True
        editor.focus()
        self._load()

    @work(thread=True, group="runbook-edit", exit_on_error=False)
    def _load(self) -> None:
        try:
            text, newline, _ = self.app.store.runbooks.text(self.path)
        except (TrackerError, OSError) as error:
            self.post_message(Failed(error))
            return
        self.post_message(RunbookTextLoaded(text, newline))

    def on_runbook_text_loaded(self, message: RunbookTextLoaded) -> None:
        self.newline = message.newline
        editor = self.query_one(TextArea)
        editor.load_text(message.text.replace("\r\n", "\n"))
        editor.read_only = False
        self.saved_text = editor.text

    def on_runbook_saved(self, message: RunbookSaved) -> None:
        self.saved_text = message.text
        self.app.notify(f"Saved {self.path}", markup=False)
        if self.resolving:
            self.resolving = False
            self.dismiss()

    @property
    def dirty(self) -> bool:
        return self.saved_text is not None and self.query_one(TextArea).text != self.saved_text

    def action_save(self) -> None:
        if self.saved_text is None:
            return
        self._save(self.query_one(TextArea).text)

    @work(thread=True, exclusive=True, group="runbook-save", exit_on_error=False)
    def _save(self, text: str) -> None:
        store = self.app.store
        try:
            if self.resolving:
                store.runbooks.save_unchecked(self.path, text, self.newline)
                store.git.continue_pull([self.path])
            else:
                store.runbooks.save(self.path, text, self.newline)
        except TrackerError as error:
            self.post_message(Failed(error))
            return
        self.post_message(RunbookSaved(text))

    def on_failed(self, message: Failed) -> None:
        from tracker.repo import gitsync

        error = message.error
        if isinstance(error, gitsync.PullConflict):
            self.app.notify(f"Saved; still conflicted: {', '.join(error.files)}", severity="warning",
                            markup=False)
            self.saved_text = self.query_one(TextArea).text
            others = [f for f in error.files if f != self.path]
            if others:
                self.app.switch_screen(RunbookEditScreen(others[0], resolving=True))
            return
        self.app.report(error)
        if self.saved_text is None:
            self.dismiss()  # the text never loaded: nothing to edit

    def action_leave(self) -> None:
        if self.dirty and not self.warned:
            self.warned = True
            self.app.notify("Unsaved changes: ctrl+s saves them, escape again leaves without saving.",
                            severity="warning")
            return
        self.dismiss()
