"""Choose a root cause by typing: the list narrows to the causes whose slug or title hold every word typed.

Up and down move in the list while the cursor stays in the filter; Enter picks the highlighted cause.
With ``new_cause`` the list ends with "new cause…", picked as ``NEW_CAUSE``.
"""

from __future__ import annotations

from typing import ClassVar, NamedTuple

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.widgets import Input, OptionList
from textual.widgets.option_list import Option

from tracker.tui.text import clean, one_line

NEW_CAUSE = "+new-cause"
"""The option id of "new cause…" (no slug can start with ``+``)."""


class CauseEntry(NamedTuple):
    slug: str
    title: str
    tag: str = ""
    """Why it is offered where it is (``suggested``, ``linked as root``), shown after the title."""


class CausePicker(Vertical):
    """A filter above a list of causes."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down", "move(1)", "Next cause", show=False, id="cause-picker.next"),
        Binding("up", "move(-1)", "Previous cause", show=False, id="cause-picker.previous"),
    ]

    class Picked(Message):
        """Enter (or a click) picked ``slug``: a cause's, or ``NEW_CAUSE``."""

        def __init__(self, slug: str) -> None:
            super().__init__()
            self.slug = slug

    def __init__(self, *, new_cause: bool = False, placeholder: str = "type to filter", id: str | None = None,
                 ) -> None:
        super().__init__(id=id, classes="cause-picker")
        self.new_cause = new_cause
        self.placeholder = placeholder
        self.entries: list[CauseEntry] = []

    def compose(self) -> ComposeResult:
        yield Input(id="cause-filter", placeholder=self.placeholder, compact=True)
        yield OptionList(id="cause-options", markup=False, compact=True)

    def on_mount(self) -> None:
        self.refill()

    @property
    def text(self) -> str:
        """What was typed in the filter."""
        return self.query_one("#cause-filter", Input).value

    @property
    def highlighted(self) -> str | None:
        """The highlighted option's slug (or ``NEW_CAUSE``); None when nothing matches."""
        option = self.query_one("#cause-options", OptionList).highlighted_option
        return None if option is None else option.id

    def set_entries(self, entries: list[CauseEntry]) -> None:
        self.entries = entries
        self.refill()

    def refill(self) -> None:
        words = self.text.lower().split()
        options = self.query_one("#cause-options", OptionList)
        options.clear_options()
        for entry in self.entries:
            haystack = f"{entry.slug} {entry.title}".lower()
            if all(word in haystack for word in words):
                options.add_option(Option(self._prompt(entry), id=entry.slug))
        if self.new_cause:
            typed = one_line(self.text)
            options.add_option(Option(Content.assemble(("new cause…", "bold $accent"),
                                                       (f"  titled “{typed}”" if typed else "", "$text-muted")),
                                      id=NEW_CAUSE))
        if options.option_count:
            options.highlighted = 0

    @staticmethod
    def _prompt(entry: CauseEntry) -> Content:
        """One line at 80 columns: the title is cut to what the slug and the tag leave."""
        title = one_line(entry.title)
        room = max(12, 70 - len(entry.slug) - (len(entry.tag) + 2 if entry.tag else 0))
        return Content.assemble((entry.slug, "bold"), "  ", clean(title[:room] + ("…" if len(title) > room else "")),
                                (f"  {entry.tag}" if entry.tag else "", "$success"))

    def focus_filter(self) -> None:
        self.query_one("#cause-filter", Input).focus()

    def action_move(self, step: int) -> None:
        options = self.query_one("#cause-options", OptionList)
        if options.option_count:
            current = options.highlighted if options.highlighted is not None else -step
            options.highlighted = max(0, min(options.option_count - 1, current + step))

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.refill()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self.highlighted is not None:
            self.post_message(self.Picked(self.highlighted))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id is not None:
            self.post_message(self.Picked(event.option.id))
