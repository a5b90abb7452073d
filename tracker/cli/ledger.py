"""``tracker sync`` and ``tracker ledger ...``: the team ledger in the runbooks' repository."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING

from tracker.base.errors import TrackerError
from tracker.cli.common import actor
from tracker.config import Settings

if TYPE_CHECKING:
    from tracker.repo.ledger.service import ConflictRow, TeamLedger
    from tracker.repo.ledger.sync import SyncReport


def _ledger(settings: Settings) -> TeamLedger:
    from tracker.repo.ledger.replica import LedgerError
    from tracker.repo.ledger.service import POSTGRES_EITHER_OR, TeamLedger
    from tracker.storage.database import sqlite_path

    if settings.db_given and sqlite_path(settings.db) is None:
        raise LedgerError(f"the database is PostgreSQL: {POSTGRES_EITHER_OR}")
    return TeamLedger(settings, actor(settings))


def _report(args: argparse.Namespace, report: SyncReport) -> None:
    from tracker.cli import output as render

    render.emit(args, {"remote": report.remote, "fetched": report.fetched, "pushed": report.pushed,
                       "numbered": report.numbered, "commit": report.commit, "started": report.started,
                       "read_only": report.read_only}, [report.describe()])


def sync_run(settings: Settings, args: argparse.Namespace) -> int:
    """The ledger (joining it on a clone's first sync), then the runbooks as ``runbooks sync`` does."""
    from tracker.cli.common import open_db
    from tracker.repo import gitsync
    from tracker.repo.ledger.service import POSTGRES_EITHER_OR
    from tracker.repo.workspace import RunbookWorkspace
    from tracker.storage.database import sqlite_path

    lines: list[str] = []
    problems: list[str] = []
    ledger = None
    if settings.db_given and sqlite_path(settings.db) is None:
        lines.append(f"ledger: not used ({POSTGRES_EITHER_OR}; the team shares its data there)")
    else:
        ledger = _ledger(settings)
        if not ledger.exists():
            try:
                remote = gitsync.ledger_remote(ledger.git_dir)
                joined = gitsync.remote_has_ref(ledger.git_dir, remote, ledger.remote_ref)
            except TrackerError as error:
                problems.append(f"ledger: {error}")
                joined = False
            if joined:
                ledger.sync()
                lines.append(f"ledger: joined the team's ledger on {remote}")
            elif not problems:
                lines.append("ledger: none on the remote yet (tracker ledger init starts one from this database)")
                ledger = None
    with open_db(settings) as db:
        space = RunbookWorkspace(db, settings)
        try:
            lines.append(f"runbooks: {space.pull(rebase=True)}")
        except TrackerError as error:
            problems.append(f"runbooks: {error}")
    if ledger is not None and ledger.exists():
        report = ledger.sync()
        lines.append(report.describe())
    if not problems or not any(p.startswith("runbooks") for p in problems):
        try:
            lines.append(f"runbooks: {space.push()}")
        except TrackerError as error:
            problems.append(f"runbooks: {error}")
    from tracker.cli import output as render

    render.emit(args, {"done": lines, "problems": problems}, lines)
    for problem in problems:
        print(f"tracker: error: {problem}", file=sys.stderr)
    return 1 if problems else 0


def ledger_init(settings: Settings, args: argparse.Namespace) -> int:
    report = _ledger(settings).init(settings.db)
    print(f"Started the team ledger on {report.remote} from {settings.db}: {report.pushed} operations"
          f" ({settings.db} is left as it was; commands in this repository now use the ledger)")
    return 0


def ledger_sync(settings: Settings, args: argparse.Namespace) -> int:
    _report(args, _ledger(settings).sync())
    return 0


def ledger_status(settings: Settings, args: argparse.Namespace) -> int:
    from tracker.cli import output as render
    from tracker.repo.ledger.service import conflict_rows

    ledger = _ledger(settings)
    db, replica = ledger.open()
    with db:
        state = ledger.state(db, replica)
        rows = conflict_rows(db)
    render.emit(args, {**state.to_json(), "items": [r.to_json() for r in rows]},
                [state.describe(), *_conflict_lines(rows)])
    return 0


def ledger_conflicts(settings: Settings, args: argparse.Namespace) -> int:
    from tracker.cli import output as render
    from tracker.repo.ledger.service import conflict_rows

    db, _ = _ledger(settings).open()
    with db:
        rows = conflict_rows(db)
    render.emit(args, [r.to_json() for r in rows], _conflict_lines(rows) if rows else ["no conflicts"])
    return 0


def _conflict_lines(rows: list[ConflictRow]) -> Iterator[str]:
    from tracker.base.text import shown

    for row in rows:
        if row.kind == "flag":
            for flag in row.flags:
                yield f"{row.label}: {flag}"
            continue
        yield f"{row.label} {row.field}: changed on two clones at once (the last one applies)"
        for number, value in enumerate(row.values, start=1):
            yield f"  {number}. {shown(str(value['shown']), 60)}  by {value['actor'] or '?'} at {value['wall'][:16]}"
        named = f"'{row.label}'" if " " in row.label else row.label
        yield f"  keep one: tracker ledger resolve {named} {row.field} --pick N"


def ledger_resolve(settings: Settings, args: argparse.Namespace) -> int:
    from tracker.repo.ledger.service import resolve_conflict

    db, replica = _ledger(settings).open()
    with db:
        chosen = resolve_conflict(db, replica, args.key, args.field, pick=args.pick, value=args.value)
    print(f"{args.key} {args.field}: kept {chosen!r} (shared at the next sync)")
    return 0


def ledger_rebuild(settings: Settings, args: argparse.Namespace) -> int:
    ledger = _ledger(settings)
    db, _ = ledger.open()
    with db:
        count = ledger.rebuild(db)
    print(f"Rebuilt {count} incidents, causes and actions from the ledger's operations.")
    return 0


def ledger_doctor(settings: Settings, args: argparse.Namespace) -> int:
    from tracker.cli import output as render

    ledger = _ledger(settings)
    db, _ = ledger.open()
    with db:
        problems = ledger.doctor(db)
    render.emit(args, {"ok": not problems, "problems": problems}, problems or ["the replica equals a full rebuild"])
    return 1 if problems else 0
