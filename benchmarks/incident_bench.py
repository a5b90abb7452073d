"""Time one incident's detail, in the command line and in the app, at 10,000 incidents against a small database.

Usage (with the project's venv)::

    .venv/bin/python benchmarks/incident_bench.py [--incidents 10000] [--entries 200] [--repeat 7] [--keep]

Two databases are made with ``generate.py`` and then given, with plain ``sqlite3``, the same shape of
incident history: ``--entries`` timeline entries and 20 history events for every incident, and two
root-cause links each. The large one has ``--incidents`` incidents (and 2 actions per incident); the
small one a single incident (and 2 actions). The incident measured is the middle one of each.

1. ``tracker incidents show INC-n`` and ``tracker incidents show INC-n --json``, each as a whole
   process (interpreter start-up included), median of ``--repeat`` interleaved runs after a warm-up.
2. The app's incident detail screen: in one headless app per database (``App.run_test``), the time
   from pushing the screen to the moment it has drawn the loaded incident, ``--repeat`` times.

Goal (issue: "own incidents"): each large / small ratio at most 1.2.
"""

from __future__ import annotations

import json
import random
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import (  # noqa: E402
    add_keep,
    add_repeat,
    bench_parser,
    clean_env,
    goal,
    in_workdir,
    interleaved,
    median_ms,
    missing_modules,
    parse,
    print_goals,
    python_line,
    run_child,
)

GENERATE = Path(__file__).resolve().parent / "generate.py"
GOAL = 1.2
EVENTS_PER_INCIDENT = 20

SCREEN_CHILD = """\
import asyncio, json, sys, time
from tracker.config import load_settings
from tracker.core.opening import open_database
from tracker.tui.app import make_app
from tracker.tui.screens.incident_detail import IncidentScreen
from tracker.tui.store import Store

db, key, repeat = sys.argv[1], sys.argv[2], int(sys.argv[3])
drawn = []
original = IncidentScreen.on_incident_loaded

def hooked(self, message):
    original(self, message)
    drawn.append(time.perf_counter())

IncidentScreen.on_incident_loaded = hooked

async def main():
    settings = load_settings(db=db)
    app = make_app(Store(open_database(db, create=None), settings, "bench"), start="incidents")
    times = []
    async with app.run_test(size=(160, 50)) as pilot:
        await app.workers.wait_for_complete()
        for _ in range(repeat + 1):
            drawn.clear()
            start = time.perf_counter()
            app.open_incident(key)
            while not drawn:
                await pilot.pause(0.001)
            await pilot.pause()
            times.append(drawn[0] - start)
            app.pop_screen()
            await pilot.pause()
    print(json.dumps(times[1:]))

asyncio.run(main())
"""


def add_history(path: Path, entries: int, seed: int) -> int:
    """Give every incident ``entries`` timeline entries, 20 history events and two cause links; returns
    the middle incident's id."""
    rng = random.Random(seed)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    with sqlite3.connect(path) as conn:
        ids = [row[0] for row in conn.execute("SELECT id FROM incident ORDER BY id")]
        causes = [row[0] for row in conn.execute("SELECT id FROM root_cause ORDER BY id")]
        conn.execute("DELETE FROM incident_root_cause")
        for incident_id in ids:
            at = start + timedelta(minutes=rng.randint(0, 400_000))
            conn.executemany(
                "INSERT INTO timeline_entry (incident_id, position, at, label, body) VALUES (?, ?, ?, ?, ?)",
                [(incident_id, n, (at + timedelta(minutes=n)).isoformat(timespec="microseconds"),
                  rng.choice(("Investigating", "Update", "Identified", "Monitoring")),
                  f"Step {n}: checked the queue lag and the error rate on shard {rng.randint(1, 64)}")
                 for n in range(entries)])
            conn.executemany(
                "INSERT INTO incident_event (incident_id, at, actor, field, old_value, new_value, note)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                [(incident_id, (at + timedelta(minutes=n)).isoformat(timespec="microseconds"), "bench",
                  "timeline", None, f"#{n} entry", "") for n in range(EVENTS_PER_INCIDENT)])
            for role, cause in zip(("root", "trigger"), rng.sample(causes, 2), strict=True):
                conn.execute("INSERT INTO incident_root_cause (incident_id, root_cause_id, role, note)"
                             " VALUES (?, ?, ?, '')", (incident_id, cause, role))
    return ids[len(ids) // 2]


def make_db(workdir: Path, name: str, incidents: int, entries: int) -> tuple[Path, str]:
    path = workdir / f"{name}.db"
    subprocess.run([sys.executable, str(GENERATE), "--actions", str(2 * incidents), "--incidents", str(incidents),
                    "--out", str(path), "--force"], check=True, capture_output=True, text=True)
    middle = add_history(path, entries, seed=incidents)
    return path, f"INC-{middle}"


def main(argv: list[str] | None = None) -> int:
    parser = bench_parser(__doc__)
    parser.add_argument("--incidents", type=int, default=10_000, help="incidents in the large database")
    parser.add_argument("--entries", type=int, default=200, help="timeline entries per incident")
    add_repeat(parser, 7, "timed runs of each measurement")
    add_keep(parser, "databases")
    args = parse(parser, argv)
    if missing_modules("tracker", "textual"):
        return 2

    def body(workdir: Path) -> int:
        print(python_line(repeat=args.repeat))
        small, small_key = make_db(workdir, "small", 1, args.entries)
        large, large_key = make_db(workdir, "large", args.incidents, args.entries)
        print(f"small: 1 incident; large: {args.incidents} incidents; {args.entries} timeline entries and"
              f" {EVENTS_PER_INCIDENT} events each (shown: {small_key} and {large_key})")
        env = clean_env(workdir / "pycache")
        cases: list[tuple[str, Path, str, list[str]]] = []
        for label, extra in (("incidents show", []), ("incidents show --json", ["--json"])):
            cases += [(label, small, small_key, extra), (label, large, large_key, extra)]

        def once(case: tuple[str, Path, str, list[str]]) -> float:
            label, path, key, extra = case
            argv = [sys.executable, "-m", "tracker", "--db", str(path), "incidents", "show", key, *extra]
            return run_child(label, argv, env=env, cwd=workdir, timeout=120).seconds

        results = interleaved(cases, once, args.repeat)
        rows: list[Any] = []
        print()
        print(f"  {'measurement':<26} {'small ms':>9} {'large ms':>9} {'ratio':>6}")
        for index in range(0, len(cases), 2):
            label = cases[index][0]
            small_ms, large_ms = median_ms(results[index]), median_ms(results[index + 1])
            print(f"  {label:<26} {small_ms:>9.1f} {large_ms:>9.1f} {large_ms / small_ms:>6.2f}")
            rows.append(goal(f"{label}: large / small", large_ms / small_ms, "<=", GOAL))
        screens = []
        for path, key in ((small, small_key), (large, large_key)):
            done = run_child("detail screen", [sys.executable, "-c", SCREEN_CHILD, str(path), key, str(args.repeat)],
                             env=env, cwd=workdir, timeout=300)
            screens.append(median_ms(json.loads(done.stdout.strip().splitlines()[-1])))
        ratio = screens[1] / screens[0]
        print(f"  {'detail screen (in app)':<26} {screens[0]:>9.1f} {screens[1]:>9.1f} {ratio:>6.2f}")
        rows.append(goal("detail screen: large / small", ratio, "<=", GOAL))
        print_goals(rows, 36)
        return 0

    return in_workdir(body, prefix="tracker-incident-bench-", keep=args.keep, kept="databases",
                      making="making the databases")


if __name__ == "__main__":
    sys.exit(main())
