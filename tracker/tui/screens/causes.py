"""Root causes: how often each came back, what is done against it, and what is missing; the taxonomy's
upkeep (new causes, edits, merges) and a runbook for a cause.

The columns are the command line's (``tracker rootcauses list``): INC counts the incidents, PREVENT
the open and done prevent actions. A cause that came back carries ``↻`` and one with something
missing ``⚠``; ``s`` sorts by incidents, last seen, open prevent actions or slug. Below ``NARROW``
columns the detail goes under the list.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.content import Content
from textual.widgets import DataTable, Header, Static

from tracker.base.errors import TrackerError
from tracker.core.rootcauses import RootCauseRow
from tracker.tui.bases import TrackerScreen
from tracker.tui.messages import CausesLoaded, CausesMerged, DataChanged, Failed, MergePlanned
from tracker.tui.text import clean, could_not_load, literal
from tracker.tui.widgets.footer import TrackerFooter
from tracker.tui.widgets.vim import VimScroll, VimTable

NARROW = 110
"""Below this many columns the detail sits under the list instead of beside it."""

SORTS: dict[str, tuple[str, Callable[[RootCauseRow], tuple[object, ...]]]] = {
    "incidents": ("incidents", lambda c: (-c.incident_count, c.slug)),
    "last-seen": ("last seen", lambda c: (-(c.last_seen.timestamp() if c.last_seen else 0), c.slug)),
    "prevent": ("fewest prevent actions", lambda c: (c.prevent_open + c.prevent_done, -c.incident_count, c.slug)),
    "slug": ("slug", lambda c: (c.slug,)),
}
"""Each sort of the list: its name in words and its key; ``s`` goes through them in this order."""

LEGEND = "↻ came back · ⚠ no prevent action or no runbook · PREVENT: open/done"


def warnings(cause: RootCauseRow, runbooks: list[str]) -> list[str]:
    found = []
    if not cause.has_prevent_action:
        found.append("no prevent action")
    if not runbooks:
        found.append("no runbook")
    return found


class CausesScreen(TrackerScreen[None]):
    """The taxonomy with recurrence; the highlighted cause is detailed on the right."""

    AUTO_FOCUS = "#cause-table"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("n", "new_cause", "New cause", id="causes.new"),
        Binding("e", "edit", "Edit", id="causes.edit"),
        Binding("m", "merge", "Merge into…", id="causes.merge"),
        Binding("R", "runbook", "New runbook", id="causes.runbook"),
        Binding("a", "new_action", "New action", id="causes.new-action"),
        Binding("v", "view_actions", "Its actions", id="causes.actions"),
        Binding("s", "cycle_sort", "Sort", id="causes.sort"),
        Binding("r", "reload", "Refresh", show=False, id="causes.refresh"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.causes: dict[str, tuple[RootCauseRow, list[str]]] = {}
        self.sort = "incidents"
        self.loaded: list[RootCauseRow] = []

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Root causes", id="causes-title", classes="screen-title")
        with Horizontal(id="causes-body"):
            yield VimTable(id="cause-table", cursor_type="row")
            with VimScroll(id="cause-detail"):
                yield Static("", id="cause-text")
        yield Static(LEGEND, id="causes-legend", classes="hint")
        yield TrackerFooter()

    def on_mount(self) -> None:
        self._columns(self.app.size.width)
        self.action_reload()

    def on_resize(self) -> None:
        narrow = self.size.width < NARROW
        if narrow != self.has_class("-narrow"):
            self._columns(self.size.width)
            self._fill()

    def _columns(self, width: int) -> None:
        """Fixed widths for a given screen width: a table rebuilt on every refresh must not change shape."""
        narrow = width < NARROW
        self.set_class(narrow, "-narrow")
        room = width if narrow else 62
        table = self.query_one(DataTable)
        table.clear(columns=True)
        fixed = (("INC", 4), ("LAST SEEN", 10), ("PREVENT", 13), ("!", 1))
        slug = max(room - sum(w for _, w in fixed) - 2 * (len(fixed) + 1) - 2, 16)
        for label, cells in (("SLUG", slug), *fixed):
            table.add_column(label, width=cells)

    def on_screen_resume(self) -> None:
        if self.causes:
            self.action_reload()

    def action_reload(self) -> None:
        self._load()

    @work(thread=True, exclusive=True, group="causes", exit_on_error=False)
    def _load(self) -> None:
        self.post_message(CausesLoaded(self.app.store.causes.with_runbooks()))

    def worker_failed(self, group: str, error: BaseException) -> None:
        if group == "causes":
            self.query_one("#cause-text", Static).update(could_not_load(error))

    def on_causes_loaded(self, message: CausesLoaded) -> None:
        self.loaded = message.causes
        self._fill()

    def _fill(self) -> None:
        """The rows, in the chosen order; the cursor stays on its cause."""
        table = self.query_one(DataTable)
        selected = self.selected_slug()
        table.clear()
        self.causes = {}
        title, key = SORTS[self.sort]
        for cause in sorted(self.loaded, key=key):
            self.causes[cause.slug] = (cause, cause.runbooks)
            alert = warnings(cause, cause.runbooks)
            back = cause.incident_count > 1
            table.add_row(
                Text(clean(cause.slug), style="dim" if cause.retired else "bold" if back else ""),
                Text(f"{cause.incident_count}{' ↻' if back else ''}", style="bold red" if back else ""),
                Text(cause.last_seen.date().isoformat() if cause.last_seen else "-"),
                Text(f"{cause.prevent_open} open/{cause.prevent_done} done",
                     style="" if cause.prevent_open + cause.prevent_done else "yellow"),
                Text("⚠" if alert else "", style="bold yellow"),
                key=cause.slug,
            )
        self.query_one("#causes-title", Static).update(
            literal(f"Root causes ({len(self.loaded)}) · sorted by {title} (s)"))
        self.select(self.app.pending_cause or selected)

    def action_cycle_sort(self) -> None:
        names = list(SORTS)
        self.sort = names[(names.index(self.sort) + 1) % len(names)]
        self._fill()

    def selected_slug(self) -> str | None:
        table = self.query_one(DataTable)
        if not table.row_count:
            return None
        return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value

    def select_pending(self) -> None:
        self.select(self.app.pending_cause)

    def select(self, slug: str | None) -> None:
        table = self.query_one(DataTable)
        self.app.pending_cause = None
        if slug and slug in self.causes:
            table.move_cursor(row=table.get_row_index(slug))
        self.show(self.selected_slug())

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self.show(event.row_key.value)

    def show(self, slug: str | None) -> None:
        text = self.query_one("#cause-text", Static)
        if slug is None or slug not in self.causes:
            text.update(literal("No root causes yet."))
            return
        cause, runbooks = self.causes[slug]
        parts: list[Content | str | tuple[str, str]] = [
            (clean(cause.title), "bold"), "\n", (f"{cause.slug} · {clean(cause.category)}", "$text-muted"), "\n",
        ]
        if cause.aliases:
            parts += [(f"also named: {', '.join(cause.aliases)}", "$text-muted"), "\n"]
        if cause.retired:
            parts += [("retired: not offered in pickers, still shown on its incidents", "bold $text-muted"), "\n"]
        for alert in warnings(cause, runbooks):
            parts += [(f"⚠ {alert}", "bold $warning"), "\n"]
        parts += ["\n", clean(cause.description), "\n\n"]
        parts += [(f"Incidents ({cause.incident_count})", "bold $accent"), "\n"]
        for incident in cause.incidents:
            when = incident.started_at.strftime("%Y-%m-%d") if incident.started_at else "-"
            parts += [f"{incident.key}  {when}  ", (incident.role, "italic"), "  ", clean(incident.title), "\n"]
        if cause.incident_count > 1:
            parts += [(f"↻ This cause came back: {cause.incident_count} incidents.", "bold $error"), "\n"]
        parts += ["\n", ("Actions by kind (open / done)", "bold $accent"), "\n"]
        kinds = sorted(set(cause.open_by_kind) | set(cause.done_by_kind))
        for kind in kinds:
            parts.append(f"{kind:<9} {cause.open_by_kind.get(kind, 0)} / {cause.done_by_kind.get(kind, 0)}\n")
        if not kinds:
            parts.append("none\n")
        parts += ["\n", ("Runbooks", "bold $accent"), "\n", "\n".join(clean(p) for p in runbooks) or "none"]
        text.update(Content.assemble(*parts))

    def action_new_action(self) -> None:
        slug = self.selected_slug()
        if slug is None:
            return
        from tracker.tui.dialogs.action_form import ActionFormDialog

        self.ask(ActionFormDialog(root_cause=slug), lambda saved: self.action_reload())

    def _show_cause(self, slug: str) -> None:
        self.app.pending_cause = slug
        self.action_reload()

    def action_new_cause(self) -> None:
        from tracker.tui.dialogs.cause_form import CauseFormDialog

        self.ask(CauseFormDialog(), self._show_cause)

    def action_edit(self) -> None:
        slug = self.selected_slug()
        if slug is None or slug not in self.causes:
            return
        from tracker.tui.dialogs.cause_form import CauseFormDialog

        self.ask(CauseFormDialog(cause=self.causes[slug][0]), self._show_cause)

    # -- merge: choose the cause it merges into, say what moves, then merge --------------------

    def action_merge(self) -> None:
        slug = self.selected_slug()
        if slug is None:
            return
        from tracker.tui.dialogs.cause_pick import CausePickDialog

        self.ask(CausePickDialog(f"Merge {slug} into…", f"The cause {slug} merges into: its incident links and"
                                 f" actions move there, and {slug} stays as an old name of it.", exclude=slug),
                 lambda target: self._plan_merge(slug, target))

    @work(thread=True, exclusive=True, group="causes-merge", exit_on_error=False)
    def _plan_merge(self, source: str, target: str) -> None:
        try:
            self.post_message(MergePlanned(self.app.store.causes.plan_merge(source, target)))
        except TrackerError as error:
            self.post_message(Failed(error))

    def on_merge_planned(self, message: MergePlanned) -> None:
        from tracker.tui.dialogs.confirm import ConfirmDialog

        plan = message.plan
        source, target = plan.source.slug, plan.target.slug
        self.ask_yes(
            ConfirmDialog(f"Merge {source} into {target}? {plan.links} incident link(s) and {plan.actions}"
                          f" action(s) move to {target}; {source} stays as an old name of {target}.",
                          yes="Merge", no="Cancel"),
            lambda: self._merge(source, target),
        )

    @work(thread=True, exclusive=True, group="causes-merge", exit_on_error=False)
    def _merge(self, source: str, target: str) -> None:
        try:
            self.post_message(CausesMerged(self.app.store.causes.merge(source, target)))
        except TrackerError as error:
            self.post_message(Failed(error))

    def on_causes_merged(self, message: CausesMerged) -> None:
        plan = message.plan
        self.app.notify(f"Merged {plan.source.slug} into {plan.target.slug}: {plan.links} incident link(s) and"
                        f" {plan.actions} action(s) moved", markup=False)
        self._show_cause(plan.target.slug)

    def on_failed(self, message: Failed) -> None:
        self.app.report(message.error)

    def action_runbook(self) -> None:
        """A runbook from the template, linked to this cause, opened in the editor."""
        slug = self.selected_slug()
        if slug is None or slug not in self.causes:
            return
        from tracker.tui.dialogs.new_runbook import NewRunbookDialog
        from tracker.tui.screens.runbook_edit import RunbookEditScreen

        folder = self.app.store.settings.runbooks_dir.rstrip("/")
        self.ask(NewRunbookDialog(causes=[slug], path=f"{folder}/{slug}.md", title=self.causes[slug][0].title),
                 lambda path: self.app.push_screen(RunbookEditScreen(path)))

    def action_view_actions(self) -> None:
        slug = self.selected_slug()
        if slug is None:
            return
        self.app.show_actions(root_cause=slug)

    def on_data_changed(self, message: DataChanged) -> None:
        """Changes made elsewhere: read the screen again (the cursor stays where it was)."""
        self.action_reload()
