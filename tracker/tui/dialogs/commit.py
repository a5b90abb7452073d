"""Commit runbooks: choose the files, write a message, reference actions."""

from __future__ import annotations

import re
from typing import ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Checkbox, Input, Label, SelectionList, Static

from tracker.base.errors import InputError, TrackerError
from tracker.core.keys import action_key, parse_key
from tracker.tui.bases import TrackerDialog
from tracker.tui.messages import ChangedRunbooksLoaded, Failed, RunbooksCommitted
from tracker.tui.text import literal


def action_keys(text: str) -> list[str]:
    """``"ACT-3, act-4 5"`` -> ``["ACT-3", "ACT-4", "ACT-5"]``; anything else is refused."""
    return [action_key(parse_key(word, "ACT")) for word in filter(None, re.split(r"[\s,]+", text))]


class CommitDialog(TrackerDialog[bool]):
    """Returns True once a commit was made."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "commit", "Commit", id="commit.commit"),
        Binding("escape", "cancel", "Cancel", id="commit.cancel"),
    ]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="commit-box"):
            yield Label("Commit runbooks", classes="dialog-title")
            yield Label("Files (space toggles)")
            yield SelectionList[str](id="commit-files")
            yield Label("Message")
            yield Input(id="commit-message", placeholder="What changed and why")
            with Horizontal(classes="form-row"):
                with Vertical():
                    yield Label("Refs (actions)")
                    yield Input(id="commit-refs", placeholder="ACT-3, ACT-7")
                with Vertical():
                    yield Label("Closes (marks them done)")
                    yield Input(id="commit-closes", placeholder="ACT-12")
            yield Checkbox("Commit even if the secret check objects", id="commit-allow-secrets")
            yield Static("", id="commit-error", classes="form-error")
            with Horizontal(classes="buttons"):
                yield Button("Commit (ctrl+s)", id="commit-go", variant="primary")
                yield Button("Cancel (esc)", id="commit-cancel")

    def on_mount(self) -> None:
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
        selection = self.query_one(SelectionList)
        for path in message.paths:
            selection.add_option((path, path, True))
        if not message.paths:
            self.show_error("No runbook has changes to commit.")
        selection.focus() if message.paths else None
        self.query_one("#commit-message", Input).focus()

    def on_runbooks_committed(self, message: RunbooksCommitted) -> None:
        message.stop()
        info = message.commit
        closed = f"; closed {', '.join(f'ACT-{n}' for n in info.closes)}" if info.closes else ""
        self.app.notify(f"Committed {info.short}: {info.subject}{closed}", markup=False)
        self.dismiss(True)

    def show_error(self, text: str) -> None:
        self.query_one("#commit-error", Static).update(literal(text))

    def action_commit(self) -> None:
        paths = list(self.query_one(SelectionList).selected)
        message = self.query_one("#commit-message", Input).value
        try:
            refs = action_keys(self.query_one("#commit-refs", Input).value)
            closes = action_keys(self.query_one("#commit-closes", Input).value)
            if not paths:
                raise InputError("choose at least one file")
            if not message.strip():
                raise InputError("write a commit message")
        except TrackerError as error:
            self.show_error(str(error))
            return
        allow = self.query_one("#commit-allow-secrets", Checkbox).value
        self.show_error("Committing…")
        self._commit(paths, message, refs, closes, allow)

    @work(thread=True, exclusive=True, group="commit-go", exit_on_error=False)
    def _commit(self, paths: list[str], message: str, refs: list[str], closes: list[str], allow: bool) -> None:
        try:
            info = self.app.store.git.commit(paths, message, refs, closes, allow)
        except TrackerError as error:
            self.post_message(Failed(error))
            return
        self.post_message(RunbooksCommitted(info))

    def on_failed(self, message: Failed) -> None:
        message.stop()
        self.show_error(str(message.error))

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "commit-go":
            self.action_commit()
        else:
            self.action_cancel()

    def action_cancel(self) -> None:
        self.dismiss(False)
