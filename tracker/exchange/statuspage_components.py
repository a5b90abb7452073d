"""Affected components as status pages list them: ``A, B (C, D), and E.``, ``Group / Component``, nested groups.

Pure functions over strings; they never raise. A component is a ``(group, name)`` pair; a nested group is kept as
its path (``Platform / Data and Analytics``), so the component's own name is never mixed into its group.
"""

from __future__ import annotations

import re

_PATH_SEPARATOR = re.compile(r"\s+(?:/|>|›|»|→)\s+")
"""Between the levels of ``Group / Component`` (also ``Group > Component`` and ``Group › Component``)."""

_GROUP_MARK = re.compile(r"\(|\s(?:/|>|›|»|→)\s")


def split_top(text: str, separator: str) -> list[str]:
    """Split on ``separator`` outside parentheses."""
    parts, depth, start = [], 0, 0
    for index, char in enumerate(text):
        if char == "(":
            depth += 1
        elif char == ")":
            depth = max(depth - 1, 0)
        elif depth == 0 and text.startswith(separator, index):
            parts.append(text[start:index])
            start = index + len(separator)
    parts.append(text[start:])
    return parts


def _two_items(text: str) -> list[str]:
    """``A and B``: the two items of a list written without commas, or the one item when no split fits.

    Several names may hold an "and" of their own (``Data and Analytics / Exports and Public API``). The
    separator is never the "and" between a plain word and the group mark that follows it (``Data and
    Analytics (...)`` is one group), and of the other candidates the last one wins, as before.
    """
    pieces = [piece.strip() for piece in split_top(text, " and ")]
    if len(pieces) < 2:
        return pieces
    fitting = [i for i in range(1, len(pieces))
               if _GROUP_MARK.search(pieces[i - 1]) or not _GROUP_MARK.search(pieces[i])]
    if not fitting:
        return [text.strip()]
    cut = fitting[-1]
    return [" and ".join(pieces[:cut]), " and ".join(pieces[cut:])]


def _pairs(item: str, parent: str, problems: list[str]) -> list[tuple[str, str]]:
    """The components of one listed item: a name, ``Group (A, B)`` or ``Group / Name``, under ``parent``."""
    if item.count("(") != item.count(")"):
        problems.append(f"unbalanced parentheses in {item!r}")
    opening = item.find("(")
    if opening > 0:
        group = " / ".join(filter(None, [parent, *_levels(item[:opening])]))
        inner = item[opening + 1:]
        inner = inner[:-1] if inner.endswith(")") else inner
        members = [m.strip() for m in split_top(inner, ",") if m.strip()]
        if members:
            return [pair for member in members for pair in _pairs(member, group, problems)]
    levels = _levels(item) if opening <= 0 else [item.strip()]
    if not levels:
        return []
    return [(" / ".join(filter(None, [parent, *levels[:-1]])), levels[-1])]


def _levels(text: str) -> list[str]:
    """The levels of ``A / B / C`` (one level for a plain name), blanks dropped."""
    return [level.strip() for level in _PATH_SEPARATOR.split(text.strip()) if level.strip()]


def read_components(listing: str) -> tuple[list[tuple[str, str]], list[str]]:
    """``(group, name)`` pairs of ``A, B (C, D), and E.``, and problems found (cut off, unbalanced)."""
    problems: list[str] = []
    text = listing.strip()
    if text.endswith("."):
        text = text[:-1].rstrip()
    else:
        problems.append("the list does not end with '.' (cut off?)")
    items = [item.strip() for item in split_top(text, ",")]
    if len(items) == 1:
        items = _two_items(items[0])
    elif items[-1].lower().startswith("and "):
        items[-1] = items[-1][4:].strip()
    pairs: list[tuple[str, str]] = []
    for item in filter(None, items):
        pairs.extend(_pairs(item, "", problems))
    return list(dict.fromkeys(pairs)), problems


def read_component_items(items: list[str]) -> tuple[list[tuple[str, str]], list[str]]:
    """``(group, name)`` pairs of a list given one item per line (``- Data and Analytics / Exports``)."""
    problems: list[str] = []
    pairs = [pair for item in items for pair in _pairs(item.strip().rstrip(".,;"), "", problems)]
    return list(dict.fromkeys(pairs)), problems


def component_parents(components: object) -> dict[str, str]:
    """Component id -> the id of its group, from a JSON ``components`` list (groups of groups included)."""
    if not isinstance(components, list):
        return {}
    return {c["id"]: c["group_id"] for c in components
            if isinstance(c, dict) and isinstance(c.get("id"), str) and isinstance(c.get("group_id"), str)}


def group_path(group_id: str, names: dict[str, str], parents: dict[str, str]) -> str:
    """``Outer / Inner`` for a group id, following each group's own group; "" when its name is unknown."""
    path: list[str] = []
    seen: set[str] = set()
    current: str | None = group_id
    while current is not None and current not in seen:
        seen.add(current)
        name = names.get(current)
        if name is None:
            return " / ".join(reversed(path)) if path else ""
        path.append(name)
        current = parents.get(current)
    return " / ".join(reversed(path))
