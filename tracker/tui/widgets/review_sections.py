"""The weekly review's sections as widgets: lazy tables of the review's rows, and the recurrence tree.

A section table is the actions screen's lazy table over the rows the review holds (at most the
review's limit each, the count above it being the true total). Where the report groups by owner
(overdue, due soon), each owner is a row of its own that folds (space) and unfolds. The keys that
act on a row (decisions, a new prevent action) are declared here, on the table that has the row,
and run on the screen (``screen.``), so the footer shows them only where they apply.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, ClassVar, NamedTuple

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.strip import Strip
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from tracker.core.actions import ActionRow
from tracker.core.review import ActionItem, OwnerGroup, Recurrence
from tracker.tui.text import one_line
from tracker.tui.widgets.lazy_table import Column, LazyTable

MAX_ROWS = 12
"""The most rows a section shows before it scrolls inside (a header line included)."""


class GroupRow(NamedTuple):
    """An owner's heading in a grouped section: how many the owner has there, and whether it is folded."""

    owner: str | None
    total: int
    shown: int
    folded: bool

    @property
    def label(self) -> str:
        more = f", {self.shown} shown" if self.shown < self.total else ""
        return f"{'▸' if self.folded else '▾'} {self.owner or '(no owner)'} ({self.total}{more})"


def row_action(row: Any) -> ActionRow | None:
    """The action a section row stands for, if any."""
    if isinstance(row, ActionItem):
        return row.action
    return None


def for_items(column: Column[ActionRow]) -> Column[Any]:
    """An actions-table column that reads an item's action (group headings draw themselves); its widths
    (``optional``, ``narrow``) stay those of the actions screen."""
    value = column.value
    return Column(column.title, column.width, lambda r: value(r.action) if isinstance(r, ActionItem) else "",
                  optional=column.optional, narrow=column.narrow)


class SectionTable(LazyTable[Any]):
    """One section of the review: its rows (grouped by owner when ``grouped``) in a lazy table."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "fold", "Fold", id="review-section.fold"),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {"section-table--group"}

    DEFAULT_CSS = """
    SectionTable { height: auto; max-height: 12; }
    SectionTable > .section-table--group { text-style: bold; color: $accent; }
    """

    def __init__(self, key: str, columns: Sequence[Column[Any]], *, grouped: bool = False,
                 row_class: Callable[[Any], str | None] = lambda row: None, empty_text: str = "None.",
                 id: str | None = None) -> None:  # noqa: A002
        super().__init__(columns, key=lambda row: (), row_class=row_class, empty_text=empty_text, id=id,
                         classes="review-table")
        self.section = key
        self.grouped = grouped
        self.folded: set[str | None] = set()
        """Owners whose rows are folded away."""
        self._groups: list[OwnerGroup] = []
        self._rows: list[Any] = []

    def show_rows(self, rows: Sequence[Any], keep_cursor: bool = False) -> None:
        """Show these rows: a flat list, or ``OwnerGroup`` rows for a grouped section."""
        if self.grouped:
            self._groups = list(rows)
            self._rows = self._flatten()
        else:
            self._rows = list(rows)
        self._show(keep_cursor)

    def _flatten(self) -> list[Any]:
        flat: list[Any] = []
        for group in self._groups:
            folded = group.owner in self.folded
            flat.append(GroupRow(group.owner, group.total, len(group.actions), folded))
            if not folded:
                flat.extend(group.actions)
        return flat

    def _show(self, keep_cursor: bool) -> None:
        rows = self._rows
        self.styles.height = min(max(len(rows), 1) + 1, MAX_ROWS)
        self.reset(len(rows), lambda after, offset, limit: rows[offset:offset + limit], keep_cursor)

    @property
    def rows(self) -> list[Any]:
        """The rows on screen, group headings included."""
        return list(self._rows)

    def action_fold(self) -> None:
        """Fold or unfold the owner under the cursor (on an action: its owner's group)."""
        if not self.grouped:
            return
        row = self.cursor_value
        if isinstance(row, GroupRow):
            owner = row.owner
        elif isinstance(row, ActionItem):
            owner = row.action.owner
        else:
            return
        self.folded ^= {owner}
        self._rows = self._flatten()
        heading = next(i for i, r in enumerate(self._rows) if isinstance(r, GroupRow) and r.owner == owner)
        self._show(keep_cursor=False)
        self.cursor_row = heading

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "fold":
            return self.grouped
        return True

    def render_line(self, y: int) -> Strip:
        index = round(self.scroll_offset.y) + y - 1
        row = self.row_at(index) if y > 0 and index < self.total else None
        if not isinstance(row, GroupRow):
            return super().render_line(y)
        width = self.size.width
        style = self.rich_style + self.get_component_rich_style("section-table--group")
        if index == self.cursor_row:
            style = style + self.get_component_rich_style("lazy-table--cursor")
        text = one_line(row.label)
        if cell_len(text) > width:
            text = set_cell_size(text, max(width - 1, 0)) + "…"
        return Strip([Segment(text, style)]).adjust_cell_length(width, style or Style())


def decision_bindings(prefix: str, namespace: str = "") -> list[BindingType]:
    """The review's decision keys, with ids under ``prefix``; ``namespace`` (``screen.``) when a widget
    declares them for its screen. ``k`` moves up in every list, so keeping an action as it is takes ``K``."""
    return [
        Binding("K", f"{namespace}keep", "Keep", id=f"{prefix}.keep"),
        Binding("s", f"{namespace}reschedule", "Reschedule", id=f"{prefix}.reschedule"),
        Binding("o", f"{namespace}reassign", "Reassign", id=f"{prefix}.reassign"),
        Binding("d", f"{namespace}done", "Done", id=f"{prefix}.done"),
        Binding("x", f"{namespace}wont_do", "Won't do", id=f"{prefix}.wont-do"),
        Binding("b", f"{namespace}blocked", "Blocked", id=f"{prefix}.blocked"),
        Binding("n", f"{namespace}note", "Note", id=f"{prefix}.note"),
    ]


class ActionSection(SectionTable):
    """A section of actions: the walk-through's decisions apply to the highlighted one."""

    BINDINGS: ClassVar[list[BindingType]] = decision_bindings("review-action", "screen.")


class GapSection(SectionTable):
    """Root causes with no prevent action: ``n`` adds one, linked to the highlighted cause."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("n", "screen.new_prevent", "New prevent action", id="review-gap.new"),
    ]


# -- the recurrence tree -----------------------------------------------------------------------


class Node(NamedTuple):
    """What a node of the recurrence tree stands for: ``kind`` is cause, incident, action or none."""

    kind: str
    key: str
    action: ActionRow | None = None
    again: bool = False


def _day(value: datetime | None) -> str:
    return value.date().isoformat() if value else "-"


class RecurrenceTree(Tree[Node]):
    """Causes that struck more than once → their incidents (date, severity) → the actions against them.

    A done action is marked "done, and it happened again" when the cause struck after it was done.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("n", "screen.new_prevent", "New prevent action", id="review-recurrence.new"),
        # The lists' keys, so that j k g G mean the same here as in every other list.
        Binding("j", "cursor_down", "Down", show=False, id="review-recurrence.down"),
        Binding("k", "cursor_up", "Up", show=False, id="review-recurrence.up"),
        Binding("g", "scroll_home", "First", show=False, id="review-recurrence.first"),
        Binding("G", "scroll_end", "Last", show=False, id="review-recurrence.last"),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {"recurrence-tree--again", "recurrence-tree--muted"}

    DEFAULT_CSS = """
    RecurrenceTree { height: auto; max-height: 16; background: $surface; overflow-x: hidden; }
    RecurrenceTree > .recurrence-tree--again { color: $error; text-style: bold; }
    RecurrenceTree > .recurrence-tree--muted { color: $text-muted; }
    """

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__("Recurring root causes", id=id)
        self.show_root = False
        self.auto_expand = False

    def show(self, causes: Sequence[Recurrence]) -> None:
        """Every cause expanded to its incidents and its actions."""
        self.clear()
        lines = 0
        if not causes:
            lines += 1
            self.root.add_leaf(Text("None: no cause has struck twice."), Node("none", ""))
        for cause in causes:
            title = Text.assemble((cause.slug, "bold"), f"  {cause.incident_count} incidents, last "
                                  f"{_day(cause.last_seen)}  ", one_line(cause.title))
            node = self.root.add(title, Node("cause", cause.slug), expand=True)
            lines += 1 + len(cause.incidents) + max(len(cause.actions), 1)
            placed: set[int] = set()
            for incident in cause.incidents:
                label = Text(f"{incident.id}  {_day(incident.started_at)}  {incident.severity}  "
                             f"{one_line(incident.title)}")
                mine = [a for a in cause.actions if a.action.incident == incident.id]
                child = node.add(label, Node("incident", incident.id), expand=True, allow_expand=bool(mine))
                for item in mine:
                    placed.add(item.action.id)
                    self._add_action(child, item)
            for item in cause.actions:
                if item.action.id not in placed:
                    self._add_action(node, item)
            if not cause.actions:
                node.add_leaf(Text("no action against this cause yet (n: a prevent action)"), Node("none", cause.slug))
        self.styles.height = min(lines, 16)

    @staticmethod
    def _add_action(parent: TreeNode[Node], item: ActionItem) -> None:
        a = item.action
        again = bool(item.extra.get("happened_again"))
        state = "done, and it happened again" if again else a.status.replace("_", " ")
        label = Text(f"{a.key}  {a.kind}  {state}  {one_line(a.title)}")
        parent.add_leaf(label, Node("action", a.key, a, again))

    def render_label(self, node: TreeNode[Node], base_style: Style, style: Style) -> Text:
        data = node.data
        if data is not None and data.kind == "action" and data.again:
            style = style + self.get_component_rich_style("recurrence-tree--again", partial=True)
        elif data is not None and (data.kind == "none" or (data.action is not None
                                                            and data.action.status in ("done", "wont_do"))):
            style = style + self.get_component_rich_style("recurrence-tree--muted", partial=True)
        label = super().render_label(node, base_style, style)
        # A long title ends in an ellipsis at the tree's edge rather than running on out of sight.
        depth, parent = 0, node.parent
        while parent is not None and parent is not self.root:
            depth, parent = depth + 1, parent.parent
        room = self.scrollable_content_region.width - depth * self.guide_depth
        if room > 1 and label.cell_len > room:
            label.truncate(room, overflow="ellipsis")
        return label
