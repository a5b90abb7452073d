"""The weekly review as a working surface: counts at a glance, the trend, every section a table to act on.

The screen shows the review the record is written from (``tracker.core.review``): the actions' part
first (the sections people decide on), then the whole review, so nothing it shows can disagree with
``tracker review``. On a highlighted action the walk-through's decisions apply directly and are
recorded the same way (``Review 2026-W48: ...`` notes); ``u`` undoes the last one.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any, ClassVar

from textual import events, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Header, Static, Tree

from tracker.base.errors import TrackerError
from tracker.core.actions import ActionRow
from tracker.core.review import ActionItem, CauseItem, Decision, IncidentItem, OwnerLoad, StaleRunbook
from tracker.core.review.render import TITLES
from tracker.core.review.types import COVERAGE, SECTIONS
from tracker.tui.messages import DataChanged, Failed, ReviewLoaded, ReviewRecorded
from tracker.tui.screens.actions import action_columns
from tracker.tui.screens.review_decisions import Decided, DecidingScreen
from tracker.tui.text import could_not_load, literal, one_line
from tracker.tui.widgets.chart import Chart, Series
from tracker.tui.widgets.footer import TrackerFooter
from tracker.tui.widgets.lazy_table import Column, LazyTable
from tracker.tui.widgets.review_sections import (
    ActionSection,
    GapSection,
    GroupRow,
    Node,
    RecurrenceTree,
    SectionTable,
    for_items,
)

if TYPE_CHECKING:
    from tracker.core.review import Review

DECISION_SECTIONS = ("overdue", "unowned", "proposed", "stale", "blocked")
"""The review's sections whose actions need a decision, in the order the walk-through takes them."""

GROUPED = ("overdue", "due_soon")
"""Sections the report groups by owner."""

HEADLINE: list[tuple[str, str, str, str]] = [
    ("overdue", "O", "overdue", "$error"),
    ("due_soon", "D", "due in 7 days", "$warning"),
    ("unowned", "U", "unowned", "$warning"),
    ("proposed", "P", "proposed", "$warning"),
    ("blocked", "B", "blocked", "$warning"),
    ("stale", "T", "stale", "$warning"),  # S syncs, everywhere
    ("causes_without_prevent", "C", "no prevent action", "$error"),
    ("recurrence", "R", "recurring", "$error"),
]
"""The counts at the top: (section, the key that jumps to it, what it counts, its colour when not zero)."""

SECTION_TITLES = {**TITLES, "decisions": "Decided this week"}


def decision_items(review: Review) -> list[tuple[ActionItem, list[str]]]:
    """Each action needing a decision once, with every reason it needs one (overdue, stale, ...)."""
    found: dict[int, tuple[ActionItem, list[str]]] = {}
    for section in DECISION_SECTIONS:
        rows = review.sections.get(section, [])
        items = [item for group in rows for item in group.actions] if section == "overdue" else rows
        for item in items:
            entry = found.setdefault(item.action.id, (item, []))
            entry[1].append(section)
    return list(found.values())


def _day(value: Any) -> str:
    return value.date().isoformat() if value else "-"


CAUSE_COLUMNS: list[Column[Any]] = [
    Column("CAUSE", 26, lambda r: r.slug),
    Column("INCIDENTS", 9, lambda r: str(r.incident_count)),
    Column("LAST SEEN", 10, lambda r: _day(r.last_seen)),
    Column("TITLE", 0, lambda r: r.title),
]
INCIDENT_COLUMNS: list[Column[Any]] = [
    Column("KEY", 8, lambda r: r.id),
    Column("SEV", 4, lambda r: r.severity),
    Column("STATUS", 11, lambda r: r.status),
    Column("STARTED", 10, lambda r: _day(r.started_at)),
    Column("ACTIONS", 7, lambda r: str(r.actions)),
    Column("TITLE", 0, lambda r: r.title),
]
RUNBOOK_COLUMNS: list[Column[Any]] = [
    Column("RUNBOOK", 30, lambda r: r.path),
    Column("OWNER", 14, lambda r: r.owner or "-"),
    Column("WHY", 0, lambda r: "; ".join(r.reasons)),
]
LOAD_COLUMNS: list[Column[Any]] = [
    Column("OWNER", 24, lambda r: r.owner or "(no owner)"),
    Column("OPEN", 7, lambda r: str(r.open)),
    Column("OVERDUE", 7, lambda r: str(r.overdue)),
]


def _change(r: Decision) -> str:
    change = "" if r.field == "note" else f"{r.field} {r.old or '-'} → {r.new or '-'}  "
    return change + r.note


DECISION_COLUMNS: list[Column[Any]] = [
    Column("WHEN (UTC)", 16, lambda r: r.at.strftime("%Y-%m-%d %H:%M") if r.at else "-"),
    Column("ACTION", 8, lambda r: r.action),
    Column("WHO", 18, lambda r: r.actor),
    Column("DECISION", 0, _change),
]


def item_key(row: Any) -> str:
    """The key an item of any section goes by: an action's or incident's key, a cause's slug, a path."""
    if isinstance(row, ActionItem):
        return row.action.key
    for name in ("key", "id", "action", "slug", "path", "owner"):
        value = getattr(row, name, None)
        if isinstance(value, str):
            return value
    return ""


def _item_text(row: Any) -> str:
    for name in ("title", "summary", "note", "text"):
        value = getattr(row, name, None)
        if isinstance(value, str):
            return value
    return str(row)


GENERIC_COLUMNS: list[Column[Any]] = [Column("KEY", 16, item_key), Column("ITEM", 0, _item_text)]
"""Any other section the review may hold (a list of items with a key)."""


class ReviewScreen(DecidingScreen[None]):
    """This week's review: jump to a section by its key, act on what is highlighted, w walks through all."""

    AUTO_FOCUS = "#section-overdue"

    BINDINGS: ClassVar[list[BindingType]] = [
        *(Binding(key, f"jump('{section}')", label.capitalize(), show=False, id=f"review.jump-{section}")
          for section, key, label, _ in HEADLINE),
        Binding("u", "undo", "Undo", id="review.undo"),
        Binding("w", "walk", "Walk-through", id="review.walk"),
        Binding("c", "record", "Write + commit", id="review.record"),
        Binding("left_square_bracket", "week(-1)", "Previous week", id="review.previous"),
        Binding("right_square_bracket", "week(1)", "Next week", id="review.next"),
        Binding("r", "reload", "Refresh", id="review.refresh"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.week = ""
        self.wanted: str | None = None
        """The week asked for (None: the current one)."""
        self.review: Review | None = None
        self.complete = False
        """True once the whole review (not only its actions) is shown."""
        self.undo_stack: list[Decided] = []
        """This session's decisions, the last on top (u undoes it)."""
        self.failure: str | None = None

    # -- layout ------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Loading…", id="review-counts")
        with VerticalScroll(id="review-body"):
            yield Chart("Actions opened (bars) and closed (line) per week", id="review-trend")
            for key in SECTIONS:
                if key == COVERAGE[0]:
                    yield Static("Coverage gaps", classes="review-group-title")
                with Vertical(classes="review-section", id=f"box-{key}"):
                    yield Static(SECTION_TITLES[key], classes="section-title", id=f"title-{key}")
                    yield self._widget(key)
        yield TrackerFooter()

    def _widget(self, key: str) -> SectionTable | RecurrenceTree:
        today = self.app.store.today
        wid = f"section-{key}"
        if key == "recurrence":
            return RecurrenceTree(id=wid)
        if key in ("overdue", "due_soon", "unowned", "proposed", "blocked", "stale", "done_this_week",
                   "wont_do_this_week"):
            columns = [for_items(c) for c in action_columns(today)]
            return ActionSection(key, columns, grouped=key in GROUPED, row_class=self._row_class,
                                 empty_text="None.", id=wid)
        if key == "causes_without_prevent":
            return GapSection(key, CAUSE_COLUMNS, empty_text="None: every cause has a prevent action.", id=wid)
        columns = {"causes_without_runbook": CAUSE_COLUMNS, "new_incidents": INCIDENT_COLUMNS,
                   "incidents_without_actions": INCIDENT_COLUMNS, "stale_runbooks": RUNBOOK_COLUMNS,
                   "load": LOAD_COLUMNS, "decisions": DECISION_COLUMNS}.get(key, GENERIC_COLUMNS)
        return SectionTable(key, columns, empty_text="None.", id=wid)

    def _row_class(self, row: Any) -> str | None:
        if not isinstance(row, ActionItem):
            return None
        if self.review is not None and row.action.is_overdue(self.review.reference_day):
            return "lazy-table--alert"
        if row.action.status in ("done", "wont_do"):
            return "lazy-table--muted"
        return None

    def on_mount(self) -> None:
        self._load(self.wanted, complete=False)

    def on_resize(self, event: events.Resize) -> None:
        self._show_counts()

    # -- loading -----------------------------------------------------------------------------

    def action_reload(self) -> None:
        self._load(self.wanted or self.week or None, complete=True)

    @work(thread=True, exclusive=True, group="review", exit_on_error=False)
    def _load(self, week: str | None, complete: bool) -> None:
        from tracker.core.review.build import ACTION_PARTS

        review = self.app.store.review.week(week, None if complete else ACTION_PARTS)
        self.post_message(ReviewLoaded(review, complete))

    def worker_failed(self, group: str, error: BaseException) -> None:
        super().worker_failed(group, error)
        if group == "review":
            self.failure = str(could_not_load(error))
            self.query_one("#review-counts", Static).update(could_not_load(error))

    def on_review_loaded(self, message: ReviewLoaded) -> None:
        review = message.review
        same_week = self.review is not None and self.review.week == review.week
        self.review = review
        self.week = review.week
        self.complete = message.complete
        self.failure = None
        self.sub_title = f"review {review.week} · {review.start} to {review.end}"
        self._show_counts()
        if review.trend:
            self.query_one("#review-trend", Chart).show(
                [w.week[-3:] for w in review.trend],
                [Series("opened", [w.opened for w in review.trend], "bar", "primary"),
                 Series("closed", [w.closed for w in review.trend], "line", "success")])
        for key, rows in review.sections.items():
            self._show_section(key, rows, keep_cursor=same_week)
        if not message.complete:
            self._load(review.week, complete=True)

    def _show_section(self, key: str, rows: list[Any], keep_cursor: bool) -> None:
        review = self.review
        assert review is not None
        if not self.query(f"#box-{key}"):  # a section this screen does not know: a list of items with a key
            self.call_later(self._add_section, key, rows)
            return
        total = review.counts.get(key, len(rows))
        shown = sum(len(g.actions) for g in rows) if key in GROUPED else len(rows)
        title = SECTION_TITLES.get(key, key.replace("_", " ").capitalize()).format(stale_days=review.stale_days)
        more = f"; {shown} shown" if total > shown else ""
        self.query_one(f"#title-{key}", Static).update(literal(f"{title} ({total:,}{more})"))
        widget = self.query_one(f"#section-{key}")
        if isinstance(widget, RecurrenceTree):
            widget.show(rows)
        elif isinstance(widget, SectionTable):
            widget.show_rows(rows, keep_cursor=keep_cursor)

    async def _add_section(self, key: str, rows: list[Any]) -> None:
        if self.query(f"#box-{key}"):
            return
        title = SECTION_TITLES.get(key, key.replace("_", " ").capitalize())
        box = Vertical(Static(title, classes="section-title", id=f"title-{key}"), self._widget(key),
                       classes="review-section", id=f"box-{key}")
        await self.query_one("#review-body", VerticalScroll).mount(box, before=self.query_one("#box-decisions"))
        self._show_section(key, rows, keep_cursor=False)

    def _show_counts(self) -> None:
        if self.failure is not None:
            return
        review = self.review
        pieces = []
        for section, key, label, colour in HEADLINE:
            count = review.counts.get(section) if review is not None else None
            style = "$text-muted" if count is None else (f"bold {colour}" if count else "$success")
            shown = "…" if count is None else f"{count:,}"
            pieces.append(Content.assemble((f" {key} ", "bold reverse"), (f" {shown} {label}", style)))
        pending = len(decision_items(review)) if review is not None else 0
        tail = Content.assemble(("  w", "bold"), f" walk {pending}") if pending else Content("")
        width = self.size.width or 80
        line = Content("  ").join(pieces)
        if line.cell_length + tail.cell_length <= width:
            text = Content.assemble(line, tail)
        else:
            half = (len(pieces) + 1) // 2
            text = Content.assemble(Content("  ").join(pieces[:half]), "\n", Content("  ").join(pieces[half:]), tail)
        self.query_one("#review-counts", Static).update(text)

    # -- moving around -----------------------------------------------------------------------

    def action_jump(self, section: str) -> None:
        widget = self.query_one(f"#section-{section}")
        widget.focus(scroll_visible=False)  # the section's title at the top, not just its table in sight
        self.query_one("#review-body", VerticalScroll).scroll_to_widget(self.query_one(f"#box-{section}"),
                                                                        top=True, animate=False)

    def action_week(self, step: int) -> None:
        if self.review is None:
            return
        from tracker.core.review import week_name

        self.wanted = week_name(self.review.start + timedelta(weeks=step))
        self._load(self.wanted, complete=False)

    def on_lazy_table_selected(self, message: LazyTable.Selected) -> None:
        self.open_item(message.row)

    def on_tree_node_selected(self, message: Tree.NodeSelected[Node]) -> None:
        data = message.node.data
        if data is None or not data.key:
            return
        if data.kind == "cause":
            self.app.open_cause(data.key)
        elif data.kind == "incident":
            self.app.open_incident(data.key)
        elif data.kind == "action":
            self.app.open_action(data.key)

    def open_item(self, row: Any) -> None:
        """Enter on a row: the action, the incident, the cause or the runbook it stands for."""
        if isinstance(row, GroupRow):
            return
        if isinstance(row, ActionItem):
            self.app.open_action(row.action.id)
        elif isinstance(row, IncidentItem):
            self.app.open_incident(row.id)
        elif isinstance(row, CauseItem):
            self.app.open_cause(row.slug)
        elif isinstance(row, StaleRunbook):
            self.app.open_runbook(row.path)
        elif isinstance(row, Decision):
            self.app.open_action(row.action)
        elif isinstance(row, OwnerLoad):
            from tracker.base.enums import OPEN_STATUSES
            from tracker.core.actions import ActionFilter

            self.app.pending_filter = ActionFilter(statuses=tuple(OPEN_STATUSES), owner=row.owner,
                                                   unowned=row.owner is None, today=self.app.store.today)
            self.app.switch_mode("actions")
        else:
            key = item_key(row)
            if key.startswith("ACT-"):
                self.app.open_action(key)
            elif key.startswith("INC-"):
                self.app.open_incident(key)
            elif key:
                self.app.open_cause(key)

    # -- decisions ---------------------------------------------------------------------------

    def decision_target(self) -> ActionRow | None:
        focused = self.focused
        if isinstance(focused, ActionSection):
            row = focused.cursor_value
            if isinstance(row, ActionItem):
                if row.action.status in ("done", "wont_do"):
                    self.app.notify(f"{row.action.key} is {row.action.status}: open it (enter) to reopen.",
                                    markup=False)
                    return None
                return row.action
        self.app.notify("Highlight an action first.", severity="warning")
        return None

    def decision_recorded(self, decided: Decided) -> None:
        if decided.undo:
            if self.undo_stack:
                self.undo_stack.pop()
        else:
            self.undo_stack.append(decided)
        more = "" if decided.undo else " (u undoes it)"
        self.app.notify(f"{decided.after.key}: {decided.what}{more}", markup=False)
        self.action_reload()

    def decision_reloaded(self, row: ActionRow) -> None:
        self.action_reload()

    def action_undo(self) -> None:
        if not self.undo_stack:
            self.app.notify("No decision of this session to undo.")
            return
        self.undo(self.undo_stack[-1])

    def action_new_prevent(self) -> None:
        """A prevent action for the highlighted cause (a coverage gap, or a recurring cause)."""
        focused = self.focused
        slug = None
        if isinstance(focused, GapSection) and isinstance(focused.cursor_value, CauseItem):
            slug = focused.cursor_value.slug
        elif isinstance(focused, RecurrenceTree) and focused.cursor_node is not None:
            node = focused.cursor_node
            while node.parent is not None and (node.data is None or node.data.kind != "cause"):
                node = node.parent
            slug = node.data.key if node.data is not None and node.data.kind == "cause" else None
        if slug is None:
            self.app.notify("Highlight a root cause first.", severity="warning")
            return
        from tracker.tui.dialogs.action_form import ActionFormDialog

        def saved(answer: Any) -> None:
            self.app.notify(f"{answer.action.key}: a prevent action for {slug}", markup=False)
            self.action_reload()

        self.ask(ActionFormDialog(root_cause=slug), saved)

    # -- walk-through and record -------------------------------------------------------------

    def action_walk(self) -> None:
        if self.review is None:
            return
        items = decision_items(self.review)
        if not items:
            self.app.notify("Nothing needs a decision this week.")
            return
        from tracker.tui.screens.walkthrough import WalkthroughScreen

        self.app.push_screen(WalkthroughScreen(self.review.week, items), callback=self._walked)

    def _walked(self, decisions: list[str] | None) -> None:
        self.action_reload()
        if decisions:
            from tracker.tui.dialogs.confirm import ConfirmDialog

            summary = "\n".join(decisions[:15]) + (f"\n… and {len(decisions) - 15} more" if len(decisions) > 15
                                                   else "")
            self.ask_yes(
                ConfirmDialog(f"{len(decisions)} decision{'s' if len(decisions) != 1 else ''}:\n{summary}"
                              "\n\nWrite and commit the review?",
                              "Write and commit", "Not now"),
                self.action_record,
            )

    def action_record(self) -> None:
        if self.review is not None:
            self._record(self.review.week)

    @work(thread=True, exclusive=True, group="review-record", exit_on_error=False)
    def _record(self, week: str) -> None:
        from tracker.repo import gitsync

        store = self.app.store
        try:
            record = store.review.record(week, commit=True)
            done = f"Wrote {record.path}; committed {record.commit.short}" if record.commit else ""
        except gitsync.GitUnavailable as error:
            try:
                record = store.review.record(week, commit=False)
            except TrackerError as inner:
                self.post_message(Failed(inner))
                return
            done = f"Wrote {record.path} (not committed: {one_line(str(error))})"
        except TrackerError as error:
            self.post_message(Failed(error))
            return
        self.post_message(ReviewRecorded(done))

    def on_review_recorded(self, message: ReviewRecorded) -> None:
        self.app.notify(message.summary, markup=False)
        self.action_reload()

    def on_failed(self, message: Failed) -> None:
        self.app.report(message.error)

    def on_data_changed(self, message: DataChanged) -> None:
        self.action_reload()
