"""Where every key of the app is declared, by part of the app: the help screen lists them in this order."""

from __future__ import annotations

from collections.abc import Sequence

from textual.binding import Binding, BindingType

from tracker.tui.dialogs.confirm import ConfirmDialog
from tracker.tui.dialogs.conflict import ConflictDialog
from tracker.tui.dialogs.form import FormDialog
from tracker.tui.dialogs.headings import HeadingsDialog
from tracker.tui.dialogs.import_report import ImportDialog
from tracker.tui.dialogs.pull_conflict import PullConflictDialog
from tracker.tui.dialogs.runbook_changed import RunbookChangedDialog
from tracker.tui.screens.action_detail import ActionScreen
from tracker.tui.screens.actions import ActionsScreen
from tracker.tui.screens.causes import CausesScreen
from tracker.tui.screens.incident_detail import IncidentScreen
from tracker.tui.screens.incidents import IncidentsScreen
from tracker.tui.screens.insights import InsightsScreen
from tracker.tui.screens.review import ReviewScreen
from tracker.tui.screens.runbook_diff import RunbookDiffScreen
from tracker.tui.screens.runbook_edit import RunbookEditScreen
from tracker.tui.screens.runbook_reader import RunbookReaderScreen
from tracker.tui.screens.runbooks import RunbooksScreen
from tracker.tui.screens.walkthrough import WalkthroughScreen
from tracker.tui.widgets.cause_picker import CausePicker
from tracker.tui.widgets.lazy_table import LazyTable
from tracker.tui.widgets.review_sections import ActionSection, GapSection, RecurrenceTree, SectionTable

PARTS: list[tuple[str, type]] = [
    ("Lists", LazyTable),
    ("Incidents", IncidentsScreen),
    ("Incident", IncidentScreen),
    ("Root causes", CausesScreen),
    ("Actions", ActionsScreen),
    ("Action", ActionScreen),
    ("Runbooks", RunbooksScreen),
    ("Runbook reader", RunbookReaderScreen),
    ("Weekly review", ReviewScreen),
    ("Weekly review: a section", SectionTable),
    ("Weekly review: a highlighted action", ActionSection),
    ("Weekly review: a coverage gap", GapSection),
    ("Weekly review: recurring causes", RecurrenceTree),
    ("Review walk-through", WalkthroughScreen),
    ("Insights", InsightsScreen),
    ("Runbook editor", RunbookEditScreen),
    ("Runbook diff", RunbookDiffScreen),
    ("Runbook headings", HeadingsDialog),
    ("Pull conflict", PullConflictDialog),
    ("Runbook changed on disk", RunbookChangedDialog),
    ("Import a report", ImportDialog),
    ("Forms (incident, status, timeline, cause links, causes, actions, filters, commit, runbooks, questions)",
     FormDialog),
    ("Choosing a cause", CausePicker),
    ("Conflict", ConflictDialog),
    ("Yes or no", ConfirmDialog),
]
"""Each part of the app below the app itself, with the class that declares its keys (its own ``BINDINGS``,
not those it inherits: every form's keys are declared once, on ``FormDialog``)."""


def section_of(screen: object) -> str:
    """The help section of ``screen`` (a form's is the forms'): where the help opens."""
    for title, cls in PARTS:
        if isinstance(screen, cls):
            return title
    return "Everywhere"


def help_sections(app_bindings: Sequence[BindingType]) -> list[tuple[str, list[Binding]]]:
    """Every key by part of the app, the app's own (``Everywhere``) first."""
    owners: list[tuple[str, Sequence[BindingType]]] = [("Everywhere", app_bindings)]
    owners += [(title, vars(cls).get("BINDINGS", [])) for title, cls in PARTS]
    return [(title, [b for b in bindings if isinstance(b, Binding)]) for title, bindings in owners]
