"""Time the runbooks under git: committing one runbook, and opening the runbooks screen.

Usage (with the project's venv)::

    .venv/bin/python benchmarks/runbooks_bench.py [--repeat 9] [--keep]

One run measures two things, each against a goal:

1. **Commit one runbook in a repository of 1,000 runbooks**, in this process, against the git
   command line doing the same in the same run. A temporary repository holds ``runbooks/`` with
   1,000 generated runbooks (valid TOML front matter, about 3 KB each) committed once, and a demo
   database whose runbook index was refreshed once. Per sample, ``runbooks/rb-0042.md`` gets new
   content (a different line each time) and then either

   a. the tracker commits it: ``RunbookWorkspace.commit(["runbooks/rb-0042.md"], msg)`` on a
      workspace made once beforehand. That is what the app's commit dialog runs: path checks, the
      secret check, ``gitsync.commit_files`` (GitPython plus ``git add`` / ``git commit``), then
      ``close_actions`` and ``refresh`` (the runbook index in the database). The total is the
      headline; the parts are stamped by timing wrappers set on the module and the workspace (no
      project change), so ``gitsync.commit_files`` alone comes from the same calls; or
   b. the git command line does: ``git add -- runbooks/rb-0042.md`` then
      ``git commit -q -m msg -- runbooks/rb-0042.md``, two subprocesses started from here with the
      environment the tracker gives its own git calls (``gitsync.GIT_ENV``).

   Wall clock per sample, median of ``--repeat`` samples of each after one warm-up of each; the two
   alternate (which goes first swaps every round). Each commit is checked to have left the file clean.
   Goal: tracker total / git <= 1.2 (``gitsync.commit_files`` / git is printed beside it).
2. **Open the runbooks screen with 1,000 runbooks against 5.** Two repositories (5 and 1,000
   generated runbooks, one commit each), each with a demo database. Per sample a fresh subprocess,
   started in the repository, runs the real app headless on the runbooks screen
   (``make_app(Store(db, settings, actor, cwd=repo), start="runbooks").run(headless=True)``) with a
   hook installed by the child script (a monkeypatch of ``RunbooksScreen._show_rows``; no project
   change) that, the first time the ``#runbook-table`` has rows, stamps the time after the next
   refresh and exits the app. The child prints that stamp (``time.monotonic``, the same clock in
   every process on Linux), so the headline is spawn -> first refresh with rows, imports included;
   spawn -> exit (which waits for the screen's workers to finish) is shown beside it. The steady
   state is the headline: the database's runbook index was refreshed once beforehand, as it is
   after the first session. A cold first open (an index never filled: a fresh copy of the demo
   database before each sample, copied outside the timing) is measured too. Median of
   ``--repeat`` runs after one warm-up, all four variants interleaved.
   Goal: t(1000) / t(5) <= 1.2 with the steady index (the cold ratio is printed for context).

Git runs isolated: ``HOME`` is a folder of the temporary directory with ``user.name`` and
``user.email`` set, ``GIT_CONFIG_NOSYSTEM=1`` and no other ``GIT_*`` variable. As in the other
scripts, children may cache bytecode under the temporary folder (``PYTHONPYCACHEPREFIX``; the
warm-up fills it, even when the shell sets ``PYTHONDONTWRITEBYTECODE=1``) and run with
``TRACKER_TODAY=2026-11-23`` and ``TRACKER_USER=bench``. Everything lives in a temporary folder,
removed afterwards unless ``--keep``. Under a minute on 2 cores.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.metadata
import os
import random
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import harness
from harness import TODAY, BenchError, GoalRow

SCREEN_SIZE = (160, 50)
LAUNCH_TIMEOUT_S = 60.0
GIT_TIMEOUT_S = 60.0

LARGE = 1_000
SMALL = 5
COMMIT_TARGET = "runbooks/rb-0042.md"
REVISION_LINE = "Revision note: as generated."

GOAL_COMMIT_RATIO = 1.2
GOAL_OPEN_RATIO = 1.2

RUNBOOKS_CHILD = f"""\
import sys
import time
from pathlib import Path

from textual.widgets import DataTable

from tracker.config import load_settings
from tracker.identity import current_actor
from tracker.core.opening import open_database
from tracker.tui.app import make_app
from tracker.tui.screens.runbooks import RunbooksScreen
from tracker.tui.store import Store

shown = []
_show_rows = RunbooksScreen._show_rows


def drawn(table):
    shown.append(time.monotonic())
    table.app.exit()


def show_rows(self, rows):
    _show_rows(self, rows)
    table = self.query_one("#runbook-table", DataTable)
    if table.row_count and not shown:
        shown.append(table.row_count)
        table.call_after_refresh(drawn, table)


RunbooksScreen._show_rows = show_rows

settings = load_settings(db=sys.argv[1])
db = open_database(settings.db, create=None)
app = make_app(Store(db, settings, current_actor(settings), cwd=Path(sys.argv[2])), start="runbooks")
app.run(headless=True, size={SCREEN_SIZE!r})
if len(shown) < 2:
    sys.exit("the runbook table never showed rows")
print(shown[0], repr(shown[1]))
"""
"""The tracker as ``tracker ui --screen runbooks`` builds it, exiting once the runbook rows are drawn."""


# -- generated runbooks ---------------------------------------------------------------------------

CAUSES = (
    "cooling-failure", "single-host-blast-radius", "hosting-provider-outage", "iac-reimage",
    "kafka-migration", "message-queue-change", "stale-config",
)
"""The demo catalog's root causes, so staleness is worked out against real incidents."""

SERVICES = ("api", "web", "billing", "search", "queue", "cache", "database", "auth", "delivery", "iac")
WORDS = (
    "check the dashboard for the service and compare the error rate with the last deploy window "
    "drain the node before restarting it and watch the queue depth until it settles below the usual "
    "level confirm the replicas are in sync then roll the change back one host at a time keep the "
    "incident channel informed with a short note every fifteen minutes record what was done in the "
    "timeline so the review can follow it later escalate to the owning team when the mitigation does "
    "not hold after two attempts"
).split()
SECTIONS = ("Symptoms", "First checks", "Mitigation", "Verification", "Escalation", "Follow-ups")


def runbook_text(number: int) -> str:
    """Runbook ``number``: valid front matter and about 3 KB of body, the same for the same number."""
    rng = random.Random(number)
    causes = rng.sample(CAUSES, rng.randint(1, 2))
    services = rng.sample(SERVICES, rng.randint(1, 3))
    reviewed = date(2025, 6, 1) + timedelta(days=rng.randrange(500))
    front = [
        "+++",
        f'title = "Runbook {number:04d}: {services[0]} {causes[0].replace("-", " ")}"',
        f'owner = "team-{number % 20:02d}"',
        "root_causes = [" + ", ".join(f'"{c}"' for c in causes) + "]",
        "services = [" + ", ".join(f'"{s}"' for s in services) + "]",
        f"last_reviewed = {reviewed.isoformat()}",
        f"review_every_days = {rng.choice((90, 180, 365))}",
        "+++",
        "",
        f"# Runbook {number:04d}",
        "",
        REVISION_LINE,
    ]
    body: list[str] = []
    for section in SECTIONS:
        body += ["", f"## {section}", ""]
        for step in range(1, 5):
            sentence = " ".join(rng.choice(WORDS) for _ in range(rng.randint(14, 20)))
            body.append(f"{step}. {sentence.capitalize()}.")
    return "\n".join(front + body) + "\n"


# -- git -----------------------------------------------------------------------------------------


@contextlib.contextmanager
def isolated_git(home: Path) -> Iterator[dict[str, str]]:
    """Point this process (and what it starts) at a private git identity; yields git's environment.

    ``os.environ`` is changed for the duration because the tracker's git calls take it from there.
    """
    saved = dict(os.environ)
    try:
        for name in [k for k in os.environ if k.startswith("GIT_")]:
            del os.environ[name]
        home.mkdir(parents=True, exist_ok=True)
        os.environ.update(HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"), GIT_CONFIG_NOSYSTEM="1")
        from tracker.repo import gitsync

        env = {**os.environ, **gitsync.GIT_ENV}
        git(home, env, "config", "--global", "user.name", "Bench Runner")
        git(home, env, "config", "--global", "user.email", "bench@example.com")
        yield env
    finally:
        os.environ.clear()
        os.environ.update(saved)


def git(cwd: Path, env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        ["git", *args], cwd=cwd, env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL,
        timeout=GIT_TIMEOUT_S,
    )
    if done.returncode != 0:
        raise BenchError(f"git {' '.join(args)}: exit {done.returncode}: {done.stderr.strip()[-2000:]}")
    return done.stdout


def make_repo(folder: Path, count: int, env: dict[str, str]) -> Path:
    """A repository whose ``runbooks/`` holds ``count`` generated runbooks, committed once."""
    (folder / "runbooks").mkdir(parents=True)
    for number in range(count):
        (folder / "runbooks" / f"rb-{number:04d}.md").write_text(runbook_text(number), encoding="utf-8")
    git(folder, env, "init", "-q", "-b", "main")
    git(folder, env, "add", "-A")
    git(folder, env, "commit", "-q", "-m", f"{count} runbooks")
    return folder


def make_db(path: Path, *, index_repo: Path | None) -> Path:
    """A demo database (the real migrations and demo catalog); its runbook index filled from ``index_repo``."""
    from tracker.core.opening import open_database
    from tracker.repo.workspace import RunbookWorkspace

    with open_database(str(path), create="demo") as db:
        if index_repo is not None:
            report = RunbookWorkspace(db, bench_settings(path), index_repo).refresh()
            if report.errors:
                raise BenchError(f"indexing {index_repo}: {report.errors[0]}")
    if any(path.with_name(path.name + suffix).exists() for suffix in ("-wal", "-journal")):
        raise BenchError(f"{path}: left a journal behind after closing; copies would not be whole")
    return path


def bench_settings(db_path: Path) -> Any:
    from tracker.config import Settings

    return Settings(db=str(db_path), user="bench", today=date.fromisoformat(TODAY))


# -- commit ----------------------------------------------------------------------------------------


@dataclass
class Timings:
    """Samples (seconds) of one measured thing."""

    label: str
    seconds: list[float] = field(default_factory=list)

    @property
    def median_ms(self) -> float:
        return harness.median_ms(self.seconds)

    @property
    def min_ms(self) -> float:
        return min(self.seconds) * 1000

    @property
    def max_ms(self) -> float:
        return max(self.seconds) * 1000


@dataclass
class CommitResult:
    git: Timings
    total: Timings
    parts: dict[str, Timings]
    """``gitsync.commit_files``, ``close_actions``, ``refresh`` and the rest of ``commit``."""


def timed(into: dict[str, float], name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    """``fn`` that adds its wall time to ``into[name]``."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            into[name] = into.get(name, 0.0) + time.perf_counter() - started

    return wrapper


def time_commits(repo: Path, db_path: Path, env: dict[str, str], repeat: int) -> CommitResult:
    """Alternate tracker and git CLI commits of ``COMMIT_TARGET``; one warm-up of each first."""
    from tracker.core.opening import open_database
    from tracker.repo import gitsync
    from tracker.repo.workspace import RunbookWorkspace

    base = (repo / COMMIT_TARGET).read_text(encoding="utf-8")
    if REVISION_LINE not in base:
        raise BenchError(f"{COMMIT_TARGET} lacks the line the samples change")
    result = CommitResult(Timings("git CLI"), Timings("tracker"), {
        name: Timings(name) for name in ("commit_files", "close_actions", "refresh", "rest")
    })
    edits = 0

    def edit(who: str) -> None:
        nonlocal edits
        edits += 1
        text = base.replace(REVISION_LINE, f"Revision note: change {edits} by {who}.")
        (repo / COMMIT_TARGET).write_text(text, encoding="utf-8")

    def check_clean(who: str) -> None:
        left = git(repo, env, "status", "--porcelain", "--", COMMIT_TARGET)
        if left.strip():
            raise BenchError(f"{who}: {COMMIT_TARGET} not committed: {left.strip()}")

    db = open_database(str(db_path), create=None)
    original_commit_files = gitsync.commit_files
    try:
        workspace = RunbookWorkspace(db, bench_settings(db_path), repo)
        if workspace.git_error is not None:
            raise BenchError(f"the workspace found no repository: {workspace.git_error}")
        parts: dict[str, float] = {}
        gitsync.commit_files = timed(parts, "commit_files", original_commit_files)  # type: ignore[assignment]
        workspace._close = timed(parts, "close_actions", workspace._close)  # type: ignore[method-assign]
        workspace.refresh = timed(parts, "refresh", workspace.refresh)  # type: ignore[method-assign]

        def tracker_once(n: int) -> float:
            edit("tracker")
            parts.clear()
            started = time.perf_counter()
            workspace.commit([COMMIT_TARGET], f"bench: tracker commit {n}")
            elapsed = time.perf_counter() - started
            check_clean("tracker")
            if n >= 0:
                result.total.seconds.append(elapsed)
                for name in ("commit_files", "close_actions", "refresh"):
                    result.parts[name].seconds.append(parts.get(name, 0.0))
                result.parts["rest"].seconds.append(elapsed - sum(parts.values()))
            return elapsed

        def git_once(n: int) -> float:
            edit("git")
            message = f"bench: git commit {n}"
            started = time.perf_counter()
            for argv in (["git", "add", "--", COMMIT_TARGET],
                         ["git", "commit", "-q", "-m", message, "--", COMMIT_TARGET]):
                done = subprocess.run(argv, cwd=repo, env=env, capture_output=True, stdin=subprocess.DEVNULL,
                                      timeout=GIT_TIMEOUT_S)
                if done.returncode != 0:
                    raise BenchError(f"{' '.join(argv[:2])}: exit {done.returncode}: {done.stderr.decode()[-2000:]}")
            elapsed = time.perf_counter() - started
            check_clean("git CLI")
            if n >= 0:
                result.git.seconds.append(elapsed)
            return elapsed

        tracker_once(-1)  # warm-up: imports GitPython, first index refresh, caches
        git_once(-1)
        for n in range(repeat):
            pair = (tracker_once, git_once) if n % 2 == 0 else (git_once, tracker_once)
            for run in pair:
                run(n)
    finally:
        gitsync.commit_files = original_commit_files  # type: ignore[assignment]
        db.close()
    return result


# -- opening the screen ------------------------------------------------------------------------------


@dataclass
class Launch:
    """One variant of the open test and its samples."""

    label: str
    runbooks: int
    repo: Path
    db: Path
    pristine: Path | None
    """For a cold open: the database copied over ``db`` before every sample."""
    to_rows: list[float] = field(default_factory=list)
    to_exit: list[float] = field(default_factory=list)

    @property
    def median_ms(self) -> float:
        return harness.median_ms(self.to_rows)

    @property
    def exit_ms(self) -> float:
        return harness.median_ms(self.to_exit)


def launch_once(launch: Launch, *, env: dict[str, str]) -> tuple[float, float]:
    """One open; returns (spawn -> first refresh with rows, spawn -> exit) and checks the row count."""
    if launch.pristine is not None:
        shutil.copyfile(launch.pristine, launch.db)
    argv = (sys.executable, "-c", RUNBOOKS_CHILD, str(launch.db), str(launch.repo))
    child = harness.run_child(launch.label, argv, env=env, cwd=launch.repo, timeout=LAUNCH_TIMEOUT_S)
    started, ended = child.started, child.ended
    try:
        rows_text, stamp_text = child.stdout.split()
        rows, stamp = int(rows_text), float(stamp_text)
    except ValueError:
        raise BenchError(f"{launch.label}: unexpected output {child.stdout!r}") from None
    if rows != launch.runbooks:
        raise BenchError(f"{launch.label}: the table first showed {rows} rows, not {launch.runbooks}")
    if not started < stamp <= ended:
        raise BenchError(f"{launch.label}: the child's clock stamp is outside its run (not Linux?)")
    return stamp - started, ended - started


def time_launches(launches: Sequence[Launch], *, env: dict[str, str], repeat: int) -> None:
    """One warm-up each (fills the bytecode cache), then ``repeat`` interleaved rounds."""
    runs = harness.interleaved(launches, lambda launch: launch_once(launch, env=env), repeat)
    for launch, samples in zip(launches, runs, strict=True):
        launch.to_rows += [to_rows for to_rows, _ in samples]
        launch.to_exit += [to_exit for _, to_exit in samples]


# -- report ------------------------------------------------------------------------------------


PART_LABELS = {
    "commit_files": "  of which gitsync.commit_files",
    "close_actions": "  of which close_actions",
    "refresh": "  of which refresh (index)",
    "rest": "  of which paths + secret check",
}


def print_commits(result: CommitResult, repeat: int) -> None:
    print()
    print(f"Commit one runbook in a repository of {LARGE:,} runbooks (wall clock per commit, {repeat} samples)")
    header = f"{'what':<44} {'median ms':>10} {'min ms':>8} {'max ms':>8} {'/ git':>7}"
    print(header)
    print("-" * len(header))
    git_ms = result.git.median_ms
    rows = [("git CLI: git add + git commit (2 processes)", result.git),
            ("tracker: RunbookWorkspace.commit (total)", result.total)]
    rows += [(PART_LABELS[name], timings) for name, timings in result.parts.items()]
    for label, timings in rows:
        print(f"{label:<44} {timings.median_ms:>10.1f} {timings.min_ms:>8.1f} {timings.max_ms:>8.1f}"
              f" {timings.median_ms / git_ms:>7.2f}")
    print("(the parts are medians of their own; they need not add up to the total's median)")


def print_launches(launches: Sequence[Launch]) -> None:
    print()
    print(f"Open the runbooks screen (headless {SCREEN_SIZE[0]}x{SCREEN_SIZE[1]}; spawn -> first refresh with rows)")
    header = (f"{'runbooks':>8} {'index':<7} {'median ms':>10} {'min ms':>8} {'max ms':>8} {'/ t(5)':>7}"
              f" {'to exit ms':>11}")
    print(header)
    print("-" * len(header))
    small = {launch.label.split()[-1]: launch for launch in launches if launch.runbooks == SMALL}
    for launch in launches:
        kind = launch.label.split()[-1]
        ms = [t * 1000 for t in launch.to_rows]
        ratio = launch.median_ms / small[kind].median_ms
        print(f"{launch.runbooks:>8,} {kind:<7} {launch.median_ms:>10.1f} {min(ms):>8.1f} {max(ms):>8.1f}"
              f" {ratio:>7.2f} {launch.exit_ms:>11.1f}")


def goal_rows(result: CommitResult, launches: dict[str, Launch]) -> list[GoalRow]:
    rows: list[GoalRow] = []

    def check(what: str, value: float, op: str, bound: float) -> None:
        rows.append(harness.goal(what, value, op, bound))

    git_ms = result.git.median_ms
    check("commit: tracker total / git CLI", result.total.median_ms / git_ms, "<=", GOAL_COMMIT_RATIO)
    rows.append(("info", "commit: gitsync.commit_files / git CLI",
                 result.parts["commit_files"].median_ms / git_ms, "none"))
    steady = launches["large steady"].median_ms / launches["small steady"].median_ms
    check(f"open: t({LARGE:,}) / t({SMALL}), steady index", steady, "<=", GOAL_OPEN_RATIO)
    cold = launches["large cold"].median_ms / launches["small cold"].median_ms
    rows.append(("info", f"open: t({LARGE:,}) / t({SMALL}), cold index", cold, "none"))
    return rows


# -- command line --------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = harness.bench_parser(__doc__)
    harness.add_repeat(parser, 9, "timed samples of each measurement")
    harness.add_keep(parser, "repositories and databases")
    args = harness.parse(parser, argv)
    if harness.missing_modules("tracker", "textual"):
        return 2
    if shutil.which("git") is None:
        print("git not found: this benchmark needs the git command line", file=sys.stderr)
        return 2

    git_version = subprocess.run(["git", "--version"], capture_output=True, text=True).stdout.split()[-1]
    print(harness.python_line(f"textual {importlib.metadata.version('textual')}",
                      f"GitPython {importlib.metadata.version('GitPython')}", f"git {git_version}",
                      repeat=args.repeat))

    def bench(workdir: Path) -> None:
        with isolated_git(workdir / "home") as git_env:
            started = time.perf_counter()
            commit_repo = make_repo(workdir / "commit-repo", LARGE, git_env)
            commit_db = make_db(workdir / "commit.db", index_repo=commit_repo)
            repos = {size: make_repo(workdir / f"repo-{size}", size, git_env) for size in (SMALL, LARGE)}
            launches: dict[str, Launch] = {}
            for size, name in ((SMALL, "small"), (LARGE, "large")):
                pristine = make_db(workdir / f"pristine-{size}.db", index_repo=None)
                steady = make_db(workdir / f"steady-{size}.db", index_repo=repos[size])
                launches[f"{name} steady"] = Launch(f"{size} runbooks, steady", size, repos[size], steady, None)
                launches[f"{name} cold"] = Launch(
                    f"{size} runbooks, cold", size, repos[size], workdir / f"cold-{size}.db", pristine
                )
            print(f"  made 3 repositories and 5 databases in {time.perf_counter() - started:.1f}s", flush=True)

            result = time_commits(commit_repo, commit_db, git_env, args.repeat)
            print("  timed commits", flush=True)
            order = [launches[k] for k in ("small steady", "large steady", "small cold", "large cold")]
            # This process's environment inside isolated_git, without tracker or Textual settings.
            env = harness.clean_env(workdir / "pycache", drop_prefixes=("TRACKER_", "TEXTUAL"))
            time_launches(order, env=env, repeat=args.repeat)
            print("  timed opening the screen", flush=True)

        print_commits(result, args.repeat)
        print_launches(order)
        harness.print_goals(goal_rows(result, launches), width=40)

    return harness.in_workdir(bench, prefix="tracker-runbooks-bench-", keep=args.keep,
                              kept="repositories and databases")


if __name__ == "__main__":
    sys.exit(main())
