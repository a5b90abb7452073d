"""The headings of a runbook: pick one (type to narrow, Enter), and the reader jumps there."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from tracker.tui.bases import TrackerDialog
from tracker.tui.text import clean
from tracker.tui.widgets.footer import TrackerFooter


class HeadingsDialog(TrackerDialog[int | None]):
    """Returns the line of the heading chosen; None leaves the reader where it was."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss(None)", "Back", id="headings.back"),
        Binding("down", "move(1)", "Next heading", show=False, id="headings.next"),
        Binding("up", "move(-1)", "Previous heading", show=False, id="headings.previous"),
    ]

    def __init__(self, headings: list[tuple[int, int, str]], cursor: int) -> None:
        super().__init__()
        self.headings = headings
        """(line, level, text) of each heading."""
        self.cursor = cursor

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog form-dialog", id="headings-box"):
            yield Label("Go to a heading (type to narrow, enter jumps)", classes="dialog-title")
            yield Input(placeholder="words of the heading", id="headings-filter", compact=True)
            yield OptionList(id="headings-list", compact=True)
        yield TrackerFooter()

    def on_mount(self) -> None:
        self.refill("")
        self.query_one("#headings-filter", Input).focus()

    def refill(self, words: str) -> None:
        options = self.query_one(OptionList)
        options.clear_options()
        wanted = words.lower().split()
        current = None
        for line, level, text in self.headings:
            if all(w in text.lower() for w in wanted):
                options.add_option(Option(Content("  " * (level - 1) + clean(text)), id=str(line)))
                if line <= self.cursor:
                    current = options.option_count - 1
        if options.option_count:
            options.highlighted = current if current is not None and not wanted else 0

    @on(Input.Changed, "#headings-filter")
    def _narrow(self, event: Input.Changed) -> None:
        self.refill(event.value)

    @on(Input.Submitted, "#headings-filter")
    def _chosen(self) -> None:
        options = self.query_one(OptionList)
        if options.highlighted is not None:
            self.pick(options.get_option_at_index(options.highlighted).id)

    @on(OptionList.OptionSelected)
    def _clicked(self, event: OptionList.OptionSelected) -> None:
        self.pick(event.option.id)

    def pick(self, line: str | None) -> None:
        if line is not None:
            self.dismiss(int(line))

    def action_move(self, step: int) -> None:
        options = self.query_one(OptionList)
        if options.option_count:
            now = options.highlighted if options.highlighted is not None else -1
            options.highlighted = max(0, min(options.option_count - 1, now + step))
