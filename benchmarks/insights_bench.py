"""Insights at scale: ``tracker insights --format json`` on 100,000 actions against the demo data.

Usage::

    .venv/bin/python benchmarks/insights_bench.py [--actions 100000] [--incidents 10000] [--repeat 5] [--keep]

In a temporary folder it makes two databases: the demo catalog (``tracker init --demo``) and a large one
(``benchmarks/generate.py --actions N --incidents M``, the real migrations, data spread around 2026-11-23).
``generate.py`` links no incident to a root cause, so this script links each generated incident to one of
the ten causes as root (and every fifth to a second one as trigger), seeded, so the recurrence and
"did not prevent" parts have real work to do. Then it times ``python -m tracker --db DB insights --format
json`` on each as a subprocess (wall clock, imports included): one warm-up each, then ``--repeat`` runs
each, interleaved, and prints the medians and their ratio. ``tracker actions next --json`` is timed the same
way for context (no goal). Children run with ``TRACKER_TODAY=2026-11-23``, ``TRACKER_USER=bench``, no other
``TRACKER_*`` variable, bytecode cached under the temporary folder, and the temporary folder as working
directory. Each run must exit 0 and print the documented JSON.

Goal: t(large) / t(demo) <= 3.0 for ``insights --format json``. The script prints PASS or MISS.
"""

from __future__ import annotations

import json
import os
import random
import sqlite3
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import harness
from harness import TODAY, BenchError

GOAL_RATIO = 3.0
KEYS = ["window", "targets", "slo", "time_to_close", "recurrence", "did_not_prevent", "weekly"]


def link_causes(db: Path, seed: int = 7) -> int:
    """Link every incident to a root cause (and one in five to a second, as trigger); returns the links made."""
    rng = random.Random(seed)
    conn = sqlite3.connect(db)
    try:
        causes = [r[0] for r in conn.execute("SELECT id FROM root_cause ORDER BY id")]
        links = []
        for (incident_id,) in conn.execute("SELECT id FROM incident ORDER BY id").fetchall():
            root = rng.choice(causes)
            links.append((incident_id, root, "root"))
            if rng.random() < 0.2:
                links.append((incident_id, rng.choice([c for c in causes if c != root]), "trigger"))
        conn.executemany("INSERT INTO incident_root_cause (incident_id, root_cause_id, role, note)"
                         " VALUES (?, ?, ?, '')", links)
        conn.commit()
        return len(links)
    finally:
        conn.close()


def make_databases(workdir: Path, actions: int, incidents: int, env: dict[str, str]) -> dict[str, Path]:
    made = harness.demo_and_generated(workdir, actions, incidents, env)
    link_causes(made[f"{actions:,} actions"])
    return made


def run_once(db: Path, argv: list[str], *, env: dict[str, str], cwd: Path) -> tuple[float, object]:
    """One run of ``tracker --db DB ARGV``; returns its wall-clock seconds and the JSON it printed."""
    run = harness.run_child(f"{' '.join(argv)} on {db.name}", [sys.executable, "-m", "tracker", "--db", str(db),
                                                               *argv], env=env, cwd=cwd, timeout=300)
    try:
        return run.seconds, json.loads(run.stdout)
    except json.JSONDecodeError as exc:
        raise BenchError(f"{' '.join(argv)} on {db.name} printed no JSON ({exc})") from None


def insights_once(db: Path, *, env: dict[str, str], cwd: Path) -> float:
    seconds, data = run_once(db, ["insights", "--format", "json"], env=env, cwd=cwd)
    if not isinstance(data, dict) or list(data) != KEYS or data["window"]["end"] != TODAY:
        raise BenchError(f"insights on {db.name} printed unexpected JSON")
    return seconds


def next_once(db: Path, *, env: dict[str, str], cwd: Path) -> float:
    seconds, data = run_once(db, ["actions", "next", "--json"], env=env, cwd=cwd)
    if not isinstance(data, list) or not data or "why" not in data[0]:
        raise BenchError(f"actions next on {db.name} printed unexpected JSON")
    return seconds


def main(argv: list[str] | None = None) -> int:
    parser = harness.bench_parser(__doc__)
    parser.add_argument("--actions", type=int, default=100_000)
    parser.add_argument("--incidents", type=int, default=10_000)
    harness.add_repeat(parser, 5, "timed runs of each")
    harness.add_keep(parser, "databases")
    args = harness.parse(parser, argv)

    def bench(workdir: Path) -> None:
        env = harness.clean_env(workdir / "pycache")
        started = time.perf_counter()
        dbs = make_databases(workdir, args.actions, args.incidents, env)
        print(f"python {sys.version.split()[0]}; {os.cpu_count()} cpus; databases made in"
              f" {time.perf_counter() - started:.1f}s; median of {args.repeat} after 1 warm-up", flush=True)
        ratios = {}
        for name, once in (("insights --format json", insights_once), ("actions next --json", next_once)):
            runs = harness.interleaved(list(dbs.values()), lambda db, once=once: once(db, env=env, cwd=workdir),
                                       args.repeat)
            samples = dict(zip(dbs, runs, strict=True))
            medians = {label: harness.median_ms(values) for label, values in samples.items()}
            for label, ms in medians.items():
                spread = f"{min(samples[label]) * 1000:.0f}..{max(samples[label]) * 1000:.0f}"
                print(f"  {name}, {label:<16} {ms:8.1f} ms   (runs {spread} ms)", flush=True)
            small, large = medians.values()
            ratios[name] = large / small
        ratio = ratios["insights --format json"]
        print(f"  {harness.verdict(ratio, '<=', GOAL_RATIO)}  insights: t(large) / t(demo) = {ratio:.2f}"
              f"   (goal <= {GOAL_RATIO})")
        print(f"  (for context) actions next: t(large) / t(demo) = {ratios['actions next --json']:.2f}")

    return harness.in_workdir(bench, prefix="tracker-insights-bench-", keep=args.keep, kept="databases")


if __name__ == "__main__":
    sys.exit(main())
