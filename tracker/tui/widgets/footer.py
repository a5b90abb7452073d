"""A footer that rebuilds at most once per burst of binding changes.

Textual's footer queues a full rebuild for every bindings update; at start-up (mode switch,
focus moves) that is five or six rebuilds of every key, each tens of milliseconds, queued
ahead of the first rows. One pending rebuild is enough: it reads the bindings as they are
when it runs.
"""

from __future__ import annotations

from textual.screen import Screen
from textual.widgets import Footer


class TrackerFooter(Footer):
    """The footer of every screen: same look, one rebuild per burst."""

    _rebuild_pending = False

    def bindings_changed(self, screen: Screen) -> None:
        self._bindings_ready = True
        if not screen.app.app_focus or not self.is_attached or screen is not self.screen:
            return
        if self._rebuild_pending:
            return
        self._rebuild_pending = True
        self.call_after_refresh(self._rebuild)

    async def _rebuild(self) -> None:
        self._rebuild_pending = False
        await self.recompose()
