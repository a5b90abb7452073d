"""Runbook files for the app: the indexed list, reading, saving, where a file lives."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from tracker.storage.database import Db
from tracker.tui.services.shared import Shared

if TYPE_CHECKING:
    from tracker.core.runbooks.index import RunbookRow


class RunbookText(NamedTuple):
    text: str
    """Decoded leniently, for showing and editing."""
    newline: str
    """The file's line ending, kept when it is saved."""
    size: int
    """Bytes on disk."""


class RunbookService:
    def __init__(self, shared: Shared) -> None:
        self._shared = shared

    def rows(self, text: str = "", refresh: bool = False) -> list[RunbookRow]:
        """The indexed runbooks matching ``text``, with staleness; ``refresh`` re-indexes the folder first."""
        from tracker.core.runbooks.index import list_runbooks

        shared = self._shared

        def job(db: Db) -> list[RunbookRow]:
            if refresh:
                shared.refresh_index()
            return list_runbooks(db, shared.today, text=text)

        return shared.run(job)

    def file(self, path: str) -> Path:
        """The runbook's file, the path checked to stay in the runbooks folder."""
        space = self._shared.workspace()
        return space.root / space.path(path)

    def text(self, path: str) -> RunbookText:
        from tracker.core.runbooks.files import detect_newline

        data = self.file(path).read_bytes()
        text = data.decode("utf-8", errors="replace")
        return RunbookText(text, detect_newline(text), len(data))

    def save(self, path: str, text: str, newline: str) -> None:
        """Save atomically if the front matter is valid, then re-index."""
        from tracker.core.runbooks.files import save_runbook

        def job(db: Db) -> None:
            space = self._shared.workspace()
            save_runbook(space.root, space.path(path), text, newline)
            space.refresh()

        self._shared.run(job)

    def save_unchecked(self, path: str, text: str, newline: str) -> None:
        """Save without the front matter check (resolving a conflict may pass through odd states)."""
        from tracker.core.runbooks.files import save_runbook

        space = self._shared.workspace()
        save_runbook(space.root, space.path(path), text, newline, check=False)
