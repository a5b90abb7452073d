"""``tracker review``: the weekly action review, printed, written to ``runbooks/reviews/``, committed.

Fit for cron: no colour, no prompts; the report goes to standard output, what was written or
committed to standard error (so ``--format json --write`` still prints pure JSON).
"""

from __future__ import annotations

import argparse
import json
import sys

from tracker.config import Settings


def review_run(settings: Settings, args: argparse.Namespace) -> int:
    from tracker.cli.common import open_db
    from tracker.cli.output import echo
    from tracker.core.review.render import render_text, report_document
    from tracker.repo.review_record import make_review, normal_week, write_record

    week = normal_week(args.week, settings)  # checked before the database is opened: a bad week changes nothing
    done: list[str] = []
    with open_db(settings) as db:
        if args.write or args.commit:
            record = write_record(db, settings, week, commit=args.commit)
            review = record.review
            done.append(f"Wrote {record.path}")
            if record.commit is not None:
                refs = f" (Refs: {', '.join(review.decided)})" if review.decided else ""
                done.append(f"Committed {record.commit.short}: {record.commit.subject}{refs}")
        else:
            review = make_review(db, settings, week)
    if args.format == "json":
        # One line, through json's C encoder: pretty-printing takes its pure-Python path (tens of ms).
        sys.stdout.write(json.dumps(review.to_json(), ensure_ascii=False) + "\n")
    elif args.format == "md":
        sys.stdout.write(report_document(review))
    else:
        sys.stdout.write(render_text(review) + "\n")
    for line in done:
        echo(line, file=sys.stderr)
    return 0
