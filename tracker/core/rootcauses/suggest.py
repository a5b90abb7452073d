"""Reuse before invent: which causes of the taxonomy are closest to an incident, or to a new cause's title.

A small full-text ranking (BM25 over words) computed in Python, the same on SQLite and PostgreSQL:
the taxonomy holds tens to a few thousand causes, each described by its slug, title and description
and by the titles of the incidents already linked to it. Retired causes are never suggested.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from difflib import SequenceMatcher
from typing import NamedTuple

from tracker.storage.database import Db

_WORD = re.compile(r"[a-z0-9]+")
_STOP = frozenset(
    "a an and are as at be been but by for from had has have in into is it its of on or our that the their then"
    " there these this to was we were when which while with will not no can could after before during all any"
    " some one two our us".split()
)
K1, B = 1.2, 0.75


def words(text: str) -> list[str]:
    """Lowercase words, stop words dropped, a plural ``s`` trimmed (``servers`` and ``server`` agree)."""
    out = []
    for word in _WORD.findall(text.lower()):
        if word in _STOP or len(word) < 2:
            continue
        if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
            word = word[:-1]
        out.append(word)
    return out


class Suggestion(NamedTuple):
    slug: str
    title: str
    score: float


def _documents(db: Db) -> dict[str, tuple[str, list[str]]]:
    """Each current cause: (title, words of its slug, title, description and linked incidents' titles)."""
    texts: dict[str, list[str]] = defaultdict(list)
    titles: dict[str, str] = {}
    for slug, title, description in db.rows(
        "SELECT slug, title, description FROM root_cause WHERE retired_at IS NULL"
    ):
        titles[slug] = title
        texts[slug] += [slug.replace("-", " "), title, title, description]
    for slug, incident_title in db.rows(
        "SELECT rc.slug, i.title FROM incident_root_cause x JOIN root_cause rc ON rc.id = x.root_cause_id"
        " JOIN incident i ON i.id = x.incident_id WHERE rc.retired_at IS NULL"
    ):
        texts[slug].append(incident_title)
    return {slug: (titles[slug], words(" ".join(parts))) for slug, parts in texts.items()}


class CauseIndex:
    """The taxonomy's causes ready to be ranked against many texts (an import of a whole feed reads them once)."""

    def __init__(self, documents: dict[str, tuple[str, list[str]]]) -> None:
        self.titles = {slug: title for slug, (title, _) in documents.items()}
        """Each current cause's title, by slug."""
        self._lengths = {slug: len(doc) for slug, (_, doc) in documents.items()}
        self._average = sum(self._lengths.values()) / len(self._lengths) if self._lengths else 1.0
        self._frequency = {slug: Counter(doc) for slug, (_, doc) in documents.items()}
        self._holders = Counter(term for counts in self._frequency.values() for term in counts)

    @classmethod
    def load(cls, db: Db) -> CauseIndex:
        """The current (not retired) causes of the database."""
        return cls(_documents(db))

    def rank(self, query: Iterable[str], limit: int) -> list[Suggestion]:
        """BM25 scores of the causes for the query words, best first, zero scores left out."""
        terms = Counter(query)
        if not self._frequency or not terms:
            return []
        average = self._average or 1.0
        total = len(self._frequency)
        scored = []
        for slug, counts in self._frequency.items():
            score = 0.0
            for term, weight in terms.items():
                tf = counts.get(term, 0)
                if not tf:
                    continue
                idf = math.log(1 + (total - self._holders[term] + 0.5) / (self._holders[term] + 0.5))
                score += weight * idf * tf * (K1 + 1) / (tf + K1 * (1 - B + B * self._lengths[slug] / average))
            if score > 0:
                scored.append(Suggestion(slug, self.titles[slug], round(score, 4)))
        scored.sort(key=lambda s: (-s.score, s.slug))
        return scored[:limit]

    def shared(self, slug: str, query: Iterable[str]) -> list[str]:
        """The query's words that the cause's text holds too, in query order (why it was ranked)."""
        counts = self._frequency.get(slug, Counter())
        return [term for term in dict.fromkeys(query) if term in counts]


def rank(documents: dict[str, tuple[str, list[str]]], query: Iterable[str], limit: int) -> list[Suggestion]:
    """BM25 scores of ``documents`` for the query words, best first, zero scores left out."""
    return CauseIndex(documents).rank(query, limit)


def suggest_for_incident(db: Db, incident_id: int, limit: int = 8) -> list[Suggestion]:
    """Current causes closest to the incident's title, summary, impact, postmortem and timeline."""
    found = db.row("SELECT title, summary, impact, postmortem FROM incident WHERE id = :id", {"id": incident_id})
    if found is None:
        return []
    timeline = " ".join(body for (body,) in db.rows(
        "SELECT body FROM timeline_entry WHERE incident_id = :id", {"id": incident_id}))
    # The title counts three times: it is the incident's own summary of itself.
    query = words(" ".join([found[0]] * 3 + [found[1] or "", found[2] or "", found[3] or "", timeline]))
    linked = {slug for (slug,) in db.rows(
        "SELECT rc.slug FROM incident_root_cause x JOIN root_cause rc ON rc.id = x.root_cause_id"
        " WHERE x.incident_id = :id", {"id": incident_id})}
    ranked = rank(_documents(db), query, limit + len(linked))
    return [s for s in ranked if s.slug not in linked][:limit]


def suggest_for_text(db: Db, text: str, limit: int = 8) -> list[Suggestion]:
    """Current causes closest to some text (a report being imported, words typed in a picker)."""
    return rank(_documents(db), words(text), limit)


def similar_titles(db: Db, title: str, limit: int = 3) -> list[Suggestion]:
    """Current causes whose title is close to ``title``: the "did you mean ...?" before adding a cause."""
    wanted = " ".join(words(title))
    if not wanted:
        return []
    close = []
    for slug, other in db.rows("SELECT slug, title FROM root_cause WHERE retired_at IS NULL ORDER BY slug"):
        theirs = " ".join(words(other))
        ratio = SequenceMatcher(None, wanted, theirs).ratio()
        mine, yours = set(wanted.split()), set(theirs.split())
        overlap = len(mine & yours) / max(1, min(len(mine), len(yours)))
        score = max(ratio, overlap if len(mine & yours) >= 2 else 0.0)
        if score >= 0.75:
            close.append(Suggestion(slug, other, round(score, 3)))
    close.sort(key=lambda s: (-s.score, s.slug))
    return close[:limit]
