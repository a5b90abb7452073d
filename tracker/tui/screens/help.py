"""Every key of the app, by screen, generated from the bindings themselves."""

from __future__ import annotations

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
    ("↑ ↓ pgup pgdn home end", "Move in lists (j / k too)"),
    ("mouse", "Click a row to select it, double click to open it; the wheel scrolls"),
]


def _sections() -> list[tuple[str, list[Binding]]]:
    from tracker.tui.app import TrackerApp
    from tracker.tui.dialogs.action_form import ActionFormDialog
    from tracker.tui.dialogs.commit import CommitDialog
    from tracker.tui.dialogs.conflict import ConflictDialog
    from tracker.tui.dialogs.filters import FilterDialog
    from tracker.tui.dialogs.import_report import ImportDialog
    from tracker.tui.dialogs.pull_conflict import PullConflictDialog
    from tracker.tui.screens.action_detail import ActionScreen
    from tracker.tui.screens.actions import ActionsScreen
    from tracker.tui.screens.causes import CausesScreen
    from tracker.tui.screens.incident_detail import IncidentScreen
    from tracker.tui.screens.incidents import IncidentsScreen
    from tracker.tui.screens.review import ReviewScreen
    from tracker.tui.screens.runbook_diff import RunbookDiffScreen
    from tracker.tui.screens.runbook_edit import RunbookEditScreen
    from tracker.tui.screens.runbooks import RunbooksScreen
    from tracker.tui.screens.walkthrough import WalkthroughScreen
    from tracker.tui.widgets.lazy_table import LazyTable

    owners = [
        ("Everywhere", TrackerApp),
        ("Lists", LazyTable),
        ("Incidents", IncidentsScreen),
        ("Incident", IncidentScreen),
        ("Root causes", CausesScreen),
        ("Actions", ActionsScreen),
        ("Action", ActionScreen),
        ("Runbooks", RunbooksScreen),
        ("Weekly review", ReviewScreen),
        ("Review walk-through", WalkthroughScreen),
        ("Runbook editor", RunbookEditScreen),
        ("Runbook diff", RunbookDiffScreen),
        ("Commit", CommitDialog),
        ("Pull conflict", PullConflictDialog),
        ("Action form", ActionFormDialog),
        ("Filters", FilterDialog),
        ("Import a report", ImportDialog),
        ("Conflict", ConflictDialog),
    ]
    return [(title, [b for b in cls.BINDINGS if isinstance(b, Binding)]) for title, cls in owners]


class HelpScreen(ModalScreen[None]):
    """The help screen: what every key does, where."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark,f1", "dismiss(None)", "Close", id="help.close"),
    ]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-box", classes="dialog"):
            yield Static(self.render_help(), id="help-text")

    def render_help(self) -> Content:
        parts: list[str | tuple[str, str] | Content] = [("tracker — keys", "bold"), "\n"]
        for title, bindings in _sections():
            parts += ["\n", (title, "bold $accent"), "\n"]
            for binding in bindings:
                keys = " / ".join(self.app.get_key_display(Binding(k, "")) for k in binding.key.split(","))
                parts += [(f"  {keys:<22}", "bold"), binding.description or binding.action, "\n"]
        parts += ["\n", ("More", "bold $accent"), "\n"]
        for keys, text in EXTRA:
            parts += [(f"  {keys:<22}", "bold"), text, "\n"]
        parts += ["\n", ("escape closes this help", "$text-muted")]
        return Content.assemble(*parts)
