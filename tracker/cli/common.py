"""What every command handler shares: opening the database, who is acting, indexing runbooks."""

from __future__ import annotations

import sys
from enum import StrEnum

from tracker.base.enums import parse_enum
from tracker.base.text import visible
from tracker.cli.output import echo
from tracker.config import Settings
from tracker.storage.database import Db


def open_db(settings: Settings) -> Db:
    """The database the settings name; created with the demo on first run, saying so on stderr."""
    from tracker.core.opening import open_database

    return open_database(settings.db, create="demo", notify=lambda message: echo(message, file=sys.stderr))


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
