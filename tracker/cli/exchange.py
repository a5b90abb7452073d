"""``tracker import ...`` and ``tracker export ...``: reports in, whole databases in and out."""

from __future__ import annotations

import argparse
import os
import sys

from tracker.base.text import visible
from tracker.config import Settings


def _read(name: str) -> bytes:
    """The bytes of FILE, or standard input for ``-`` (capped, regular files only); errors name the file."""
    from tracker.base.files import read_capped

    return read_capped(name, stdin=sys.stdin.buffer)


def _destination(settings: Settings, name: str | None, force: bool) -> None:
    """Refuse a bad output before any work: the database itself, an existing file without --force."""
    from tracker.exchange.destination import check_destination, check_stream

    if name in (None, "-"):
        try:
            fd = sys.stdout.fileno()
        except (OSError, ValueError):  # not a file (captured): it cannot be the database
            return
        check_stream(fd, settings.db)
    else:
        check_destination(name, settings.db, force=force)


def _write(settings: Settings, name: str | None, data: bytes, force: bool) -> None:
    """Write atomically to FILE (never a half-written file, never the database), or to standard output."""
    if name in (None, "-"):
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    from tracker.exchange.destination import write_export

    write_export(name, data, settings.db, force=force)


def import_statuspage(settings: Settings, args: argparse.Namespace) -> int:
    from tracker.cli import output as render
    from tracker.cli.common import open_db
    from tracker.core.validate import scrub_title
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
            if args.json:
                render.write_json(sys.stdout, [p.to_json() for p in plans])
            else:
                for plan in plans:
                    render.write_lines(sys.stdout, _preview_lines(plan))
            return 0
        actor = current_actor(settings)
        for plan in plans:
            causes = list(args.cause)
            if args.accept_suggested:
                best = next((s.slug for s in plan.suggestions if s.known), None)
                if best and best not in causes:
                    causes.append(best)
            incident_id, counts = apply_plan(
                db, plan, actor=actor, today=settings.today_date(), due_days=settings.due_days, causes=causes,
                actions=[] if args.no_actions else None, clock=settings.clock,
            )
            results.append((plan, incident_id, counts))
    for plan, _, _ in results:
        for warning in plan.warnings:
            render.echo(f"tracker: warning: {visible(warning)}", file=sys.stderr)
    if args.json:
        render.write_json(sys.stdout, [
            {"id": f"INC-{i}", "created": p.existing is None, **c} for p, i, c in results
        ])
    else:
        for plan, incident_id, counts in results:
            verb = "Updated" if plan.existing else "Imported"
            title = scrub_title(plan.report.title) or "(untitled report)"  # as stored
            render.echo(f"{verb} INC-{incident_id}: {title} ({counts['timeline']} updates, "
                  f"{counts['components']} components, {counts['actions']} new proposed actions, "
                  f"{counts['causes']} causes linked)")
            if plan.suggestions and not counts["causes"]:
                hint = ", ".join(s.slug for s in plan.suggestions[:3])
                render.echo(f"  suggested root causes: {hint} (link with --cause SLUG)")
    return 0


def _preview_lines(plan) -> list[str]:  # type: ignore[no-untyped-def]
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
    from tracker.cli.output import echo
    from tracker.core.opening import open_database
    from tracker.exchange.toml_import import import_toml as load

    data = _read(args.file)
    with open_database(settings.db, create="empty") as db:
        counts = load(db, data, name=os.path.basename(args.file) if args.file != "-" else "stdin")
    echo("Imported " + ", ".join(f"{n} {table}" for table, n in counts.items() if n))
    return 0


def export_toml(settings: Settings, args: argparse.Namespace) -> int:
    from tracker.cli.common import open_db
    from tracker.cli.output import echo
    from tracker.exchange.toml_export import export_toml as dump

    _destination(settings, args.file, args.force)
    with open_db(settings) as db:
        data = dump(db)
    _write(settings, args.file, data, args.force)
    if args.file != "-":
        echo(f"Wrote {visible(args.file)} ({len(data):,} bytes)", file=sys.stderr)
    return 0


def export_md(settings: Settings, args: argparse.Namespace) -> int:
    from tracker.cli.common import open_db
    from tracker.exchange.postmortem_md import export_postmortem

    _destination(settings, args.output, args.force)
    with open_db(settings) as db:
        text = export_postmortem(db, args.key)
    _write(settings, args.output, text.encode("utf-8"), args.force)
    return 0


def export_csv(settings: Settings, args: argparse.Namespace) -> int:
    import io

    from tracker.cli.common import open_db
    from tracker.exchange.csv_io import export_actions_csv

    _destination(settings, args.output, args.force)
    buffer = io.StringIO(newline="")
    with open_db(settings) as db:
        export_actions_csv(db, buffer)
    _write(settings, args.output, buffer.getvalue().encode("utf-8"), args.force)
    return 0
