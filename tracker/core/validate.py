"""Checks on text that users and files give us. Each failure names the value and the rule."""

from __future__ import annotations

import re

from tracker.base.errors import InputError
from tracker.base.text import first_control, shown

TITLE_MAX = 200
TEXT_MAX = 200_000
NOTE_MAX = 20_000
_HANDLE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@+-]{0,99}$")


def clean_title(value: str, what: str = "title") -> str:
    """A one-line title: not blank, at most 200 characters, no control characters."""
    text = value.strip()
    if not text:
        raise InputError(f"{what} is empty: give a few words")
    if len(text) > TITLE_MAX:
        raise InputError(f"{what} {shown(text)} is too long (at most {TITLE_MAX} characters)")
    position = first_control(text, allow_newlines=False)
    if position is not None:
        raise InputError(
            f"{what} {shown(text)} has a control character or an undecodable byte at position {position + 1}:"
            " titles are one line of text"
        )
    return text


def clean_text(value: str, what: str = "description", limit: int = TEXT_MAX) -> str:
    """Free text: newlines and tabs allowed, other control characters and NUL not."""
    if len(value) > limit:
        raise InputError(f"{what} {shown(value)} is too long (at most {limit} characters)")
    position = first_control(value, allow_newlines=True)
    if position is not None:
        raise InputError(
            f"{what} {shown(value)} has a control character or an undecodable byte at position {position + 1}"
        )
    return value


PATH_MAX = 500


def clean_path(value: str, what: str = "runbook path") -> str:
    """A file path kept in the database: one line, at most 500 characters."""
    text = value.strip()
    if len(text) > PATH_MAX:
        raise InputError(f"{what} {shown(text)} is too long (at most {PATH_MAX} characters)")
    position = first_control(text, allow_newlines=False)
    if position is not None:
        raise InputError(f"{what} {shown(text)} has a control character at position {position + 1}")
    return text


def clean_runbook_link(value: str, runbooks_dir: str = "runbooks") -> str:
    """A runbook an action links to: a path relative to the repository, inside the runbooks folder.

    Kept as given (stripped); refused: absolute paths, ``..`` and ``.`` parts, empty parts, backslashes,
    parts starting with ``-``, control characters, and anything outside ``runbooks_dir``.
    """
    what = "runbook link"
    text = clean_path(value, what)
    if text.startswith("/") or re.match(r"[A-Za-z]:", text):
        raise InputError(f"{what} {shown(text)} is absolute: give it relative to the repository")
    if "\\" in text:
        raise InputError(f"{what} {shown(text)} has a backslash: use '/' between folders")
    parts = text.split("/")
    for part in parts:
        if part in ("", ".", ".."):
            rule = "an empty part ('//' or a '/' at the end)" if not part else f"'{part}' is not allowed"
            raise InputError(f"{what} {shown(text)} is not a plain relative path: {rule}")
        if part.startswith("-"):
            raise InputError(f"{what} {shown(text)} has a part starting with '-'")
    folder = [p for p in runbooks_dir.replace("\\", "/").split("/") if p not in ("", ".")]
    # A folder configured outside the repository (absolute, or through '..') cannot prefix a relative link.
    if not runbooks_dir.startswith("/") and ".." not in folder:
        if len(parts) <= len(folder) or parts[: len(folder)] != folder:
            shown_folder = "/".join(folder) + "/" if folder else "the repository"
            raise InputError(f"{what} {shown(text)} must be inside {shown_folder}"
                             f" (e.g. {'/'.join([*folder, parts[-1]])})")
    return text


def clean_owner(value: str | None) -> str | None:
    """An owner handle (``infra-oncall``, ``ana@example.com``); empty means no owner."""
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    if not _HANDLE.match(text):
        raise InputError(
            f"bad owner {shown(value)}: a handle of letters, digits and . _ @ + - "
            "(starting with a letter or digit, at most 100)"
        )
    return text
