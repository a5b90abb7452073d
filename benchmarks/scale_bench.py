"""Commands that print a page, a count or a summary, from the demo catalog to a million actions, on SQLite
and on PostgreSQL.

Usage (with the project's venv)::

    .venv/bin/python benchmarks/scale_bench.py [--sizes 100000,1000000] [--pg-sizes 100000]
        [--backend sqlite|postgresql|both] [--repeat 5] [--reuse DIR] [--keep]

Databases: the demo catalog (``tracker init --demo``) and, per size N, ``generate.py --actions N
--incidents N // 50`` (data spread around 2026-11-23). ``--reuse DIR`` takes ``DIR/actions-N.db``
when it is there (a million actions take minutes to generate) and generates into DIR otherwise.
PostgreSQL: a throwaway server in the work folder (``tests/pgserver.py``: initdb, a Unix socket
only), the demo made there by ``tracker init --demo``, and each of ``--pg-sizes`` copied in from the
SQLite file with ``pgload.py``.

Each command runs as a subprocess, ``python -m tracker --db DB ...`` (wall clock, imports included,
``TRACKER_TODAY=2026-11-23``, bytecode cached under the work folder), one warm-up, then ``--repeat``
rounds taking every (database, command) in turn; the medians and their ratios are printed:

* t(N) / t(demo) on each backend;
* t(PostgreSQL) / t(SQLite) at each size both have.

Goals: on SQLite at the largest size, t(N) / t(demo) <= 2 for every command (the review <= 3); on
PostgreSQL, t(PostgreSQL) / t(SQLite) <= 1.5 at the demo size and at each of ``--pg-sizes``.
"""

from __future__ import annotations

import contextlib
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import harness
import pgload
from harness import BenchError

HERE = Path(__file__).resolve().parent
COMMANDS: dict[str, tuple[str, ...]] = {
    "summary": ("summary",),
    "actions list --overdue --limit 50": ("actions", "list", "--overdue", "--limit", "50"),
    "actions list --owner team-07 --limit 50": ("actions", "list", "--owner", "team-07", "--limit", "50"),
    "review --format json": ("review", "--format", "json"),
    "rootcauses list": ("rootcauses", "list"),
    "incidents list --limit 50": ("incidents", "list", "--limit", "50"),
}
GOAL_SIZE_RATIO = 2.0
GOAL_REVIEW_RATIO = 3.0
GOAL_PG_RATIO = 1.5
TIMEOUT_S = 300.0


@dataclass(frozen=True)
class Target:
    backend: str
    size: int
    """Actions (0: the demo catalog)."""
    db: str

    @property
    def label(self) -> str:
        return f"{self.backend} {'demo' if self.size == 0 else f'{self.size:,}'}"


def generated(size: int, folder: Path, env: dict[str, str]) -> Path:
    path = folder / f"actions-{size}.db"
    if path.exists():
        print(f"  reusing {path}", flush=True)
        return path
    started = time.perf_counter()
    subprocess.run([sys.executable, str(HERE / "generate.py"), "--actions", str(size), "--incidents",
                    str(max(size // 50, 5)), "--out", str(path), "--force"], check=True, env=env,
                   stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
    print(f"  generated {size:,} actions in {time.perf_counter() - started:.0f}s", flush=True)
    return path


def demo(folder: Path, env: dict[str, str]) -> Path:
    path = folder / "demo.db"
    path.unlink(missing_ok=True)
    subprocess.run([sys.executable, "-m", "tracker", "--db", str(path), "init", "--demo"], check=True, env=env,
                   stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, cwd=folder)
    return path


def run_once(target: Target, command: str, *, env: dict[str, str], cwd: Path) -> float:
    argv = [sys.executable, "-m", "tracker", "--db", target.db, *COMMANDS[command]]
    child = harness.run_child(f"{command} on {target.label}", argv, env=env, cwd=cwd, timeout=TIMEOUT_S)
    if not child.stdout.strip():
        raise BenchError(f"{command} on {target.label} printed nothing")
    return child.seconds


def report(targets: Sequence[Target], medians: dict[tuple[Target, str], float]) -> list[harness.GoalRow]:
    width = max(len(c) for c in COMMANDS)
    print()
    print("Median ms")
    print(f"{'command':<{width}} " + " ".join(f"{t.label:>16}" for t in targets))
    for command in COMMANDS:
        print(f"{command:<{width}} " + " ".join(f"{medians[t, command]:>16.1f}" for t in targets))
    goals: list[harness.GoalRow] = []
    by_key = {(t.backend, t.size): t for t in targets}
    for backend in ("sqlite", "postgresql"):
        sizes = sorted(s for b, s in by_key if b == backend and s > 0)
        if (backend, 0) not in by_key or not sizes:
            continue
        print()
        print(f"{backend}: t(N) / t(demo)")
        print(f"{'command':<{width}} " + " ".join(f"{s:>16,}" for s in sizes))
        for command in COMMANDS:
            base = medians[by_key[backend, 0], command]
            ratios = [medians[by_key[backend, s], command] / base for s in sizes]
            print(f"{command:<{width}} " + " ".join(f"{r:>16.2f}" for r in ratios))
            if backend == "sqlite":
                bound = GOAL_REVIEW_RATIO if command.startswith("review") else GOAL_SIZE_RATIO
                goals.append(harness.goal(f"sqlite {sizes[-1]:,} / demo: {command}", ratios[-1], "<=", bound))
    shared = sorted(s for b, s in by_key if b == "postgresql" and ("sqlite", s) in by_key)
    if shared:
        print()
        print("t(postgresql) / t(sqlite)")
        print(f"{'command':<{width}} " + " ".join(f"{('demo' if s == 0 else f'{s:,}'):>16}" for s in shared))
        for command in COMMANDS:
            ratios = [medians[by_key["postgresql", s], command] / medians[by_key["sqlite", s], command]
                      for s in shared]
            print(f"{command:<{width}} " + " ".join(f"{r:>16.2f}" for r in ratios))
            for size, ratio in zip(shared, ratios, strict=True):
                label = "demo" if size == 0 else f"{size:,}"
                goals.append(harness.goal(f"postgresql / sqlite at {label}: {command}", ratio, "<=", GOAL_PG_RATIO))
    return goals


def main(argv: Sequence[str] | None = None) -> int:
    parser = harness.bench_parser(__doc__)
    parser.add_argument("--sizes", type=harness.sizes_type("100000,1000000", 1, unique_sorted=True),
                        default=[100_000, 1_000_000], help="action counts besides the demo (default 100000,1000000)")
    parser.add_argument("--pg-sizes", type=harness.sizes_type("100000", 1, unique_sorted=True), default=[100_000],
                        help="sizes also copied into PostgreSQL (default 100000)")
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--reuse", type=Path, metavar="DIR", help="take (or leave) the generated databases here")
    harness.add_repeat(parser, 5, "timed runs of each command on each database")
    harness.add_keep(parser, "databases")
    args = harness.parse(parser, argv)
    if harness.missing_modules("tracker", "psycopg2"):
        return 2
    print(harness.python_line(repeat=args.repeat))

    def bench(workdir: Path) -> None:
        env = harness.clean_env(workdir / "pycache")
        store = args.reuse or workdir
        store.mkdir(parents=True, exist_ok=True)
        sqlite_files = {0: demo(workdir, env), **{size: generated(size, store, env) for size in args.sizes}}
        targets: list[Target] = []
        if args.backend in ("sqlite", "both"):
            targets += [Target("sqlite", size, str(path)) for size, path in sqlite_files.items()]
        with contextlib.ExitStack() as stack:
            if args.backend in ("postgresql", "both"):
                url = stack.enter_context(pgload.throwaway_server())
                demo_url = pgload.create_database(url, "bench_demo")
                subprocess.run([sys.executable, "-m", "tracker", "--db", demo_url, "init", "--demo"], check=True,
                               env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, cwd=workdir)
                targets.append(Target("postgresql", 0, demo_url))
                for size in args.pg_sizes:
                    if size not in sqlite_files:
                        sqlite_files[size] = generated(size, store, env)
                    size_url = pgload.create_database(url, f"bench_{size}")
                    seconds = pgload.load(sqlite_files[size], size_url, env=env)
                    print(f"  copied {size:,} actions into PostgreSQL in {seconds:.0f}s", flush=True)
                    targets.append(Target("postgresql", size, size_url))
            pairs = [(t, c) for t in targets for c in COMMANDS]
            runs = harness.interleaved(pairs, lambda pair: run_once(pair[0], pair[1], env=env, cwd=workdir),
                                       args.repeat)
            medians = {pair: harness.median_ms(samples) for pair, samples in zip(pairs, runs, strict=True)}
        goals = report(sorted(targets, key=lambda t: (t.backend != "sqlite", t.size)), medians)
        harness.print_goals(goals, width=max(len(g[1]) for g in goals) if goals else 10)

    return harness.in_workdir(bench, prefix="tracker-scale-bench-", keep=args.keep, kept="databases",
                              making="making the databases")


if __name__ == "__main__":
    sys.exit(main())
