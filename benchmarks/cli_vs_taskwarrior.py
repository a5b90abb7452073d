"""Time the tracker's command line against taskwarrior 2.x on the same generated data.

Usage (with the project's venv, so that ``python -m tracker`` works)::

    .venv/bin/python benchmarks/cli_vs_taskwarrior.py [--sizes 10000,100000] [--repeat 7] [--keep]

For each size, ``generate.py`` writes a tracker database and the same actions as a taskwarrior data
directory into a temporary folder. Then each pair of commands is run as a subprocess (stdin and
stdout on /dev/null, wall clock), once to warm up and ``--repeat`` times more, interleaved; the
median is reported:

* ``tracker actions list --overdue``          vs ``task overdue``
* ``tracker actions list --owner team-07``    vs ``task +team_07 list``
* ``tracker actions add TITLE --incident INC-1 --owner team-07``  vs ``task add TITLE project:inc1 +team_07``

(taskwarrior 2.6 cannot filter on a tag with a ``-`` in it, so owner ``team-07`` is the tag
``team_07``.) The tracker is timed both as the venv's console script (the headline) and as
``python -m tracker``. Each add run adds a row to its store.

Goals, on the headline ratio tracker/taskwarrior: below 1.0 at 10,000 actions for every command,
at most 0.333 at 100,000.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import harness
from generate import generate, owner_tag
from harness import BenchError

OWNER = "team-07"
ADD_TITLE = "Rotate the benchmark pager key"
GOALS: dict[int, tuple[str, float]] = {10_000: ("<", 1.0), 100_000: ("<=", 0.333)}
"""Size -> (comparison, bound) on the ratio tracker/taskwarrior."""

TASK_OK = (0, 1)
"""taskwarrior exits 1 when a report matches nothing; that is not a failure here."""


@dataclass(frozen=True)
class Case:
    """One pair of equivalent commands (arguments after the program and its store)."""

    name: str
    tracker: tuple[str, ...]
    task: tuple[str, ...]


CASES = (
    Case("list --overdue", ("actions", "list", "--overdue"), ("overdue",)),
    Case(f"list --owner {OWNER}", ("actions", "list", "--owner", OWNER), (f"+{owner_tag(OWNER)}", "list")),
    Case(
        "add",
        ("actions", "add", ADD_TITLE, "--incident", "INC-1", "--owner", OWNER),
        ("add", ADD_TITLE, "project:inc1", f"+{owner_tag(OWNER)}"),
    ),
)


@dataclass(frozen=True)
class Variant:
    """A way to run one side: the program's argv prefix and the exit codes that mean success."""

    label: str
    argv: tuple[str, ...]
    ok: tuple[int, ...] = (0,)


@dataclass
class Timing:
    """Median milliseconds and the number of output lines of the warm-up run."""

    median_ms: float
    lines: int


@dataclass
class Row:
    size: int
    case: str
    timings: dict[str, Timing] = field(default_factory=dict)


def run(
    argv: Sequence[str], *, env: dict[str, str], cwd: Path, ok: Sequence[int], capture: bool = False
) -> tuple[float, int]:
    """Run once; return (seconds, lines printed, counted only when ``capture``)."""
    started = time.perf_counter()
    proc = subprocess.run(
        list(argv),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE if capture else subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env,
        cwd=cwd,
        check=False,
    )
    elapsed = time.perf_counter() - started
    if proc.returncode not in ok:
        stderr = proc.stderr.decode(errors="replace").strip()
        raise BenchError(f"`{' '.join(argv)}` exited {proc.returncode}: {stderr}")
    return elapsed, (proc.stdout.count(b"\n") if capture else 0)


def time_variants(
    variants: Sequence[Variant],
    args_for: dict[str, tuple[str, ...]],
    *,
    env_for: dict[str, dict[str, str]],
    cwd: Path,
    repeat: int,
) -> dict[str, Timing]:
    """One warm-up per variant (output counted), then ``repeat`` interleaved timed rounds."""
    lines: dict[str, int] = {}
    for v in variants:
        _, lines[v.label] = run(
            v.argv + args_for[v.label], env=env_for[v.label], cwd=cwd, ok=v.ok, capture=True
        )
    samples: dict[str, list[float]] = {v.label: [] for v in variants}
    for _ in range(repeat):
        for v in variants:
            elapsed, _ = run(v.argv + args_for[v.label], env=env_for[v.label], cwd=cwd, ok=v.ok)
            samples[v.label].append(elapsed)
    return {v.label: Timing(statistics.median(samples[v.label]) * 1000, lines[v.label]) for v in variants}


def floor_ms(argv: Sequence[str], *, env: dict[str, str], cwd: Path, repeat: int) -> float:
    """Median milliseconds of a do-nothing command, after one warm-up."""
    run(argv, env=env, cwd=cwd, ok=(0,))
    return statistics.median(run(argv, env=env, cwd=cwd, ok=(0,))[0] for _ in range(repeat)) * 1000


def goal_verdict(size: int, ratio: float) -> tuple[str, str]:
    """(goal text, PASS/MISS) for a ratio at a size, or ("-", "-") when the size has no goal."""
    if size not in GOALS:
        return "-", "-"
    op, bound = GOALS[size]
    return f"{op} {bound:g}", harness.verdict(ratio, op, bound)


def bench_size(
    size: int,
    workdir: Path,
    env: dict[str, str],
    tracker_variants: Sequence[Variant],
    task: Variant,
    repeat: int,
) -> list[Row]:
    """Generate both stores for ``size`` actions and time every case on them."""
    store = workdir / f"size-{size}"
    store.mkdir()
    db = store / "actions.db"
    taskdata = store / "task"
    started = time.perf_counter()
    generate(db, actions=size, incidents=max(1, size // 50), taskdata=taskdata)
    print(f"  generated {size:,} actions in {time.perf_counter() - started:.1f}s ({store})", flush=True)
    task_env = dict(env, TASKRC=str(taskdata / "taskrc"))
    variants = [*tracker_variants, task]
    env_for = {v.label: env for v in tracker_variants} | {task.label: task_env}
    rows: list[Row] = []
    for case in CASES:
        args_for = {v.label: ("--db", str(db), *case.tracker) for v in tracker_variants}
        args_for[task.label] = case.task
        rows.append(
            Row(size, case.name, time_variants(variants, args_for, env_for=env_for, cwd=store, repeat=repeat))
        )
        print(f"  timed {case.name}", flush=True)
    return rows


def print_report(rows: Sequence[Row], headline: str, others: Sequence[str], task: str) -> None:
    extra = "".join(f" {label + ' ms':>18}" for label in others)
    header = (
        f"{'size':>8}  {'command':<22} {headline + ' ms':>12}{extra} {task + ' ms':>9} {'ratio':>6}"
        f"  {'rows (tracker/task)':>19}"
    )
    print()
    print(header)
    print("-" * len(header))
    for row in rows:
        t = row.timings
        ratio = t[headline].median_ms / t[task].median_ms
        others_ms = "".join(f" {t[label].median_ms:>18.1f}" for label in others)
        if row.case == "add":
            shown = "-"
        else:  # the tracker prints a header line; taskwarrior (verbose=nothing) does not
            shown = f"{t[headline].lines - 1}/{t[task].lines}"
        print(
            f"{row.size:>8,}  {row.case:<22} {t[headline].median_ms:>12.1f}{others_ms}"
            f" {t[task].median_ms:>9.1f} {ratio:>6.3f}  {shown:>19}"
        )
    print()
    print(
        "Goals (ratio = tracker/taskwarrior, headline tracker): < 1.0 at 10,000 for every command, "
        "<= 0.333 at 100,000"
    )
    for row in rows:
        ratio = row.timings[headline].median_ms / row.timings[task].median_ms
        goal, verdict = goal_verdict(row.size, ratio)
        if verdict != "-":
            print(f"  {verdict}  {row.size:>8,}  {row.case:<22} ratio {ratio:.3f} (goal {goal})")


def main(argv: Sequence[str] | None = None) -> int:
    parser = harness.bench_parser(__doc__)
    parser.add_argument("--sizes", type=harness.sizes_type("10000,100000", 1), default=[10_000, 100_000],
                        help="default 10000,100000")
    harness.add_repeat(parser, 7, "timed runs per command")
    harness.add_keep(parser, "generated stores")
    parser.add_argument(
        "--bytecode",
        choices=("cache", "as-is"),
        default="cache",
        help="cache: let Python cache bytecode (in the temp dir), as an installed tool does (default); "
        "as-is: keep the environment's PYTHONDONTWRITEBYTECODE, so every run compiles the tracker anew",
    )
    args = harness.parse(parser, argv)

    task_bin = shutil.which("task")
    if task_bin is None:
        print(
            "taskwarrior (`task`) is not installed; this benchmark compares against it.\n"
            "Install it with: apt-get install taskwarrior",
            file=sys.stderr,
        )
        return 2
    if importlib.util.find_spec("tracker") is None:
        print(
            f"{sys.executable} cannot import tracker: run this with the project's venv python",
            file=sys.stderr,
        )
        return 2

    script = Path(sys.executable).with_name("tracker")
    module = Variant("python -m tracker", (sys.executable, "-m", "tracker"))
    tracker_variants = [Variant("tracker", (str(script),)), module] if script.is_file() else [module]
    headline, others = tracker_variants[0].label, [v.label for v in tracker_variants[1:]]
    task = Variant("task", (task_bin,), TASK_OK)

    task_version = subprocess.run(
        [task_bin, "--version"], capture_output=True, text=True, check=False
    ).stdout.strip()
    print(harness.python_line(f"taskwarrior {task_version}", repeat=args.repeat))
    print(f"headline tracker: {' '.join(tracker_variants[0].argv)}")

    def bench(workdir: Path) -> None:
        env = harness.clean_env(workdir / "pycache" if args.bytecode == "cache" else None, drop=("TASKRC", "TASKDATA"))
        if args.bytecode == "cache":
            print("bytecode: cached (PYTHONPYCACHEPREFIX in the temp dir; the warm-up run fills it)")
        else:
            setting = os.environ.get("PYTHONDONTWRITEBYTECODE", "")
            print(f"bytecode: as in the environment (PYTHONDONTWRITEBYTECODE={setting!r})")
        py_floor = floor_ms([sys.executable, "-c", "pass"], env=env, cwd=workdir, repeat=args.repeat)
        tracker_floor = floor_ms(
            [*tracker_variants[0].argv, "--version"], env=env, cwd=workdir, repeat=args.repeat
        )
        task_floor = floor_ms([task_bin, "--version"], env=env, cwd=workdir, repeat=args.repeat)
        print(
            f"startup floors: python -c pass {py_floor:.1f} ms; {headline} --version {tracker_floor:.1f} ms; "
            f"task --version {task_floor:.1f} ms"
        )
        rows: list[Row] = []
        for size in args.sizes:
            rows.extend(bench_size(size, workdir, env, tracker_variants, task, args.repeat))
        print_report(rows, headline, others, task.label)

    return harness.in_workdir(bench, prefix="tracker-bench-", keep=args.keep, kept="stores",
                              making="generating the stores")


if __name__ == "__main__":
    sys.exit(main())
