"""``tracker db``: upgrade and check the database."""

from __future__ import annotations

import argparse

from tracker.config import Settings


def db_upgrade(settings: Settings, args: argparse.Namespace) -> int:
    from tracker.cli.output import echo
    from tracker.core.opening import open_database
    from tracker.storage.lifecycle import schema_revision

    messages: list[str] = []
    with open_database(settings.db, create=None, notify=messages.append) as db:
        echo(messages[-1] if messages else f"{settings.db}: already at schema {schema_revision(db)}.")
    return 0


def db_check(settings: Settings, args: argparse.Namespace) -> int:
    from tracker.base.errors import DatabaseDamagedError
    from tracker.cli import output as render
    from tracker.core.opening import open_database
    from tracker.storage.lifecycle import check_database, damaged_report

    try:
        db = open_database(settings.db, create=None)
    except DatabaseDamagedError as exc:  # too damaged to open: that is the report
        report = damaged_report(exc, settings.db)
    else:
        with db:
            report = check_database(db)
    render.emit(args, report, (f"{key:<24} {value}" for key, value in report.items()))
    return 0 if report["ok"] else 1
