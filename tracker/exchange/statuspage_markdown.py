"""The front matter of a status page exported as markdown: ``title``, ``link``, ``published``, ``updated``.

Exports put a block of ``key: value`` lines between two ``---`` lines at the top. Only that flat subset of YAML
is read (plain, single- or double-quoted scalars; a ``#`` after a space starts a comment); nested values and
lists are skipped. Pure functions; they never raise: problems come back as warnings naming the line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from tracker.exchange.statuspage_text import read_iso

_KEY = re.compile(r"(?P<key>[A-Za-z_][\w-]*)\s*:(?:\s+(?P<value>.*)|\s*)")
_ALIASES = {
    "title": "title", "name": "title",
    "link": "link", "url": "link", "permalink": "link", "shortlink": "link",
    "id": "id", "guid": "id",
    "published": "published", "date": "published", "created": "published", "created_at": "published",
    "updated": "updated", "modified": "updated", "updated_at": "updated",
    "company": "company", "site": "company", "page": "company", "author": "company",
}
"""Front-matter keys (lower case) and the field each one fills; the first key of a field wins."""
_LIMIT = 200
"""Lines to look through for the closing ``---``: front matter is short, a report's body is not."""


@dataclass
class FrontMatter:
    """What the front matter says; "" or None for what it does not."""

    title: str = ""
    link: str = ""
    id: str = ""
    company: str = ""
    published: datetime | None = None
    updated: datetime | None = None
    end: int = 0
    """Number of lines it takes, both ``---`` lines included (0 when there is none)."""
    warnings: list[str] = field(default_factory=list)


def _scalar(raw: str) -> str:
    """A YAML flow scalar as text: quotes removed (``''`` and ``\\"`` unescaped), a trailing comment dropped."""
    text = raw.strip()
    if len(text) >= 2 and text[0] == text[-1] == "'":
        return text[1:-1].replace("''", "'")
    if len(text) >= 2 and text[0] == text[-1] == '"':
        return re.sub(r'\\(["\\/])', r"\1", text[1:-1]).replace("\\n", " ").replace("\\t", " ")
    return re.split(r"\s#", text, maxsplit=1)[0].strip()


def _read_time(value: str) -> tuple[datetime | None, str]:
    """An ISO 8601 date or time; without an offset it is UTC (as the command line reads times)."""
    text = value.replace(" ", "T", 1) if re.match(r"[0-9]{4}-[0-9][0-9]-[0-9][0-9] [0-9]", value) else value
    if re.fullmatch(r"[0-9]{4}-[0-9][0-9]-[0-9][0-9](?:T[0-9:.]+)?", text):
        text += "T00:00" if "T" not in text else ""
        text += "+00:00"
    return read_iso(text)


def read_front_matter(lines: list[str]) -> FrontMatter:
    """The front matter at the top of ``lines`` (after blank lines); ``end`` is 0 when there is none.

    An opening ``---`` without a closing one within the first lines is no front matter (a ruler, most likely).
    """
    start = next((i for i, line in enumerate(lines) if line.strip()), None)
    if start is None or lines[start].strip() != "---":
        return FrontMatter()
    close = next((i for i in range(start + 1, min(len(lines), start + _LIMIT)) if lines[i].strip() == "---"), None)
    if close is None:
        return FrontMatter()
    matter = FrontMatter(end=close + 1)
    inner = [lines[i] for i in range(start + 1, close) if lines[i].strip()]
    base = min((len(line) - len(line.lstrip()) for line in inner), default=0)
    for index in range(start + 1, close):
        line = lines[index]
        text = line.strip()
        if not text or text.startswith(("#", "-")) or len(line) - len(line.lstrip()) > base:
            continue  # blank, comment, or part of a nested value
        match = _KEY.fullmatch(text)
        if match is None:
            matter.warnings.append(f"front matter (line {index + 1}): not a 'key: value' line")
            continue
        name = _ALIASES.get(match["key"].lower())
        value = _scalar(match["value"] or "")
        if name is None or not value:
            continue
        if name in ("published", "updated"):
            if getattr(matter, name) is None:
                moment, problem = _read_time(value)
                if problem:
                    matter.warnings.append(f"front matter (line {index + 1}): {match['key']}: {problem}")
                setattr(matter, name, moment)
        elif not getattr(matter, name):
            setattr(matter, name, " ".join(value.split()))
    return matter
