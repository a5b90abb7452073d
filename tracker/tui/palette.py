"""Command palette: jump to any incident, action, root cause or runbook by key or words."""

from __future__ import annotations

import asyncio
from functools import partial
from typing import TYPE_CHECKING, cast

from textual.command import DiscoveryHit, Hit, Hits, Provider

from tracker.tui.text import highlight, one_line

if TYPE_CHECKING:
    from tracker.tui.app import TrackerApp

KIND_LABEL = {"incident": "Incident", "action": "Action", "cause": "Root cause", "runbook": "Runbook"}


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
        matcher = self.matcher(query)
        targets = await asyncio.to_thread(self.tracker.store.search, query, 15)
        for kind, key, title in targets:
            label = one_line(f"{key}  {title}")
            score = matcher.match(label)
            _, offsets = matcher.fuzzy_search.match(query, label)
            yield Hit(
                max(score, 0.5 if key.lower() == query.strip().lower() else 0.1),
                highlight(label, offsets),
                partial(self._open, kind, key),
                text=label,
                help=KIND_LABEL[kind],
            )
