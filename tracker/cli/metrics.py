"""``tracker metrics``: the tracker's state as Prometheus gauges, for node_exporter's textfile collector.

Run it from cron with ``-o /var/lib/node_exporter/textfile/tracker.prom``: the file is replaced
atomically on every run, so the collector never reads half of it.
"""

from __future__ import annotations

import argparse
import sys

from tracker.base.errors import InputError
from tracker.config import Settings


def metrics_run(settings: Settings, args: argparse.Namespace) -> int:
    from tracker.cli.common import open_db
    from tracker.exchange.destination import check_destination
    from tracker.exchange.metrics import collect, metrics_text, write_textfile

    # Rewriting the same file on every run is the point (force), but never the database or a folder.
    path = check_destination(args.output, settings.db, force=True) if args.output not in (None, "-") else None
    with open_db(settings) as db:
        registry = collect(db, today=settings.today_date(), targets=settings.slo_days)
    if path is None:
        sys.stdout.buffer.write(metrics_text(registry))
        sys.stdout.buffer.flush()
        return 0
    try:
        write_textfile(str(path), registry)
    except OSError as exc:
        raise InputError(f"{args.output}: cannot write ({exc.strerror})") from None
    if not path.name.endswith(".prom"):
        print(f"tracker: warning: {args.output}: node_exporter's textfile collector reads only *.prom files",
              file=sys.stderr)
    return 0
