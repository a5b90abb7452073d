"""The tracker app: six modes (incidents, root causes, actions, runbooks, weekly review, insights), detail screens,
a palette.

``make_app`` is the one factory used by the command line and by the tests.
"""

from __future__ import annotations

from typing import ClassVar

from textual import work
from textual.app import App
from textual.binding import Binding, BindingType
from textual.notifications import SeverityLevel
from textual.screen import ModalScreen
from textual.worker import Worker, WorkerState

from tracker.base.errors import TrackerError
from tracker.core.actions import ActionFilter
from tracker.core.stamp import ChangesStamp
from tracker.tui.keymap import help_sections, section_of
from tracker.tui.messages import ChangesChecked, DataChanged, LedgerState, LedgerSynced
from tracker.tui.palette import JumpProvider
from tracker.tui.screens.actions import ActionsScreen
from tracker.tui.screens.causes import CausesScreen
from tracker.tui.screens.help import HelpScreen
from tracker.tui.screens.incidents import IncidentsScreen
from tracker.tui.screens.insights import InsightsScreen
from tracker.tui.screens.review import ReviewScreen
from tracker.tui.screens.runbooks import RunbooksScreen
from tracker.tui.store import Store
from tracker.tui.text import clean, error_text

START_SCREENS = ("incidents", "causes", "actions", "runbooks", "review", "insights")


class TrackerApp(App[None]):
    """Incidents, their causes and the actions that should stop them coming back."""

    CSS_PATH = "app.tcss"
    TITLE = "tracker"
    MODES: ClassVar = {
        "incidents": IncidentsScreen,
        "causes": CausesScreen,
        "actions": ActionsScreen,
        "runbooks": RunbooksScreen,
        "review": ReviewScreen,
        "insights": InsightsScreen,
    }
    COMMANDS = App.COMMANDS | {JumpProvider}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("1", "section('incidents')", "Incidents", show=False, id="app.incidents"),
        Binding("2", "section('causes')", "Causes", show=False, id="app.causes"),
        Binding("3", "section('actions')", "Actions", show=False, id="app.actions"),
        Binding("4", "section('runbooks')", "Runbooks", show=False, id="app.runbooks"),
        Binding("5", "section('review')", "Review", show=False, id="app.review"),
        Binding("6", "section('insights')", "Insights", show=False, id="app.insights"),
        Binding("ctrl+p", "command_palette", "Palette: jump to any incident, action, cause or runbook", show=False,
                id="app.palette"),
        Binding("question_mark,f1", "help", "Help", id="app.help"),
        Binding("ctrl+t", "toggle_theme", "Light/dark", show=False, id="app.theme"),
        Binding("S", "sync", "Sync", show=False, id="app.sync",
                tooltip="Share the team ledger and the runbooks (tracker sync)"),
        Binding("q", "quit", "Quit", show=False, id="app.quit"),
    ]

    def __init__(self, store: Store, start: str = "incidents") -> None:
        super().__init__()
        self.store = store
        self.start = start if start in START_SCREENS else "incidents"
        self.pending_cause: str | None = None
        """A root cause to select when the causes screen next shows (set by a palette jump)."""
        self.pending_runbook: str | None = None
        """A runbook to select when the runbooks screen next shows."""
        self.pending_filter: ActionFilter | None = None
        """A filter for the actions screen to apply when it next shows."""
        self.data_stamp: ChangesStamp | None = None
        """The changes stamp last read; None until the first check."""
        self.theme = "textual-dark"

    def on_mount(self) -> None:
        self.switch_mode(self.start)
        self._read_ledger_state()
        seconds = self.store.settings.refresh_seconds
        if seconds:
            self.set_interval(seconds, self.check_for_changes, name="check-for-changes")

    def check_for_changes(self) -> None:
        """Look for changes made elsewhere (another user, the CLI); refresh the screen if any."""
        self._check_for_changes()

    @work(thread=True, exclusive=True, group="check-for-changes", exit_on_error=False)
    def _check_for_changes(self) -> None:
        self.post_message(LedgerState(self.store.ledger.state()))  # applies what a git fetch brought first
        self.post_message(ChangesChecked(self.store.changes_stamp()))

    # -- the team ledger: its state in the title, a sync of everything -------------------------------

    @work(thread=True, exclusive=True, group="ledger-state", exit_on_error=False)
    def _read_ledger_state(self) -> None:
        self.post_message(LedgerState(self.store.ledger.state()))

    def on_ledger_state(self, message: LedgerState) -> None:
        self.title = f"tracker · {message.text}" if message.text else "tracker"

    def action_sync(self) -> None:
        self.notify("Syncing the team ledger and the runbooks…", markup=False)
        self._sync()

    @work(thread=True, exclusive=True, group="sync", exit_on_error=False)
    def _sync(self) -> None:
        try:
            self.post_message(LedgerSynced(self.store.ledger.sync()))
        except TrackerError as error:
            self.post_message(LedgerSynced("", error))
        self.post_message(LedgerState(self.store.ledger.state()))

    def on_ledger_synced(self, message: LedgerSynced) -> None:
        if message.error is not None:
            self.report(message.error)
        else:
            self.notify(message.summary, title="Synced", markup=False)
        self.screen.post_message(DataChanged())

    def on_changes_checked(self, message: ChangesChecked) -> None:
        if self.data_stamp is not None and message.stamp != self.data_stamp:
            self.screen.post_message(DataChanged())
        self.data_stamp = message.stamp

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # A dialog is answered or closed first: a section key never switches the screen under it.
        if action == "section" and isinstance(self.screen, ModalScreen):
            return False
        return True

    def action_section(self, mode: str) -> None:
        """A section's own root screen (its list), whatever was opened on top of it before."""
        self.show_section(mode)

    def show_section(self, mode: str) -> None:
        if self.current_mode != mode:
            self.switch_mode(mode)
        while len(self.screen_stack) > 1:
            self.pop_screen()

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(help_sections(self.BINDINGS), start=section_of(self.screen)))

    def action_toggle_theme(self) -> None:
        self.theme = "textual-light" if self.theme == "textual-dark" else "textual-dark"

    def open_incident(self, key: str | int) -> None:
        """An incident, on top of the current screen (a drill-down: escape comes back)."""
        from tracker.tui.screens.incident_detail import IncidentScreen

        self.push_screen(IncidentScreen(key))

    def open_action(self, key: str | int) -> None:
        """An action, on top of the current screen (a drill-down: escape comes back)."""
        from tracker.tui.screens.action_detail import ActionScreen

        self.push_screen(ActionScreen(key))

    def jump_to_incident(self, key: str | int) -> None:
        """An incident opened from the palette: on the incidents section, over its list."""
        self.show_section("incidents")
        self.open_incident(key)

    def jump_to_action(self, key: str | int) -> None:
        """An action opened from the palette: on the actions section, over its list."""
        self.show_section("actions")
        self.open_action(key)

    def open_cause(self, slug: str) -> None:
        self.pending_cause = slug
        root_showing = self.current_mode == "causes" and len(self.screen_stack) == 1
        self.show_section("causes")
        if root_showing and isinstance(self.screen, CausesScreen):
            self.screen.select_pending()

    def open_runbook(self, path: str, read: bool = False) -> None:
        """Select a runbook on the runbooks section; with ``read``, open it in the reader too."""
        self.pending_runbook = path
        root_showing = self.current_mode == "runbooks" and len(self.screen_stack) == 1
        self.show_section("runbooks")
        if root_showing and isinstance(self.screen, RunbooksScreen):
            self.screen.action_reload()
        if read:
            from tracker.tui.screens.runbook_reader import RunbookReaderScreen

            self.push_screen(RunbookReaderScreen(path))

    def show_actions(self, *, root_cause: str | None = None) -> None:
        """Switch to the actions screen showing only these actions (a cause's)."""
        self.pending_filter = ActionFilter(today=self.store.today, root_cause=root_cause)
        root_showing = self.current_mode == "actions" and len(self.screen_stack) == 1
        self.show_section("actions")
        if root_showing and isinstance(self.screen, ActionsScreen):
            self.screen.take_pending_filter()

    def notify(self, message: str, *, title: str = "", severity: SeverityLevel = "information",
               timeout: float | None = None, markup: bool = True) -> None:
        """Every notification shows its text with control characters as escapes (paths, titles, errors)."""
        super().notify(clean(message), title=clean(title), severity=severity, timeout=timeout, markup=markup)

    def report(self, error: BaseException) -> None:
        """Tell the user about an error in one line (never a traceback, never markup)."""
        if isinstance(error, TrackerError):
            self.notify(error_text(error), title="Refused", severity="warning", markup=False)
        else:
            self.notify(error_text(error), title="Error", severity="error", markup=False)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The app's own workers; a screen's workers are reported by the screen (``TrackerScreen``)."""
        if event.state == WorkerState.ERROR and event.worker.error is not None:
            self.report(event.worker.error)

    def on_unmount(self) -> None:
        self.store.close()


def make_app(store: Store, start: str = "incidents") -> TrackerApp:
    """The app over an open store; shared by ``tracker`` and the tests."""
    return TrackerApp(store, start=start)
