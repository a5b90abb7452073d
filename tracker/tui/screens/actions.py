"""All actions in one lazy table, with filters that combine, search, sorting and quick changes."""

from __future__ import annotations

from datetime import date
from typing import Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import Header, Input, Static

from tracker.core.actions import SORTS, ActionFilter, ActionRow
from tracker.tui.action_ops import ACTION_BINDINGS, ActionOps
from tracker.tui.messages import ActionsCounted, ActionsCountFailed, ActionsListed, DataChanged
from tracker.tui.text import literal
from tracker.tui.widgets.footer import TrackerFooter
from tracker.tui.widgets.lazy_table import Column, LazyTable

SORT_CYCLE = ("due", "priority", "updated", "next")
"""``next``: open actions by their score (``tracker actions next``), highest first."""

COUNT_CAP = 10_000
"""Past this many matches the count stops and says ``10,000+`` (the table still scrolls on)."""

ACTION_PAGE = 50
"""Rows per page read: a tall terminal's screenful. A word search reads about page / share-of-matches
rows to fill one, so a smaller page shows the first rows sooner."""


def action_columns(today: date) -> list[Column[ActionRow]]:
    """The actions table; an overdue due date carries a ``!`` as well as the alert colour."""
    return [
        Column("KEY", 8, lambda r: r.key),
        Column("PRI", 3, lambda r: r.priority),
        Column("STATUS", 11, lambda r: r.status.replace("_", " ")),
        Column("DUE", 11, lambda r: r.due.isoformat() + ("!" if r.is_overdue(today) else "")),
        Column("OWNER", 18, lambda r: r.owner or "-", narrow=14),
        Column("KIND", 8, lambda r: r.kind, optional=True),
        Column("INCIDENT", 8, lambda r: r.incident or "-", optional=True),
        Column("TITLE", 0, lambda r: r.title),
    ]


def describe(filt: ActionFilter, sort: str) -> str:
    """The active filters in words, for the bar above the table."""
    parts = []
    if filt.statuses:
        parts.append("status " + "/".join(filt.statuses))
    if filt.kinds:
        parts.append("kind " + "/".join(filt.kinds))
    if filt.priorities:
        parts.append("priority " + "/".join(filt.priorities))
    if filt.owner:
        parts.append(f"owner {filt.owner}")
    if filt.unowned:
        parts.append("unowned")
    if filt.overdue:
        parts.append("overdue")
    if filt.due_within_days is not None:
        parts.append(f"due within {filt.due_within_days}d")
    if filt.incident_id is not None:
        parts.append(f"INC-{filt.incident_id}")
    if filt.root_cause:
        parts.append(f"cause {filt.root_cause}")
    return (" · ".join(parts) or "all actions") + f"  ·  sorted by {sort}"


class ActionsScreen(ActionOps):
    """Every action; overdue ones stand out. Filters: f, o, x; search: /; sort: s."""

    AUTO_FOCUS = "#action-table"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "search", "Search", id="actions.search"),
        Binding("f", "filters", "Filters", id="actions.filters"),
        Binding("o", "toggle_overdue", "Overdue", id="actions.overdue"),
        Binding("s", "cycle_sort", "Sort", id="actions.sort"),
        Binding("x", "clear_filters", "Clear filters", id="actions.clear"),
        Binding("n", "new_action", "New", id="actions.new"),
        Binding("r", "reload", "Refresh", id="actions.refresh"),
        *ACTION_BINDINGS,
    ]

    def __init__(self) -> None:
        super().__init__()
        self.filter = ActionFilter()
        self.sort = "due"

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="action-bar"):
            yield Input(placeholder="Search titles and descriptions  (/)", id="action-search", compact=True)
            yield Static("", id="action-filters")
        yield LazyTable(
            action_columns(self.app.store.today),
            key=SORTS["due"].key,
            row_class=self._row_class,
            empty_text="No action matches these filters (x clears them).",
            page_size=ACTION_PAGE,
            id="action-table",
        )
        yield TrackerFooter()

    def on_mount(self) -> None:
        self.filter = self.filter._replace(today=self.app.store.today)
        if not self.take_pending_filter():
            self.action_reload()

    def on_screen_resume(self) -> None:
        if self.take_pending_filter():
            return
        if self.query_one(LazyTable).loaded:
            self.action_reload(keep_cursor=True)

    def take_pending_filter(self) -> bool:
        """Apply a filter another screen asked for (e.g. a cause's actions); True if there was one."""
        pending = self.app.pending_filter
        if pending is None:
            return False
        self.app.pending_filter = None
        self.query_one("#action-search", Input).value = ""
        self.filter = pending
        self.action_reload()
        return True

    def _row_class(self, row: ActionRow) -> str | None:
        if row.is_overdue(self.filter.today):
            return "lazy-table--alert"
        if row.status in ("done", "wont_do"):
            return "lazy-table--muted"
        return None

    # -- loading -----------------------------------------------------------------------------

    def action_reload(self, keep_cursor: bool = False) -> None:
        self.query_one("#action-filters", Static).update(literal(describe(self.filter, self.sort)))
        # The first page first; the count after it, in the background. A newer listing stops both.
        self.app.store.actions.stop_counting()
        table = self.query_one(LazyTable)
        page = table.cursor_row // table.page_size if keep_cursor else 0
        self._list(self.filter, self.sort, page, table.page_size, keep_cursor)

    @work(thread=True, exclusive=True, group="actions-list", exit_on_error=False)
    def _list(self, filt: ActionFilter, sort: str, page: int, size: int, keep_cursor: bool) -> None:
        actions = self.app.store.actions
        rows = actions.page(filt, sort, None, page * size, size)
        if not rows and page:
            page, rows = 0, actions.page(filt, sort, None, 0, size)
        self.post_message(ActionsListed(filt, sort, page, rows, keep_cursor))

    def worker_failed(self, group: str, error: BaseException) -> None:
        if group == "actions-list":  # the first page could not be read: say why in place of the rows
            self.query_one(LazyTable).show_failure(error)

    def on_actions_listed(self, message: ActionsListed) -> None:
        filt, sort = message.filter, message.sort
        if (filt, sort) != (self.filter, self.sort):
            return  # an older request; a newer one is on its way
        store = self.app.store
        table = self.query_one(LazyTable)
        table.key_of = SORTS[sort].key if sort in SORTS else (lambda row: ())  # "next" is read by offset
        table.show(message.rows, message.page,
                   lambda after, offset, limit: store.actions.page(filt, sort, after, offset, limit),
                   keep_cursor=message.keep_cursor)
        if table.open_ended:
            self.sub_title = f"{table.total - 1:,}+ actions (counting…)"
            self._count(filt, sort)
        else:
            self._show_total(table.total, at_least=False)

    @work(thread=True, exclusive=True, group="actions-count", exit_on_error=False)
    def _count(self, filt: ActionFilter, sort: str) -> None:
        try:
            total, at_least = self.app.store.actions.count_up_to(filt, COUNT_CAP, sort)
        except Exception as error:  # noqa: BLE001 - the table keeps its rows either way
            # Stopped by a newer listing: that one counts. Anything else is said where the total goes.
            self.post_message(ActionsCountFailed(filt, sort, error))
            return
        self.post_message(ActionsCounted(filt, sort, total, at_least))

    def on_actions_count_failed(self, message: ActionsCountFailed) -> None:
        if (message.filter, message.sort) != (self.filter, self.sort) or self.app.store.actions.was_stopped(
                message.error):
            return
        table = self.query_one(LazyTable)
        self.sub_title = f"{table.rows_seen:,}+ actions (could not count: r to retry)"
        self.app.report(message.error)

    def on_actions_counted(self, message: ActionsCounted) -> None:
        if (message.filter, message.sort) != (self.filter, self.sort):
            return
        table = self.query_one(LazyTable)
        table.set_total(message.total, at_least=message.at_least)
        if table.open_ended:
            self._show_total(max(message.total, table.rows_seen), at_least=True)
        else:
            self._show_total(table.total, at_least=False)

    def _show_total(self, total: int, *, at_least: bool) -> None:
        if at_least:
            self.sub_title = f"{total:,}+ actions"
        else:
            self.sub_title = f"{total} action{'s' if total != 1 else ''}"

    # -- filters -----------------------------------------------------------------------------

    def set_filter(self, filt: ActionFilter) -> None:
        self.filter = filt
        self.action_reload()

    @on(Input.Changed, "#action-search")
    def _search_changed(self, event: Input.Changed) -> None:
        self.set_filter(self.filter._replace(text=event.value))

    @on(Input.Submitted, "#action-search")
    def _search_done(self) -> None:
        self.query_one(LazyTable).focus()

    def action_search(self) -> None:
        self.query_one("#action-search", Input).focus()

    def action_filters(self) -> None:
        from tracker.tui.dialogs.filters import FilterDialog

        self.ask(FilterDialog(self.filter), self.set_filter)

    def action_toggle_overdue(self) -> None:
        self.set_filter(self.filter._replace(overdue=not self.filter.overdue))

    def action_clear_filters(self) -> None:
        self.query_one("#action-search", Input).value = ""
        self.set_filter(ActionFilter(today=self.filter.today))

    def action_cycle_sort(self) -> None:
        self.sort = SORT_CYCLE[(SORT_CYCLE.index(self.sort) + 1) % len(SORT_CYCLE)]
        self.action_reload()

    # -- actions on actions ------------------------------------------------------------------

    def current_action(self) -> ActionRow | None:
        return self.query_one(LazyTable).cursor_value

    def after_change(self, row: ActionRow | None) -> None:
        self.action_reload(keep_cursor=True)

    def on_lazy_table_selected(self, message: LazyTable.Selected) -> None:
        row: Any = message.row
        self.app.open_action(row.id)

    def action_new_action(self) -> None:
        from tracker.tui.dialogs.action_form import ActionFormDialog

        incident = f"INC-{self.filter.incident_id}" if self.filter.incident_id else None
        self.ask(ActionFormDialog(incident=incident, root_cause=self.filter.root_cause),
                 lambda saved: self.after_change(saved.action))

    def on_data_changed(self, message: DataChanged) -> None:
        """Changes made elsewhere: read the screen again (the cursor stays where it was)."""
        self.action_reload(keep_cursor=True)
