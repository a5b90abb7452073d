"""Lines that wrap under their own text: a prefix (a time, a key) and a body whose wrapped lines hang
under the body, not under the prefix, so a long history note or timeline entry still reads as one."""

from __future__ import annotations

from collections.abc import Sequence

from textual.content import Content
from textual.geometry import Size
from textual.widgets import Static


class HangingText(Static):
    """Entries of (prefix, body), each body wrapped to the width left after its prefix (a Static, so it reads
    like one: ``render()`` gives the text shown)."""

    DEFAULT_CSS = """
    HangingText { height: auto; }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:  # noqa: A002
        super().__init__("", id=id, classes=classes)
        self.title: Content | None = None
        self.entries: list[tuple[Content, Content]] = []
        self.empty: Content = Content("-")

    def show_entries(self, entries: Sequence[tuple[Content, Content]], *, title: Content | None = None,
                     empty: Content | None = None) -> None:
        self.entries = list(entries)
        self.title = title
        if empty is not None:
            self.empty = empty
        self.refresh(layout=True)

    def lines(self, width: int) -> list[Content]:
        width = max(width, 20)
        out: list[Content] = [] if self.title is None else [self.title]
        if not self.entries:
            out.append(self.empty)
        for prefix, body in self.entries:
            indent = min(prefix.cell_length, width // 2)
            room = max(width - indent, 10)
            pieces: list[Content] = []
            for paragraph in body.split("\n"):
                pieces += paragraph.wrap(room) or [Content("")]
            out.append(prefix + pieces[0])
            out += [Content(" " * indent) + piece for piece in pieces[1:]]
        return out

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self.lines(width))

    def render(self) -> Content:
        return Content("\n").join(self.lines(self.content_region.width or 80))
