"""Runbook files for the app: the indexed list, a new one from the template, reading, saving, where a file lives."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from tracker.base.errors import TrackerError
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
    digest: str
    """The hash of the bytes as read: a save expects the file to hold them still."""


class RunbookService:
    def __init__(self, shared: Shared) -> None:
        self._shared = shared
        self._headings: dict[str, tuple[tuple[int, int], list[str]]] = {}
        """Each runbook's headings by path, with the file's (mtime, size) they were read at."""

    def headings(self) -> dict[str, list[str]]:
        """The headings of every indexed runbook, by path (for the palette); a file is read again only when it
        changed, and one that cannot be read has none."""
        from tracker.base.files import read_capped
        from tracker.core.runbooks.files import LARGE_FILE, headings_of

        shared = self._shared
        shared.ensure_indexed()
        paths = shared.run(lambda db: [path for (path,) in db.cursor("SELECT path FROM runbook")])
        found: dict[str, list[str]] = {}
        for path in paths:
            try:
                target = self.file(path)
                info = target.stat()
                stamp = (info.st_mtime_ns, info.st_size)
                cached = self._headings.get(path)
                if cached is None or cached[0] != stamp:
                    text = read_capped(str(target), label=path, limit=LARGE_FILE).decode("utf-8", errors="replace")
                    cached = (stamp, headings_of(text))
                    self._headings[path] = cached
            except (OSError, TrackerError):
                continue
            found[path] = cached[1]
        return found

    def rows(self, text: str = "", refresh: bool = False) -> list[RunbookRow]:
        """The indexed runbooks matching ``text``, with staleness; ``refresh`` re-indexes the folder first."""
        from tracker.core.runbooks.index import list_runbooks

        shared = self._shared

        def job(db: Db) -> list[RunbookRow]:
            if refresh:
                shared.refresh_index()
            return list_runbooks(db, shared.today, text=text)

        return shared.run(job)

    def new(self, path: str, *, title: str, causes: list[str]) -> str:
        """A runbook from the template, linked to ``causes`` (not committed); returns its path."""
        shared = self._shared
        return shared.run(lambda db: shared.workspace().new_runbook(path, title=title, causes=causes))

    def file(self, path: str) -> Path:
        """The runbook's file, the path checked to stay in the runbooks folder."""
        space = self._shared.workspace()
        return space.root / space.path(path)

    def text(self, path: str) -> RunbookText:
        """A runbook's text, decoded leniently for showing and editing (regular files only, capped)."""
        from tracker.base.files import read_capped
        from tracker.core.runbooks.files import content_hash, detect_newline

        target = self.file(path)
        data = read_capped(str(target), label=path)
        text = data.decode("utf-8", errors="replace")
        return RunbookText(text, detect_newline(text), len(data), content_hash(data))

    def save(self, path: str, text: str, newline: str, expected: str, *, check: bool = True) -> str:
        """Save atomically if the front matter is valid (unless not ``check``), then re-index; returns the new hash.

        ``expected`` is the hash of the file as the edit loaded it: a file changed since raises
        ``RunbookChangedError`` and nothing is written.
        """
        from tracker.core.runbooks.files import save_runbook

        def job(db: Db) -> str:
            space = self._shared.workspace()
            digest = save_runbook(space.root, space.path(path), text, newline, check=check, expected=expected)
            space.refresh()
            return digest

        return self._shared.run(job)

    def save_unchecked(self, path: str, text: str, newline: str, expected: str) -> str:
        """Save without the front matter check (resolving a conflict may pass through odd states)."""
        from tracker.core.runbooks.files import save_runbook

        space = self._shared.workspace()
        return save_runbook(space.root, space.path(path), text, newline, check=False, expected=expected)

    def keep_copy(self, path: str, text: str, newline: str) -> str:
        """Write ``text`` beside the runbook, never over a file, where the index does not look; returns its path."""
        from tracker.core.runbooks.files import keep_copy

        space = self._shared.workspace()
        return keep_copy(space.root, space.path(path), text, newline, self._shared.settings.clock.now())
