"""The keys of every list and reader: vim's ``j`` ``k`` ``g`` ``G`` beside the arrows, home and end.

``VimScroll`` is a scrolling pane (a detail screen, the help) and ``VimTable`` a data table (causes,
runbooks, an incident's actions) that both take them, so one key means one thing in every list.
"""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import DataTable


class VimScroll(VerticalScroll):
    """A vertical scroll pane that also takes ``j`` ``k`` ``g`` ``G``."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "scroll_down", "Down", show=False, id="scroll.down"),
        Binding("k", "scroll_up", "Up", show=False, id="scroll.up"),
        Binding("g", "scroll_home", "Top", show=False, id="scroll.top"),
        Binding("G", "scroll_end", "Bottom", show=False, id="scroll.bottom"),
    ]


class VimTable(DataTable[object]):
    """A data table that also takes ``j`` ``k`` ``g`` ``G``."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "cursor_down", "Down", show=False, id="vim-table.down"),
        Binding("k", "cursor_up", "Up", show=False, id="vim-table.up"),
        Binding("g", "scroll_top", "First", show=False, id="vim-table.first"),
        Binding("G", "scroll_bottom", "Last", show=False, id="vim-table.last"),
    ]
