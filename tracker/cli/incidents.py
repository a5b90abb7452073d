"""``tracker incidents``: list, show, add and change incidents, write their timeline, link their causes."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from typing import Any

from tracker.base.enums import CauseRole, IncidentKind, IncidentStatus, Severity, parse_enum
from tracker.base.errors import InputError
from tracker.base.timeutil import parse_moment
from tracker.cli.common import actor, open_db, refresh_runbooks
from tracker.config import Settings


def incidents_list(settings: Settings, args: argparse.Namespace) -> int:
    from tracker.cli import output as render
    from tracker.core.incidents import last_incidents, list_incidents

    if args.limit is not None and args.limit < 1:
        raise InputError(f"--limit {args.limit}: expected a positive number")
    with open_db(settings) as db:
        # Newest first, as the app lists them; --limit keeps the newest N. The JSON lists oldest first, as always.
        rows = list_incidents(db) if args.limit is None else last_incidents(db, args.limit)
        render.emit(args, [r.to_json() for r in rows],
                    render.incident_lines(reversed(rows), render.terminal_width(sys.stdout)))
    return 0


def incidents_show(settings: Settings, args: argparse.Namespace) -> int:
    from tracker.cli import output as render
    from tracker.core.incidents import get_incident

    with open_db(settings) as db:
        refresh_runbooks(db, settings)
        detail = get_incident(db, args.key)
        render.emit(args, detail.to_json(), render.incident_detail(detail, settings.today_date()))
    return 0


def _moment(text: str | None, settings: Settings, what: str, *, clearable: bool = False) -> Any:
    """A time flag's value: None when not given, ``""`` clears it (where allowed), else ``now`` or ISO 8601."""
    if text is None:
        return None
    if clearable and text.strip() == "":
        return ""
    return parse_moment(text, settings.clock.now(), what)


def _check_version(expected: int | None) -> None:
    if expected is not None and expected < 1:
        raise InputError(f"--expect-version {expected}: versions start at 1")


def incidents_add(settings: Settings, args: argparse.Namespace) -> int:
    from tracker.cli import output as render
    from tracker.core.incidents.changes import add_incident

    started = _moment(args.started, settings, "--started")
    with open_db(settings) as db:
        row = add_incident(
            db, title=args.title, started_at=started, actor=actor(settings),
            severity=parse_enum(Severity, args.severity, "severity"),
            kind=parse_enum(IncidentKind, args.kind, "kind"),
            status=parse_enum(IncidentStatus, args.status, "status"),
            detected_at=_moment(args.detected, settings, "--detected"),
            mitigated_at=_moment(args.mitigated, settings, "--mitigated"),
            resolved_at=_moment(args.resolved, settings, "--resolved"),
            summary=args.summary, impact=args.impact, customer_action=args.customer_action, source=args.source,
            components=args.component or [], note=args.note, clock=settings.clock,
        )
        render.emit(args, row.to_json(), [f"Added {row.key} ({row.severity}, {row.status}): {row.title}"])
    return 0


def incidents_update(settings: Settings, args: argparse.Namespace) -> int:
    from tracker.cli import output as render
    from tracker.core.incidents.changes import IncidentChanges, update_incident

    _check_version(args.expect_version)
    values: dict[str, Any] = {}
    for name in ("title", "summary", "impact", "customer_action", "source"):
        if getattr(args, name) is not None:
            values[name] = getattr(args, name)
    for name, enum in (("severity", Severity), ("kind", IncidentKind), ("status", IncidentStatus)):
        if getattr(args, name) is not None:
            values[name] = parse_enum(enum, getattr(args, name), name)
    for flag in ("started", "detected", "mitigated", "resolved"):
        value = _moment(getattr(args, flag), settings, f"--{flag}", clearable=flag != "started")
        if value is not None:
            values[f"{flag}_at"] = None if value == "" else value
    changes = IncidentChanges(**values, add_components=tuple(args.add_component or ()),
                              remove_components=tuple(args.remove_component or ()))
    with open_db(settings) as db:
        row = update_incident(db, args.key, changes, actor=actor(settings), expected_version=args.expect_version,
                              note=args.note, force=args.force, clock=settings.clock)
        render.emit(args, row.to_json(),
                    [f"Updated {row.key} (now version {row.version}): {row.status}, {row.severity}"])
    return 0


def incidents_log(settings: Settings, args: argparse.Namespace) -> int:
    from tracker.cli import output as render
    from tracker.core.incidents.timeline import log_entry

    _check_version(args.expect_version)
    at: datetime | None = _moment(args.at, settings, "--at")
    with open_db(settings) as db:
        entry = log_entry(db, args.key, args.text, actor=actor(settings), at=at, label=args.label,
                          expected_version=args.expect_version, clock=settings.clock)
        render.emit(args, entry.to_json(),
                    [f"Logged #{entry.id} on {args.key.strip().upper()} at {render.when(entry.at)} UTC"])
    return 0


def incidents_log_edit(settings: Settings, args: argparse.Namespace) -> int:
    from tracker.cli import output as render
    from tracker.core.incidents.changes import UNSET
    from tracker.core.incidents.timeline import edit_entry

    _check_version(args.expect_version)
    at = _moment(args.at, settings, "--at", clearable=True)
    with open_db(settings) as db:
        entry = edit_entry(
            db, args.key, args.entry, actor=actor(settings),
            text=UNSET if args.text is None else args.text,
            at=UNSET if at is None else (None if at == "" else at),
            label=UNSET if args.label is None else args.label,
            note=args.note, expected_version=args.expect_version, clock=settings.clock,
        )
        render.emit(args, entry.to_json(),
                    [f"Corrected #{entry.id}: {render.when(entry.at)} {render.one_line(entry.body, 80)}"])
    return 0


def incidents_log_rm(settings: Settings, args: argparse.Namespace) -> int:
    from tracker.cli import output as render
    from tracker.core.incidents.timeline import parse_entry_id, remove_entry

    _check_version(args.expect_version)
    with open_db(settings) as db:
        remove_entry(db, args.key, args.entry, actor=actor(settings), note=args.note,
                     expected_version=args.expect_version, clock=settings.clock)
    render.echo(f"Removed #{parse_entry_id(args.entry)} (kept in the history)")
    return 0


def incidents_link(settings: Settings, args: argparse.Namespace) -> int:
    from tracker.cli import output as render
    from tracker.core.incidents.links import link_cause

    _check_version(args.expect_version)
    role = parse_enum(CauseRole, args.role, "role")
    with open_db(settings) as db:
        row = link_cause(db, args.key, args.slug, role, actor=actor(settings), note=args.note,
                         expected_version=args.expect_version, clock=settings.clock)
        causes = ", ".join(f"{c.slug} ({c.role})" for c in row.root_causes)
        render.emit(args, row.to_json(), [f"Linked on {row.key}: {causes}"])
    return 0


def incidents_unlink(settings: Settings, args: argparse.Namespace) -> int:
    from tracker.cli import output as render
    from tracker.core.incidents.links import unlink_cause

    _check_version(args.expect_version)
    with open_db(settings) as db:
        row = unlink_cause(db, args.key, args.slug, actor=actor(settings), note=args.note,
                           expected_version=args.expect_version, clock=settings.clock)
        causes = ", ".join(f"{c.slug} ({c.role})" for c in row.root_causes) or "none"
        render.emit(args, row.to_json(), [f"Unlinked from {row.key}; causes now: {causes}"])
    return 0
