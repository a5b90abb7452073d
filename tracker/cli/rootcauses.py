"""``tracker rootcauses``: the root-cause taxonomy."""

from __future__ import annotations

import argparse
import sys

from tracker.cli.common import open_db, refresh_runbooks
from tracker.config import Settings


def rootcauses_list(settings: Settings, args: argparse.Namespace) -> int:
    from tracker.cli import output as render
    from tracker.core.rootcauses import list_root_causes

    with open_db(settings) as db:
        refresh_runbooks(db, settings)
        rows = list_root_causes(db)
        if args.json:
            render.write_json(sys.stdout, [r.to_json() for r in rows])
        else:
            render.write_lines(sys.stdout, render.cause_lines(rows))
    return 0


def rootcauses_show(settings: Settings, args: argparse.Namespace) -> int:
    from tracker.cli import output as render
    from tracker.core.rootcauses import get_root_cause

    with open_db(settings) as db:
        refresh_runbooks(db, settings)
        row = get_root_cause(db, args.slug)
        if args.json:
            render.write_json(sys.stdout, row.to_json())
        else:
            render.write_lines(sys.stdout, render.cause_detail(row))
    return 0
