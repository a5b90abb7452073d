"""Pending changes of the runbooks, as a coloured diff."""

from __future__ import annotations

from typing import ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Header, Static

from tracker.tui.bases import TrackerScreen
from tracker.tui.messages import DiffLoaded
from tracker.tui.text import could_not_load, diff_content
from tracker.tui.widgets.footer import TrackerFooter
from tracker.tui.widgets.vim import VimScroll


class RunbookDiffScreen(TrackerScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back", id="diff.back"),
        Binding("c", "commit", "Commit", id="diff.commit"),
        Binding("r", "reload", "Refresh", id="diff.refresh"),
    ]

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Pending runbook changes", classes="screen-title")
        with VimScroll(id="diff-box"):
            yield Static("Loading…", id="diff-text")
        yield TrackerFooter()

    def on_mount(self) -> None:
        self.sub_title = "diff"
        self.action_reload()

    def action_reload(self) -> None:
        self._load()

    @work(thread=True, exclusive=True, group="diff", exit_on_error=False)
    def _load(self) -> None:
        self.post_message(DiffLoaded(self.app.store.git.diff([])))

    def on_diff_loaded(self, message: DiffLoaded) -> None:
        self.query_one("#diff-text", Static).update(diff_content(message.text, "No pending changes in the runbooks."))

    def worker_failed(self, group: str, error: BaseException) -> None:
        if group == "diff":
            self.query_one("#diff-text", Static).update(could_not_load(error))

    def action_commit(self) -> None:
        from tracker.tui.dialogs.commit import CommitDialog

        self.app.push_screen(CommitDialog(), callback=lambda done: done and self.app.pop_screen())
