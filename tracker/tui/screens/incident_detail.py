"""One incident: what happened, to whom, why (causes and roles), when (timeline), what is being done, and
every change made to it (history). Keys change it in dialogs that write against the version shown."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.widgets import DataTable, Header, Static

from tracker.base.timeutil import duration
from tracker.core.incidents import IncidentDetail
from tracker.tui.bases import TrackerScreen
from tracker.tui.messages import ActionSaved, DataChanged, IncidentLoaded
from tracker.tui.text import clean, could_not_load, history_entries, literal, one_line
from tracker.tui.widgets.footer import TrackerFooter
from tracker.tui.widgets.hanging import HangingText
from tracker.tui.widgets.vim import VimScroll, VimTable


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value is not None else "-"


def _section(title: str, body: Content | str) -> Content:
    text = body if isinstance(body, Content) else literal(body)
    return Content.assemble((title, "bold $accent"), "\n", text)


class IncidentScreen(TrackerScreen[None]):
    """Detail of one incident; keys edit it, move its status, log its timeline, link its causes, add actions."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back", id="incident.back"),
        Binding("t", "log", "Log now", id="incident.log"),
        Binding("s", "status", "Status", id="incident.status"),
        Binding("e", "edit", "Edit", id="incident.edit"),
        Binding("l", "link", "Link cause", id="incident.link"),
        Binding("u", "unlink", "Unlink cause", id="incident.unlink"),
        Binding("n", "new_action", "New action", id="incident.new-action"),
        Binding("R", "runbook", "New runbook", id="incident.runbook"),
        Binding("r", "reload", "Refresh", id="incident.refresh"),
    ]

    def __init__(self, key: str | int) -> None:
        super().__init__()
        self.key = key
        self.detail: IncidentDetail | None = None
        self.laid_for = 0
        """The screen width the actions table's columns were made for."""
        self.columns: list[str] = []

    def compose(self) -> ComposeResult:
        yield Header()
        with VimScroll(id="incident-detail"):
            yield Static("Loading…", id="incident-heading", classes="heading")
            yield Static(id="incident-facts")
            yield Static(id="incident-summary", classes="section")
            yield Static(id="incident-impact", classes="section")
            yield Static(id="incident-customer", classes="section")
            yield Static(id="incident-components", classes="section")
            yield Static(id="incident-causes", classes="section")
            yield Static(id="incident-runbooks", classes="section")
            yield Static("Actions", classes="section-title")
            yield VimTable(id="incident-actions", cursor_type="row", zebra_stripes=True)
            yield HangingText(id="incident-timeline", classes="section")
            yield HangingText(id="incident-history", classes="section")
        yield TrackerFooter()

    def on_mount(self) -> None:
        self._columns(self.app.size.width)
        self.action_reload()

    def on_resize(self) -> None:
        if self.size.width != self.laid_for:
            self._columns(self.size.width)
            if self.detail is not None:
                self.on_incident_loaded(IncidentLoaded(self.detail))

    def _columns(self, width: int) -> None:
        """The actions table at ``width``: the title takes what the others leave; KIND goes below 100."""
        self.laid_for = width
        table = self.query_one(DataTable)
        table.clear(columns=True)
        fixed = [("KEY", 7), ("PRI", 3), ("STATUS", 11), ("DUE", 11), ("OWNER", 14 if width < 100 else 20)]
        if width >= 100:
            fixed.append(("KIND", 8))
        title = max(width - sum(w for _, w in fixed) - 2 * (len(fixed) + 1) - 6, 20)
        self.columns = [label for label, _ in fixed] + ["TITLE"]
        for label, cells in (*fixed, ("TITLE", title)):
            table.add_column(label, width=cells)

    def on_screen_resume(self) -> None:
        if self.detail is not None:
            self.action_reload()

    def action_reload(self) -> None:
        self._load()

    @work(thread=True, exclusive=True, group="incident", exit_on_error=False)
    def _load(self) -> None:
        self.post_message(IncidentLoaded(self.app.store.incidents.get(self.key)))

    def worker_failed(self, group: str, error: BaseException) -> None:
        if group == "incident":
            self.query_one("#incident-heading", Static).update(could_not_load(error))

    def on_incident_loaded(self, message: IncidentLoaded) -> None:
        detail = message.incident
        self.detail = detail
        row = detail.row
        today = self.app.store.today
        self.sub_title = row.key
        self.query_one("#incident-heading", Static).update(
            Content.assemble((f"{row.key}  ", "bold"), (clean(row.title), "bold"))
        )
        facts = Content.assemble(
            (row.severity, "bold $error" if row.severity == "SEV1" else "bold $warning"),
            f" · {row.status} · {row.kind}",
            f" · {clean(detail.company)}" if detail.company else "",
            "\n",
            f"started {_when(row.started_at)}   detected {_when(row.detected_at)}\n",
            f"mitigated {_when(row.mitigated_at)}   resolved {_when(row.resolved_at)}",
            f"   duration {duration(row.duration_minutes)}   version {row.version}",
            f"\nsource: {clean(detail.source)}" if detail.source else "",
        )
        self.query_one("#incident-facts", Static).update(facts)
        self.query_one("#incident-summary", Static).update(_section("Summary", detail.summary or "-"))
        self.query_one("#incident-impact", Static).update(_section("Impact", detail.impact or "-"))
        self.query_one("#incident-customer", Static).update(
            _section("Customer action", detail.customer_action or "none")
        )
        components = "\n".join(f"• {clean(c)}" for c in row.components) or "-"
        self.query_one("#incident-components", Static).update(_section("Affected components", components))
        causes = Content("\n").join(
            Content.assemble(
                (c.slug, "bold"), f"  ({c.role})  ", clean(c.title),
                ("\n    " + one_line(c.note)) if c.note else "",
            )
            for c in row.root_causes
        ) if row.root_causes else literal("No root cause linked yet.")
        self.query_one("#incident-causes", Static).update(_section("Root causes", causes))
        self.query_one("#incident-runbooks", Static).update(
            _section("Runbooks (through its causes)", "\n".join(clean(p) for p in detail.runbooks) or "none linked")
        )
        table = self.query_one(DataTable)
        table.clear()
        for action in detail.actions:
            overdue = action.is_overdue(today)
            style = "bold red" if overdue else ""
            cells = {
                "KEY": Text(action.key, style=style), "PRI": Text(action.priority), "STATUS": Text(action.status),
                "DUE": Text(action.due.isoformat() + ("!" if overdue else ""), style=style),
                "OWNER": Text(one_line(action.owner or "-")), "KIND": Text(action.kind),
                "TITLE": Text(one_line(action.title), style=style),
            }
            table.add_row(*(cells[c] for c in self.columns), key=str(action.id))
        if not detail.actions:
            table.add_row(Text("-"), *(Text("") for _ in self.columns[1:-1]),
                          Text("No action yet: press n to add one", style="italic"))
        self.query_one("#incident-timeline", HangingText).show_entries(
            [(Content.assemble((f"#{t.id:<4}", "$text-muted"), " ",
                               (_when(t.at) if t.at else "(no time)", "$text-muted"), "  "),
              Content.assemble((clean(t.label) or "-", "bold"), "  ", clean(t.body)))
             for t in detail.timeline],
            title=Content.assemble(("Timeline", "bold $accent")),
            empty=literal("-  (t writes what is happening now)"))
        self.query_one("#incident-history", HangingText).show_entries(
            history_entries(detail.history),
            title=Content.assemble((f"History ({len(detail.history)} changes)", "bold $accent")))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value and event.row_key.value.isdigit():
            self.app.open_action(int(event.row_key.value))

    # -- changes: each dialog writes against the version shown, and the screen reads again -----

    def _changed(self, result: object) -> None:
        self.action_reload()

    def action_log(self) -> None:
        if self.detail is not None:
            from tracker.tui.dialogs.timeline_entry import TimelineEntryDialog

            self.ask(TimelineEntryDialog(self.detail.row), self._changed)

    def action_status(self) -> None:
        if self.detail is not None:
            from tracker.tui.dialogs.incident_status import IncidentStatusDialog

            self.ask(IncidentStatusDialog(self.detail.row), self._changed)

    def action_edit(self) -> None:
        if self.detail is not None:
            from tracker.tui.dialogs.incident_form import IncidentFormDialog

            self.ask(IncidentFormDialog(self.detail), self._changed)

    def action_link(self) -> None:
        if self.detail is not None:
            from tracker.tui.dialogs.cause_link import CauseLinkDialog

            self.ask(CauseLinkDialog(self.detail.row), self._changed)

    def action_unlink(self) -> None:
        if self.detail is None:
            return
        if not self.detail.row.root_causes:
            self.app.notify(f"{self.detail.row.key} has no cause linked (l links one).", markup=False)
            return
        from tracker.tui.dialogs.cause_unlink import UnlinkDialog

        self.ask(UnlinkDialog(self.detail.row), self._changed)

    def action_new_action(self) -> None:
        if self.detail is None:
            return
        from tracker.tui.dialogs.action_form import ActionFormDialog

        causes = self.detail.row.root_causes
        self.app.push_screen(
            ActionFormDialog(incident=self.detail.row.key, root_cause=causes[0].slug if len(causes) == 1 else None),
            callback=self._saved,
        )

    def _saved(self, result: ActionSaved | None) -> None:
        if result is not None:
            self.action_reload()

    def action_runbook(self) -> None:
        """A runbook for the incident's causes, when none of them has one yet; it opens in the editor."""
        detail = self.detail
        if detail is None:
            return
        causes = detail.row.root_causes
        if not causes:
            self.app.notify("Link a cause first (l): a runbook is written for causes.", markup=False)
            return
        if detail.runbooks:
            self.app.notify(f"Its causes have runbooks already: {', '.join(detail.runbooks)} (4 lists them).",
                            markup=False)
            return
        from tracker.tui.dialogs.new_runbook import NewRunbookDialog
        from tracker.tui.screens.runbook_edit import RunbookEditScreen

        first = causes[0]
        folder = self.app.store.settings.runbooks_dir.rstrip("/")
        self.ask(NewRunbookDialog(causes=[c.slug for c in causes], path=f"{folder}/{first.slug}.md",
                                  title=first.title),
                 lambda path: self.app.push_screen(RunbookEditScreen(path)))

    def on_data_changed(self, message: DataChanged) -> None:
        """Changes made elsewhere: read the screen again (the cursor stays where it was)."""
        self.action_reload()
