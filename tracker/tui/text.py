"""User text on screen, always literal: nothing a user typed or imported is read as markup."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from textual.content import Content

from tracker.base.errors import TrackerError
from tracker.base.text import visible

if TYPE_CHECKING:
    from tracker.core.actions import ActionEventRow
    from tracker.core.incidents import IncidentEventRow



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


def error_text(error: BaseException) -> str:
    """An error in one line: a TrackerError's own message, anything else with its type."""
    text = str(error) if isinstance(error, TrackerError) else f"{type(error).__name__}: {error}"
    return one_line(text)


def could_not_load(error: BaseException) -> Content:
    """What a screen shows in place of data a worker could not read."""
    return Content.assemble(("could not load: ", "bold $error"), error_text(error), " (r to retry)")


DIFF_MAX_LINES = 5000
"""Lines of a diff drawn; the rest are counted."""


def diff_content(text: str, empty: str = "No changes.") -> Content:
    """A unified diff, coloured by line, drawn literally."""
    styles = {"+": "$success", "-": "$error", "@": "$accent"}
    lines = text.splitlines()
    parts = []
    for line in lines[:DIFF_MAX_LINES]:
        style = "bold" if line.startswith(("diff ", "new file", "index ")) else styles.get(line[:1], "")
        if line.startswith(("+++", "---")):
            style = "bold"
        parts.append(Content.assemble((clean(line), style)))
    if len(lines) > DIFF_MAX_LINES:
        parts.append(literal(f"… {len(lines) - DIFF_MAX_LINES} more lines"))
    return Content("\n").join(parts) if parts else literal(empty)


def moment_text(value: datetime | None) -> str:
    """A time as a form shows it and reads it back: UTC, to the minute (to the second when it has seconds)."""
    if value is None:
        return ""
    return value.strftime("%Y-%m-%d %H:%M:%S" if value.second else "%Y-%m-%d %H:%M")


def history_entries(events: Sequence[ActionEventRow | IncidentEventRow]) -> list[tuple[Content, Content]]:
    """A history, oldest first, as (when, what) pairs for ``HangingText``: who changed which field from
    what to what, and the note saying why on the line under it."""
    entries = []
    for event in events:
        if event.field in ("created", "note"):
            change = Content.assemble((event.field, "bold"))
        else:
            change = Content.assemble((event.field, "bold"), ": ", clean(event.old_value or "-"), " → ",
                                      clean(event.new_value or "-"))
        body = Content.assemble((clean(event.actor), "$accent"), "  ", change)
        if event.note:
            body = Content.assemble(body, "\n", clean(event.note))
        entries.append((Content.assemble((event.at.strftime("%Y-%m-%d %H:%M"), "$text-muted"), "  "), body))
    return entries
