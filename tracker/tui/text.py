"""User text on screen, always literal: nothing a user typed or imported is read as markup."""

from __future__ import annotations

from collections.abc import Sequence

from textual.content import Content

from tracker.base.errors import TrackerError
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
