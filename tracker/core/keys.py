"""Human keys: ``INC-<n>`` for incidents and ``ACT-<n>`` for actions; slugs for root causes."""

from __future__ import annotations

import re

from tracker.base.errors import InputError
from tracker.base.text import shown

_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")


def parse_key(text: str, prefix: str) -> int:
    """``"ACT-12"`` (or ``"act-12"``, or ``"12"``) -> 12; anything else is an InputError.

    Digits are ASCII ``0-9`` only: ``ACT-١`` (an Arabic-Indic one) is not ``ACT-1``.
    """
    raw = text.strip()
    match = re.fullmatch(rf"(?:{prefix}-)?([0-9]{{1,12}})", raw, flags=re.IGNORECASE)
    if not match or int(match.group(1)) == 0:
        raise InputError(f"bad key {shown(text)}: expected {prefix}-<number>, e.g. {prefix}-3")
    return int(match.group(1))


def action_key(action_id: int) -> str:
    return f"ACT-{action_id}"


def incident_key(incident_id: int) -> str:
    return f"INC-{incident_id}"


def check_slug(text: str) -> str:
    """A root-cause slug: lowercase letters, digits and dashes."""
    slug = text.strip()
    if not _SLUG.match(slug):
        raise InputError(f"bad root-cause slug {shown(text)}: use lowercase letters, digits and dashes")
    return slug
