"""Jump targets for "go to anything": incidents, actions, root causes and runbooks by key or words.

Every word typed must match, in any order, as part of a key, a title, a slug, a runbook's title or
one of its headings; hyphens, underscores and slashes count as spaces on both sides ("safe apply"
finds ``safe-iac-apply``). The hits are ranked by closeness: an exact key, then the words as a phrase,
then words that start words; between hits as close, runbooks before causes, incidents and actions,
and shorter titles first.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

from tracker.core.actions import fts_query
from tracker.storage.database import Db

Target = tuple[str, str, str]
"""(kind, key, title): kind is incident, action, cause or runbook; key is what opens it."""

_KEY = re.compile(r"^\s*(act|inc)-?([0-9]{1,12})\s*$", re.IGNORECASE)
_SEPARATORS = re.compile(r"[\s\-_/.]+")
_KIND_ORDER = {"runbook": 0, "cause": 1, "incident": 2, "action": 3}
"""Between hits as close as each other, what on-call most often wants first."""


def words_of(text: str) -> list[str]:
    """The words of a search, lower case, hyphens and the like counted as spaces."""
    return [w for w in _SEPARATORS.split(text.lower()) if w]


def _normal(text: str) -> str:
    return " " + " ".join(words_of(text)) + " "


def closeness(words: Sequence[str], *texts: str) -> float:
    """How close ``texts`` (key, title, ...) are to ``words``: 0 when a word is missing, higher is closer."""
    hay = " ".join(_normal(t) for t in texts)
    if not all(w in hay for w in words):
        return 0.0
    phrase = " " + " ".join(words) + " "
    score = 1.0
    if any(_normal(t) == phrase for t in texts):
        score += 8
    elif phrase.strip() in hay:
        score += 4
    score += 2 * sum(1 for w in words if f" {w}" in hay) / len(words)
    score += sum(1 for w in words if f" {w} " in hay) / len(words)
    return score


def _like_all(column: str, words: Sequence[str], params: dict[str, object]) -> str:
    """A WHERE clause: every word is somewhere in ``column`` (lower case, separators as spaces)."""
    normal = f"replace(replace(replace(lower({column}), '-', ' '), '_', ' '), '/', ' ')"
    clauses = []
    for index, word in enumerate(words):
        params[f"w{index}"] = "%" + word.replace("%", "").replace("_", "") + "%"
        clauses.append(f"{normal} LIKE :w{index}")
    return " AND ".join(clauses) or "1 = 1"


def jump_targets(db: Db, words: str, limit: int = 20,
                 headings: Mapping[str, Iterable[str]] | None = None) -> list[Target]:
    """Targets whose key, slug, title, runbook title or heading holds every word of ``words``, closest first.

    ``headings`` gives each runbook's headings by path (the files are read above this layer).
    """
    ranked: list[tuple[float, int, Target]] = []
    match = _KEY.match(words)
    if match:
        kind, number = match.group(1).lower(), int(match.group(2))
        table = "action" if kind == "act" else "incident"
        title = db.scalar(f"SELECT title FROM {table} WHERE id = :id", {"id": number})
        if title is not None:
            ranked.append((100.0, 0, ("action" if kind == "act" else "incident", f"{kind.upper()}-{number}", title)))
    wanted = words_of(words)
    if not wanted:
        return [target for _, _, target in ranked]
    params: dict[str, object] = {"limit": limit * 3}

    def add(kind: str, key: str, title: str, *texts: str) -> None:
        score = closeness(wanted, key, title, *texts)
        if score:
            ranked.append((score, _KIND_ORDER[kind], (kind, key, title)))

    incidents = _like_all("'inc ' || id || ' ' || title", wanted, params)
    for number, title in db.cursor(
        f"SELECT id, title FROM incident WHERE {incidents} ORDER BY id DESC LIMIT :limit", params
    ):
        add("incident", f"INC-{number}", title)
    causes = _like_all("slug || ' ' || title", wanted, params)
    for slug, title in db.cursor(f"SELECT slug, title FROM root_cause WHERE {causes} ORDER BY slug LIMIT :limit",
                                 params):
        add("cause", slug, title)
    query = fts_query(" ".join(wanted))
    if query is not None and db.dialect == "sqlite":
        rows = db.cursor(
            "SELECT a.id, a.title FROM action_fts f JOIN action a ON a.id = f.rowid"
            " WHERE action_fts MATCH :q ORDER BY rank LIMIT :limit",
            {"q": query, "limit": limit * 3},
        )
    else:
        actions = _like_all("'act ' || id || ' ' || title", wanted, params)
        rows = db.cursor(f"SELECT id, title FROM action WHERE {actions} ORDER BY id DESC LIMIT :limit", params)
    for number, title in rows:
        # The full-text index also holds descriptions: a word found only there still counts.
        score = closeness(wanted, f"ACT-{number}", title) or 0.5
        ranked.append((score, _KIND_ORDER["action"], ("action", f"ACT-{number}", title)))
    for path, title in db.cursor("SELECT path, title FROM runbook ORDER BY path"):
        found = list((headings or {}).get(path, ()))
        score = closeness(wanted, path, title)
        if score:
            ranked.append((score, _KIND_ORDER["runbook"], ("runbook", path, title)))
            continue
        for heading in found:  # a heading that holds the words the title lacks: shown after the title
            score = closeness(wanted, path, title, heading)
            if score:
                ranked.append((score - 0.5, _KIND_ORDER["runbook"], ("runbook", path, f"{title} › {heading}")))
                break
    ranked.sort(key=lambda hit: (-hit[0], hit[1], len(hit[2][2])))
    seen: set[tuple[str, str]] = set()
    unique = []
    for _, _, hit in ranked:
        if (hit[0], hit[1]) not in seen:
            seen.add((hit[0], hit[1]))
            unique.append(hit)
    return unique[:limit]
