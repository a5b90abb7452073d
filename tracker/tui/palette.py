"""Command palette: jump to any incident, action, root cause or runbook by key or words."""

from __future__ import annotations

import asyncio
from functools import partial
from typing import TYPE_CHECKING, cast

from textual.command import DiscoveryHit, Hit, Hits, Provider

from tracker.core.search import words_of
from tracker.tui.text import highlight, one_line

if TYPE_CHECKING:
    from tracker.tui.app import TrackerApp

KIND_LABEL = {"incident": "Incident", "action": "Action", "cause": "Root cause", "runbook": "Runbook"}


def word_offsets(label: str, words: list[str]) -> list[int]:
    """Where each word of the search is in ``label`` (every place), to highlight."""
    lower = label.lower()
    offsets: set[int] = set()
    for word in words:
        start = lower.find(word)
        while start >= 0:
            offsets.update(range(start, start + len(word)))
            start = lower.find(word, start + 1)
    return sorted(offsets)


class JumpProvider(Provider):
    """Finds incidents, actions, causes and runbooks; choosing one opens it."""

    @property
    def tracker(self) -> TrackerApp:
        return cast("TrackerApp", self.app)

    def _open(self, kind: str, key: str) -> None:
        app = self.tracker
        # Each item opens on its own section's stack, so the section's number key finds it there.
        if kind == "incident":
            app.jump_to_incident(key)
        elif kind == "action":
            app.jump_to_action(key)
        elif kind == "cause":
            app.open_cause(key)
        else:
            app.open_runbook(key, read=True)

    async def discover(self) -> Hits:
        for mode, label in (("incidents", "Incidents"), ("causes", "Root causes"), ("actions", "Actions"),
                            ("runbooks", "Runbooks"), ("review", "Weekly review")):
            yield DiscoveryHit(f"Go to {label}", partial(self.tracker.show_section, mode), help="Switch screen")

    async def search(self, query: str) -> Hits:
        if not query.strip():
            return
        targets = await asyncio.to_thread(self.tracker.store.search, query, 15)
        words = words_of(query)
        for rank, (kind, key, title) in enumerate(targets):
            label = one_line(f"{key}  {title}")
            yield Hit(
                1.0 - rank / 100,  # the search ranks by closeness already: keep its order
                highlight(label, word_offsets(label, words)),
                partial(self._open, kind, key),
                text=label,
                help=KIND_LABEL[kind],
            )
