"""User text on screen, always literal: nothing a user typed or imported is read as markup."""

from __future__ import annotations

from collections.abc import Sequence

from textual.content import Content

from tracker.base.text import visible


def clean(value: str | None) -> str:
    """Text safe to draw: control and bidi-override characters shown as escapes (``tracker.base.text.visible``)."""
    return visible(value or "", keep="\n\t")


def literal(value: str | None) -> Content:
    """A Content that shows ``value`` exactly, brackets and all."""
    return Content(clean(value))


def one_line(value: str | None) -> str:
    return " ".join(clean(value).split())


def highlight(candidate: str, offsets: Sequence[int], style: str = "reverse") -> Content:
    """Content of ``candidate`` with the characters at ``offsets`` styled (no markup parsing)."""
    content = Content(visible(candidate))  # a no-op on one_line text, which the palette gives
    for offset in offsets:
        if 0 <= offset < len(candidate) and not candidate[offset].isspace():
            content = content.stylize(style, offset, offset + 1)
    return content
