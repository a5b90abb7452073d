"""Incidents: every incident, newest first, read a page at a time."""

from __future__ import annotations

from typing import Any, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Header, Static

from tracker.base.timeutil import duration
from tracker.core.incidents import IncidentRow
from tracker.tui.bases import TrackerScreen
from tracker.tui.messages import DataChanged, IncidentSaved, IncidentsCounted
from tracker.tui.widgets.footer import TrackerFooter
from tracker.tui.widgets.lazy_table import Column, LazyTable


def _started(row: IncidentRow) -> str:
    return row.started_at.strftime("%Y-%m-%d %H:%M") if row.started_at else "-"


INCIDENT_COLUMNS: list[Column[IncidentRow]] = [
    Column("KEY", 7, lambda r: r.key),
    Column("SEV", 4, lambda r: r.severity),
    Column("TITLE", 0, lambda r: r.title),
    Column("STARTED (UTC)", 16, _started),
    Column("DURATION", 8, lambda r: duration(r.duration_minutes), optional=True),
    Column("STATUS", 13, lambda r: r.status),
    Column("OPEN", 4, lambda r: str(r.open_actions)),
]


class IncidentsScreen(TrackerScreen[None]):
    """The list of incidents; enter opens one."""

    AUTO_FOCUS = "#incident-table"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("n", "new_incident", "New incident", id="incidents.new"),
        Binding("i", "import_report", "Import report", id="incidents.import"),
        Binding("r", "reload", "Refresh", id="incidents.refresh"),
    ]

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Incidents", id="incidents-title", classes="screen-title")
        yield LazyTable(
            INCIDENT_COLUMNS,
            key=lambda r: (r.id,),
            row_class=lambda r: "lazy-table--alert" if r.open_actions and r.severity == "SEV1" else None,
            empty_text="No incidents yet.",
            id="incident-table",
        )
        yield TrackerFooter()

    def on_mount(self) -> None:
        self.action_reload()

    def on_screen_resume(self) -> None:
        if self.query_one(LazyTable).loaded:
            self.action_reload(keep_cursor=True)

    def action_reload(self, keep_cursor: bool = False) -> None:
        self._count(keep_cursor)

    @work(thread=True, exclusive=True, group="incidents", exit_on_error=False)
    def _count(self, keep_cursor: bool) -> None:
        total = self.app.store.incidents.count()
        self.post_message(IncidentsCounted(total, keep_cursor))

    def worker_failed(self, group: str, error: BaseException) -> None:
        if group == "incidents":
            self.query_one(LazyTable).show_failure(error)

    def on_incidents_counted(self, message: IncidentsCounted) -> None:
        total, keep_cursor = message.total, message.keep_cursor
        store = self.app.store
        table = self.query_one(LazyTable)
        table.reset(total, lambda after, offset, limit: store.incidents.page(after, offset, limit), keep_cursor)
        self.query_one("#incidents-title", Static).update(f"Incidents ({total})")

    def on_lazy_table_selected(self, message: LazyTable.Selected) -> None:
        row: Any = message.row
        self.app.open_incident(row.id)

    def action_new_incident(self) -> None:
        """Open an incident (started now unless told otherwise), then show it."""
        from tracker.tui.dialogs.incident_form import IncidentFormDialog

        def opened(saved: IncidentSaved) -> None:
            self.action_reload()
            self.app.open_incident(saved.row.id)

        self.ask(IncidentFormDialog(), opened)

    def action_import_report(self) -> None:
        from tracker.tui.dialogs.import_report import ImportDialog

        def done(incident_id: int | None) -> None:
            if incident_id is not None:
                self.action_reload(keep_cursor=True)
                self.app.open_incident(incident_id)

        self.app.push_screen(ImportDialog(), callback=done)

    def on_data_changed(self, message: DataChanged) -> None:
        """Changes made elsewhere: read the screen again (the cursor stays where it was)."""
        self.action_reload(keep_cursor=True)
