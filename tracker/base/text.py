"""Text helpers shared by every layer: how a value is quoted in an error, where a control character hides."""

from __future__ import annotations

import unicodedata


def shown(value: str, limit: int = 40) -> str:
    """A value as it appears in an error: quoted, and cut short when long."""
    if len(value) <= limit:
        return repr(value)
    return f"{value[:limit]!r}... ({len(value)} characters)"


def first_control(text: str, allow_newlines: bool) -> int | None:
    """Where the first control character (or undecodable byte, as a lone surrogate) is, if any."""
    for index, char in enumerate(text):
        if allow_newlines and char in "\n\t\r":
            continue
        if unicodedata.category(char) in ("Cc", "Cs"):
            return index
    return None


def undecodable(text: str) -> int | None:
    """The position of a byte that was not UTF-8 (Python keeps it as a lone surrogate), if any."""
    for index, char in enumerate(text):
        if "\udc80" <= char <= "\udcff" or unicodedata.category(char) == "Cs":
            return index
    return None
