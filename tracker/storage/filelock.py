"""A lock across processes beside a SQLite file, so that one process at a time creates or upgrades it.

The lock is ``flock`` on ``<db>.lock``. Its holder removes the file when done, while still holding
it; a waiter that then finds its file gone or replaced tries again on the one now there, so two
processes never both believe they hold the lock, and no lock file is left behind.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from tracker.base.errors import DatabaseBusyError

try:
    import fcntl
except ImportError:  # not POSIX: SQLite's own exclusive lock still keeps a second upgrade out
    fcntl = None  # type: ignore[assignment]

WAIT_SECONDS = 60.0
"""How long a process waits for another one's upgrade of the same database before giving up."""

_POLL_SECONDS = 0.02


def lock_path(path: Path) -> Path:
    return path.with_name(f"{path.name}.lock")


def _acquire(fd: int, mode: int, path: Path, wait: float, deadline: float) -> None:
    while True:
        try:
            fcntl.flock(fd, mode | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                raise DatabaseBusyError(
                    f"{path}: another tracker process is creating or upgrading the database (waited {wait:.0f} s);"
                    " try again when it is done"
                ) from None
            time.sleep(_POLL_SECONDS)


def _same_file(fd: int, lock: Path) -> bool:
    try:
        there = os.stat(lock)
    except FileNotFoundError:
        return False
    held = os.fstat(fd)
    return (held.st_dev, held.st_ino) == (there.st_dev, there.st_ino)


@contextmanager
def hold(path: Path, *, wait: float | None = None) -> Iterator[None]:
    """Hold the lock of the database at ``path``, waiting up to ``wait`` (``WAIT_SECONDS``) for another holder.

    Raises ``DatabaseBusyError`` when the wait runs out, and ``OSError`` (``PermissionError`` for a
    read-only folder) when the lock file cannot be made.
    """
    if fcntl is None:
        yield
        return
    wait = WAIT_SECONDS if wait is None else wait
    lock = lock_path(path)
    deadline = time.monotonic() + wait
    while True:
        # Read-only is enough for flock, so a lock file left by another user is no obstacle.
        fd = os.open(lock, os.O_RDONLY | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            _acquire(fd, fcntl.LOCK_EX, path, wait, deadline)
            if _same_file(fd, lock):
                break
        except BaseException:
            os.close(fd)
            raise
        os.close(fd)  # the previous holder removed it: lock the one there now
    try:
        yield
    finally:
        with suppress(OSError):
            os.unlink(lock)
        os.close(fd)


def wait_for_holder(path: Path, *, wait: float | None = None) -> bool:
    """Wait while another process holds the lock of ``path``; True when there was a lock (held or just left).

    A database that answers "busy" while its lock file exists is being created or upgraded: the caller
    waits here, then looks again.
    """
    if fcntl is None:
        return False
    wait = WAIT_SECONDS if wait is None else wait
    try:
        fd = os.open(lock_path(path), os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return False
    try:
        _acquire(fd, fcntl.LOCK_SH, path, wait, time.monotonic() + wait)
    finally:
        os.close(fd)
    return True
