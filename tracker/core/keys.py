"""Human keys: ``INC-<n>`` for incidents and ``ACT-<n>`` for actions; slugs for root causes.

In a team ledger (``tracker.repo.ledger``) numbers are handed out only by ``tracker sync``; until then
an entity has a provisional key, ``ACT-~k3f9ab``: six letters of its identity, kept as a row id above
``PROVISIONAL_BASE``. A provisional key keeps naming its entity after the number came
(``resolve_id``), so a note or a ``Closes:`` trailer written before the sync still works.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from tracker.base.errors import InputError
from tracker.base.text import shown

if TYPE_CHECKING:
    from tracker.storage.database import Db

_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")

PROVISIONAL_BASE = 1 << 40
"""Row ids from here up are provisional (not numbered by a sync yet); numbers stay below (12 digits)."""

PROVISIONAL_DIGITS = "0123456789abcdefghjkmnpqrstvwxyz"
"""Crockford's base 32, lower case: the letters of a provisional key."""

PROVISIONAL_LENGTH = 6
"""Letters in a provisional key (30 bits)."""

PROVISIONAL_KEY = f"~[{PROVISIONAL_DIGITS}]{{{PROVISIONAL_LENGTH}}}"
"""A provisional key's number part, as a regular expression (``~k3f9ab``)."""


def provisional_text(number: int) -> str:
    """``PROVISIONAL_BASE + n`` -> ``~`` and six letters."""
    value = number - PROVISIONAL_BASE
    letters = []
    for _ in range(PROVISIONAL_LENGTH):
        value, digit = divmod(value, 32)
        letters.append(PROVISIONAL_DIGITS[digit])
    return "~" + "".join(reversed(letters))


def provisional_number(text: str) -> int:
    """``~k3f9ab`` -> its row id (the inverse of ``provisional_text``)."""
    value = 0
    for letter in text.lstrip("~").lower():
        value = value * 32 + PROVISIONAL_DIGITS.index(letter)
    return PROVISIONAL_BASE + value


def _number(row_id: int) -> str:
    return provisional_text(row_id) if row_id >= PROVISIONAL_BASE else str(row_id)


def parse_key(text: str, prefix: str) -> int:
    """``"ACT-12"`` (or ``"act-12"``, or ``"12"``, or a provisional ``"ACT-~k3f9ab"``) -> its row id.

    Digits are ASCII ``0-9`` only: ``ACT-١`` (an Arabic-Indic one) is not ``ACT-1``.
    """
    raw = text.strip()
    match = re.fullmatch(rf"(?:{prefix}-)?([0-9]{{1,12}}|{PROVISIONAL_KEY})", raw, flags=re.IGNORECASE)
    if not match or match.group(1) == "0" * len(match.group(1)):
        raise InputError(f"bad key {shown(text)}: expected {prefix}-<number>, e.g. {prefix}-3")
    number = match.group(1)
    return provisional_number(number) if number.startswith("~") else int(number)


def resolve_id(db: Db, key: str | int, prefix: str) -> int:
    """The row id a key (or a row id) names: a provisional key of an entity numbered since finds its number."""
    row_id = key if isinstance(key, int) else parse_key(key, prefix)
    if row_id >= PROVISIONAL_BASE and db.resolve_key is not None:
        return db.resolve_key(prefix, row_id) or row_id
    return row_id


def action_key(action_id: int) -> str:
    return f"ACT-{_number(action_id)}"


def incident_key(incident_id: int) -> str:
    return f"INC-{_number(incident_id)}"


def check_slug(text: str) -> str:
    """A root-cause slug: lowercase letters, digits and dashes."""
    slug = text.strip()
    if not _SLUG.match(slug):
        raise InputError(f"bad root-cause slug {shown(text)}: use lowercase letters, digits and dashes")
    return slug
