"""Command handlers behind ``tracker.cli``: each opens the database, calls one service, prints."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from tracker.config import Settings
from tracker.core.enums import ActionKind, ActionStatus, IncidentStatus, Priority, Severity, parse_enum
from tracker.core.errors import InputError
from tracker.core.timeutil import parse_datetime, parse_due
from tracker.storage.database import Db


def _open(settings: Settings) -> Db:
    """The database the settings name; created with the demo on first run, saying so on stderr."""
    from tracker.storage.lifecycle import open_database

    return open_database(settings.db, create="demo", notify=lambda message: print(message, file=sys.stderr))


def ui_run(settings: Settings, args: argparse.Namespace) -> int:
    """Open the app. The database is opened (created, upgraded or refused) before the screen is taken."""
    from tracker.identity import current_actor
    from tracker.tui.app import START_SCREENS, make_app
    from tracker.tui.store import Store

    if args.screen not in START_SCREENS:
        raise InputError(f"unknown screen {args.screen!r} (choose from: {', '.join(START_SCREENS)})")
    db = _open(settings)
    make_app(Store(db, settings, current_actor(settings)), start=args.screen).run()
    return 0


def summary_run(settings: Settings, args: argparse.Namespace) -> int:
    return summary(settings)


def summary(settings: Settings) -> int:
    from tracker import render
    from tracker.core.actions import ActionFilter, count_actions
    from tracker.core.incidents import list_incidents

    with _open(settings) as db:
        today = settings.today_date()
        incidents = list_incidents(db)
        open_count = count_actions(db, ActionFilter(statuses=tuple(
            s.value for s in ActionStatus if not s.is_closed)))
        overdue = count_actions(db, ActionFilter(overdue=True, today=today))
        print(f"tracker on {settings.db}: {len(incidents)} incidents, {open_count} open actions, {overdue} overdue")
        render.write_lines(sys.stdout, render.incident_lines(incidents[-10:]))
        print("\nSee: tracker incidents list | tracker rootcauses list | tracker actions list --overdue"
              " | tracker --help")
    return 0


def init_run(settings: Settings, args: argparse.Namespace) -> int:
    from tracker.storage.lifecycle import init_database

    messages: list[str] = []
    db = init_database(settings.db, demo=not args.empty, notify=messages.append)
    db.close()
    print(messages[-1] if messages else f"Created {settings.db}.")
    return 0


# -- incidents -------------------------------------------------------------------------------


def incidents_list(settings: Settings, args: argparse.Namespace) -> int:
    from tracker import render
    from tracker.core.incidents import list_incidents

    with _open(settings) as db:
        rows = list_incidents(db)
        if args.json:
            render.write_json(sys.stdout, [r.to_json() for r in rows])
        else:
            render.write_lines(sys.stdout, render.incident_lines(rows))
    return 0


def incidents_show(settings: Settings, args: argparse.Namespace) -> int:
    from tracker import render
    from tracker.core.incidents import get_incident

    with _open(settings) as db:
        _refresh_runbooks(db, settings)
        detail = get_incident(db, args.key)
        if args.json:
            render.write_json(sys.stdout, detail.to_json())
        else:
            render.write_lines(sys.stdout, render.incident_detail(detail, settings.today_date()))
    return 0


def incidents_add(settings: Settings, args: argparse.Namespace) -> int:
    from tracker import render
    from tracker.core.incidents import add_incident

    started = parse_datetime(args.started)
    severity = parse_enum(Severity, args.severity, "severity")
    with _open(settings) as db:
        row = add_incident(db, title=args.title, started_at=started, severity=severity, summary=args.summary,
                           status=IncidentStatus.INVESTIGATING)
        if args.json:
            render.write_json(sys.stdout, row.to_json())
        else:
            print(f"Added {row.key}: {row.title}")
    return 0


# -- root causes -----------------------------------------------------------------------------


def _refresh_runbooks(db: Db, settings: Settings) -> None:
    """Index the runbooks folder first, so causes show the runbooks that cover them."""
    from tracker.runbook_sync import RunbookWorkspace

    for error in RunbookWorkspace(db, settings).refresh().errors:
        print(f"tracker: warning: {error}", file=sys.stderr)


def rootcauses_list(settings: Settings, args: argparse.Namespace) -> int:
    from tracker import render
    from tracker.core.rootcauses import list_root_causes

    with _open(settings) as db:
        _refresh_runbooks(db, settings)
        rows = list_root_causes(db)
        if args.json:
            render.write_json(sys.stdout, [r.to_json() for r in rows])
        else:
            render.write_lines(sys.stdout, render.cause_lines(rows))
    return 0


def rootcauses_show(settings: Settings, args: argparse.Namespace) -> int:
    from tracker import render
    from tracker.core.rootcauses import get_root_cause

    with _open(settings) as db:
        _refresh_runbooks(db, settings)
        row = get_root_cause(db, args.slug)
        if args.json:
            render.write_json(sys.stdout, row.to_json())
        else:
            render.write_lines(sys.stdout, render.cause_detail(row))
    return 0


# -- actions ---------------------------------------------------------------------------------


def _enums(values: list[str] | None, enum: Any, what: str) -> tuple[str, ...]:
    return tuple(parse_enum(enum, v, what).value for v in values or ())


def actions_list(settings: Settings, args: argparse.Namespace) -> int:
    from tracker import render
    from tracker.core.actions import SORTS, ActionFilter, iter_actions
    from tracker.core.incidents import get_incident  # noqa: F401  (validates keys below)
    from tracker.core.keys import check_slug, parse_key
    from tracker.core.validate import clean_owner

    if args.sort not in SORTS:
        raise InputError(f"unknown sort {args.sort!r} (choose from: {', '.join(SORTS)})")
    if args.due_within is not None and not 0 <= args.due_within <= 3650:
        raise InputError(f"--due-within {args.due_within}: expected 0 to 3650 days")
    if args.limit is not None and args.limit < 1:
        raise InputError(f"--limit {args.limit}: expected a positive number")
    today = settings.today_date()
    filt = ActionFilter(
        statuses=_enums(args.status, ActionStatus, "status"),
        owner=clean_owner(args.owner) if args.owner is not None else None,
        unowned=args.unowned,
        kinds=_enums(args.kind, ActionKind, "kind"),
        priorities=_enums(args.priority, Priority, "priority"),
        overdue=args.overdue,
        due_within_days=args.due_within,
        incident_id=parse_key(args.incident, "INC") if args.incident else None,
        root_cause=check_slug(args.root_cause) if args.root_cause else None,
        today=today,
    )
    with _open(settings) as db:
        if filt.incident_id is not None:
            get_incident(db, filt.incident_id)
        if filt.root_cause is not None:
            from tracker.core.rootcauses import get_root_cause

            get_root_cause(db, filt.root_cause)
        rows = iter_actions(db, filt, sort=args.sort, limit=args.limit)
        if args.json:
            render.stream_json_list(sys.stdout, (r.to_json(today) for r in rows))
        else:
            render.write_lines(sys.stdout, render.action_lines(rows, today))
    return 0


def _actor(settings: Settings) -> str:
    from tracker.identity import current_actor

    return current_actor(settings)


def actions_add(settings: Settings, args: argparse.Namespace) -> int:
    from tracker import render
    from tracker.core.actions import add_action

    if not args.incident and not args.root_cause:
        raise InputError("say what the action belongs to: --incident INC-n or --root-cause SLUG")
    today = settings.today_date()
    with _open(settings) as db:
        row = add_action(
            db,
            title=args.title,
            actor=_actor(settings),
            today=today,
            due_days=settings.due_days,
            incident=args.incident,
            root_cause=args.root_cause,
            description=args.description,
            kind=parse_enum(ActionKind, args.kind, "kind"),
            owner=args.owner,
            priority=parse_enum(Priority, args.priority, "priority"),
            due=parse_due(args.due, today) if args.due is not None else None,
            status=parse_enum(ActionStatus, args.status, "status"),
            note=args.note,
        )
        if args.json:
            render.write_json(sys.stdout, row.to_json(today))
        else:
            print(f"Added {row.key} (due {row.due}, {row.priority}, {row.status}): {row.title}")
    return 0


def actions_update(settings: Settings, args: argparse.Namespace) -> int:
    from tracker import render
    from tracker.core.actions import update_action

    today = settings.today_date()
    changes: dict[str, Any] = {}
    if args.status is not None:
        changes["status"] = parse_enum(ActionStatus, args.status, "status")
    if args.kind is not None:
        changes["kind"] = parse_enum(ActionKind, args.kind, "kind")
    if args.priority is not None:
        changes["priority"] = parse_enum(Priority, args.priority, "priority")
    if args.due is not None:
        changes["due"] = parse_due(args.due, today)
    for name in ("owner", "title", "description", "incident", "root_cause", "runbook"):
        value = getattr(args, name)
        if value is not None:
            changes[name] = value
    if args.expect_version is not None and args.expect_version < 1:
        raise InputError(f"--expect-version {args.expect_version}: versions start at 1")
    with _open(settings) as db:
        row = update_action(
            db, args.key, changes, actor=_actor(settings), expected_version=args.expect_version, note=args.note
        )
        if args.json:
            render.write_json(sys.stdout, row.to_json(today))
        else:
            print(f"Updated {row.key} (now version {row.version}): {row.status}, owner {row.owner or '-'}, "
                  f"due {row.due or '-'}")
    return 0


def actions_show(settings: Settings, args: argparse.Namespace) -> int:
    from tracker import render
    from tracker.core.actions import action_history, get_action

    today = settings.today_date()
    with _open(settings) as db:
        row = get_action(db, args.key)
        history = action_history(db, row.id)
        if args.json:
            data = row.to_json(today)
            data["history"] = [e.to_json() for e in history]
            render.write_json(sys.stdout, data)
        else:
            render.write_lines(sys.stdout, render.action_detail(row, history, today))
    return 0


# -- database --------------------------------------------------------------------------------


def db_upgrade(settings: Settings, args: argparse.Namespace) -> int:
    from tracker.storage.lifecycle import open_database, schema_revision

    messages: list[str] = []
    with open_database(settings.db, create=None, notify=messages.append) as db:
        print(messages[-1] if messages else f"{settings.db}: already at schema {schema_revision(db)}.")
    return 0


def db_check(settings: Settings, args: argparse.Namespace) -> int:
    from tracker import render
    from tracker.storage.lifecycle import check_database, open_database

    with open_database(settings.db, create=None) as db:
        report = check_database(db)
    if args.json:
        render.write_json(sys.stdout, report)
    else:
        for key, value in report.items():
            print(f"{key:<24} {value}")
    return 0 if report["ok"] else 1
