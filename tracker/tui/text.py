"""User text on screen, always literal: nothing a user typed or imported is read as markup."""

from __future__ import annotations

import re
from collections.abc import Sequence

from textual.content import Content

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u202a-\u202e\u2066-\u2069]")


def clean(value: str | None) -> str:
    """Text safe to draw: control and bidi-override characters become visible placeholders."""
    return _CONTROL.sub("\ufffd", value or "")


def literal(value: str | None) -> Content:
    """A Content that shows ``value`` exactly, brackets and all."""
    return Content(clean(value))


def one_line(value: str | None) -> str:
    return " ".join(clean(value).split())


def highlight(candidate: str, offsets: Sequence[int], style: str = "reverse") -> Content:
    """Content of ``candidate`` with the characters at ``offsets`` styled (no markup parsing)."""
    content = Content(candidate)
    for offset in offsets:
        if 0 <= offset < len(candidate) and not candidate[offset].isspace():
            content = content.stylize(style, offset, offset + 1)
    return content
