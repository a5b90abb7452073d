"""``tracker actions``: list, add, update and show corrective and preventive actions."""

from __future__ import annotations

import argparse
import sys

from tracker.base.enums import ActionKind, ActionStatus, Priority, parse_enum
from tracker.base.errors import InputError
from tracker.base.timeutil import parse_due
from tracker.cli.common import actor, open_db, parse_enums
from tracker.config import Settings


def actions_list(settings: Settings, args: argparse.Namespace) -> int:
    from tracker.cli import output as render
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
    statuses = parse_enums(args.status, ActionStatus, "status")
    if not statuses and not args.all and not args.json:
        # The text listing shows the work still to do; --all (and --json, as it always has) every action.
        statuses = tuple(s.value for s in ActionStatus if not s.is_closed)
    filt = ActionFilter(
        statuses=statuses,
        owner=clean_owner(args.owner) if args.owner is not None else None,
        unowned=args.unowned,
        kinds=parse_enums(args.kind, ActionKind, "kind"),
        priorities=parse_enums(args.priority, Priority, "priority"),
        overdue=args.overdue,
        due_within_days=args.due_within,
        incident_id=parse_key(args.incident, "INC") if args.incident else None,
        root_cause=check_slug(args.root_cause) if args.root_cause else None,
        today=today,
    )
    with open_db(settings) as db:
        if filt.incident_id is not None:
            get_incident(db, filt.incident_id)
        if filt.root_cause is not None:
            from tracker.core.rootcauses.names import canonical_slug

            filt = filt._replace(root_cause=canonical_slug(db, filt.root_cause))  # an old slug still works
        rows = iter_actions(db, filt, sort=args.sort, limit=args.limit)
        closed_hidden = not args.status and not args.all
        empty = "no actions match" + (" (open ones; --all includes done and won't do)" if closed_hidden else "")
        render.emit(args, (r.to_json(today) for r in rows),
                    render.action_lines(rows, today, render.terminal_width(sys.stdout), empty=empty))
    return 0


def actions_add(settings: Settings, args: argparse.Namespace) -> int:
    from tracker.cli import output as render
    from tracker.core.actions import add_action

    if not args.incident and not args.root_cause:
        raise InputError("say what the action belongs to: --incident INC-n or --root-cause SLUG")
    today = settings.today_date()
    with open_db(settings) as db:
        row = add_action(
            db,
            title=args.title,
            actor=actor(settings),
            today=today,
            slo_days=settings.slo_days,
            clock=settings.clock,
            incident=args.incident,
            root_cause=args.root_cause,
            description=args.description,
            kind=parse_enum(ActionKind, args.kind, "kind"),
            owner=args.owner,
            priority=parse_enum(Priority, args.priority, "priority"),
            due=parse_due(args.due, today, "--due") if args.due is not None else None,
            status=parse_enum(ActionStatus, args.status, "status"),
            note=args.note,
        )
        render.emit(args, row.to_json(today),
                    [f"Added {row.key} (due {row.due}, {row.priority}, {row.status}): {row.title}"])
    return 0


def actions_update(settings: Settings, args: argparse.Namespace) -> int:
    from tracker.cli import output as render
    from tracker.core.actions import UNSET, ActionChanges, update_action

    today = settings.today_date()
    changes = ActionChanges(
        status=UNSET if args.status is None else parse_enum(ActionStatus, args.status, "status"),
        kind=UNSET if args.kind is None else parse_enum(ActionKind, args.kind, "kind"),
        priority=UNSET if args.priority is None else parse_enum(Priority, args.priority, "priority"),
        due=UNSET if args.due is None else parse_due(args.due, today, "--due"),
        owner=UNSET if args.owner is None else args.owner,
        title=UNSET if args.title is None else args.title,
        description=UNSET if args.description is None else args.description,
        incident=UNSET if args.incident is None else args.incident,
        root_cause=UNSET if args.root_cause is None else args.root_cause,
        runbook=UNSET if args.runbook is None else args.runbook,
    )
    if args.expect_version is not None and args.expect_version < 1:
        raise InputError(f"--expect-version {args.expect_version}: versions start at 1")
    with open_db(settings) as db:
        row = update_action(
            db, args.key, changes, actor=actor(settings), expected_version=args.expect_version, note=args.note,
            clock=settings.clock, runbooks_dir=settings.runbooks_dir,
        )
        render.emit(args, row.to_json(today), [
            f"Updated {row.key} (now version {row.version}): {row.status}, owner {row.owner or '-'}, "
            f"due {row.due or '-'}"
        ])
    return 0


def actions_show(settings: Settings, args: argparse.Namespace) -> int:
    from tracker.cli import output as render
    from tracker.core.actions import action_history, get_action

    today = settings.today_date()
    with open_db(settings) as db:
        row = get_action(db, args.key)
        history = action_history(db, row.id)
        data = {**row.to_json(today), "history": [e.to_json() for e in history]}
        render.emit(args, data, render.action_detail(row, history, today))
    return 0


def actions_next(settings: Settings, args: argparse.Namespace) -> int:
    from tracker.cli import output as render
    from tracker.core.actions import ActionFilter, next_actions
    from tracker.core.validate import clean_owner

    if not 1 <= args.limit <= 10_000:
        raise InputError(f"--limit {args.limit}: expected 1 to 10000")
    owner = clean_owner(args.owner) if args.owner is not None else None
    today = settings.today_date()
    with open_db(settings) as db:
        found = next_actions(db, ActionFilter(owner=owner), today=today, targets=settings.slo_days, limit=args.limit)
    render.emit(args, [item.to_json(today) for item in found], render.scored_lines(found, today))
    return 0
