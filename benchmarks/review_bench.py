"""The weekly review at scale: ``tracker review --format json`` on 100,000 actions against the demo data.

Usage::

    .venv/bin/python benchmarks/review_bench.py [--actions 100000] [--incidents 10000] [--repeat 5]
        [--suggested-indexes] [--keep]

In a temporary folder it makes two databases: the demo catalog (``tracker init --demo``) and a large
one (``benchmarks/generate.py --actions N --incidents M``, the real migrations, data spread around
2026-11-23). Then it times ``python -m tracker --db DB review --format json`` on each as a
subprocess (wall clock, imports included), one warm-up each, then ``--repeat`` runs each,
interleaved, and prints the medians and their ratio. Children run with ``TRACKER_TODAY=2026-11-23``,
``TRACKER_USER=bench``, no other ``TRACKER_*`` variable, bytecode cached under the temporary folder,
and the temporary folder as working directory (no ``tracker.toml``, no runbooks). Each run must
exit 0 and print JSON with the review's keys.

``--suggested-indexes`` first adds ``SUGGESTED_INDEXES`` to both databases (not a schema change: only
these benchmark copies), to show what they are worth; the review uses them when they exist.

Goal: t(large) / t(demo) <= 3.0. The script prints PASS or MISS.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import harness
from harness import BenchError

GOAL_RATIO = 3.0

SUGGESTED_INDEXES = (
    "CREATE INDEX ix_action_owner_status_due_date ON action (owner, status, due_date)",
    "CREATE INDEX ix_action_status_updated_at ON action (status, updated_at)",
    "CREATE INDEX ix_action_status_completed_at ON action (status, completed_at)",
    "CREATE INDEX ix_action_created_at ON action (created_at)",
    "CREATE INDEX ix_action_runbook_path_root_cause_id ON action (runbook_path, root_cause_id)",
    "CREATE INDEX ix_action_event_at ON action_event (at)",
)
"""Indexes that serve the review's per-owner load, stale count, closures, trend, runbook coverage, decisions."""


def make_databases(workdir: Path, actions: int, incidents: int, env: dict[str, str]) -> dict[str, Path]:
    return harness.demo_and_generated(workdir, actions, incidents, env)


def add_indexes(db: Path) -> None:
    conn = sqlite3.connect(db)
    try:
        for sql in SUGGESTED_INDEXES:
            conn.execute(sql)
        conn.commit()
    finally:
        conn.close()


def review_once(db: Path, *, env: dict[str, str], cwd: Path) -> float:
    """One ``review --format json`` run; returns its wall-clock seconds."""
    argv = [sys.executable, "-m", "tracker", "--db", str(db), "review", "--format", "json"]
    started = time.perf_counter()
    done = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise BenchError(f"review on {db.name} exited {done.returncode}: {done.stderr.strip()[-300:]}")
    try:
        data = json.loads(done.stdout)
    except json.JSONDecodeError as exc:
        raise BenchError(f"review on {db.name} printed no JSON ({exc})") from None
    if data.get("week") != "2026-W48" or "counts" not in data:
        raise BenchError(f"review on {db.name} printed unexpected JSON (keys {sorted(data)[:5]}...)")
    return seconds


def main(argv: list[str] | None = None) -> int:
    parser = harness.bench_parser(__doc__)
    parser.add_argument("--actions", type=int, default=100_000)
    parser.add_argument("--incidents", type=int, default=10_000)
    harness.add_repeat(parser, 5, "timed runs of each")
    parser.add_argument("--suggested-indexes", action="store_true",
                        help="add SUGGESTED_INDEXES to both databases before timing")
    harness.add_keep(parser, "databases")
    args = harness.parse(parser, argv)

    def bench(workdir: Path) -> None:
        env = harness.clean_env(workdir / "pycache")
        started = time.perf_counter()
        dbs = make_databases(workdir, args.actions, args.incidents, env)
        if args.suggested_indexes:
            for db in dbs.values():
                add_indexes(db)
        print(f"python {sys.version.split()[0]}; {os.cpu_count()} cpus; databases made in"
              f" {time.perf_counter() - started:.1f}s; median of {args.repeat} after 1 warm-up"
              f"{'; with the suggested indexes' if args.suggested_indexes else ''}", flush=True)
        runs = harness.interleaved(list(dbs.values()), lambda db: review_once(db, env=env, cwd=workdir), args.repeat)
        samples = dict(zip(dbs, runs, strict=True))
        medians = {label: harness.median_ms(values) for label, values in samples.items()}
        for label, ms in medians.items():
            spread = f"{min(samples[label]) * 1000:.0f}..{max(samples[label]) * 1000:.0f}"
            print(f"  review --format json, {label:<16} {ms:8.1f} ms   (runs {spread} ms)")
        small, large = medians.values()
        ratio = large / small
        state = "PASS" if ratio <= GOAL_RATIO else "MISS"
        print(f"  {state}  t(large) / t(demo) = {ratio:.2f}   (goal <= {GOAL_RATIO})")

    return harness.in_workdir(bench, prefix="tracker-review-bench-", keep=args.keep, kept="databases")


if __name__ == "__main__":
    sys.exit(main())
