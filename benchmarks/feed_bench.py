"""Importing a status page's history feed against parsing it with feedparser alone.

Usage::

    .venv/bin/python benchmarks/feed_bench.py [--entries 500] [--repeat 5] [--keep]

Generates an Atom history feed in the shape Statuspage-hosted pages publish (``history.atom``): ``--entries``
incidents, newest first, each with three to five updates as ``<small>`` stamps without a year and
``<strong>`` labels, one in ten with a postmortem block, every tenth a scheduled maintenance, entries spread over
two years so stamps cross New Year. Then, as subprocesses (wall clock, imports included, median of ``--repeat``
runs after one warm-up, the two interleaved):

* ``python -m tracker --db NEW import feed FILE`` into a fresh copy of an empty database;
* ``python -c "feedparser.parse(...)"`` on the same bytes, with the options the importer uses.

Goal: tracker / feedparser <= 3.0; the script prints PASS or MISS and exits 1 on a miss.
"""

from __future__ import annotations

import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from html import escape
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import add_keep, add_repeat, bench_parser, parse  # noqa: E402

GOAL = 3.0
TODAY = "2026-11-23"
SITE = "https://status.example-bench.test"
LABELS = ["Investigating", "Identified", "Update", "Monitoring"]
WORDS = ("delivery queue workers region database latency errors customers retries webhook dashboard sign-in "
         "exports certificate broker cluster node traffic backlog partition replica cache").split()


def env_for(folder: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKER_") and k != "PYTHONDONTWRITEBYTECODE"}
    env.update(TRACKER_TODAY=TODAY, TRACKER_USER="bench", PYTHONPYCACHEPREFIX=str(folder / "pycache"))
    return env


def _sentence(rng: random.Random) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 20))).capitalize() + "."


def _block(at: datetime, label: str, body: str) -> str:
    return (f"<p><small>{at:%b} <var data-var='date'>{at.day}</var>, <var data-var='time'>{at:%H:%M}</var> UTC"
            f"</small><br><strong>{label}</strong> - {escape(body)}</p>")


def history_feed(count: int, seed: int = 11) -> bytes:
    """An Atom history feed with ``count`` entries, newest first."""
    rng = random.Random(seed)
    newest = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
    entries = []
    for n in range(count):
        began = newest - timedelta(hours=(24 * 730 // max(count, 1)) * n + rng.randint(0, 5))
        steps = rng.randint(2, 4)
        moments = [began + timedelta(minutes=20 * i + rng.randint(0, 15)) for i in range(steps + 1)]
        labels = [rng.choice(LABELS) for _ in range(steps)] + ["Resolved"]
        maintenance = n % 10 == 9
        if maintenance:
            labels = ["Scheduled", "In progress", "Verifying", "Completed"][: len(moments) - 1] + ["Completed"]
        blocks = [_block(at, label, " ".join(_sentence(rng) for _ in range(rng.randint(1, 3))))
                  for at, label in zip(moments, labels, strict=True)]
        last = moments[-1]
        if n % 10 == 0:
            last = last + timedelta(days=2)
            blocks.append(_block(last, "Postmortem", " ".join(_sentence(rng) for _ in range(6))))
        html = "".join(reversed(blocks))
        if maintenance:
            html = f"<p><strong>THIS IS A SCHEDULED EVENT {moments[0]:%b %d, %H:%M} UTC</strong></p>" + html
        code = f"bn{n:08d}"
        entries.append(
            f"  <entry>\n    <id>tag:status.example-bench.test,2005:Incident/{100000 + n}</id>\n"
            f"    <published>{moments[-1]:%Y-%m-%dT%H:%M:%SZ}</published>\n"
            f"    <updated>{last:%Y-%m-%dT%H:%M:%SZ}</updated>\n"
            f"    <link rel=\"alternate\" type=\"text/html\" href=\"{SITE}/incidents/{code}\"/>\n"
            f"    <title>{escape(' '.join(rng.choice(WORDS) for _ in range(5)).capitalize())} (#{n})</title>\n"
            f"    <content type=\"html\">{escape(html)}</content>\n  </entry>\n")
    head = ('<?xml version="1.0" encoding="UTF-8"?>\n<feed xml:lang="en-US" xmlns="http://www.w3.org/2005/Atom">\n'
            f"  <id>tag:status.example-bench.test,2005:/history</id>\n"
            f'  <link rel="alternate" type="text/html" href="{SITE}"/>\n'
            "  <title>Bench Status - Incident History</title>\n  <updated>2026-11-03T12:00:00Z</updated>\n")
    return (head + "".join(entries) + "</feed>\n").encode()


def timed(args: list[str], env: dict[str, str], cwd: Path) -> float:
    started = time.perf_counter()
    done = subprocess.run(args, env=env, cwd=cwd, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"failed: {' '.join(args)}\n{done.stderr[-2000:]}")
    return elapsed


def main(argv: list[str] | None = None) -> int:
    parser = bench_parser(__doc__)
    parser.add_argument("--entries", type=int, default=500, help="entries in the generated feed (default 500)")
    add_repeat(parser, 5, "imports and parses")
    add_keep(parser, "temporary folder")
    args = parse(parser, argv)
    py = sys.executable
    folder = Path(tempfile.mkdtemp(prefix="tracker-feed-bench-"))
    try:
        env = env_for(folder)
        feed = folder / "history.atom"
        feed.write_bytes(history_feed(args.entries))
        empty = folder / "empty.db"
        timed([py, "-m", "tracker", "--db", str(empty), "init", "--empty"], env, folder)
        alone = [py, "-c", "import io, feedparser\n"
                           f"data = open({str(feed)!r}, 'rb').read()\n"
                           "feed = feedparser.parse(io.BytesIO(data), sanitize_html=True,"
                           " resolve_relative_uris=False)\n"
                           f"assert len(feed.entries) == {args.entries}"]
        imports, parses = [], []
        for round_ in range(args.repeat + 1):
            target = folder / f"import-{round_}.db"
            shutil.copyfile(empty, target)
            spent = timed([py, "-m", "tracker", "--db", str(target), "import", "feed", str(feed)], env, folder)
            floor = timed(alone, env, folder)
            if round_:
                imports.append(spent)
                parses.append(floor)
        check = subprocess.run([py, "-m", "tracker", "--db", str(folder / "import-1.db"), "incidents", "list",
                                "--json"], env=env, cwd=folder, capture_output=True, text=True, check=True)
        imported = check.stdout.count('"id": "INC-')
        ratio = statistics.median(imports) / statistics.median(parses)
        print(f"python {sys.version.split()[0]}; {os.cpu_count()} cpus; repeat {args.repeat} (median after a warm-up)")
        print(f"\nHistory feed: {args.entries:,} entries, {feed.stat().st_size / 1_048_576:.1f} MB;"
              f" {imported:,} incidents imported")
        print(f"  tracker import feed   {statistics.median(imports) * 1000:9.1f} ms")
        print(f"  feedparser.parse      {statistics.median(parses) * 1000:9.1f} ms")
        print(f"  ratio                 {ratio:9.2f}   goal <= {GOAL:g}: {'PASS' if ratio <= GOAL else 'MISS'}")
        if imported != args.entries:
            print(f"  expected {args.entries} incidents, found {imported}")
            return 1
        return 0 if ratio <= GOAL else 1
    finally:
        if args.keep:
            print(f"\nkept {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
