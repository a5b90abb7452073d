"""``tracker insights``: action SLOs, time to close, recurrence and prevention that did not prevent, over weeks.

Fit for cron like ``review``: no colour, no prompts; ``--format json`` prints one line.
"""

from __future__ import annotations

import argparse
import json
import sys

from tracker.config import Settings


def insights_run(settings: Settings, args: argparse.Namespace) -> int:
    from tracker.cli.common import open_db
    from tracker.core.insights import build_insights, window_bounds
    from tracker.core.insights.render import render_markdown, render_text

    today = settings.today_date()
    window_bounds(today, args.weeks)  # a bad --weeks is refused before the database is opened
    with open_db(settings) as db:
        insights = build_insights(db, today=today, weeks=args.weeks, targets=settings.slo_days)
    if args.format == "json":
        # One line, through json's C encoder (pretty-printing takes its pure-Python path).
        sys.stdout.write(json.dumps(insights.to_json(), ensure_ascii=False) + "\n")
    elif args.format == "md":
        sys.stdout.write(render_markdown(insights))
    else:
        sys.stdout.write(render_text(insights) + "\n")
    return 0
