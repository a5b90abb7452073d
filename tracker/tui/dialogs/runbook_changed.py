"""The runbook changed on disk after the edit began: see the diff, reload theirs, keep mine as a copy, or overwrite."""

from __future__ import annotations

from typing import ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import Button, Static

from tracker.tui.dialogs.choice import ChoiceDialog
from tracker.tui.messages import DiffLoaded
from tracker.tui.text import diff_content, error_text, literal


def theirs_and_mine(theirs: str | None, mine: str) -> str:
    """A unified diff from the file on disk (theirs) to the edit (mine), line endings aside; empty if the same."""
    import difflib

    before = (theirs or "").replace("\r\n", "\n").splitlines()
    after = mine.replace("\r\n", "\n").splitlines()
    hunks = list(difflib.unified_diff(before, after, lineterm=""))[2:]  # one legend instead of two file lines
    return "\n".join(["--- theirs (on disk)    +++ mine", *hunks]) if hunks else ""


class RunbookChangedDialog(ChoiceDialog[str]):
    """Returns ``"reload"``, ``"copy"`` or ``"overwrite"``; None to go back with nothing written."""

    BOX_ID: ClassVar[str] = "changed-box"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("c", "choose('copy')", "Keep mine as a copy", id="changed.copy"),
        Binding("D", "diff", "Show the diff", id="changed.diff"),
        Binding("r", "choose('reload')", "Reload theirs", id="changed.reload"),
        Binding("o", "choose('overwrite')", "Overwrite theirs", id="changed.overwrite"),
        Binding("escape", "later", "Back", id="changed.back"),
    ]

    def __init__(self, path: str, theirs: str | None, mine: str, later: str = "Back, nothing saved") -> None:
        super().__init__(f"Runbook {'deleted' if theirs is None else 'changed'} on disk")
        self.path = path
        self.theirs = theirs
        self.mine = mine
        self.later = later
        """What escape does, in words."""
        self.diffed = False

    def compose_body(self) -> ComposeResult:
        what = "deleted" if self.theirs is None else "changed"
        yield Static(literal(f"{self.path} was {what} after you opened it (another editor, a pull?). "
                             f"Nothing is saved yet: both texts are kept until you choose. Escape: {self.later}."),
                     id="changed-message", classes="form-note")
        with VerticalScroll(id="changed-diff-box"):
            yield Static("Comparing…", id="changed-diff")

    def compose_buttons(self) -> ComposeResult:
        yield Button("Copy mine (c)", id="changed-copy", variant="primary")
        yield Button("Diff (D)", id="changed-diff-button")
        yield Button("Reload theirs (r)", id="changed-reload")
        yield Button("Overwrite (o)", id="changed-overwrite", variant="error")
        yield Button("Back (esc)", id="changed-later")

    def on_mount(self) -> None:
        self.query_one("#changed-copy", Button).focus()

    def action_diff(self) -> None:
        box = self.query_one("#changed-box")
        box.toggle_class("-with-diff")
        if box.has_class("-with-diff"):
            self.query_one("#changed-diff-box").focus()  # the arrows and page keys scroll it
        else:
            self.query_one("#changed-copy", Button).focus()
        if not self.diffed:
            self.diffed = True
            self._diff()

    @work(thread=True, exclusive=True, group="changed-diff", exit_on_error=False)
    def _diff(self) -> None:
        self.post_message(DiffLoaded(theirs_and_mine(self.theirs, self.mine)))

    def on_diff_loaded(self, message: DiffLoaded) -> None:
        message.stop()
        self.query_one("#changed-diff", Static).update(diff_content(message.text, "The texts are the same."))

    def worker_failed(self, group: str, error: BaseException) -> None:
        if group == "changed-diff":
            self.diffed = False  # d again retries
            self.query_one("#changed-diff", Static).update(literal(f"could not compare: {error_text(error)} "
                                                                   "(D twice to retry)"))

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        choice = {"changed-reload": "reload", "changed-copy": "copy", "changed-overwrite": "overwrite"}
        if event.button.id == "changed-diff-button":
            self.action_diff()
        elif event.button.id in choice:
            self.dismiss(choice[event.button.id])
        else:
            self.action_later()

    def action_choose(self, choice: str) -> None:
        self.dismiss(choice)

    def action_later(self) -> None:
        self.dismiss(None)
