"""Every key of the app, by screen, generated from the bindings themselves; it opens at the current screen's."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from tracker.tui.widgets.footer import TrackerFooter
from tracker.tui.widgets.vim import VimScroll

EXTRA = [
    ("tab / shift+tab", "Move between fields and widgets"),
    ("enter (in a form)", "Next field; saves from the last field, and at once in one-line forms"),
    ("mouse", "Click a row to select it, double click to open it; the wheel scrolls"),
    ("clipboard", "y in the runbook reader copies with OSC 52: it works over SSH; in tmux it needs"
                  " `set -g set-clipboard on`"),
]


class HelpScreen(ModalScreen[None]):
    """The help screen: what every key does, where; it opens scrolled to ``start``'s keys."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark,f1", "dismiss(None)", "Close", id="help.close"),
    ]

    def __init__(self, sections: Sequence[tuple[str, Sequence[Binding]]], start: str = "Everywhere") -> None:
        super().__init__()
        self.sections = sections
        """Each part of the app with its keys, in the order shown."""
        self.start = start
        """The section shown first (the screen's the help was opened from)."""

    def compose(self) -> ComposeResult:
        with VimScroll(id="help-box", classes="dialog"):
            yield Static(self.render_help(), id="help-text")
        yield TrackerFooter()

    def on_mount(self) -> None:
        self.query_one("#help-box", VimScroll).focus()

    def ordered(self) -> list[tuple[str, Sequence[Binding]]]:
        """The sections, the current screen's first, then everywhere, then the rest."""
        first = [s for s in self.sections if s[0] == self.start]
        everywhere = [s for s in self.sections if s[0] == "Everywhere" and s[0] != self.start]
        rest = [s for s in self.sections if s[0] not in (self.start, "Everywhere")]
        return first + everywhere + rest

    def render_help(self) -> Content:
        parts: list[str | tuple[str, str] | Content] = [("tracker — every key (j/k scroll, escape closes)", "bold"),
                                                        "\n"]
        for title, bindings in self.ordered():
            parts += ["\n", (title + ("  (this screen)" if title == self.start != "Everywhere" else ""),
                              "bold $accent"), "\n"]
            for binding in bindings:
                keys = " / ".join(self.app.get_key_display(Binding(k, "")) for k in binding.key.split(","))
                parts += [(f"  {keys:<18}", "bold"), binding.description or binding.action, "\n"]
        parts += ["\n", ("More", "bold $accent"), "\n"]
        for keys, text in EXTRA:
            parts += [(f"  {keys:<18}", "bold"), text, "\n"]
        return Content.assemble(*parts)
