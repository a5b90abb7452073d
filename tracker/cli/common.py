"""What every command handler shares: opening the database, who is acting, indexing runbooks."""

from __future__ import annotations

import os
import sys
from enum import StrEnum
from pathlib import Path

from tracker.base.enums import parse_enum
from tracker.config import Settings
from tracker.storage.database import Db


def open_db(settings: Settings) -> Db:
    """The database the settings name; created with the demo on first run, saying so on stderr."""
    from tracker.core.opening import open_database

    return open_database(settings.db, create="demo", notify=lambda message: print(message, file=sys.stderr))


def actor(settings: Settings) -> str:
    from tracker.identity import current_actor

    return current_actor(settings)


def refresh_runbooks(db: Db, settings: Settings) -> None:
    """Index the runbooks folder first, so causes show the runbooks that cover them."""
    from tracker.repo.workspace import RunbookWorkspace

    for error in RunbookWorkspace(db, settings).refresh().errors:
        print(f"tracker: warning: {error}", file=sys.stderr)


def parse_enums(values: list[str] | None, enum: type[StrEnum], what: str) -> tuple[str, ...]:
    return tuple(parse_enum(enum, v, what).value for v in values or ())


def output_path(name: str, settings: Settings, *, force: bool, replace: bool = False) -> Path:
    """A file a command may write (atomically, by the caller): never the database or its side files,
    never a folder, in a folder that exists, and replacing an existing file only with ``force`` (or when
    the command's purpose is to ``replace`` it, as a metrics file rewritten on every run)."""
    from tracker.base.errors import InputError
    from tracker.storage.database import sqlite_path

    path = Path(name)
    database = sqlite_path(settings.db)
    if database is not None:
        target = path.resolve()
        for suffix in ("", "-wal", "-shm", "-journal"):
            side = Path(f"{database}{suffix}")
            same = target == side.resolve()
            if not same and path.exists() and side.exists():
                same = os.path.samefile(path, side)  # a hard link or another name of the same file
            if same:
                raise InputError(f"{name}: that is the database ({side}); choose another file")
    if path.is_dir():
        raise InputError(f"{name}: is a directory")
    if not path.parent.is_dir():
        raise InputError(f"{name}: folder {path.parent} does not exist")
    if path.exists() and not (force or replace):
        raise InputError(f"{name}: exists; use --force to replace it")
    return path
