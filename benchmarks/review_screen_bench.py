"""The weekly review screen at scale: launch to its first section at 100,000 actions against the demo data.

Usage::

    .venv/bin/python benchmarks/review_screen_bench.py [--actions 100000] [--incidents 2000] [--repeat 7] [--keep]

In a temporary folder it makes the demo database (``tracker init --demo``) and a large one
(``generate.py --actions N --incidents M``). Per sample a fresh ``python -c`` child runs the real app
headless at 160x50 on the review screen, as ``tracker ui --screen review`` builds it. A hook in the
child script (a monkeypatch of ``LazyTable.reset`` and ``LazyTable.on_lazy_table__page_loaded``, no
project change) stamps ``time.monotonic()`` after the first refresh once the first section (overdue)
holds its rows, and exits the app. The headline is spawn to that stamp (imports included); each
child checks that the screen's overdue count is the one ``tracker review`` reports. Median of ``--repeat``
runs after one warm-up each, the two databases interleaved. Children run with
``TRACKER_TODAY=2026-11-23``, ``TRACKER_USER=bench`` and cached bytecode, in the temporary folder.

Goal: t(large) / t(demo) <= 1.2. The script prints PASS or MISS (exit status 1 on a miss).
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import harness
from harness import BenchError

GOAL_RATIO = 1.2
TIMEOUT_S = 120.0

CHILD = """\
import sys
import time

from tracker.config import load_settings
from tracker.core.opening import open_database
from tracker.identity import current_actor
from tracker.tui.app import make_app
from tracker.tui.store import Store
from tracker.tui.widgets.lazy_table import LazyTable

shown = []


def _check(table):
    if table.id == "section-overdue" and table.loaded and not shown:
        def stamp():
            shown.append((time.monotonic(), table.screen.review.counts["overdue"]))
            table.app.exit()
        table.call_after_refresh(stamp)


_reset = LazyTable.reset
_page_loaded = LazyTable.on_lazy_table__page_loaded


def reset(self, *args, **kwargs):
    _reset(self, *args, **kwargs)
    _check(self)


def page_loaded(self, message):
    _page_loaded(self, message)
    _check(self)


LazyTable.reset = reset
LazyTable.on_lazy_table__page_loaded = page_loaded

settings = load_settings(db=sys.argv[1])
db = open_database(settings.db, create=None)
app = make_app(Store(db, settings, current_actor(settings)), start="review")
app.run(headless=True, size=(160, 50))
if not shown:
    sys.exit("the review's first section never showed")
print(shown[0][0], shown[0][1])
"""


def make_databases(workdir: Path, actions: int, incidents: int, env: dict[str, str]) -> dict[str, Path]:
    return harness.demo_and_generated(workdir, actions, incidents, env)


def overdue_count(db: Path, env: dict[str, str], cwd: Path) -> int:
    """What ``tracker review --format json`` counts as overdue: the screen must show the same."""
    import json

    done = subprocess.run([sys.executable, "-m", "tracker", "--db", str(db), "review", "--format", "json"],
                          cwd=cwd, env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    if done.returncode != 0:
        raise BenchError(f"review on {db.name}: {done.stderr.strip()[-300:]}")
    return int(json.loads(done.stdout)["counts"]["overdue"])


def main(argv: list[str] | None = None) -> int:
    parser = harness.bench_parser(__doc__)
    parser.add_argument("--actions", type=int, default=100_000)
    parser.add_argument("--incidents", type=int, default=2_000)
    harness.add_repeat(parser, 7, "timed launches of each")
    harness.add_keep(parser, "databases")
    args = harness.parse(parser, argv)
    if harness.missing_modules("textual", "textual_plotext"):
        return 2

    def bench(workdir: Path) -> int:
        env = harness.clean_env(workdir / "pycache")
        started = time.perf_counter()
        dbs = make_databases(workdir, args.actions, args.incidents, env)
        expected = {label: overdue_count(db, env, workdir) for label, db in dbs.items()}
        print(harness.python_line(repeat=args.repeat) + f"; databases made in {time.perf_counter() - started:.1f}s",
              flush=True)

        def once(label: str) -> float:
            child = harness.run_child(label, [sys.executable, "-c", CHILD, str(dbs[label])], env=env, cwd=workdir,
                                      timeout=TIMEOUT_S)
            stamp, total = child.stdout.split()
            if int(total) != expected[label]:
                raise BenchError(f"{label}: the overdue section showed {total}, the review counts {expected[label]}")
            return float(stamp) - child.started

        runs = harness.interleaved(list(dbs), once, args.repeat)
        medians = {label: harness.median_ms(values) for label, values in zip(dbs, runs, strict=True)}
        for (label, ms), values in zip(medians.items(), runs, strict=True):
            spread = f"{min(values) * 1000:.0f}..{max(values) * 1000:.0f}"
            print(f"  launch to the first section, {label:<16} {ms:8.1f} ms   (runs {spread} ms)")
        small, large = medians.values()
        row = harness.goal("t(large) / t(demo)", large / small, "<=", GOAL_RATIO)
        harness.print_goals([row], 20)
        return 0 if row[0] == "PASS" else 1

    return harness.in_workdir(bench, prefix="tracker-review-screen-bench-", keep=args.keep, kept="databases")


if __name__ == "__main__":
    sys.exit(main())
