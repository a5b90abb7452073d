"""A reader for a markdown runbook: a cursor line, headings, search and code blocks to copy.

The text is laid out line by line for the width it is shown at: prose wraps (a list item's lines
hang under its text), headings stand out, and code blocks keep their lines: they wrap with a ``↪``
mark, or, with wrapping off, scroll sideways (``←`` ``→``), showing ``→`` where a line goes on.
Only the lines on screen are drawn.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass
from typing import ClassVar

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from tracker.tui.text import clean

_FENCE = re.compile(r"^(\s*)(```+|~~~+)\s*([\w+-]*)")
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_ITEM = re.compile(r"^(\s*)([-*+]|[0-9]{1,3}[.)])\s+")


@dataclass
class Block:
    """A piece of the document: a heading, a paragraph or list item, a code block, or a blank line."""

    kind: str
    """``heading``, ``text``, ``code``, ``blank`` or ``note`` (facts about the file, shown muted)."""
    lines: list[str]
    level: int = 0
    """A heading's level (1 for ``#``)."""
    language: str = ""


@dataclass
class Line:
    """One line on screen: its text, what it belongs to, and where a code line goes on."""

    text: str
    kind: str
    block: int
    indent: int = 0
    more: bool = False
    """A code line cut at the right edge (wrapping off)."""
    continued: bool = False
    """The continuation of a wrapped code line."""


def chop(text: str, cells: int) -> tuple[str, str]:
    """``text`` split after at most ``cells`` cells (at least one character when there is one)."""
    used = 0
    for position, char in enumerate(text):
        used += cell_len(char)
        if used > cells:
            return (text[:position], text[position:]) if position else (text[:1], text[1:])
    return text, ""


def parse(text: str) -> list[Block]:
    """Markdown as blocks; anything it does not know is text, shown as written."""
    blocks: list[Block] = []
    lines = text.replace("\r\n", "\n").split("\n")
    index = 0
    while index < len(lines):
        line = lines[index]
        fence = _FENCE.match(line)
        if fence:
            indent, marker, language = fence.group(1), fence.group(2), fence.group(3)
            code: list[str] = []
            index += 1
            while index < len(lines) and not lines[index].strip().startswith(marker[:3] if marker[0] == "`"
                                                                              else marker):
                body = lines[index]
                code.append(body[len(indent):] if body.startswith(indent) else body.lstrip())
                index += 1
            index += 1  # the closing fence (or the end)
            blocks.append(Block("code", code, language=language))
            continue
        heading = _HEADING.match(line)
        if heading:
            blocks.append(Block("heading", [heading.group(2)], level=len(heading.group(1))))
        elif not line.strip():
            if not blocks or blocks[-1].kind != "blank":
                blocks.append(Block("blank", [""]))
        elif blocks and blocks[-1].kind == "text" and not _ITEM.match(line):
            blocks[-1].lines.append(line)
        else:
            blocks.append(Block("text", [line]))
        index += 1
    return blocks


def layout(blocks: list[Block], width: int, wrap_code: bool) -> list[Line]:
    """The lines of ``blocks`` at ``width`` cells."""
    width = max(width, 10)
    out: list[Line] = []
    for number, block in enumerate(blocks):
        if block.kind == "code":
            for raw in block.lines or [""]:
                text = clean(raw).expandtabs(4)
                room = width - 2
                if not wrap_code or cell_len(text) <= room:
                    out.append(Line(text, "code", number, more=cell_len(text) > room))
                    continue
                first = True
                while text:
                    piece, text = chop(text, room)
                    out.append(Line(piece, "code", number, continued=not first))
                    first = False
                    room = width - 4
        elif block.kind == "heading":
            for piece in textwrap.wrap(clean(block.lines[0]), width) or [""]:
                out.append(Line(piece, "heading", number))
        elif block.kind == "blank":
            out.append(Line("", "blank", number))
        else:
            opening = clean(block.lines[0])
            item = _ITEM.match(opening)
            hang = len(item.group(0)) if item else len(opening) - len(opening.lstrip())
            joined = " ".join(part.strip() for part in [opening, *(clean(x) for x in block.lines[1:])])
            lead = opening[: len(opening) - len(opening.lstrip())]
            wrapped = textwrap.wrap(joined, width, initial_indent=lead, subsequent_indent=" " * hang,
                                    break_on_hyphens=False) or [""]
            out += [Line(piece, block.kind, number, indent=hang) for piece in wrapped]
    return out


class DocumentView(ScrollView, can_focus=True):
    """The runbook's lines under a cursor; the screen around it searches, jumps and copies."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down,j", "cursor(1)", "Down", show=False, id="reader.down"),
        Binding("up,k", "cursor(-1)", "Up", show=False, id="reader.up"),
        Binding("pagedown,space", "page(1)", "Page down", show=False, id="reader.page-down"),
        Binding("pageup,b", "page(-1)", "Page up", show=False, id="reader.page-up"),
        Binding("home,g", "jump(0)", "Top", show=False, id="reader.top"),
        Binding("end,G", "jump(-1)", "Bottom", show=False, id="reader.bottom"),
        Binding("right,l", "shift(8)", "Code: scroll right", show=False, id="reader.right"),
        Binding("left,h", "shift(-8)", "Code: scroll left", show=False, id="reader.left"),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "reader--heading", "reader--code", "reader--cursor", "reader--match", "reader--muted", "reader--mark",
    }

    DEFAULT_CSS = """
    DocumentView { background: $surface; overflow-x: hidden; scrollbar-size-vertical: 1; }
    DocumentView > .reader--heading { color: $accent; text-style: bold; }
    DocumentView > .reader--code { background: $panel; color: $text; }
    DocumentView > .reader--cursor { background: $block-cursor-blurred-background; }
    DocumentView:focus > .reader--cursor { background: $block-cursor-background; color: $block-cursor-foreground; }
    DocumentView > .reader--match { background: $warning 50%; text-style: bold; }
    DocumentView > .reader--muted { color: $text-muted; }
    DocumentView > .reader--mark { color: $warning; text-style: bold; }
    """

    cursor: reactive[int] = reactive(0)
    """The line under the cursor."""

    class Moved(Message):
        """The cursor moved (the screen says where it is)."""

    def __init__(self, *, cursor: bool = True, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self.can_focus = cursor
        self.show_cursor = cursor
        """A reader has a cursor line; a preview only shows the text."""
        self.blocks: list[Block] = []
        self.lines: list[Line] = []
        self.wrap_code = True
        """Wrap long code lines (``↪``), or scroll them sideways."""
        self.shift = 0
        """How far code lines are scrolled sideways."""
        self.search_text = ""
        """The search: its matches are marked."""
        self._laid_for = -1

    # -- content -----------------------------------------------------------------------------

    def show(self, blocks: list[Block]) -> None:
        self.blocks = blocks
        self._laid_for = -1
        self.relayout()
        self.cursor = 0

    def relayout(self) -> None:
        line_block = self.lines[self.cursor].block if self.lines and self.cursor < len(self.lines) else 0
        self.lines = layout(self.blocks, self._text_width(), self.wrap_code)
        self._laid_for = self.size.width
        widest = max((cell_len(line.text) for line in self.lines), default=0)
        self.virtual_size = Size(self.size.width, len(self.lines))
        self.shift = min(self.shift, max(widest - 10, 0))
        at = next((i for i, line in enumerate(self.lines) if line.block >= line_block), 0)
        self.set_reactive(DocumentView.cursor, min(at, max(len(self.lines) - 1, 0)))
        self._follow()
        self.refresh()

    def _text_width(self) -> int:
        """The cells a line may take: the width less the scrollbar (one cell is kept for it always)."""
        return max((self.size.width or 80) - 1, 10)

    def on_resize(self, event: events.Resize) -> None:
        if event.size.width != self._laid_for:
            self.relayout()

    def set_wrap(self, wrap: bool) -> None:
        self.wrap_code = wrap
        self.shift = 0
        self.relayout()

    # -- where things are --------------------------------------------------------------------

    @property
    def source(self) -> str:
        """The text shown, block by block, as it was read (control characters as escapes)."""
        return "\n".join(clean("\n".join(block.lines)) for block in self.blocks)

    def headings(self) -> list[tuple[int, int, str]]:
        """(line, level, text) of every heading, in order."""
        found = []
        seen: set[int] = set()
        for index, line in enumerate(self.lines):
            if line.kind == "heading" and line.block not in seen:
                seen.add(line.block)
                block = self.blocks[line.block]
                found.append((index, block.level, block.lines[0]))
        return found

    def code_block_at(self, index: int) -> int | None:
        if 0 <= index < len(self.lines) and self.lines[index].kind == "code":
            return self.lines[index].block
        return None

    def next_code_block(self, direction: int) -> int | None:
        """The first line of the next (or previous) code block from the cursor."""
        here = self.code_block_at(self.cursor)
        index = self.cursor + direction
        while 0 <= index < len(self.lines):
            block = self.code_block_at(index)
            if block is not None and block != here:
                while direction < 0 and index > 0 and self.code_block_at(index - 1) == block:
                    index -= 1
                return index
            index += direction
        return None

    def matches(self) -> list[int]:
        if not self.search_text:
            return []
        wanted = self.search_text.lower()
        return [i for i, line in enumerate(self.lines) if wanted in line.text.lower()]

    def go(self, index: int) -> None:
        if self.lines:
            self.cursor = max(0, min(len(self.lines) - 1, index))

    # -- drawing -----------------------------------------------------------------------------

    def _follow(self) -> None:
        """Keep the cursor in view: a step off the edge scrolls a line, a jump puts it a third of the way down
        (a code block or a heading jumped to shows what follows it)."""
        height = max(self.size.height, 1)
        top = round(self.scroll_offset.y)
        if top - 1 <= self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False)
        elif top + height <= self.cursor <= top + height:
            self.scroll_to(y=self.cursor - height + 1, animate=False)
        elif not top <= self.cursor < top + height:
            self.scroll_to(y=max(self.cursor - height // 3, 0), animate=False)

    def watch_cursor(self, old: int, new: int) -> None:
        self._follow()
        self.refresh()
        self.post_message(self.Moved())

    def _marked(self, text: str, style: Style, match: Style) -> list[Segment]:
        if not self.search_text:
            return [Segment(text, style)]
        segments = []
        lower, wanted, position = text.lower(), self.search_text.lower(), 0
        while True:
            found = lower.find(wanted, position)
            if found < 0:
                break
            segments += [Segment(text[position:found], style), Segment(text[found:found + len(wanted)],
                                                                           style + match)]
            position = found + len(wanted)
        segments.append(Segment(text[position:], style))
        return segments

    def render_line(self, y: int) -> Strip:
        width = self._text_width()
        index = round(self.scroll_offset.y) + y
        base = self.rich_style
        if index >= len(self.lines):
            return Strip.blank(width, base)
        line = self.lines[index]
        style = base
        if line.kind == "heading":
            style = style + self.get_component_rich_style("reader--heading")
        elif line.kind == "code":
            style = style + self.get_component_rich_style("reader--code")
        elif line.kind == "note":
            style = style + self.get_component_rich_style("reader--muted")
        if index == self.cursor and self.show_cursor:
            style = style + self.get_component_rich_style("reader--cursor")
        match = self.get_component_rich_style("reader--match")
        mark = self.get_component_rich_style("reader--mark")
        if line.kind != "code":
            return Strip(self._marked(line.text, style, match)).adjust_cell_length(width, style)
        if line.continued:
            lead = [Segment(" ↪ ", style + mark)]
            body = line.text
        else:
            lead = [Segment(" ", style)]
            body = line.text
            if not self.wrap_code and self.shift:
                body = chop(body, self.shift)[1] if cell_len(body) > self.shift else ""
                lead = [Segment("←", style + mark)]
        room = width - 2 if not line.continued else width - 4
        tail: list[Segment] = []
        if cell_len(body) > room:
            body = set_cell_size(chop(body, max(room, 0))[0], max(room, 0))
            tail = [Segment("→", style + mark)]
        return Strip([*lead, *self._marked(body, style, match), *tail]).adjust_cell_length(width, style)

    # -- keys --------------------------------------------------------------------------------

    def action_cursor(self, delta: int) -> None:
        self.go(self.cursor + delta)

    def action_page(self, direction: int) -> None:
        self.go(self.cursor + direction * max(self.size.height - 1, 1))

    def action_jump(self, where: int) -> None:
        self.go(len(self.lines) - 1 if where < 0 else 0)

    def action_shift(self, cells: int) -> None:
        if self.wrap_code:
            return
        widest = max((cell_len(line.text) for line in self.lines if line.kind == "code"), default=0)
        self.shift = max(0, min(self.shift + cells, max(widest - (self.size.width - 4), 0)))
        self.refresh()

    def on_click(self, event: events.Click) -> None:
        self.go(round(self.scroll_offset.y) + event.y)
