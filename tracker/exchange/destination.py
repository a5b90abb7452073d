"""Where an export is written: never onto the database, never half a file, never over a file unasked.

A file path is refused when it is the database or one of its SQLite side files (``-wal``, ``-shm``,
``-journal``), compared by resolved path (symlinks followed) and by inode (hard links); when it is a
folder or not a regular file (a device); and when it exists, unless ``force``. The export is written to
a temporary file in the same folder and renamed over the path, so the path holds the old bytes or the
new ones, never a mix. Standard output is refused when it is redirected onto the database.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from tracker.base.errors import InputError
from tracker.storage.database import sqlite_path

SIDE_FILES = ("", "-wal", "-shm", "-journal")
"""Suffixes of the files SQLite keeps for a database (the database itself first)."""


def database_files(database_url: str) -> list[Path]:
    """The files of a SQLite database (whether they exist now or not); none for a server database."""
    path = sqlite_path(database_url)
    return [] if path is None else [Path(f"{path}{suffix}") for suffix in SIDE_FILES]


def _same(a: os.stat_result, b: os.stat_result) -> bool:
    return (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino)


def _stat(path: Path) -> os.stat_result | None:
    try:
        return path.stat()
    except OSError:
        return None


def _refuse_database(name: str, target: Path, found: os.stat_result | None, database_url: str) -> None:
    resolved = target.resolve()
    for db_file, suffix in zip(database_files(database_url), SIDE_FILES, strict=False):
        other = _stat(db_file)
        if resolved == db_file.resolve() or (found is not None and other is not None and _same(found, other)):
            what = f"the database's {suffix[1:]} file" if suffix else "the database"
            raise InputError(f"{name}: is {what} ({db_file}): export to another file")


def check_destination(name: str, database_url: str, *, force: bool) -> Path:
    """The path to write an export to, once it is known to be safe to write; else an InputError naming it."""
    target = Path(name)
    try:
        found = target.stat() if target.exists() else None
    except OSError as exc:
        raise InputError(f"{name}: cannot write ({exc.strerror})") from None
    _refuse_database(name, target, found, database_url)
    if found is not None and stat.S_ISDIR(found.st_mode):
        raise InputError(f"{name}: is a directory")
    if found is not None and not stat.S_ISREG(found.st_mode):
        raise InputError(f"{name}: not a regular file: give a file path, or - for standard output")
    if (found is not None or target.is_symlink()) and not force:
        raise InputError(f"{name}: already exists: give --force to replace it")
    if not target.parent.is_dir():
        raise InputError(f"{name}: folder {target.parent} does not exist")
    return target


def check_stream(fd: int, database_url: str, name: str = "standard output") -> None:
    """Refuse to write an export to ``fd`` when it is redirected onto the database or a side file."""
    try:
        found = os.fstat(fd)
    except OSError:
        return
    if not stat.S_ISREG(found.st_mode):
        return
    for db_file in database_files(database_url):
        other = _stat(db_file)
        if other is not None and _same(found, other):
            raise InputError(f"{name}: is redirected onto the database ({db_file}): export to another file")


def write_export(name: str, data: bytes, database_url: str, *, force: bool) -> Path:
    """Check ``name`` (again: time passed since the first check) and write ``data`` there atomically."""
    from tracker.core.runbooks.files import atomic_write

    target = check_destination(name, database_url, force=force)
    try:
        atomic_write(target, data)
    except OSError as exc:
        raise InputError(f"{name}: cannot write ({exc.strerror})") from None
    return target
