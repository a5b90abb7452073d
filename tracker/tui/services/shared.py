"""What the app's services share: one database connection, used by one worker thread at a time."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from tracker.config import Settings
from tracker.storage.database import Db

if TYPE_CHECKING:
    from tracker.repo.workspace import RunbookWorkspace

T = TypeVar("T")


class Shared:
    """The connection behind its lock, the settings, who is acting, and the runbook workspace."""

    def __init__(self, db: Db, settings: Settings, actor: str, cwd: Path | None = None) -> None:
        self._db = db
        self._lock = threading.RLock()
        self._side: Db | None = None
        """A second SQLite connection for stoppable reads, so they never hold up the first (WAL readers
        do not wait for each other)."""
        self._side_lock = threading.Lock()
        self._stoppable = threading.Lock()
        self._stoppable_running = False
        self.settings = settings
        self.actor = actor
        """Who every change made in the app is recorded as."""
        self.cwd = cwd
        """Where the runbooks' repository is looked for (the working directory when None)."""
        self._workspace: RunbookWorkspace | None = None
        self._indexed = False

    @property
    def today(self) -> date:
        return self.settings.today_date()

    def run(self, job: Callable[[Db], T]) -> T:
        """Run ``job`` on the connection with no other thread using it."""
        with self._lock:
            return job(self._db)

    def run_stoppable(self, job: Callable[[Db], T]) -> T:
        """Like ``run``, for read-only work that ``stop`` may cut short (it then raises the driver's error).

        On SQLite it runs on a second connection of its own, one job at a time, beside whatever the
        first connection is doing; elsewhere on the shared one.
        """
        if self._db.dialect != "sqlite":
            return self.run(job)
        with self._side_lock:
            if self._side is None:
                self._side = Db.connect_sqlite(Path(self._db.url))
            with self._stoppable:
                self._stoppable_running = True
            try:
                return job(self._side)
            finally:
                with self._stoppable:
                    self._stoppable_running = False

    def stop(self) -> None:
        """Cut short the stoppable job running now, if any (from any thread); other jobs are left alone."""
        with self._stoppable:
            if self._stoppable_running and self._side is not None:
                self._side.interrupt()

    def workspace(self) -> RunbookWorkspace:
        """The runbooks folder and its repository (found on first use, in a worker)."""
        with self._lock:
            if self._workspace is None:
                from tracker.repo.workspace import RunbookWorkspace

                self._workspace = RunbookWorkspace(self._db, self.settings, self.cwd, db_lock=self._lock)
            return self._workspace

    def refresh_index(self) -> None:
        """Index the runbooks folder again now."""
        with self._lock:
            self._indexed = True
            self.workspace().refresh()

    def ensure_indexed(self) -> None:
        """Index the runbooks once per session before anything shows which runbooks apply."""
        if not self._indexed:
            self._indexed = True
            self.run(lambda db: self.workspace().refresh())

    def close(self) -> None:
        with self._lock:
            self._db.close()
        with self._side_lock:
            if self._side is not None:
                self._side.close()
                self._side = None
