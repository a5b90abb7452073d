"""Text helpers shared by every layer: how a value is quoted in an error, where a control character hides,
how text from files and databases is made safe to show on a terminal (``visible``)."""

from __future__ import annotations

import re
import unicodedata


def shown(value: str, limit: int = 40) -> str:
    """A value as it appears in an error: quoted, and cut short when long."""
    if len(value) <= limit:
        return repr(value)
    return f"{value[:limit]!r}... ({len(value)} characters)"


def brief(text: str | None, width: int) -> str:
    """``text`` flattened to one line and cut with "…" at ``width`` characters."""
    flat = " ".join((text or "").split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


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


_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_UNSAFE_KEEPING = {
    "": _UNSAFE,
    "\t": re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]"),
    "\n": re.compile("[\x00-\x09\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]|\r(?!\n)"),
    "\n\t": re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]|\r(?!\n)"),
}


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: str, keep: str = "") -> str:
    r"""``text`` safe to write to a terminal: every control character shown as its escape, as Python writes it.

    The one rule for text from files and databases on its way out (the command line's text output,
    the app, CSV and markdown exports, the review's text and markdown): C0 controls (ESC as ``\x1b``,
    NUL as ``\x00``, CR as ``\x0d``), DEL (``\x7f``), C1 controls (the one-byte CSI as ``\x9b``), the
    bidirectional overrides and isolates (``\u202e``) and lone surrogates (an undecodable byte, ``\udcff``)
    become visible placeholders, so no escape sequence, OSC 8 link or screen clear reaches the terminal.
    ``keep`` names what multi-line text keeps as is: ``"\n"`` (with a CR right before it), ``"\t"``, or both.
    A backslash already in the text is left alone; JSON output needs none of this (json escapes them).
    """
    pattern = _UNSAFE_KEEPING["".join(sorted(keep, reverse=True))]
    return pattern.sub(_escape, text) if pattern.search(text) else text
