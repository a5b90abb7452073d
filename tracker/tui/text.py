"""User text on screen, always literal: nothing a user typed or imported is read as markup."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from textual.content import Content

if TYPE_CHECKING:
    from tracker.core.actions import ActionEventRow
    from tracker.core.incidents import IncidentEventRow

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


def moment_text(value: datetime | None) -> str:
    """A time as a form shows it and reads it back: UTC, to the minute (to the second when it has seconds)."""
    if value is None:
        return ""
    return value.strftime("%Y-%m-%d %H:%M:%S" if value.second else "%Y-%m-%d %H:%M")


def history_content(events: Sequence[ActionEventRow | IncidentEventRow]) -> Content:
    """A history, oldest first: when, who, which field from what to what, and the note saying why."""
    lines = []
    for event in events:
        if event.field in ("created", "note"):
            change = Content.assemble((event.field, "bold"))
        else:
            change = Content.assemble((event.field, "bold"), ": ", clean(event.old_value or "-"), " → ",
                                      clean(event.new_value or "-"))
        line = Content.assemble((event.at.strftime("%Y-%m-%d %H:%M"), "$text-muted"), "  ",
                                (clean(event.actor), "$accent"), "  ", change)
        if event.note:
            line = Content.assemble(line, "\n    ", clean(event.note))
        lines.append(line)
    return Content("\n").join(lines) if lines else literal("-")
