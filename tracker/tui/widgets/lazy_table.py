"""A table that reads only the rows it shows.

The table asks a loader for pages of rows, in a thread worker, as the visible window needs
them: the page after a cached page is read by key (keyset), a page reached by a jump is read by
offset. At most ``max_pages`` pages stay cached, so the cost of opening, scrolling and filtering
does not grow with the size of the table. A page that cannot be read shows why in place of its
rows until the next listing.

A listing can start from its first page before its size is known (``show``): the table then
reaches one page past what it has read, grows as full pages arrive, and takes the total when it
is counted (``set_total``), or stays open-ended past a capped count.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events, work
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from tracker.tui.text import error_text, one_line

R = TypeVar("R")


NARROW = 100
"""Below this many cells a table leaves out its ``optional`` columns and uses the ``narrow`` widths."""


@dataclass(frozen=True)
class Column(Generic[R]):
    title: str
    width: int
    """Cells; 0 means: take what is left (the title), with every spare cell."""
    value: Callable[[R], str]
    optional: bool = False
    """Left out below ``NARROW`` cells, so that the title keeps its room."""
    narrow: int = 0
    """Cells below ``NARROW`` (0: the same as ``width``)."""


Loader = Callable[[tuple[Any, ...] | None, int, int], list[Any]]
"""(after_key, offset, limit) -> rows, called in a worker thread."""


class _RowMessage(Message):
    """A message about one row of a table."""

    def __init__(self, table: LazyTable[Any], row: Any) -> None:
        super().__init__()
        self.table = table
        self.row = row

    @property
    def control(self) -> LazyTable[Any]:
        return self.table


class LazyTable(ScrollView, Generic[R], can_focus=True):
    """A keyboard-driven table over a row source too large to load whole."""

    BINDINGS = [
        Binding("up,k", "cursor(-1)", "Up", show=False, id="table.up"),
        Binding("down,j", "cursor(1)", "Down", show=False, id="table.down"),
        Binding("pageup", "page(-1)", "Page up", show=False, id="table.page-up"),
        Binding("pagedown", "page(1)", "Page down", show=False, id="table.page-down"),
        Binding("home,g", "jump(0)", "First", show=False, id="table.first"),
        Binding("end,G", "jump(-1)", "Last", show=False, id="table.last"),
        Binding("enter", "select", "Open", id="table.open"),
    ]

    COMPONENT_CLASSES = {
        "lazy-table--header",
        "lazy-table--cursor",
        "lazy-table--alert",
        "lazy-table--muted",
        "lazy-table--placeholder",
    }

    DEFAULT_CSS = """
    LazyTable { background: $surface; overflow-x: hidden; }
    LazyTable > .lazy-table--header { text-style: bold; background: $panel; color: $text; }
    LazyTable > .lazy-table--cursor { background: $block-cursor-blurred-background; }
    LazyTable:focus > .lazy-table--cursor { background: $block-cursor-background; color: $block-cursor-foreground; }
    LazyTable > .lazy-table--alert { color: $error; text-style: bold; }
    LazyTable > .lazy-table--muted { color: $text-muted; }
    LazyTable > .lazy-table--placeholder { color: $text-disabled; }
    """

    cursor_row: reactive[int] = reactive(0)
    """Index of the highlighted row in the whole listing."""

    class Selected(_RowMessage):
        """A row was chosen (enter or double click)."""

    class Highlighted(_RowMessage):
        """The cursor moved onto a loaded row."""

    class _PageLoaded(Message):
        def __init__(self, generation: int, page: int, rows: list[Any]) -> None:
            super().__init__()
            self.generation = generation
            self.page = page
            self.rows = rows

    class _PageFailed(Message):
        def __init__(self, generation: int, page: int, error: Exception) -> None:
            super().__init__()
            self.generation = generation
            self.page = page
            self.error = error

    def __init__(
        self,
        columns: Sequence[Column[R]],
        *,
        key: Callable[[R], tuple[Any, ...]],
        row_class: Callable[[R], str | None] = lambda row: None,
        page_size: int = 100,
        max_pages: int = 30,
        empty_text: str = "Nothing here.",
        name: str | None = None,
        id: str | None = None,  # noqa: A002
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.columns = list(columns)
        self.key_of = key
        """The sort key of a row, for reading the next page by keyset."""
        self._row_class = row_class
        self.page_size = page_size
        self.max_pages = max_pages
        self.empty_text = empty_text
        self.total = 0
        self.loaded = False
        """False until the first page of the current listing has arrived (or could not be read)."""
        self.failure: str | None = None
        """Why rows of the current listing could not be read; no more are asked for until ``reset``."""
        self.open_ended = False
        """True while ``total`` is a lower bound: the listing grows as full pages arrive."""
        self._loader: Loader | None = None
        self._pages: OrderedDict[int, list[R]] = OrderedDict()
        self._pending: set[int] = set()
        self._generation = 0

    # -- data --------------------------------------------------------------------------------

    def reset(self, total: int, loader: Loader, keep_cursor: bool = False) -> None:
        """Show a new listing of ``total`` rows read through ``loader``."""
        self._generation += 1
        self._loader = loader
        self._pages.clear()
        self._pending.clear()
        self.total = total
        self.open_ended = False
        self.loaded = total == 0
        self.failure = None
        self.virtual_size = Size(self.size.width, total + 1)
        cursor = min(self.cursor_row, max(total - 1, 0)) if keep_cursor else 0
        self.set_reactive(LazyTable.cursor_row, cursor)
        if not keep_cursor:
            self.scroll_to(y=0, animate=False)
        self._want(cursor // self.page_size)
        self.refresh()

    def show_failure(self, error: BaseException) -> None:
        """The listing could not be read (its count, say): show why in place of its rows."""
        self._generation += 1
        self._pages.clear()
        self._pending.clear()
        self.total = 0
        self.open_ended = False
        self.loaded = True
        self.failure = error_text(error)
        self.virtual_size = Size(self.size.width, 1)
        self.set_reactive(LazyTable.cursor_row, 0)
        self.refresh()


    def show(self, rows: list[R], page: int, loader: Loader, *, keep_cursor: bool = False) -> None:
        """Show a new listing from one page already read (``page``), its size not yet known."""
        self._generation += 1
        self._loader = loader
        self._pages.clear()
        self._pending.clear()
        self._pages[page] = rows
        self.loaded = True
        self.failure = None
        self.total = 0
        self._grow(page, rows)
        cursor = min(self.cursor_row, max(self.total - 1, 0)) if keep_cursor else 0
        if cursor // self.page_size != page:
            cursor = page * self.page_size
        self.set_reactive(LazyTable.cursor_row, cursor)
        if not keep_cursor:
            self.scroll_to(y=0, animate=False)
        row = self.cursor_value
        if row is not None:
            self.post_message(self.Highlighted(self, row))
        self.refresh()

    @property
    def rows_seen(self) -> int:
        """How far into the listing the pages read so far reach."""
        return max((p * self.page_size + len(rows) for p, rows in self._pages.items()), default=0)

    def set_total(self, total: int, *, at_least: bool = False) -> None:
        """The listing's size, once counted; ``at_least``: a capped count, so more rows may follow."""
        if at_least:
            if not self.open_ended and self.total >= total:
                return  # the pages read already found the end
            self.total = max(total, self.total)
        else:
            self.total = total
        self.open_ended = at_least
        self.virtual_size = Size(self.size.width, self.total + 1)
        if self.cursor_row >= self.total:
            self.set_reactive(LazyTable.cursor_row, max(self.total - 1, 0))
        self.refresh()

    def _grow(self, page: int, rows: list[R]) -> None:
        """Stretch a listing of unknown (or capped) size to what a page just read shows of it."""
        end = page * self.page_size + len(rows)
        if len(rows) < self.page_size:
            self.total = end  # a short page is the last one
            self.open_ended = False
        elif end >= self.total:
            # A full page at the end: one more page may follow; reach into it.
            self.total = end + 1
            self.open_ended = True
        self.virtual_size = Size(self.size.width, self.total + 1)

    def row_at(self, index: int) -> R | None:
        page = self._pages.get(index // self.page_size)
        if page is None:
            return None
        offset = index % self.page_size
        return page[offset] if offset < len(page) else None

    @property
    def cursor_value(self) -> R | None:
        return self.row_at(self.cursor_row) if self.total else None

    def _want(self, page: int) -> None:
        if page in self._pages or page in self._pending or self._loader is None or self.failure is not None:
            return
        if page * self.page_size >= max(self.total, 1):
            return
        self._pending.add(page)
        previous = self._pages.get(page - 1)
        after = self.key_of(previous[-1]) if previous and len(previous) == self.page_size else None
        self._load(self._generation, page, after, self._loader)

    @work(thread=True, group="lazy-table", exit_on_error=False)
    def _load(self, generation: int, page: int, after: tuple[Any, ...] | None, loader: Loader) -> None:
        try:
            rows = loader(after, page * self.page_size, self.page_size)
        except Exception as error:  # any failure: the table says so in place of the rows
            self.post_message(self._PageFailed(generation, page, error))
            return
        self.post_message(self._PageLoaded(generation, page, rows))

    def on_lazy_table__page_loaded(self, message: _PageLoaded) -> None:
        message.stop()
        if message.generation != self._generation:
            return
        self._pending.discard(message.page)
        self._pages[message.page] = message.rows
        if self.open_ended:
            self._grow(message.page, message.rows)
        while len(self._pages) > self.max_pages:
            self._pages.popitem(last=False)
        if message.page == self.cursor_row // self.page_size:
            self.loaded = True
            row = self.cursor_value
            if row is not None:
                self.post_message(self.Highlighted(self, row))
        self.refresh()

    def on_lazy_table__page_failed(self, message: _PageFailed) -> None:
        message.stop()
        if message.generation != self._generation:
            return
        self._pending.discard(message.page)
        self.loaded = True
        self.failure = error_text(message.error)
        self.notify(f"could not load: {self.failure}", title="Error", severity="error", markup=False)
        self.refresh()

    # -- drawing -----------------------------------------------------------------------------

    def _widths(self, width: int) -> list[int]:
        """Each column's cells at ``width`` (0: left out); the flexible ones share what the others leave."""
        narrow = width < NARROW
        wanted = [0 if narrow and c.optional else (c.narrow if narrow and c.narrow else c.width) or -1
                  for c in self.columns]
        shown = sum(1 for w in wanted if w)
        fixed = sum(w for w in wanted if w > 0) + shown - 1
        flexible = sum(1 for w in wanted if w < 0)
        rest = max(width - fixed, 10)
        return [max(rest // max(flexible, 1), 1) if w < 0 else w for w in wanted]

    def _cells(self, values: list[str], widths: list[int]) -> str:
        parts = []
        for value, width in zip(values, widths, strict=True):
            if not width:
                continue
            text = one_line(value)
            if cell_len(text) > width:
                text = set_cell_size(text, max(width - 1, 0)) + "…"
            parts.append(set_cell_size(text, width))
        return " ".join(parts)

    def _failure_line(self, width: int) -> Strip:
        suffix = " (r to retry)"
        text = f" could not load: {self.failure}"
        room = max(width - len(suffix), 1)
        if cell_len(text) > room:
            text = set_cell_size(text, room - 1) + "…"
        alert = self.get_component_rich_style("lazy-table--alert")
        return Strip([Segment(text + suffix, alert)]).adjust_cell_length(width, self.rich_style)

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        widths = self._widths(width)
        if y == 0:
            style = self.get_component_rich_style("lazy-table--header")
            return Strip([Segment(self._cells([c.title for c in self.columns], widths), style)]).adjust_cell_length(
                width, style
            )
        index = round(self.scroll_offset.y) + y - 1
        base = self.rich_style
        if index >= self.total:
            if self.total == 0 and y == 1 and self.failure is not None:
                return self._failure_line(width)
            if self.total == 0 and y == 1 and self.loaded:
                muted = self.get_component_rich_style("lazy-table--muted")
                return Strip([Segment(f" {self.empty_text}", muted)]).adjust_cell_length(width, base)
            return Strip.blank(width, base)
        row = self.row_at(index)
        if row is None and self.failure is not None:
            first_missing = y == 1 or self.row_at(index - 1) is not None
            return self._failure_line(width) if first_missing else Strip.blank(width, base)
        if row is None:
            self._want(index // self.page_size)
            style = self.get_component_rich_style("lazy-table--placeholder")
            return Strip([Segment(" …", style)]).adjust_cell_length(width, base)
        style = base
        extra = self._row_class(row)
        if extra:
            style = style + self.get_component_rich_style(extra)
        if index == self.cursor_row:
            style = style + self.get_component_rich_style("lazy-table--cursor")
        text = self._cells([c.value(row) for c in self.columns], widths)
        return Strip([Segment(text, style)]).adjust_cell_length(width, style or Style())

    def on_resize(self, event: events.Resize) -> None:
        self.virtual_size = Size(event.size.width, self.total + 1)

    # -- moving ------------------------------------------------------------------------------

    @property
    def _visible_rows(self) -> int:
        return max(self.size.height - 1, 1)

    def watch_cursor_row(self, old: int, new: int) -> None:
        top = round(self.scroll_offset.y)
        if new < top:
            self.scroll_to(y=new, animate=False)
        elif new >= top + self._visible_rows:
            self.scroll_to(y=new - self._visible_rows + 1, animate=False)
        self._want(new // self.page_size)
        row = self.row_at(new)
        if row is not None:
            self.post_message(self.Highlighted(self, row))
        self.refresh()

    def action_cursor(self, delta: int) -> None:
        if self.total:
            self.cursor_row = max(0, min(self.total - 1, self.cursor_row + delta))

    def action_page(self, direction: int) -> None:
        self.action_cursor(direction * self._visible_rows)

    def action_jump(self, where: int) -> None:
        if self.total:
            self.cursor_row = self.total - 1 if where < 0 else 0

    def action_select(self) -> None:
        row = self.cursor_value
        if row is not None:
            self.post_message(self.Selected(self, row))

    def _row_under(self, event: events.MouseEvent) -> int | None:
        if event.y < 1:
            return None
        index = round(self.scroll_offset.y) + event.y - 1
        return index if index < self.total else None

    def on_click(self, event: events.Click) -> None:
        index = self._row_under(event)
        if index is None:
            return
        self.cursor_row = index
        if event.chain >= 2:
            self.action_select()
