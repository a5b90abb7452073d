"""What every command handler shares: opening the database, who is acting, indexing runbooks."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path

from tracker.base.enums import parse_enum
from tracker.base.text import visible
from tracker.cli.output import echo
from tracker.config import Settings
from tracker.storage.database import Db

_prepared: list[tuple[Settings, Db]] = []
"""The database ``prepare_db`` opened, until the command's ``open_db`` takes it."""


def prepare_db(settings: Settings) -> None:
    """Open a team ledger's replica before the command loads its code: the pages its new operations wrote
    reach the file on another thread (``Db.deferred_checkpoint``) while it does. The command's first
    ``open_db`` with these settings takes it; ``release_prepared`` closes it if none did. Any other
    database is left to the command (which checks its arguments before it creates one)."""
    if (found := _replica(settings)) is not None:
        _prepared.append((settings, _open(settings, str(found))))


def release_prepared() -> None:
    while _prepared:
        _prepared.pop()[1].close()


def open_db(settings: Settings) -> Db:
    """The database the settings name; created with the demo on first run, saying so on stderr.

    When none is named and the repository around the working folder holds a team ledger's replica,
    that replica: it applies what the ledger brought since the last command, and turns every change
    made through it into the ledger's operations.
    """
    for number, (prepared_for, db) in enumerate(_prepared):
        if prepared_for is settings:
            del _prepared[number]
            return db
    found = _replica(settings)
    return _open(settings, settings.db if found is None else str(found))


def _replica(settings: Settings) -> Path | None:
    """The team ledger's replica in the repository around the working folder, unless a database is named."""
    from tracker.repo.ledger.home import replica_path

    return None if settings.db_given else replica_path(Path.cwd())


def _open(settings: Settings, url: str) -> Db:
    from tracker.core.opening import open_database
    from tracker.repo.ledger.home import is_replica

    db = open_database(url, create="demo" if url == settings.db else None,
                       notify=lambda message: echo(message, file=sys.stderr))
    if is_replica(db):
        try:
            _attach_ledger(db, settings)
        except BaseException:
            db.close()
            raise
    return db


def _attach_ledger(db: Db, settings: Settings) -> None:
    from tracker.base.errors import TrackerError
    from tracker.repo.ledger.replica import Replica

    replica = Replica.attach(db, clock=settings.clock, actor=actor(settings))
    try:
        replica.catch_up()
    except TrackerError as error:  # the database as it is still serves; sync says the same, and refuses
        echo(f"tracker: warning: the team ledger was not applied: {error}", file=sys.stderr)


def actor(settings: Settings) -> str:
    from tracker.identity import current_actor

    return current_actor(settings)


def refresh_runbooks(db: Db, settings: Settings) -> None:
    """Index the runbooks folder first, so causes show the runbooks that cover them."""
    from tracker.repo.workspace import RunbookWorkspace

    for error in RunbookWorkspace(db, settings).refresh().errors:
        echo(f"tracker: warning: {visible(error)}", file=sys.stderr)


def parse_enums(values: list[str] | None, enum: type[StrEnum], what: str) -> tuple[str, ...]:
    return tuple(parse_enum(enum, v, what).value for v in values or ())
