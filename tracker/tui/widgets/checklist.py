"""A selection list whose rows say their state in text: ``[x]`` chosen, ``[ ]`` not.

Textual's own list draws a coloured toggle, which says nothing on a monochrome terminal, in a screen capture or to
a screen reader; here the state is part of the row. Space toggles the highlighted row at once, as in the stock list.
"""

from __future__ import annotations

from typing import TypeVar

from rich.segment import Segment
from textual.strip import Strip
from textual.widgets import OptionList, SelectionList

T = TypeVar("T")

CHOSEN = "[x] "
NOT_CHOSEN = "[ ] "


class CheckList(SelectionList[T]):
    """A ``SelectionList`` drawn with ``[x]`` / ``[ ]`` in front of each row instead of the toggle button."""

    def _get_left_gutter_width(self) -> int:
        return len(CHOSEN)

    def render_line(self, y: int) -> Strip:
        line = OptionList.render_line(self, y)
        lines = self._lines
        number = self.scroll_offset.y + y
        if not 0 <= number < len(lines):
            return line
        index, line_offset = lines[number]
        style = next(iter(line)).style if line.cell_length else None
        if line_offset:  # the second line of a row that wraps: no mark, the same indent
            return Strip([Segment(" " * len(CHOSEN), style), *line])
        mark = CHOSEN if self.get_option_at_index(index).value in self.selected else NOT_CHOSEN
        return Strip([Segment(mark, style), *line])

    def row_text(self, index: int) -> str:
        """The row at ``index`` as it reads on screen: its mark, then its prompt."""
        selection = self.get_option_at_index(index)
        return (CHOSEN if selection.value in self.selected else NOT_CHOSEN) + str(selection.prompt)
