"""Pending changes of the runbooks, as a coloured diff."""

from __future__ import annotations

from typing import ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Header, Static

from tracker.base.errors import TrackerError
from tracker.tui.bases import TrackerScreen
from tracker.tui.messages import DiffLoaded, Failed
from tracker.tui.text import clean, literal
from tracker.tui.widgets.footer import TrackerFooter

MAX_LINES = 5000


def diff_content(text: str) -> Content:
    styles = {"+": "$success", "-": "$error", "@": "$accent"}
    lines = text.splitlines()
    parts = []
    for line in lines[:MAX_LINES]:
        style = "bold" if line.startswith(("diff ", "new file", "index ")) else styles.get(line[:1], "")
        if line.startswith(("+++", "---")):
            style = "bold"
        parts.append(Content.assemble((clean(line), style)))
    if len(lines) > MAX_LINES:
        parts.append(literal(f"… {len(lines) - MAX_LINES} more lines"))
    return Content("\n").join(parts) if parts else literal("No pending changes in the runbooks.")


class RunbookDiffScreen(TrackerScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back", id="diff.back"),
        Binding("c", "commit", "Commit", id="diff.commit"),
    ]

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Pending runbook changes", classes="screen-title")
        with VerticalScroll(id="diff-box"):
            yield Static("Loading…", id="diff-text")
        yield TrackerFooter()

    def on_mount(self) -> None:
        self.sub_title = "diff"
        self._load()

    @work(thread=True, group="diff", exit_on_error=False)
    def _load(self) -> None:
        try:
            text = self.app.store.git.diff([])
        except TrackerError as error:
            self.post_message(Failed(error))
            return
        self.post_message(DiffLoaded(text))

    def on_diff_loaded(self, message: DiffLoaded) -> None:
        self.query_one("#diff-text", Static).update(diff_content(message.text))

    def on_failed(self, message: Failed) -> None:
        self.query_one("#diff-text", Static).update(literal(str(message.error)))

    def action_commit(self) -> None:
        from tracker.tui.dialogs.commit import CommitDialog

        self.app.push_screen(CommitDialog(), callback=lambda done: done and self.app.pop_screen())
