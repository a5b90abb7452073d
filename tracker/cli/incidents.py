"""``tracker incidents``: list, show and add incidents."""

from __future__ import annotations

import argparse
import sys

from tracker.base.enums import IncidentStatus, Severity, parse_enum
from tracker.base.timeutil import parse_datetime
from tracker.cli.common import open_db, refresh_runbooks
from tracker.config import Settings


def incidents_list(settings: Settings, args: argparse.Namespace) -> int:
    from tracker.cli import output as render
    from tracker.core.incidents import list_incidents

    with open_db(settings) as db:
        rows = list_incidents(db)
        if args.json:
            render.write_json(sys.stdout, [r.to_json() for r in rows])
        else:
            render.write_lines(sys.stdout, render.incident_lines(rows))
    return 0


def incidents_show(settings: Settings, args: argparse.Namespace) -> int:
    from tracker.cli import output as render
    from tracker.core.incidents import get_incident

    with open_db(settings) as db:
        refresh_runbooks(db, settings)
        detail = get_incident(db, args.key)
        if args.json:
            render.write_json(sys.stdout, detail.to_json())
        else:
            render.write_lines(sys.stdout, render.incident_detail(detail, settings.today_date()))
    return 0


def incidents_add(settings: Settings, args: argparse.Namespace) -> int:
    from tracker.cli import output as render
    from tracker.core.incidents import add_incident

    started = parse_datetime(args.started, "--started")
    severity = parse_enum(Severity, args.severity, "severity")
    with open_db(settings) as db:
        row = add_incident(db, title=args.title, started_at=started, severity=severity, summary=args.summary,
                           clock=settings.clock,
                           status=IncidentStatus.INVESTIGATING)
        if args.json:
            render.write_json(sys.stdout, row.to_json())
        else:
            render.echo(f"Added {row.key}: {row.title}")
    return 0
