"""The upgrade stress, shared by ``benchmarks/stress.py --upgrade`` and ``tests/functional/test_stress.py``.

``run(folder, procs, commands)`` builds a database from the first release (schema 0001_initial, the
demo catalog) in ``folder``, then starts ``procs`` streams at one signal; each runs ``commands`` real
``tracker`` processes one after the other. The first command of every stream meets the older schema
at the same moment as the others, so they race to upgrade it. The commands, by step:

* ``actions add`` (three steps in five): a title naming the stream and step, answered
  ``Added ACT-n``; a stream's first command is always one;
* ``actions update ACT-n --owner ...`` of an action the stream added, answered ``Updated ACT-n``;
* ``actions list --json``, which must show every action the stream was told it added.

A command refused cleanly because the database was busy ("try again") runs again, counted as a
retry; any other failure is an error. Then the checks:

* every acknowledged add is in the database with its title, and no two were told the same key;
* every acknowledged update is in its action's history, and each action holds its last owner;
* exactly one command upgraded: one notice, one backup, at the old revision, holding the demo catalog;
* the database is at the head, and ``integrity_check`` and ``foreign_key_check`` are clean;
* no lock file, temporary backup or working copy is left behind.
"""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
TODAY = "2026-11-23"
_ADDED = re.compile(r"^Added (ACT-\d+) .*: (.*)$", re.M)


@dataclass
class UpgradeReport:
    procs: int
    commands: int
    attempted: int = 0
    writes: int = 0
    """Acknowledged writes: adds and updates that said so."""
    reads: int = 0
    retries: int = 0
    """Commands run again after a clean "busy, try again" refusal."""
    upgrades: int = 0
    errors: list[str] = field(default_factory=list)
    lost: int = 0
    """Acknowledged writes missing afterwards (from the database, or from a later listing)."""
    problems: list[str] = field(default_factory=list)
    integrity: str = ""
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not (self.problems or self.errors or self.lost)

    def lines(self) -> list[str]:
        rows = [
            ("backend", "sqlite, older schema (0001) upgraded during the run"),
            ("streams x commands", f"{self.procs} x {self.commands} tracker processes"),
            ("commands run", self.attempted),
            ("writes acknowledged", self.writes),
            ("reads", self.reads),
            ("retries (busy)", self.retries),
            ("upgrades", self.upgrades),
            ("errors", len(self.errors)),
            ("lost writes", self.lost),
            ("integrity_check", self.integrity),
            ("wall time", f"{self.seconds:.2f} s"),
            ("checks", "ok" if self.ok else f"FAILED ({len(self.problems)} problems)"),
        ]
        out = [f"{name:<28} {value}" for name, value in rows]
        out += [f"  problem: {p}" for p in self.problems[:10]]
        out += [f"  error: {e}" for e in self.errors[:10]]
        return out


@dataclass
class _Stream:
    number: int
    added: dict[str, str] = field(default_factory=dict)
    """Key -> title of every add this stream was told about."""
    owners: dict[str, list[str]] = field(default_factory=dict)
    """Key -> the owners its acknowledged updates set, in order."""
    upgrades: int = 0
    retries: int = 0
    attempted: int = 0
    reads: int = 0
    errors: list[str] = field(default_factory=list)
    unseen: list[str] = field(default_factory=list)
    """Acknowledged adds a later listing of this stream did not show."""


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH", "")]))
    env.setdefault("TRACKER_TODAY", TODAY)
    env["TRACKER_USER"] = "stress@example.com"
    return env


def _tracker(db: Path, args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "tracker", "--db", str(db), *args], cwd=cwd, env=env,
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=300)


def _command(stream: _Stream, step: int) -> list[str]:
    kind = step % 5
    if kind == 3 and stream.added:
        keys = sorted(stream.added)
        return ["actions", "update", keys[step % len(keys)], "--owner", f"owner-{stream.number}-{step}"]
    if kind == 4:
        return ["actions", "list", "--json", "--limit", "100000"]
    return ["actions", "add", f"Stress {stream.number}.{step}", "--incident", f"INC-{1 + step % 5}"]


def _run_stream(db: Path, stream: _Stream, commands: int, go: threading.Event, env: dict[str, str]) -> None:
    import json

    go.wait()
    for step in range(commands):
        args = _command(stream, step)
        while True:
            stream.attempted += 1
            done = _tracker(db, args, db.parent, env)
            stream.upgrades += "Upgraded " in done.stderr
            if done.returncode == 1 and "try again" in done.stderr:
                stream.retries += 1
                continue
            break
        if done.returncode != 0 or "Traceback" in done.stderr:
            stream.errors.append(f"stream {stream.number} step {step} ({' '.join(args[:2])}): exit "
                                 f"{done.returncode}: {done.stderr.strip()[-300:]}")
            continue
        if args[1] == "add":
            found = _ADDED.search(done.stdout)
            if not found or found[2] != args[2]:
                stream.errors.append(f"stream {stream.number} step {step}: no acknowledgement: {done.stdout!r}")
            elif found[1] in stream.added:
                stream.errors.append(f"stream {stream.number}: {found[1]} acknowledged twice")
            else:
                stream.added[found[1]] = found[2]
        elif args[1] == "update":
            if not done.stdout.startswith(f"Updated {args[2]} "):
                stream.errors.append(f"stream {stream.number} step {step}: no acknowledgement: {done.stdout!r}")
            else:
                stream.owners.setdefault(args[2], []).append(args[4])
        else:
            stream.reads += 1
            listed = {row["id"] for row in json.loads(done.stdout)}
            stream.unseen += [key for key in stream.added if key not in listed]


def _sql(path: Path, query: str) -> list[tuple]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(query).fetchall()
    finally:
        conn.close()


def run(folder: Path, *, procs: int = 4, commands: int = 50) -> UpgradeReport:
    """Build the older database in ``folder`` and run the streams against it; check and report."""
    from tests.helpers.old_database import make_old_database

    db = folder / "actions.db"
    make_old_database(db)
    before = _sql(db, "SELECT id, title, owner, version FROM action ORDER BY id")
    report = UpgradeReport(procs, commands)
    env = _env()
    go = threading.Event()
    streams = [_Stream(n) for n in range(procs)]
    threads = [threading.Thread(target=_run_stream, args=(db, s, commands, go, env)) for s in streams]
    for thread in threads:
        thread.start()
    started = time.perf_counter()
    go.set()
    for thread in threads:
        thread.join()
    report.seconds = time.perf_counter() - started
    _check(db, before, streams, report)
    return report


def _check(db: Path, before: list[tuple], streams: list[_Stream], report: UpgradeReport) -> None:
    from tracker.storage.revisions import HEAD, REVISIONS

    stored = dict(_sql(db, "SELECT 'ACT-' || id, title FROM action"))
    owners = dict(_sql(db, "SELECT 'ACT-' || id, owner FROM action"))
    history = {(f"ACT-{a}", new) for a, new in _sql(db, "SELECT action_id, new_value FROM action_event"
                                                        " WHERE field = 'owner'")}
    claimed: dict[str, int] = {}
    for stream in streams:
        report.attempted += stream.attempted
        report.reads += stream.reads
        report.retries += stream.retries
        report.upgrades += stream.upgrades
        report.errors += stream.errors
        report.writes += len(stream.added) + sum(len(v) for v in stream.owners.values())
        for key, title in stream.added.items():
            claimed[key] = claimed.get(key, 0) + 1
            if stored.get(key) != title:
                report.lost += 1
                report.problems.append(f"{key} ({title!r}) was acknowledged but holds {stored.get(key)!r}")
        for key, set_owners in stream.owners.items():
            missing = [o for o in set_owners if (key, o) not in history]
            report.lost += len(missing)
            if missing:
                report.problems.append(f"{key}: acknowledged owner changes {missing} are not in its history")
            if owners.get(key) != set_owners[-1]:
                report.problems.append(f"{key}: owner {owners.get(key)!r}, last acknowledged {set_owners[-1]!r}")
        if stream.unseen:
            report.lost += len(stream.unseen)
            report.problems.append(f"stream {stream.number}: a later listing missed {stream.unseen[:5]}")
    if twice := [k for k, n in claimed.items() if n > 1]:  # (the losers' titles are counted lost above)
        report.problems.append(f"two streams were told they added {twice[:5]}")
    report.integrity = "; ".join(r[0] for r in _sql(db, "PRAGMA integrity_check"))
    if report.integrity != "ok":
        report.problems.append(f"integrity_check: {report.integrity}")
    if broken := _sql(db, "PRAGMA foreign_key_check"):
        report.problems.append(f"foreign_key_check: {broken[:3]}")
    revision = _sql(db, "SELECT version_num FROM alembic_version")[0][0]
    if revision != HEAD:
        report.problems.append(f"the database is at {revision}, not {HEAD}")
    if report.upgrades != 1:
        report.problems.append(f"{report.upgrades} commands said they upgraded the database")
    backups = sorted(db.parent.glob(f"{db.name}.bak-*"))
    if len(backups) != 1:
        report.problems.append(f"{len(backups)} backups: {[b.name for b in backups]}")
    else:
        if _sql(backups[0], "SELECT version_num FROM alembic_version")[0][0] != REVISIONS[0]:
            report.problems.append("the backup is not at the old revision")
        if _sql(backups[0], "SELECT id, title, owner, version FROM action ORDER BY id") != before:
            report.problems.append("the backup does not hold the database as it was")
    leftovers = [p.name for p in db.parent.iterdir() if re.search(r"\.lock$|\.tmp-|\.upgrade-|\.new-", p.name)]
    if leftovers:
        report.problems.append(f"left behind: {leftovers}")
