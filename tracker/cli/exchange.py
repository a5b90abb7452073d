"""``tracker import ...`` and ``tracker export ...``: reports in, whole databases in and out."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from tracker.base.errors import InputError
from tracker.config import Settings

if TYPE_CHECKING:
    from tracker.exchange.apply import ImportPlan

MAX_INPUT = 64 * 1024 * 1024
"""Refuse inputs larger than this (a report or an export is never that big)."""


def _read(name: str) -> bytes:
    """The bytes of FILE, or standard input for ``-``; errors name the file."""
    try:
        if name == "-":
            data = sys.stdin.buffer.read(MAX_INPUT + 1)
        else:
            path = Path(name)
            if path.is_dir():
                raise InputError(f"{name}: is a directory")
            with path.open("rb") as fh:
                data = fh.read(MAX_INPUT + 1)
    except OSError as exc:
        raise InputError(f"{name}: cannot read ({exc.strerror})") from None
    if len(data) > MAX_INPUT:
        raise InputError(f"{name}: larger than {MAX_INPUT // 1_048_576} MB")
    return data


def _write(name: str | None, data: bytes) -> None:
    """Write atomically to FILE (never a half-written file), or to standard output."""
    if name in (None, "-"):
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    from tracker.core.runbooks.files import atomic_write

    path = Path(name)
    if path.is_dir():
        raise InputError(f"{name}: is a directory")
    if not path.parent.is_dir():
        raise InputError(f"{name}: folder {path.parent} does not exist")
    try:
        atomic_write(path, data)
    except OSError as exc:
        raise InputError(f"{name}: cannot write ({exc.strerror})") from None


def import_statuspage(settings: Settings, args: argparse.Namespace) -> int:
    from tracker.cli import output as render
    from tracker.cli.common import open_db
    from tracker.exchange.apply import apply_plan, plan_report
    from tracker.exchange.statuspage import cause_rules, parse
    from tracker.identity import current_actor

    data = _read(args.file)
    source = "stdin" if args.file == "-" else os.path.basename(args.file)
    reports = parse(data, source)
    rules = cause_rules(settings.cause_rules)
    results = []
    with open_db(settings) as db:
        plans = [plan_report(db, report, rules) for report in reports]
        if args.dry_run:
            render.emit(args, [p.to_json() for p in plans], (line for plan in plans for line in _preview_lines(plan)))
            return 0
        actor = current_actor(settings)
        for plan in plans:
            causes = list(args.cause)
            if args.accept_suggested:
                best = next((s.slug for s in plan.suggestions if s.known), None)
                if best and best not in causes:
                    causes.append(best)
            incident_id, counts = apply_plan(
                db, plan, actor=actor, today=settings.today_date(), slo_days=settings.slo_days, causes=causes,
                actions=[] if args.no_actions else None, clock=settings.clock,
            )
            results.append((plan, incident_id, counts))
    for plan, _, _ in results:
        for warning in plan.warnings:
            print(f"tracker: warning: {warning}", file=sys.stderr)
    render.emit(args, [{"id": f"INC-{i}", "created": p.existing is None, **c} for p, i, c in results],
                _imported_lines(results))
    return 0


def _imported_lines(results: list[tuple[ImportPlan, int, dict[str, int]]]) -> Iterator[str]:
    for plan, incident_id, counts in results:
        verb = "Updated" if plan.existing else "Imported"
        yield (f"{verb} INC-{incident_id}: {plan.report.title} ({counts['timeline']} updates, "
               f"{counts['components']} components, {counts['actions']} new proposed actions, "
               f"{counts['causes']} causes linked)")
        if plan.suggestions and not counts["causes"]:
            hint = ", ".join(s.slug for s in plan.suggestions[:3])
            yield f"  suggested root causes: {hint} (link with --cause SLUG)"


def _preview_lines(plan: ImportPlan) -> list[str]:
    report = plan.report
    when = report.started_at.isoformat(timespec="minutes") if report.started_at else "?"
    end = report.resolved_at.isoformat(timespec="minutes") if report.resolved_at else "not resolved"
    target = f"update INC-{plan.existing}" if plan.existing else "create a new incident"
    lines = [f"Would {target}: {report.title}",
             f"  {report.kind}, {report.status}, {plan.severity}, {when} -> {end}, company {report.company or '?'}",
             f"  {len(report.updates)} updates, {len(report.components)} components,"
             f" postmortem {'yes' if report.postmortem else 'no'}"]
    for suggestion in plan.suggestions[:5]:
        known = "" if suggestion.known else " (not in the taxonomy)"
        lines.append(f"  suggested cause: {suggestion.slug} ({', '.join(suggestion.keywords)}){known}")
    for number, (title, kind) in enumerate(plan.actions, start=1):
        lines.append(f"  proposed action {number} [{kind.value}]: {title}")
    lines += [f"  warning: {w}" for w in plan.warnings]
    return lines


def import_toml(settings: Settings, args: argparse.Namespace) -> int:
    from tracker.core.opening import open_database
    from tracker.exchange.toml_import import import_toml as load

    data = _read(args.file)
    with open_database(settings.db, create="empty") as db:
        counts = load(db, data, name=os.path.basename(args.file) if args.file != "-" else "stdin",
                      runbooks_dir=settings.runbooks_dir)
    print("Imported " + ", ".join(f"{n} {table}" for table, n in counts.items() if n))
    return 0


def export_toml(settings: Settings, args: argparse.Namespace) -> int:
    from tracker.cli.common import open_db
    from tracker.exchange.toml_export import export_toml as dump

    with open_db(settings) as db:
        data = dump(db)
    _write(args.file, data)
    if args.file != "-":
        print(f"Wrote {args.file} ({len(data):,} bytes)", file=sys.stderr)
    return 0


def export_md(settings: Settings, args: argparse.Namespace) -> int:
    from tracker.cli.common import open_db
    from tracker.exchange.postmortem_md import export_postmortem

    with open_db(settings) as db:
        text = export_postmortem(db, args.key)
    _write(args.output, text.encode("utf-8"))
    return 0


def export_csv(settings: Settings, args: argparse.Namespace) -> int:
    import io

    from tracker.cli.common import open_db
    from tracker.exchange.csv_io import export_actions_csv

    buffer = io.StringIO(newline="")
    with open_db(settings) as db:
        export_actions_csv(db, buffer)
    _write(args.output, buffer.getvalue().encode("utf-8"))
    return 0


def export_ics(settings: Settings, args: argparse.Namespace) -> int:
    from tracker.cli.common import open_db, output_path
    from tracker.core.validate import clean_owner
    from tracker.exchange.calendar_ics import export_ics as build

    owner = clean_owner(args.owner) if args.owner is not None else None
    path = output_path(args.output, settings, force=args.force) if args.output not in (None, "-") else None
    with open_db(settings) as db:
        data, count = build(db, now=settings.clock.now(), owner=owner)
    _write(None if path is None else str(path), data)
    if path is not None:
        print(f"Wrote {args.output} ({count} open actions)", file=sys.stderr)
    return 0
