"""Every key of the app, by screen, generated from the bindings themselves."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

EXTRA = [
    ("ctrl+p", "Command palette: jump to any incident, action, root cause or runbook by key or words"),
    ("tab / shift+tab", "Move between fields and widgets"),
    ("enter (in a form)", "Next field; saves from the last field, and at once in one-line forms"),
    ("↑ ↓ pgup pgdn home end", "Move in lists (j / k too)"),
    ("mouse", "Click a row to select it, double click to open it; the wheel scrolls"),
]


class HelpScreen(ModalScreen[None]):
    """The help screen: what every key does, where."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark,f1", "dismiss(None)", "Close", id="help.close"),
    ]

    def __init__(self, sections: Sequence[tuple[str, Sequence[Binding]]]) -> None:
        super().__init__()
        self.sections = sections
        """Each part of the app with its keys, in the order shown."""

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-box", classes="dialog"):
            yield Static(self.render_help(), id="help-text")

    def render_help(self) -> Content:
        parts: list[str | tuple[str, str] | Content] = [("tracker — keys", "bold"), "\n"]
        for title, bindings in self.sections:
            parts += ["\n", (title, "bold $accent"), "\n"]
            for binding in bindings:
                keys = " / ".join(self.app.get_key_display(Binding(k, "")) for k in binding.key.split(","))
                parts += [(f"  {keys:<22}", "bold"), binding.description or binding.action, "\n"]
        parts += ["\n", ("More", "bold $accent"), "\n"]
        for keys, text in EXTRA:
            parts += [(f"  {keys:<22}", "bold"), text, "\n"]
        parts += ["\n", ("escape closes this help", "$text-muted")]
        return Content.assemble(*parts)
