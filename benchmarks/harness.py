"""What every benchmark script shares: its command line, a clean environment with a bytecode folder
of its own, a temporary work folder, timed child processes, interleaved samples and the goal table.

Each script keeps its own options, measurements and report; this module only holds the plumbing
they had each written out again.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

TODAY = "2026-11-23"
"""The day the generated data is made for: ``TRACKER_TODAY`` of every run."""

GoalRow = tuple[str, str, float, str]
"""(PASS, MISS or info; what; value; goal) for one line of a goal table."""


class BenchError(RuntimeError):
    """A step failed; the message says which and shows its stderr."""


# -- command line ------------------------------------------------------------------------------


def bench_parser(doc: str | None) -> argparse.ArgumentParser:
    """A parser described by the first line of the script's docstring ``doc``."""
    return argparse.ArgumentParser(description=doc.splitlines()[0] if doc else None)


def add_repeat(parser: argparse.ArgumentParser, default: int, what: str) -> None:
    """``--repeat N``: how many timed samples of ``what`` after one warm-up."""
    parser.add_argument("--repeat", type=int, default=default, help=f"{what} after one warm-up (default {default})")


def add_keep(parser: argparse.ArgumentParser, what: str) -> None:
    """``--keep``: leave the work folder holding ``what`` and say where it is."""
    parser.add_argument("--keep", action="store_true", help=f"keep the {what} and print where")


def parse(parser: argparse.ArgumentParser, argv: Sequence[str] | None) -> argparse.Namespace:
    """Parse ``argv``; a ``--repeat`` below 1 is a usage error."""
    args = parser.parse_args(argv)
    if getattr(args, "repeat", 1) < 1:
        parser.error("--repeat must be at least 1")
    return args


def sizes_type(example: str, minimum: int, *, unique_sorted: bool = False) -> Callable[[str], list[int]]:
    """An argparse type for ``--sizes 10000,100000`` (underscores allowed) of at least ``minimum``."""
    bound = "positive" if minimum == 1 else f"{minimum} or more"

    def parse_sizes(text: str) -> list[int]:
        try:
            sizes = [int(part.replace("_", "")) for part in text.split(",") if part.strip()]
        except ValueError:
            raise argparse.ArgumentTypeError(f"bad --sizes {text!r}: expected e.g. {example}") from None
        if not sizes or min(sizes) < minimum:
            raise argparse.ArgumentTypeError(f"bad --sizes {text!r}: sizes must be {bound}")
        return sorted(set(sizes)) if unique_sorted else sizes

    return parse_sizes


def missing_modules(*names: str) -> bool:
    """True (having said so on stderr) when this Python cannot import one of ``names``."""
    import importlib.util

    if all(importlib.util.find_spec(name) is not None for name in names):
        return False
    print(f"{sys.executable} cannot import {' and '.join(names)}: use the project's venv", file=sys.stderr)
    return True


def python_line(*versions: str, repeat: int) -> str:
    """The first line of a report: this Python, the versions of what is measured, cpus, samples."""
    parts = [f"python {sys.version.split()[0]} ({sys.executable})", *versions, f"{os.cpu_count()} cpus",
             f"repeat {repeat} (median, after 1 warm-up)"]
    return "; ".join(parts)


# -- environment and work folder ---------------------------------------------------------------


def clean_env(pycache: Path | None, *, drop_prefixes: tuple[str, ...] = ("TRACKER_",),
              drop: Iterable[str] = ()) -> dict[str, str]:
    """This environment without the variables named or prefixed; a fixed today and user; this checkout
    first on the import path.

    With ``pycache``, Python may cache bytecode, under that folder (``PYTHONPYCACHEPREFIX``, so
    nothing is written next to the sources), as it does for an installed tool; without it, the
    environment's ``PYTHONDONTWRITEBYTECODE`` (if any) is left as it is.
    """
    dropped = set(drop)
    env = {k: v for k, v in os.environ.items() if not k.startswith(drop_prefixes) and k not in dropped}
    env.update(TRACKER_TODAY=TODAY, TRACKER_USER="bench")
    # Children time this checkout's code, not whichever copy the environment has installed.
    source = str(Path(__file__).resolve().parents[1])
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [source, os.environ.get("PYTHONPATH")]))
    if pycache is not None:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(pycache)
    return env


def in_workdir(body: Callable[[Path], int | None], *, prefix: str, keep: bool = False, kept: str = "",
               making: str | None = None) -> int:
    """Run ``body`` in a fresh temporary folder and return the exit status.

    A BenchError (or, when ``making`` names what was being made, a failed subprocess) is reported
    as "benchmark failed" with status 1. The folder is removed afterwards, or kept and named.
    """
    workdir = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        return body(workdir) or 0
    except BenchError as exc:
        print(f"benchmark failed: {exc}", file=sys.stderr)
        return 1
    except subprocess.CalledProcessError as exc:
        if making is None:
            raise
        print(f"benchmark failed: {making}: {exc}", file=sys.stderr)
        return 1
    finally:
        if keep:
            print(f"{kept} kept in {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


# -- running and sampling ----------------------------------------------------------------------


@dataclass(frozen=True)
class ChildRun:
    """One finished child process."""

    started: float
    """``time.monotonic()`` just before the spawn."""
    ended: float
    """``time.monotonic()`` at its exit."""
    rss_kb: int
    """Its peak resident memory (``ru_maxrss``)."""
    stdout: str

    @property
    def seconds(self) -> float:
        return self.ended - self.started


def run_child(label: str, argv: Sequence[str], *, env: dict[str, str], cwd: Path, timeout: float) -> ChildRun:
    """Run once and wait for the exit; a failed run is a BenchError showing its stderr.

    stdout and stderr go to files, not pipes, so the child can never block on them while this
    process sits in ``os.wait4``; a watchdog kills a child that has not exited in ``timeout``.
    """
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.monotonic()
        proc = subprocess.Popen(list(argv), stdin=subprocess.DEVNULL, stdout=out, stderr=err, env=env, cwd=cwd)
        watchdog = threading.Timer(timeout, os.kill, (proc.pid, signal.SIGKILL))
        watchdog.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            watchdog.cancel()
        ended = time.monotonic()
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(errors="replace"), err.read().decode(errors="replace")
    if proc.returncode != 0:
        raise BenchError(f"{label}: exit {proc.returncode}: {stderr.strip()[-2000:]}")
    return ChildRun(started, ended, usage.ru_maxrss, stdout)


def interleaved(items: Sequence[T], once: Callable[[T], R], repeat: int) -> list[list[R]]:
    """One untimed warm-up of each item (it fills the bytecode cache), then ``repeat`` rounds taking
    the items in turn, so a drift of the machine touches them all alike; the rounds' results, by item."""
    for item in items:
        once(item)
    results: list[list[R]] = [[] for _ in items]
    for _ in range(repeat):
        for index, item in enumerate(items):
            results[index].append(once(item))
    return results


def median_ms(seconds: Iterable[float]) -> float:
    return statistics.median(seconds) * 1000


# -- goals ---------------------------------------------------------------------------------------


def verdict(value: float, op: str, bound: float) -> str:
    """PASS when ``value op bound`` holds (``op`` is ``<`` or ``<=``), else MISS."""
    met = value < bound if op == "<" else value <= bound
    return "PASS" if met else "MISS"


def goal(what: str, value: float, op: str, bound: float) -> GoalRow:
    return (verdict(value, op, bound), what, value, f"{op} {bound:g}")


def print_goals(rows: Sequence[GoalRow], width: int) -> None:
    print()
    print("Goals")
    for state, what, value, bound in rows:
        print(f"  {state:<4}  {what:<{width}} {value:>8.2f}   (goal {bound})")


def demo_and_generated(workdir: Path, actions: int, incidents: int, env: dict[str, str]) -> dict[str, Path]:
    """The demo catalog (``tracker init --demo``) and a ``generate.py`` database of ``actions`` actions and
    ``incidents`` incidents, in ``workdir``; keyed ``demo`` and ``N actions`` as the benchmarks print them."""
    demo, large = workdir / "demo.db", workdir / "large.db"
    for argv in ([sys.executable, "-m", "tracker", "--db", str(demo), "init", "--demo"],
                 [sys.executable, str(Path(__file__).resolve().parent / "generate.py"), "--actions", str(actions),
                  "--incidents", str(incidents), "--out", str(large), "--force"]):
        done = subprocess.run(argv, cwd=workdir, env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL)
        if done.returncode != 0:
            raise BenchError(f"{' '.join(argv[1:3])} failed: {done.stderr.strip()[-300:]}")
    return {"demo": demo, f"{actions:,} actions": large}
