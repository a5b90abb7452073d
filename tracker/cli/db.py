"""``tracker db``: upgrade and check the database."""

from __future__ import annotations

import argparse
import sys

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
    from tracker.cli import output as render
    from tracker.core.opening import open_database
    from tracker.storage.lifecycle import check_database

    with open_database(settings.db, create=None) as db:
        report = check_database(db)
    if args.json:
        render.write_json(sys.stdout, report)
    else:
        render.write_lines(sys.stdout, (f"{key:<24} {value}" for key, value in report.items()))
    return 0 if report["ok"] else 1
