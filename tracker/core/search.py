"""Jump targets for "go to anything": incidents, actions, root causes and runbooks by key or words."""

from __future__ import annotations

import re

from tracker.core.actions import fts_query
from tracker.storage.database import Db

Target = tuple[str, str, str]
"""(kind, key, title): kind is incident, action, cause or runbook; key is what opens it."""

_KEY = re.compile(r"^\s*(act|inc)-?([0-9]{1,12})\s*$", re.IGNORECASE)


def _like(words: str) -> str:
    return "%" + words.strip().lower().replace("%", "").replace("_", "") + "%"


def jump_targets(db: Db, words: str, limit: int = 20) -> list[Target]:
    """Targets whose key, slug, title or text matches ``words``; exact keys first."""
    hits: list[Target] = []
    match = _KEY.match(words)
    if match:
        kind, number = match.group(1).lower(), int(match.group(2))
        table = "action" if kind == "act" else "incident"
        title = db.scalar(f"SELECT title FROM {table} WHERE id = :id", {"id": number})
        if title is not None:
            hits.append(("action" if kind == "act" else "incident", f"{kind.upper()}-{number}", title))
    if not words.strip():
        return hits
    like = {"like": _like(words), "limit": limit}
    for number, title in db.cursor(
        "SELECT id, title FROM incident WHERE lower(title) LIKE :like ORDER BY id DESC LIMIT :limit", like
    ):
        hits.append(("incident", f"INC-{number}", title))
    for slug, title in db.cursor(
        "SELECT slug, title FROM root_cause WHERE lower(slug) LIKE :like OR lower(title) LIKE :like"
        " ORDER BY slug LIMIT :limit",
        like,
    ):
        hits.append(("cause", slug, title))
    query = fts_query(words)
    if query is not None and db.dialect == "sqlite":
        rows = db.cursor(
            "SELECT a.id, a.title FROM action_fts f JOIN action a ON a.id = f.rowid"
            " WHERE action_fts MATCH :q ORDER BY rank LIMIT :limit",
            {"q": query, "limit": limit},
        )
    else:
        rows = db.cursor(
            "SELECT id, title FROM action WHERE lower(title) LIKE :like ORDER BY id DESC LIMIT :limit", like
        )
    for number, title in rows:
        hits.append(("action", f"ACT-{number}", title))
    for path, title in db.cursor(
        "SELECT path, title FROM runbook WHERE lower(path) LIKE :like OR lower(title) LIKE :like"
        " ORDER BY path LIMIT :limit",
        like,
    ):
        hits.append(("runbook", path, title))
    seen: set[tuple[str, str]] = set()
    unique = []
    for hit in hits:
        if (hit[0], hit[1]) not in seen:
            seen.add((hit[0], hit[1]))
            unique.append(hit)
    return unique
