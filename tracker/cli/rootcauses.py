"""``tracker rootcauses``: the root-cause taxonomy: list, show, add, update, rename, merge, retire."""

from __future__ import annotations

import argparse
import sys

from tracker.cli.common import actor, open_db, refresh_runbooks
from tracker.config import Settings


def rootcauses_list(settings: Settings, args: argparse.Namespace) -> int:
    from tracker.cli import output as render
    from tracker.core.rootcauses import list_root_causes

    with open_db(settings) as db:
        refresh_runbooks(db, settings)
        rows = list_root_causes(db)
        render.emit(args, [r.to_json() for r in rows], render.cause_lines(rows, render.terminal_width(sys.stdout)))
    return 0


def rootcauses_show(settings: Settings, args: argparse.Namespace) -> int:
    from tracker.cli import output as render
    from tracker.core.rootcauses import get_root_cause

    with open_db(settings) as db:
        refresh_runbooks(db, settings)
        row = get_root_cause(db, args.slug)
        render.emit(args, row.to_json(), render.cause_detail(row))
    return 0


def _shown(settings: Settings, slug: str, args: argparse.Namespace, message: str) -> int:
    """Say what was done, or with ``--json`` show the cause as it now is."""
    from tracker.cli import output as render
    from tracker.core.rootcauses import get_root_cause

    data = None
    if args.json:
        with open_db(settings) as db:
            data = get_root_cause(db, slug).to_json()
    render.emit(args, data, [message])
    return 0


def rootcauses_add(settings: Settings, args: argparse.Namespace) -> int:
    from tracker.core.rootcauses.changes import add_cause

    with open_db(settings) as db:
        cause = add_cause(db, args.slug, title=args.title, category=args.category, description=args.description,
                          force=args.force)
    return _shown(settings, cause.slug, args, f"Added root cause {cause.slug}")


def rootcauses_update(settings: Settings, args: argparse.Namespace) -> int:
    from tracker.core.rootcauses.changes import update_cause

    with open_db(settings) as db:
        cause = update_cause(db, args.slug, title=args.title, category=args.category, description=args.description)
    return _shown(settings, cause.slug, args, f"Updated root cause {cause.slug}")


def rootcauses_rename(settings: Settings, args: argparse.Namespace) -> int:
    from tracker.core.rootcauses.changes import rename_cause

    with open_db(settings) as db:
        cause = rename_cause(db, args.old, args.new)
    return _shown(settings, cause.slug, args,
                  f"Renamed {args.old.strip()} to {cause.slug} ({args.old.strip()} still names it)")


def rootcauses_merge(settings: Settings, args: argparse.Namespace) -> int:
    from tracker.core.rootcauses.changes import merge_causes, plan_merge

    with open_db(settings) as db:
        if args.dry_run:
            plan = plan_merge(db, args.source, args.target)
            print(f"Would merge {plan.source.slug} into {plan.target.slug}: {plan.links} incident links and"
                  f" {plan.actions} actions move; {plan.source.slug} stays as an alias")
            return 0
        plan = merge_causes(db, args.source, args.target, actor=actor(settings), clock=settings.clock)
    return _shown(settings, plan.target.slug, args,
                  f"Merged {plan.source.slug} into {plan.target.slug}: {plan.links} incident links and"
                  f" {plan.actions} actions moved; {plan.source.slug} now names {plan.target.slug}")


def rootcauses_retire(settings: Settings, args: argparse.Namespace) -> int:
    from tracker.core.rootcauses.changes import retire_cause

    with open_db(settings) as db:
        cause = retire_cause(db, args.slug, undo=args.undo, clock=settings.clock)
    message = (f"{cause.slug} is back in the pickers" if args.undo
               else f"Retired {cause.slug}: gone from pickers, still shown on its incidents")
    return _shown(settings, cause.slug, args, message)


def rootcauses_suggest(settings: Settings, args: argparse.Namespace) -> int:
    from tracker.cli import output as render
    from tracker.core.keys import parse_key
    from tracker.core.rootcauses.suggest import suggest_for_incident, suggest_for_text

    with open_db(settings) as db:
        if args.incident:
            found = suggest_for_incident(db, parse_key(args.incident, "INC"), args.limit)
        else:
            found = suggest_for_text(db, " ".join(args.words), args.limit)
    lines = [f"{s.slug:<30} {s.score:>7.2f}  {render.one_line(s.title, 80)}" for s in found] or [
        "no cause of the taxonomy is close; add one with: tracker rootcauses add SLUG --title T"]
    render.emit(args, [s._asdict() for s in found], lines)
    return 0
