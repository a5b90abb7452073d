"""The one validation layer: every value that comes in is checked here, whichever way it came.

The command line, the app's forms and prompts, runbook front matter, the status-page importer and
the whole-database TOML import all check text through these functions, so a value one of them
refuses is refused by all of them, and what one of them stores the TOML import takes back.

- Checks (``clean_*``) return the value in its stored form (titles and owners are stripped) or raise
  an InputError saying which rule it breaks; callers that know the field's place (``actions[3].title``,
  ``runbooks/x.md line 4``) put it in front of the message.
- Scrubbers (``scrub_*``) are for importers that must take messy reports as they come: they turn what a
  check would refuse (control characters, line breaks in a one-line field, too much text) into something
  it accepts.
- ``TABLE_RULES`` says which check guards each text column of each table.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from pathlib import PurePosixPath
from typing import Any

from tracker.base.errors import InputError
from tracker.base.text import first_control, shown
from tracker.core.keys import check_slug

TITLE_MAX = 200
TEXT_MAX = 200_000
NOTE_MAX = 20_000
PATH_MAX = 500
NAME_MAX = 255
"""Longest file name (bytes) most file systems take."""
_HANDLE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@+-]{0,99}$")
_FIELD_NAME = re.compile(r"^[a-z][a-z_]{0,39}$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
"""What ``first_control`` finds in free text (C0 but tab and line breaks, DEL, C1, lone surrogates)."""
_LINE_BREAKS = re.compile(r"[\t\r\n]")


# -- checks -------------------------------------------------------------------------------------


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
        raise InputError(f"{what} {shown(value)} is too long (at most {limit:,} characters)")
    position = first_control(value, allow_newlines=True)
    if position is not None:
        raise InputError(
            f"{what} {shown(value)} has a control character or an undecodable byte at position {position + 1}"
        )
    return value


def clean_line(value: str, what: str, limit: int, *, required: bool = False) -> str:
    """One line of text kept as given (a name, a label, a source): no control characters, at most ``limit``."""
    if required and not value.strip():
        raise InputError(f"{what} is empty")
    if len(value) > limit:
        raise InputError(f"{what} {shown(value)} is too long (at most {limit:,} characters)")
    position = first_control(value, allow_newlines=False)
    if position is not None:
        raise InputError(f"{what} {shown(value)} has a control character or a line break at position {position + 1}")
    return value


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


def clean_runbook_path(value: str, what: str = "runbook path") -> str:
    """A runbook's path relative to its repository: no absolute path, no ``..``, no part starting with ``-``."""
    text = clean_path(value, what)
    if not text:
        raise InputError(f"empty {what}")
    candidate = PurePosixPath(text)
    if candidate.is_absolute() or re.match(r"^[A-Za-z]:[\\/]", text):
        raise InputError(f"{what} {shown(text)} is absolute: give it relative to the repository")
    if ".." in candidate.parts:
        raise InputError(f"{what} {shown(text)} leaves the runbooks folder ('..' is not allowed)")
    if any(part.startswith("-") for part in candidate.parts):
        raise InputError(f"{what} {shown(text)} has a part starting with '-'")
    if any(len(part.encode("utf-8", "surrogateescape")) > NAME_MAX for part in candidate.parts):
        raise InputError(f"{what} {shown(text)} has a name longer than {NAME_MAX} bytes")
    return text


def clean_owner(value: str | None, what: str = "owner") -> str | None:
    """An owner handle (``infra-oncall``, ``ana@example.com``); empty means no owner."""
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    if not _HANDLE.match(text):
        raise InputError(
            f"bad {what} {shown(value)}: a handle of letters, digits and . _ @ + - "
            "(starting with a letter or digit, at most 100)"
        )
    return text


def clean_actor(value: str, what: str = "actor") -> str:
    """Who made a change, as the history shows it: one line, 1 to 200 characters."""
    return clean_line(value.strip(), what, 200, required=True)


def clean_number(value: int, what: str, low: int, high: int) -> int:
    """A whole number from ``low`` to ``high``."""
    if not low <= value <= high:
        raise InputError(f"{what} {value} is out of range ({low} to {high:,})")
    return value


def clean_hex(value: str, what: str, *lengths: int) -> str:
    """A hash or commit id: lowercase hexadecimal of one of ``lengths`` digits."""
    if not re.fullmatch(r"[0-9a-f]+", value) or len(value) not in lengths:
        digits = " or ".join(str(n) for n in lengths)
        raise InputError(f"{what} {shown(value)} is not {digits} hexadecimal digits")
    return value


META_KEYS: dict[str, Callable[[str], str]] = {
    "trailers_scanned_to": lambda value: clean_hex(value, "commit id", 40, 64),
}
"""The keys of ``tracker_meta``, each with the check of its value."""


def clean_meta(key: str, value: str) -> tuple[str, str]:
    """A ``tracker_meta`` entry: a known key, and a value its check takes."""
    check = META_KEYS.get(key)
    if check is None:
        raise InputError(f"unknown meta key {shown(key)} (known: {', '.join(META_KEYS)})")
    return key, check(value)


# -- which check guards which column ------------------------------------------------------------

Rule = Callable[[Any, str], Any]
"""A check for a column: (value, the field's name for the message) -> the value as stored."""


def _line(limit: int, required: bool = False) -> Rule:
    return lambda value, what: clean_line(value, what, limit, required=required)


def _text(limit: int = TEXT_MAX) -> Rule:
    return lambda value, what: clean_text(value, what, limit)


def _number(low: int, high: int) -> Rule:
    return lambda value, what: clean_number(value, what, low, high)


def _optional(rule: Rule) -> Rule:
    return lambda value, what: None if value is None else rule(value, what)


def _slug(value: str, what: str) -> str:
    return check_slug(value)


def _owner(value: str | None, what: str) -> str | None:
    return clean_owner(value, what)


_TITLE: Rule = clean_title

TABLE_RULES: dict[str, dict[str, Rule]] = {
    "root_cause": {"slug": _slug, "title": _TITLE, "category": _line(80), "description": _text()},
    "component": {"group_name": _line(200), "name": _line(200, required=True)},
    "incident": {"title": _TITLE, "company": _line(200), "summary": _text(), "impact": _text(),
                 "customer_action": _text(), "source": _line(1000), "postmortem": _text(),
                 "version": _number(1, 2**63 - 1)},
    "timeline_entry": {"position": _number(0, 2**31 - 1), "label": _line(100), "body": _text()},
    "incident_root_cause": {"note": _text(NOTE_MAX)},
    "incident_event": {"actor": clean_actor, "field": lambda value, what: _name(value, what),
                       "old_value": _optional(_text()), "new_value": _optional(_text()), "note": _text(NOTE_MAX)},
    "root_cause_alias": {"slug": _slug},
    "action": {"title": _TITLE, "description": _text(), "owner": _owner,
               "runbook_path": _optional(clean_runbook_path), "version": _number(1, 2**63 - 1)},
    "action_event": {"actor": clean_actor, "field": lambda value, what: _name(value, what),
                     "old_value": _optional(_text()), "new_value": _optional(_text()), "note": _text(NOTE_MAX)},
    "runbook": {"path": clean_runbook_path, "title": _TITLE, "owner": lambda value, what: _owner(value, what) or "",
                "services": _line(TEXT_MAX), "review_every_days": _number(1, 3650),
                "content_hash": lambda value, what: value and clean_hex(value, what, 64),
                "last_commit": _optional(lambda value, what: clean_hex(value, what, 40)),
                "error": _optional(_text())},
    "runbook_cause": {"slug": _slug},
    "tracker_meta": {"key": lambda value, what: _name(value, what)},  # and its value: clean_meta
}
"""Per table, per column: the check a value must pass to be stored (columns not named take any value of
their type; dates and times are bounded by ``tracker.base.timeutil``; enums by their vocabularies)."""


def check_value(table: str, column: str, value: Any) -> Any:
    """``value`` as ``table.column`` stores it, through that column's rule (as it is when there is none)."""
    rule = TABLE_RULES.get(table, {}).get(column)
    return value if rule is None else rule(value, column)


def check_row(table: str, values: Mapping[str, Any]) -> dict[str, Any]:
    """A row about to be written (column -> value) with every column through its rule."""
    return {column: check_value(table, column, value) for column, value in values.items()}


def _name(value: str, what: str) -> str:
    if not _FIELD_NAME.match(value):
        raise InputError(f"bad {what} {shown(value)}: a name of lowercase letters and _ (at most 40)")
    return value


# -- scrubbers, for importers of messy documents ------------------------------------------------


def scrub_text(text: str, limit: int = TEXT_MAX) -> str:
    """Free text as ``clean_text`` takes it: control characters and undecodable bytes become spaces; cut at ``limit``.

    Bodies are otherwise kept exactly; NUL in particular cannot be stored by PostgreSQL.
    """
    return _CONTROL.sub(" ", text)[:limit]


def scrub_line(text: str, limit: int) -> str:
    """One line as ``clean_line`` takes it: control characters and line breaks become spaces; cut at ``limit``."""
    return _LINE_BREAKS.sub(" ", _CONTROL.sub(" ", text))[:limit]


def scrub_title(text: str) -> str:
    """A title as ``clean_title`` takes it (when not empty): whitespace runs made one space, cut with ``…``."""
    flat = " ".join(_CONTROL.sub(" ", text).split())
    return flat if len(flat) <= TITLE_MAX else flat[: TITLE_MAX - 1].rstrip() + "…"
