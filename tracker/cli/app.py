"""``tracker``, ``tracker ui``, ``tracker summary`` and ``tracker init``: the app, a summary, a new database."""

from __future__ import annotations

import argparse
import sys

from tracker.base.enums import ActionStatus
from tracker.base.errors import InputError
from tracker.cli.common import open_db
from tracker.config import Settings


def ui_run(settings: Settings, args: argparse.Namespace) -> int:
    """Open the app. The database is opened (created, upgraded or refused) before the screen is taken."""
    from tracker.identity import current_actor
    from tracker.tui.app import START_SCREENS, make_app
    from tracker.tui.store import Store

    if args.screen not in START_SCREENS:
        raise InputError(f"unknown screen {args.screen!r} (choose from: {', '.join(START_SCREENS)})")
    db = open_db(settings)
    make_app(Store(db, settings, current_actor(settings)), start=args.screen).run()
    return 0


def summary_run(settings: Settings, args: argparse.Namespace) -> int:
    return summary(settings)


def summary(settings: Settings) -> int:
    from tracker.cli import output as render
    from tracker.core.actions import ActionFilter, count_actions
    from tracker.core.incidents import count_incidents, last_incidents

    with open_db(settings) as db:
        today = settings.today_date()
        incidents = count_incidents(db)
        open_count = count_actions(db, ActionFilter(statuses=tuple(
            s.value for s in ActionStatus if not s.is_closed)))
        overdue = count_actions(db, ActionFilter(overdue=True, today=today))
        render.echo(f"tracker on {settings.db}: {incidents} incidents, {open_count} open actions,"
                    f" {overdue} overdue")
        render.write_lines(sys.stdout, render.incident_lines(reversed(last_incidents(db, 10)),
                                                             render.terminal_width(sys.stdout)),
                           paint=render.painter(None, sys.stdout))
        print("\nSee: tracker incidents list | tracker rootcauses list | tracker actions list --overdue"
              " | tracker --help")
    return 0


def init_run(settings: Settings, args: argparse.Namespace) -> int:
    from tracker.cli.output import echo
    from tracker.core.opening import init_database

    messages: list[str] = []
    db = init_database(settings.db, demo=not args.empty, notify=messages.append)
    db.close()
    echo(messages[-1] if messages else f"Created {settings.db}.")
    return 0
