"""The concurrency stress harness shared by ``benchmarks/stress.py`` and ``tests/functional/test_stress.py``.

``prepare`` makes sure the database holds enough actions; ``run`` starts worker processes
(``tests.helpers.stress_worker``) that edit the same actions at once, then checks the history:

* every worker finished, and none saw an error other than a stale refusal (a "database is
  locked" reaching a worker counts as an error);
* per worker, attempted == accepted + stale refusals + errors;
* per action, accepted writes == final version - initial version == distinct ``at`` stamps among
  the events written during the run (each accepted update writes >= 1 event with one ``at``);
* no lost update: every accepted write has its events (same action, same ``at``), and no two
  accepted writes claim the same resulting version.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
TODAY = date(2026, 11, 23)


def connect(url: str) -> Any:
    from tracker.storage.database import Db

    return Db.connect_url(url) if "://" in url else Db.connect_sqlite(Path(url))


def _stamp(value: Any) -> str:
    from tracker.base.timeutil import read_stamp

    return read_stamp(value).isoformat()  # type: ignore[union-attr]


def prepare(url: str, count: int) -> list[int]:
    """The ids of ``count`` actions, adding actions to the (demo) database when it holds fewer."""
    from tracker.core.actions import add_action

    with connect(url) as db:
        ids = [r[0] for r in db.rows("SELECT id FROM action ORDER BY id")]
        incidents = [r[0] for r in db.rows("SELECT id FROM incident ORDER BY id")]
        for n in range(len(ids), count):
            row = add_action(db, title=f"Stress action {n + 1}", actor="stress-setup", today=TODAY,
                             slo_days={"P1": 7, "P2": 30, "P3": 90}, incident=f"INC-{incidents[n % len(incidents)]}",
                             owner="team-red")
            ids.append(row.id)
    return ids[:count]


@dataclass
class Report:
    backend: str
    procs: int
    edits: int
    actions: int
    attempted: int = 0
    accepted: int = 0
    stale: int = 0
    stale_as_deleted: int = 0
    """Stale refusals whose error said the action was deleted (it never is here)."""
    stale_messages: list[str] = field(default_factory=list)
    retries: int = 0
    errors: list[str] = field(default_factory=list)
    crashes: list[str] = field(default_factory=list)
    lost: int = 0
    problems: list[str] = field(default_factory=list)
    """Every failed check, in words (empty when all hold)."""
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not (self.problems or self.errors or self.crashes or self.lost)

    def lines(self) -> list[str]:
        rows = [
            ("backend", self.backend),
            ("workers x edits", f"{self.procs} x {self.edits} on {self.actions} actions"),
            ("edits attempted", self.attempted),
            ("accepted", self.accepted),
            ("stale refused", self.stale),
            ("  of which said 'deleted'", self.stale_as_deleted),
            ("write retries (busy)", self.retries),
            ("errors", len(self.errors) + len(self.crashes)),
            ("lost updates", self.lost),
            ("wall time", f"{self.seconds:.2f} s"),
            ("checks", "ok" if self.ok else f"FAILED ({len(self.problems)} problems)"),
        ]
        out = [f"{name:<28} {value}" for name, value in rows]
        out += [f"  problem: {p}" for p in self.problems[:10]]
        out += [f"  error: {e}" for e in (self.crashes + self.errors)[:10]]
        return out


def _snapshot(url: str, ids: list[int]) -> tuple[dict[int, int], int]:
    with connect(url) as db:
        versions = {r[0]: r[1] for r in db.rows("SELECT id, version FROM action")}
        last_event = db.scalar("SELECT COALESCE(MAX(id), 0) FROM action_event")
    return {i: versions[i] for i in ids}, int(last_event)


def _worker_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH", "")]))
    return env


def run(url: str, ids: list[int], *, procs: int = 4, edits: int = 250, seed: int = 1,
        backend: str = "", timeout: float = 600.0) -> Report:
    """Run ``procs`` workers making ``edits`` edits each to the actions ``ids``; check and report."""
    report = Report(backend or ("sqlite" if "://" not in url else url.split(":", 1)[0]), procs, edits, len(ids))
    initial, last_event = _snapshot(url, ids)
    with tempfile.TemporaryDirectory(prefix="tracker-stress-") as folder:
        go = os.path.join(folder, "go")
        children = []
        for worker in range(procs):
            args = {"url": url, "worker": worker, "ids": ids, "edits": edits, "seed": seed * 1000 + worker, "go": go}
            children.append(subprocess.Popen(
                [sys.executable, "-m", "tests.helpers.stress_worker", json.dumps(args)],
                cwd=REPO, env=_worker_env(), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                stderr=subprocess.PIPE, text=True,
            ))
        for child in children:  # every worker connected (imports done) before the first edit
            child.stdout.readline()  # type: ignore[union-attr]
        started = time.perf_counter()
        Path(go).touch()
        results: list[dict[str, Any]] = []
        for worker, child in enumerate(children):
            try:
                out, err = child.communicate(timeout=max(1.0, timeout - (time.perf_counter() - started)))
            except subprocess.TimeoutExpired:
                child.kill()
                out, err = child.communicate()
                report.crashes.append(f"worker {worker}: timed out")
                continue
            lines = [line for line in out.splitlines() if line.startswith("{")]
            if child.returncode != 0 or not lines:
                tail = (err or out).strip().splitlines()[-1:] or [""]
                report.crashes.append(f"worker {worker}: exit {child.returncode}: {tail[0]}")
                continue
            results.append(json.loads(lines[-1]))
        report.seconds = time.perf_counter() - started
    _check(url, ids, initial, last_event, results, report)
    return report


def _check(url: str, ids: list[int], initial: dict[int, int], last_event: int, results: list[dict[str, Any]],
           report: Report) -> None:
    accepted: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for result in results:
        report.attempted += result["attempted"]
        report.accepted += len(result["accepted"])
        report.stale += result["stale"]
        report.stale_as_deleted += result["stale_as_deleted"]
        report.stale_messages += result["stale_messages"]
        report.retries += result["retries"]
        report.errors += [f"worker {result['worker']}: {e}" for e in result["errors"]]
        counted = len(result["accepted"]) + result["stale"] + len(result["errors"])
        if result["attempted"] != counted:
            report.problems.append(f"worker {result['worker']}: {result['attempted']} attempted but "
                                   f"{counted} accepted + refused + failed")
        for action_id, version, at, _ in result["accepted"]:
            accepted[action_id].append((version, _stamp(at)))
    with connect(url) as db:
        final = {r[0]: r[1] for r in db.rows("SELECT id, version FROM action")}
        stamps: dict[int, set[str]] = defaultdict(set)
        for action_id, at in db.rows("SELECT action_id, at FROM action_event WHERE id > :last", {"last": last_event}):
            stamps[action_id].add(_stamp(at))
    for action_id in ids:
        claims = accepted.get(action_id, [])
        delta = final[action_id] - initial[action_id]
        distinct = len(stamps.get(action_id, set()))
        if not len(claims) == delta == distinct:
            report.problems.append(f"ACT-{action_id}: {len(claims)} accepted writes, version +{delta}, "
                                   f"{distinct} distinct event stamps")
        duplicates = [v for v, n in Counter(v for v, _ in claims).items() if n > 1]
        missing = [v for v, at in claims if at not in stamps.get(action_id, set())]
        if duplicates:
            report.problems.append(f"ACT-{action_id}: versions {duplicates} claimed by two accepted writes")
        if missing:
            report.problems.append(f"ACT-{action_id}: accepted writes to versions {missing} have no event")
        expected = set(range(initial[action_id] + 1, final[action_id] + 1))
        if {v for v, _ in claims} != expected:
            report.problems.append(f"ACT-{action_id}: accepted versions do not run {initial[action_id] + 1}.."
                                   f"{final[action_id]}")
        report.lost += len(missing) + sum(n - 1 for n in Counter(v for v, _ in claims).values() if n > 1)
    unexpected = set(stamps) - set(ids)
    if unexpected:
        report.problems.append(f"events written for actions no worker edited: {sorted(unexpected)[:5]}")
