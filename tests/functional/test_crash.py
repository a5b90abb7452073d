"""Crashes: SIGKILL at random moments during an import, a burst of edits, and runbook saves.

After every kill the SQLite file passes ``PRAGMA integrity_check``, opens normally, and holds
either all of a change or none of it; a runbook file is one whole text or the other.
Each scenario prints what it saw (run with ``-s``): rounds killed mid-way against finished.
"""

from __future__ import annotations

import os
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import run_process
from tracker.core.opening import open_database
from tracker.core.runbooks.files import list_runbook_paths

pytestmark = [pytest.mark.slow, pytest.mark.sqlite_only]

REPO = Path(__file__).resolve().parents[2]
ROUNDS = 20
ACTIONS, INCIDENTS = 3000, 60


def _env() -> dict[str, str]:
    return {"PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH", "")]))}


def _helper(module: str, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", f"tests.helpers.{module}", *args], cwd=REPO,
                            env={**os.environ, **_env()}, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def _kill(proc: subprocess.Popen[str]) -> int:
    """SIGKILL (if still running); returns the exit status (-9 when the kill landed)."""
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGKILL)
    code = proc.wait(timeout=30)
    proc.stdout.close()  # type: ignore[union-attr]
    proc.stderr.close()  # type: ignore[union-attr]
    return code


def _integrity(path: Path) -> str:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        conn.close()


def _spread(rng: random.Random, span: float, rounds: int = ROUNDS) -> list[float]:
    """One random moment in each of ``rounds`` equal slices of ``span``: random, yet spread across it."""
    return [span * (i + rng.random()) / rounds for i in range(rounds)]


# -- a large import ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def big_export(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict[str, int]]:
    """A TOML export of ~3,000 actions, an empty database to import it into, and the full counts."""
    folder = tmp_path_factory.mktemp("crash-import")
    source, export, empty = folder / "big.db", folder / "big.toml", folder / "empty.db"
    subprocess.run([sys.executable, str(REPO / "benchmarks" / "generate.py"), "--actions", str(ACTIONS),
                    "--incidents", str(INCIDENTS), "--out", str(source)], check=True, capture_output=True)
    env = {**os.environ, "TRACKER_TODAY": "2026-11-23"}
    for args in (["--db", str(source), "export", "toml", str(export)], ["--db", str(empty), "init", "--empty"]):
        subprocess.run([sys.executable, "-m", "tracker", *args], check=True, capture_output=True, cwd=folder,
                       env=env)
    with sqlite3.connect(source) as conn:
        counts = {t: conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
                  for t in ("action", "incident", "action_event", "root_cause")}
    conn.close()
    assert counts["action"] == ACTIONS and not Path(f"{empty}-wal").exists()
    return export, empty, counts


def _counts(path: Path) -> dict[str, int]:
    with open_database(str(path), create=None) as db:
        return {t: int(db.scalar(f"SELECT COUNT(*) FROM {t}")) for t in ("action", "incident", "action_event",
                                                                             "root_cause")}


def _holds_write_lock(path: Path) -> bool:
    """True when another connection is inside a write transaction (our BEGIN IMMEDIATE is refused at once)."""
    conn = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError:
        return True
    else:
        conn.execute("ROLLBACK")
        return False
    finally:
        conn.close()


def test_import_killed_at_random_moments_is_all_or_nothing(big_export, tmp_path: Path) -> None:
    """Half the kills land anywhere in the run; half inside the write transaction (once it holds the lock)."""
    export, empty, full = big_export
    nothing = dict.fromkeys(full, 0)

    def start(copy: Path) -> subprocess.Popen[str]:
        shutil.copyfile(empty, copy)
        return run_process(["--db", str(copy), "import", "toml", str(export)], tmp_path)

    # Measure one run: its duration, and how long it holds the write lock (polled every 2 ms).
    copy = tmp_path / "measure.db"
    proc = start(copy)
    began = time.monotonic()
    locked: list[float] = []
    while proc.poll() is None:
        if _holds_write_lock(copy):
            locked.append(time.monotonic() - began)
        time.sleep(0.002)
    duration = time.monotonic() - began
    assert proc.wait() == 0, proc.stderr.read()  # type: ignore[union-attr]
    proc.stdout.close()  # type: ignore[union-attr]
    proc.stderr.close()  # type: ignore[union-attr]
    assert _counts(copy) == full
    window = max(locked[-1] - locked[0], 0.01) if locked else 0.05

    rng = random.Random(20261123)
    half = ROUNDS // 2
    moments = [("anywhere", d) for d in _spread(rng, duration * 1.3, half)]
    moments += [("in write", d) for d in _spread(rng, window, ROUNDS - half)]
    seen = {"killed before writing": 0, "killed holding the write lock": 0, "killed after commit": 0,
            "finished": 0}
    for number, (when, delay) in enumerate(moments):
        copy = tmp_path / f"round-{number}.db"
        proc = start(copy)
        if when == "in write":
            deadline = time.monotonic() + duration * 5
            while proc.poll() is None and not _holds_write_lock(copy) and time.monotonic() < deadline:
                time.sleep(0.001)
        time.sleep(delay)
        writing = proc.poll() is None and _holds_write_lock(copy)
        code = _kill(proc)
        assert code in (0, -signal.SIGKILL), f"round {number}: import exited {code}"
        assert _integrity(copy) == "ok", f"round {number}"
        counts = _counts(copy)  # opens normally (create=None: it must already be a tracker database)
        assert counts in (nothing, full), f"round {number}: partial import {counts}"
        if code == 0:
            assert counts == full
            seen["finished"] += 1
        elif counts == full:
            seen["killed after commit"] += 1
        else:
            seen["killed holding the write lock" if writing else "killed before writing"] += 1
    print(f"\nimport of {ACTIONS} actions: {duration:.2f} s per run, write lock held ~{window * 1000:.0f} ms; "
          f"{seen}")
    assert sum(seen.values()) == ROUNDS
    # A database left empty by a kill takes the import afterwards.
    copy = tmp_path / "round-0.db"
    if _counts(copy) == nothing:
        from tracker.exchange.toml_import import import_toml

        with open_database(str(copy), create=None) as db:
            import_toml(db, export.read_bytes(), name=export.name)
        assert _counts(copy) == full


# -- a burst of edits ----------------------------------------------------------------------------


def _history_accounts_for_versions(path: Path) -> tuple[list[str], int]:
    """Actions whose version - 1 differs from the distinct stamps of their non-created events; sum of versions."""
    with open_database(str(path), create=None) as db:
        rows = db.rows(
            "SELECT a.id, a.version, (SELECT COUNT(DISTINCT e.at) FROM action_event e"
            " WHERE e.action_id = a.id AND e.field <> 'created') FROM action a ORDER BY a.id")
    wrong = [f"ACT-{i}: version {v}, {n} changes in its history" for i, v, n in rows if v - 1 != n]
    return wrong, sum(v for _, v, _ in rows)


def test_edits_killed_at_random_moments_keep_history_and_versions_in_step(db_path: Path) -> None:
    rng = random.Random(4242)
    wrong, total = _history_accounts_for_versions(db_path)
    assert not wrong
    written = []
    for number, delay in enumerate(_spread(rng, 0.4)):
        proc = _helper("crash_editor", str(db_path), str(number + 1))
        assert proc.stdout.readline().strip() == "ready", proc.stderr.read()  # type: ignore[union-attr]
        time.sleep(delay)
        code = _kill(proc)
        assert code == -signal.SIGKILL, f"round {number}: the editor stopped by itself ({code})"
        assert _integrity(db_path) == "ok", f"round {number}"
        wrong, now = _history_accounts_for_versions(db_path)
        assert not wrong, f"round {number}: {wrong[:3]}"
        written.append(now - total)
        total = now
    print(f"\nedit bursts: {ROUNDS} killed mid-way, 0 finished; updates committed per round: {written}")
    assert sum(written) > 0  # the kills did land among real writes


# -- saving a runbook ----------------------------------------------------------------------------


def _runbook_text(letter: str) -> str:
    front = f'+++\ntitle = "Failover drill {letter}"\nowner = "sre-team"\nroot_causes = ["stale-config"]\n+++\n\n'
    body = "".join(f"{letter} step {n:05d}: check the replica lag, then the queue depth, then page.\n"
                   for n in range(2800))
    return front + body


def test_runbook_save_killed_at_random_moments_leaves_one_whole_text(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    (root / "runbooks").mkdir(parents=True)
    texts = {letter: _runbook_text(letter) for letter in "AB"}
    data = {letter: text.encode() for letter, text in texts.items()}
    assert all(190_000 < len(d) < 260_000 for d in data.values())
    sources = {}
    for letter, text in texts.items():
        sources[letter] = tmp_path / f"{letter}.txt"
        sources[letter].write_text(text, encoding="utf-8")
    target = root / "runbooks" / "drill.md"
    target.write_bytes(data["A"])
    rng = random.Random(777)
    found = {"A": 0, "B": 0}
    changed = 0
    previous = data["A"]
    leftovers: set[str] = set()
    for number, delay in enumerate(_spread(rng, 0.25)):
        proc = _helper("crash_runbook_saver", str(root), "runbooks/drill.md", str(sources["A"]),
                       str(sources["B"]))
        assert proc.stdout.readline().strip() == "ready", proc.stderr.read()  # type: ignore[union-attr]
        time.sleep(delay)
        assert _kill(proc) == -signal.SIGKILL
        now = target.read_bytes()
        assert now in (data["A"], data["B"]), f"round {number}: {len(now)} bytes, neither text"
        found["A" if now == data["A"] else "B"] += 1
        changed += now != previous
        previous = now
        others = {p.name for p in (root / "runbooks").iterdir()} - {"drill.md"}
        for name in others:
            assert re.fullmatch(r"\.drill\.md\..+\.tmp", name) and not name.endswith(".md"), name
        leftovers |= others
        assert list_runbook_paths(root, "runbooks") == ["runbooks/drill.md"]
    print(f"\nrunbook saves: {ROUNDS} killed mid-way, 0 finished; ended on A {found['A']}, B {found['B']} times "
          f"({changed} rounds changed the file); {len(leftovers)} stray temporary files left, e.g. "
          f"{sorted(leftovers)[:2]}")
    assert changed > 0  # the saves really happened while the kills landed
