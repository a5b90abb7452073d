"""Names of root causes: the slug rules, and resolving a slug (or an old alias of one) to its cause.

A cause renamed or merged into another keeps its old slug as an alias, so runbook front matter,
commit trailers, saved filters and scripts that name it still find it.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from tracker.base.errors import InputError, NotFoundError
from tracker.base.text import shown
from tracker.core.keys import check_slug
from tracker.storage.database import Db

NEW_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,58}[a-z0-9]$")
"""A new slug: lowercase letters, digits and hyphens, 2 to 60 characters, no hyphen at either end."""


class CauseName(NamedTuple):
    """A cause found by slug: its id, its current slug, and whether it is retired."""

    id: int
    slug: str
    retired: bool


def check_new_slug(text: str) -> str:
    """A slug for a new or renamed cause."""
    slug = text.strip()
    if not NEW_SLUG.match(slug) or "--" in slug:
        raise InputError(
            f"bad root-cause slug {shown(text)}: use 2 to 60 lowercase letters, digits and single hyphens,"
            " e.g. kafka-migration"
        )
    return slug


def find_cause(db: Db, slug: str) -> CauseName | None:
    """The cause a slug names, directly or through an alias; None when it names nothing."""
    wanted = check_slug(slug)
    found = db.row("SELECT id, slug, retired_at FROM root_cause WHERE slug = :slug", {"slug": wanted})
    if found is None:
        found = db.row(
            "SELECT rc.id, rc.slug, rc.retired_at FROM root_cause_alias al"
            " JOIN root_cause rc ON rc.id = al.root_cause_id WHERE al.slug = :slug",
            {"slug": wanted},
        )
    return None if found is None else CauseName(int(found[0]), found[1], found[2] is not None)


def resolve_cause(db: Db, slug: str) -> CauseName:
    """The cause a slug names; NotFoundError naming the slug otherwise."""
    found = find_cause(db, slug)
    if found is None:
        raise NotFoundError(f"no root cause {shown(slug.strip())} (see: tracker rootcauses list)")
    return found


def canonical_slug(db: Db, slug: str) -> str:
    """The current slug of the cause that ``slug`` names (itself when it is current)."""
    return resolve_cause(db, slug).slug


def alias_map(db: Db) -> dict[str, str]:
    """Every alias with the current slug it stands for."""
    return {alias: slug for alias, slug in db.rows(
        "SELECT al.slug, rc.slug FROM root_cause_alias al JOIN root_cause rc ON rc.id = al.root_cause_id")}
