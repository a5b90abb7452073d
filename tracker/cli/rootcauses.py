"""``tracker rootcauses``: the root-cause taxonomy."""

from __future__ import annotations

import argparse

from tracker.cli.common import open_db, refresh_runbooks
from tracker.config import Settings


def rootcauses_list(settings: Settings, args: argparse.Namespace) -> int:
    from tracker.cli import output as render
    from tracker.core.rootcauses import list_root_causes

    with open_db(settings) as db:
        refresh_runbooks(db, settings)
        rows = list_root_causes(db)
        render.emit(args, [r.to_json() for r in rows], render.cause_lines(rows))
    return 0


def rootcauses_show(settings: Settings, args: argparse.Namespace) -> int:
    from tracker.cli import output as render
    from tracker.core.rootcauses import get_root_cause

    with open_db(settings) as db:
        refresh_runbooks(db, settings)
        row = get_root_cause(db, args.slug)
        render.emit(args, row.to_json(), render.cause_detail(row))
    return 0
