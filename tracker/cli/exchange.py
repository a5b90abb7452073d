"""``tracker import ...`` and ``tracker export ...``: reports and feeds in, whole databases in and out."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING

from tracker.base.errors import InputError
from tracker.base.text import visible
from tracker.config import Settings

if TYPE_CHECKING:
    from datetime import datetime

    from tracker.exchange.feed import ParsedFeed
    from tracker.exchange.plan import ImportPlan


def _read(name: str, limit: int | None = None) -> bytes:
    """The bytes of FILE, or standard input for ``-`` (capped, regular files only); errors name the file."""
    from tracker.base.files import MAX_INPUT, read_capped

    return read_capped(name, stdin=sys.stdin.buffer, limit=limit or MAX_INPUT)


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
    from tracker.exchange.apply import PlanContext, apply_plan, plan_report
    from tracker.exchange.preview import preview_lines
    from tracker.exchange.statuspage import cause_rules, parse
    from tracker.identity import current_actor

    data = _read(args.file)
    source = "stdin" if args.file == "-" else os.path.basename(args.file)
    reports = parse(data, source)
    rules = cause_rules(settings.cause_rules)
    results = []
    with open_db(settings) as db:
        context = PlanContext.load(db, rules)
        plans = [plan_report(db, report, rules, context) for report in reports]
        if args.dry_run:
            render.emit(args, [p.to_json() for p in plans], (line for plan in plans for line in preview_lines(plan)))
            return 0
        actor = current_actor(settings)
        with db.write():  # several reports (incidents.json): all or none
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
            render.echo(f"tracker: warning: {visible(warning)}", file=sys.stderr)
    render.emit(args, [{"id": f"INC-{i}", "created": p.existing is None, **c} for p, i, c in results],
                _imported_lines(results))
    return 0


def _imported_lines(results: list[tuple[ImportPlan, int, dict[str, int]]]) -> Iterator[str]:
    for plan, incident_id, counts in results:
        yield _done_line(plan, incident_id, counts)
        if plan.suggestions and not counts["causes"]:
            hint = ", ".join(s.slug for s in plan.suggestions[:3])
            yield f"  suggested root causes: {hint} (link with --cause SLUG)"


def _done_line(plan: ImportPlan, incident_id: int, counts: dict[str, int]) -> str:
    from tracker.core.validate import scrub_title

    verb = "Updated" if plan.existing else "Imported"
    title = scrub_title(plan.report.title) or "(untitled report)"  # as stored
    return (f"{verb} INC-{incident_id}: {title} ({counts['timeline']} updates, "
            f"{counts['components']} components, {counts['actions']} new proposed actions, "
            f"{counts['causes']} causes linked)")


def import_feed(settings: Settings, args: argparse.Namespace) -> int:
    from tracker.cli import output as render
    from tracker.cli.common import open_db
    from tracker.exchange.apply import PlanContext, apply_plan, plan_report
    from tracker.exchange.feed import parse_feed
    from tracker.exchange.fetch import MAX_FEED_BYTES, fetch, is_url, shown_url
    from tracker.exchange.preview import preview_lines
    from tracker.exchange.statuspage import cause_rules
    from tracker.identity import current_actor

    since = _since(args.since)
    if not 0 < args.timeout <= 600:
        raise InputError(f"--timeout: give seconds from 0 to 600, not {args.timeout:g}")
    if is_url(args.file):
        source = shown_url(args.file)
        data = fetch(args.file, timeout=args.timeout, max_bytes=MAX_FEED_BYTES)
    else:
        source = "stdin" if args.file == "-" else os.path.basename(args.file)
        data = _read(args.file, MAX_FEED_BYTES)
    feed = parse_feed(data, source, since)
    if feed.entries and not feed.reports and feed.warnings and not feed.before_since:
        raise InputError(f"no entry of {source} could be read ({feed.warnings[0]})")
    rules = cause_rules(settings.cause_rules)
    with open_db(settings) as db:
        context = PlanContext.load(db, rules)
        plans = [plan_report(db, report, rules, context) for report in feed.reports]
        defaulted = _drop_default_severity_warnings(plans)
        notes = [*feed.warnings, *(w if w.startswith("entry ") else f"{p.report.link or p.report.title}: {w}"
                                   for p in plans for w in p.warnings)]
        if defaulted:
            notes.append(f"{defaulted} new incidents get severity SEV3 (a feed gives no impact level): review them")
        if args.dry_run:
            for note in notes:
                render.echo(f"tracker: warning: {visible(note)}", file=sys.stderr)
            render.emit(args, {**_feed_json(feed), "plans": [p.to_json() for p in plans]} if args.json else None,
                        [*(line for plan in plans for line in preview_lines(plan, warnings=False)),
                         _feed_summary(feed, plans, dry_run=True)])
            return 0
        actor = current_actor(settings)
        results = []
        with db.write():  # the whole feed or nothing
            for plan in plans:
                incident_id, counts = apply_plan(
                    db, plan, actor=actor, today=settings.today_date(), slo_days=settings.slo_days,
                    clock=settings.clock,
                )
                results.append((plan, incident_id, counts))
    for note in notes:
        render.echo(f"tracker: warning: {visible(note)}", file=sys.stderr)
    summary = {**_feed_json(feed), "incidents": [
        {"id": f"INC-{i}", "created": p.existing is None, "title": p.report.title, "link": p.report.link or None,
         **c} for p, i, c in results]}
    render.emit(args, summary,
                [*(_done_line(p, i, c) for p, i, c in results), _feed_summary(feed, plans, dry_run=False)])
    return 0


def _since(text: str | None) -> datetime | None:
    """``--since``: a day (``YYYY-MM-DD``, from its start in UTC) or an ISO 8601 time."""
    from datetime import UTC, date, datetime

    from tracker.base.timeutil import parse_datetime

    if text is None:
        return None
    try:
        return datetime.combine(date.fromisoformat(text.strip()), datetime.min.time(), tzinfo=UTC)
    except ValueError:
        pass
    try:
        return parse_datetime(text)
    except InputError as error:
        raise InputError(f"--since: {error} (or a day, YYYY-MM-DD)") from None


def _drop_default_severity_warnings(plans: list[ImportPlan]) -> int:
    """Take the per-entry "no impact level" warning out of the plans (a feed never gives one); how many."""
    count = 0
    for plan in plans:
        kept = [w for w in plan.warnings if not w.startswith("the report gives no impact level")]
        count += len(plan.warnings) - len(kept)
        plan.warnings[:] = kept
    return count


def _feed_json(feed: ParsedFeed) -> dict[str, object]:
    return {"feed": feed.title, "company": feed.company, "entries": feed.entries, "before_since": feed.before_since,
            "skipped": list(feed.warnings)}


def _feed_summary(feed: ParsedFeed, plans: list[ImportPlan], dry_run: bool) -> str:
    new = sum(1 for p in plans if p.existing is None)
    verb = "would import" if dry_run else "imported"
    parts = [f"{feed.entries} entries: {verb} {len(plans)} ({new} new, {len(plans) - new} updated)"]
    if feed.warnings:
        parts.append(f"{len(feed.warnings)} unreadable, skipped")
    if feed.before_since:
        parts.append(f"{feed.before_since} last updated before --since")
    return f"{feed.title or 'Feed'}: " + "; ".join(parts)


def import_toml(settings: Settings, args: argparse.Namespace) -> int:
    from tracker.cli import output as render
    from tracker.core.opening import open_database
    from tracker.exchange.toml_import import import_toml as load

    data = _read(args.file)
    with open_database(settings.db, create="empty") as db:
        counts = load(db, data, name=os.path.basename(args.file) if args.file != "-" else "stdin",
                      runbooks_dir=settings.runbooks_dir)
    render.echo("Imported " + ", ".join(f"{n} {table}" for table, n in counts.items() if n))
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


def export_ics(settings: Settings, args: argparse.Namespace) -> int:
    from tracker.cli.common import open_db
    from tracker.cli.output import echo
    from tracker.core.validate import clean_owner
    from tracker.exchange.calendar_ics import export_ics as build

    owner = clean_owner(args.owner) if args.owner is not None else None
    _destination(settings, args.output, args.force)  # refused before any work
    with open_db(settings) as db:
        data, count = build(db, now=settings.clock.now(), owner=owner)
    _write(settings, args.output, data, args.force)
    if args.output not in (None, "-"):
        echo(f"Wrote {visible(args.output)} ({count} open actions)", file=sys.stderr)
    return 0
