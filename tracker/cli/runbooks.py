"""``tracker runbooks ...``: the runbooks folder, its index and its git repository."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING

from tracker.base.text import visible
from tracker.cli.output import echo
from tracker.config import Settings
from tracker.repo.workspace import RunbookWorkspace

if TYPE_CHECKING:
    from tracker.core.runbooks.files import RunbookFile
    from tracker.core.runbooks.index import RunbookRow
    from tracker.storage.database import Db


def _workspace(settings: Settings) -> tuple[Db, RunbookWorkspace]:
    from tracker.cli.common import open_db

    db = open_db(settings)
    return db, RunbookWorkspace(db, settings)


def runbooks_list(settings: Settings, args: argparse.Namespace) -> int:
    from tracker.cli import output as render
    from tracker.core.runbooks.index import list_runbooks

    db, space = _workspace(settings)
    with db:
        report = space.refresh()
        rows = list_runbooks(db, settings.today_date(), stale_only=args.stale)
    for error in report.errors:
        render.echo(f"tracker: warning: {visible(error)}", file=sys.stderr)
    render.emit(args, [r.to_json() for r in rows], _runbook_lines(rows))
    return 0


def _runbook_lines(rows: list[RunbookRow]) -> Iterator[str]:
    yield f"{'PATH':<48} {'OWNER':<14} {'REVIEWED':<10} {'STALE':<5} CAUSES"
    for row in rows:
        reviewed = row.last_reviewed.isoformat() if row.last_reviewed else "-"
        yield (f"{row.path:<48} {row.owner or '-':<14} {reviewed:<10} {'yes' if row.stale else '':<5} "
               f"{', '.join(row.root_causes) or '-'}")
        for reason in row.stale:
            yield f"{'':<48}   - {reason}"


def runbooks_new(settings: Settings, args: argparse.Namespace) -> int:
    from tracker.cli import output as render

    db, space = _workspace(settings)
    with db:
        path = space.new_runbook(args.path, title=args.title, causes=args.cause, owner=args.owner,
                                 services=args.services.split(","))
    render.emit(args, {"path": path},
                [f"Wrote {path} (not committed: edit it, then tracker runbooks commit -m MSG {path})"])
    return 0


def runbooks_show(settings: Settings, args: argparse.Namespace) -> int:
    from tracker.cli import output as render
    from tracker.core.runbooks.files import read_runbook
    from tracker.core.runbooks.index import list_runbooks

    db, space = _workspace(settings)
    with db:
        path = space.path(args.path)
        runbook = read_runbook(space.root, path)
        space.refresh()
        row = next((r for r in list_runbooks(db, settings.today_date()) if r.path == path), None)
    data = {**(row.to_json() if row else {"path": path}), "body": runbook.body}
    render.emit(args, data, _runbook_page(path, runbook, row))
    return 0


def _runbook_page(path: str, runbook: RunbookFile, row: RunbookRow | None) -> Iterator[str]:
    front = runbook.front
    yield f"{path}  {front.title}"
    yield (f"  owner {front.owner or '-'} · causes {', '.join(front.root_causes) or '-'}"
           f" · services {', '.join(front.services) or '-'}")
    reviewed = front.last_reviewed.isoformat() if front.last_reviewed else "never"
    yield f"  last reviewed {reviewed}, every {front.review_every_days or '-'} days"
    for reason in row.stale if row else ():
        yield f"  stale: {reason}"
    yield ""
    yield from runbook.body.splitlines()


def runbooks_status(settings: Settings, args: argparse.Namespace) -> int:
    from tracker.cli import output as render
    from tracker.repo import gitsync

    db, space = _workspace(settings)
    with db:
        state = gitsync.state(space._git())
        states = space.file_states()
    lines = [state.describe()]
    if state.operation:
        lines.append(f"  edit the conflicted files, then {gitsync.WAY_OUT}")
    lines += [f"  {label:<16} {path}" for path, label in sorted(states.states.items())]
    if not states.states:
        lines.append("  runbooks are clean")
    render.emit(args, {
        "branch": state.branch, "detached_at": state.detached_at, "remote": state.remote,
        "upstream": state.upstream, "ahead": state.ahead, "behind": state.behind,
        "operation": state.operation, "files": states.states,
    }, lines)
    return 0


def runbooks_commit(settings: Settings, args: argparse.Namespace) -> int:
    db, space = _workspace(settings)
    with db:
        info = space.commit(args.paths, args.message, refs=args.refs, closes=args.closes,
                            allow_secrets=args.allow_secrets, allow_invalid=args.allow_invalid)
    closes = f"; closed {', '.join(f'ACT-{n}' for n in info.closes)}" if info.closes else ""
    echo(f"Committed {info.short}: {info.subject}{closes}")
    return 0


def runbooks_pull(settings: Settings, args: argparse.Namespace) -> int:
    db, space = _workspace(settings)
    with db:
        echo(space.pull(rebase=args.rebase))
    return 0


def runbooks_push(settings: Settings, args: argparse.Namespace) -> int:
    db, space = _workspace(settings)
    with db:
        echo(space.push())
    return 0


def runbooks_sync(settings: Settings, args: argparse.Namespace) -> int:
    db, space = _workspace(settings)
    with db:
        echo(space.sync(rebase=not args.ff_only))
    return 0


def runbooks_abort(settings: Settings, args: argparse.Namespace) -> int:
    db, space = _workspace(settings)
    with db:
        space.abort_pull()
    print("Pull aborted: back to the state before it.")
    return 0


def runbooks_continue(settings: Settings, args: argparse.Namespace) -> int:
    db, space = _workspace(settings)
    with db:
        space.continue_pull(args.paths)
    print("Pull finished.")
    return 0
