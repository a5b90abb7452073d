"""Edit a runbook in place; saving is atomic, keeps the file's line endings and never writes over a newer file."""

from __future__ import annotations

from typing import ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Header, Static, TextArea

from tracker.base.errors import TrackerError
from tracker.tui.bases import TrackerScreen
from tracker.tui.messages import Failed, RunbookChanged, RunbookCopyKept, RunbookSaved, RunbookTextLoaded
from tracker.tui.text import clean, literal
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
        self.loaded_hash: str | None = None
        """The hash of the file as loaded or last saved: a save expects the file to hold it still."""
        self.warned = False
        self.controls = False
        """The runbook holds control characters: shown as escapes, read only."""

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

    @work(thread=True, exclusive=True, group="runbook-edit", exit_on_error=False)
    def _load(self) -> None:
        loaded = self.app.store.runbooks.text(self.path)
        self.post_message(RunbookTextLoaded(loaded.text, loaded.newline, loaded.digest))

    def worker_failed(self, group: str, error: BaseException) -> None:
        if group == "runbook-edit" and self.saved_text is None:
            self.dismiss()  # the text never loaded: nothing to edit (the error was reported)

    def on_runbook_text_loaded(self, message: RunbookTextLoaded) -> None:
        self.newline = message.newline
        text = message.text.replace("\r\n", "\n")
        shown = clean(text)
        editor = self.query_one(TextArea)
        editor.load_text(shown)
        # Control characters are shown as escapes (never sent to the terminal); saving would write the
        # escapes into the file instead of the bytes, so such a runbook is only shown here.
        self.controls = shown != text
        editor.read_only = self.controls
        if self.controls:
            self.app.notify(f"{self.path} holds control characters (shown as \\x.. escapes): read only here;"
                            " edit it with E ($EDITOR).", severity="warning", markup=False)
        self.saved_text = editor.text
        self.loaded_hash = message.digest

    def on_runbook_saved(self, message: RunbookSaved) -> None:
        self.saved_text = message.text
        self.loaded_hash = message.digest
        if message.conflicted:
            self.app.notify(f"Saved; still conflicted: {', '.join(message.conflicted)}", severity="warning",
                            markup=False)
            others = [f for f in message.conflicted if f != self.path]
            if others:
                self.app.switch_screen(RunbookEditScreen(others[0], resolving=True))
            return
        self.app.notify(f"Saved {self.path}", markup=False)
        if self.resolving:
            self.resolving = False
            self.dismiss()

    @property
    def dirty(self) -> bool:
        return self.saved_text is not None and self.query_one(TextArea).text != self.saved_text

    def action_save(self) -> None:
        if self.saved_text is None or self.loaded_hash is None or self.controls:
            return
        self._save(self.query_one(TextArea).text, self.loaded_hash)

    @work(thread=True, exclusive=True, group="runbook-save", exit_on_error=False)
    def _save(self, text: str, expected: str) -> None:
        from tracker.core.runbooks.files import RunbookChangedError
        from tracker.repo import gitsync

        store = self.app.store
        try:
            if self.resolving:
                digest = store.runbooks.save_unchecked(self.path, text, self.newline, expected)
                try:
                    store.git.continue_pull([self.path])
                except gitsync.PullConflict as conflict:
                    self.post_message(RunbookSaved(self.path, text, digest, conflict.files))
                    return
            else:
                digest = store.runbooks.save(self.path, text, self.newline, expected)
        except RunbookChangedError as changed:
            theirs = None if changed.theirs is None else changed.theirs.decode("utf-8", errors="replace")
            self.post_message(RunbookChanged(self.path, text, theirs, changed.theirs_hash))
            return
        except TrackerError as error:
            self.post_message(Failed(error))
            return
        self.post_message(RunbookSaved(self.path, text, digest))

    def on_runbook_changed(self, message: RunbookChanged) -> None:
        from tracker.tui.dialogs.runbook_changed import RunbookChangedDialog

        self.app.push_screen(RunbookChangedDialog(self.path, message.theirs, message.mine),
                             callback=lambda choice: self._changed(choice, message))

    def _changed(self, choice: str | None, changed: RunbookChanged) -> None:
        """Mine stays in the editor until it is saved, kept as a copy, or dropped on purpose."""
        if choice == "overwrite":
            self._save(changed.mine, changed.theirs_hash)
        elif choice == "copy":
            self._keep_copy(changed.mine)
        elif choice == "reload":
            from tracker.tui.dialogs.confirm import ConfirmDialog

            self.ask_yes(ConfirmDialog(f"Drop your edit of {self.path} and load the file as it is now?",
                                       "Drop mine, reload theirs", "Keep editing"), self._load)
        else:
            self.app.notify("Not saved: the file changed on disk. ctrl+s offers the choices again.",
                            severity="warning")

    @work(thread=True, exclusive=True, group="runbook-save", exit_on_error=False)
    def _keep_copy(self, text: str) -> None:
        try:
            copy = self.app.store.runbooks.keep_copy(self.path, text, self.newline)
        except TrackerError as error:
            self.post_message(Failed(error))
            return
        self.post_message(RunbookCopyKept(self.path, copy))

    def on_runbook_copy_kept(self, message: RunbookCopyKept) -> None:
        self.app.notify(f"Your text is kept in {message.copy}; the editor now shows {self.path} as it is.",
                        markup=False)
        self._load()

    def on_failed(self, message: Failed) -> None:
        self.app.report(message.error)

    def action_leave(self) -> None:
        if self.dirty and not self.warned:
            self.warned = True
            self.app.notify("Unsaved changes: ctrl+s saves them, escape again leaves without saving.",
                            severity="warning")
            return
        self.dismiss()
