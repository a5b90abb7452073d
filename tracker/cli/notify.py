"""``tracker notify``: the day's digest (overdue, due soon, past SLO, stale runbooks, by owner) to a webhook.

The URL comes from ``--webhook``, else ``TRACKER_WEBHOOK_URL``, else ``[notify] webhook_url``; it is a
secret, shown only as its scheme and host. ``--dry-run`` prints the payload and sends nothing.
"""

from __future__ import annotations

import argparse
import json
import sys

from tracker.base.errors import InputError
from tracker.config import Settings


def notify_run(settings: Settings, args: argparse.Namespace) -> int:
    from tracker.cli.common import open_db
    from tracker.core.digest import build_digest
    from tracker.core.runbooks.index import list_runbooks
    from tracker.exchange.webhook import check_url, json_payload, post_json, shown_url, slack_payload

    if not 0 < args.timeout <= 300:
        raise InputError(f"--timeout {args.timeout:g}: expected more than 0 and at most 300 seconds")
    url = args.webhook if args.webhook is not None else settings.webhook_url
    if not args.dry_run:
        if not url:
            raise InputError("no webhook URL: give --webhook URL, set TRACKER_WEBHOOK_URL, or [notify] webhook_url"
                             " in tracker.toml")
        url = check_url(url)
    today = settings.today_date()
    with open_db(settings) as db:
        digest = build_digest(db, today=today, targets=settings.slo_days, runbooks=list_runbooks(db, today))
    payload = slack_payload(digest) if args.format == "slack" else json_payload(digest)
    if args.dry_run:
        sys.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2) + "\n")
        return 0
    assert url is not None
    status = post_json(url, payload, timeout=args.timeout, clock=settings.clock)
    counts = digest.counts
    print(f"Posted the digest to {shown_url(url)} (HTTP {status}): {counts['overdue']} overdue, {counts['due_soon']}"
          f" due soon, {counts['breaching']} more past their SLO, {counts['stale_runbooks']} stale runbooks",
          file=sys.stderr)
    return 0
