"""Commit runbooks: choose the files, write a message, reference actions."""

from __future__ import annotations

import re
from typing import Any

from textual import work
from textual.app import ComposeResult
from textual.widgets import Checkbox, Input, SelectionList

from tracker.base.errors import InputError, TrackerError
from tracker.core.keys import action_key, parse_key
from tracker.tui.dialogs.form import FormDialog
from tracker.tui.messages import ChangedRunbooksLoaded, Failed, RunbooksCommitted


def action_keys(text: str) -> list[str]:
    """``"ACT-3, act-4 5"`` -> ``["ACT-3", "ACT-4", "ACT-5"]``; anything else is refused."""
    return [action_key(parse_key(word, "ACT")) for word in filter(None, re.split(r"[\s,]+", text))]


class CommitDialog(FormDialog[bool | None]):
    """Returns True once a commit was made."""

    SAVE_LABEL = "Commit"

    def __init__(self) -> None:
        super().__init__("Commit runbooks")

    def compose_fields(self) -> ComposeResult:
        yield self.field("files", "Files", SelectionList[str](id="commit-files", compact=True))
        yield self.field("message", "Message", Input(id="commit-message", placeholder="What changed and why",
                                                     compact=True, select_on_focus=False))
        yield self.field("refs", "Refs", Input(id="commit-refs", placeholder="actions it refers to: ACT-3, ACT-7",
                                               compact=True, select_on_focus=False))
        yield self.field("closes", "Closes", Input(id="commit-closes", compact=True, select_on_focus=False,
                                                   placeholder="actions it completes (marked done): ACT-12"))
        yield self.field("allow", "Secrets", Checkbox("Commit even if the secret check objects",
                                                      id="commit-allow-secrets", compact=True))

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#commit-message", Input).focus()
        self._files()

    @work(thread=True, group="commit", exit_on_error=False)
    def _files(self) -> None:
        try:
            files = self.app.store.git.changed()
        except TrackerError as error:
            self.post_message(Failed(error))
            return
        self.post_message(ChangedRunbooksLoaded(files))

    def on_changed_runbooks_loaded(self, message: ChangedRunbooksLoaded) -> None:
        message.stop()
        untouched = not self.dirty
        selection = self.query_one(SelectionList)
        for path in message.paths:
            selection.add_option((path, path, True))
        if not message.paths:
            self.show_error("No runbook has changes to commit.")
        if untouched:
            self.mark_clean()

    def on_runbooks_committed(self, message: RunbooksCommitted) -> None:
        message.stop()
        self.saving = False
        info = message.commit
        closed = f"; closed {', '.join(f'ACT-{n}' for n in info.closes)}" if info.closes else ""
        self.app.notify(f"Committed {info.short}: {info.subject}{closed}", markup=False)
        self.dismiss(True)

    def collect(self) -> Any:
        paths = list(self.query_one(SelectionList).selected)
        message = self.query_one("#commit-message", Input).value
        refs = action_keys(self.query_one("#commit-refs", Input).value)
        closes = action_keys(self.query_one("#commit-closes", Input).value)
        if not paths:
            raise InputError("choose at least one file")
        if not message.strip():
            raise InputError("write a commit message")
        return paths, message, refs, closes, self.query_one("#commit-allow-secrets", Checkbox).value

    def submit(self, payload: Any) -> None:
        self.show_error("Committing…")
        self._commit(*payload)

    def action_commit(self) -> None:
        self.action_save()

    @work(thread=True, exclusive=True, group="commit-go", exit_on_error=False)
    def _commit(self, paths: list[str], message: str, refs: list[str], closes: list[str], allow: bool) -> None:
        try:
            info = self.app.store.git.commit(paths, message, refs, closes, allow)
        except TrackerError as error:
            self.post_message(Failed(error))
            return
        self.post_message(RunbooksCommitted(info))
