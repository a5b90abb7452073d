"""Another process holding a SQLite database open, driven one command per line on standard input.

Run as ``python -m tests.helpers.sqlite_holder PATH`` from the repository root. It opens PATH the way
any SQLite user does (WAL, autocommit), prints ``ready``, then answers each command with ``ok`` (or
``error: ...``):

* ``write TEXT`` sets action 1's title to TEXT: a committed write, left in the WAL while the
  connection stays open;
* ``lock`` takes SQLite's exclusive lock and keeps it (``PRAGMA locking_mode = EXCLUSIVE``), as a
  backup tool or a ``sqlite3`` shell can; ``unlock`` gives it back;
* ``hold-upgrade-lock`` takes the tracker's own upgrade lock beside the file (an upgrade in
  progress); ``upgrade`` then upgrades the database (as a tracker would, still holding it);
  ``release`` lets the lock go;
* ``close`` closes the connection and ends the process.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from contextlib import ExitStack
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


class Holder:
    """Drives a holder process from a test: ``holder("write x")`` returns its answer."""

    def __init__(self, path: Path) -> None:
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
        self.proc = subprocess.Popen([sys.executable, "-m", "tests.helpers.sqlite_holder", str(path)], cwd=REPO,
                                     env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True)
        ready = self.proc.stdout.readline().strip()  # type: ignore[union-attr]
        assert ready == "ready", self.proc.stderr.read()  # type: ignore[union-attr]

    def __call__(self, command: str) -> str:
        self.proc.stdin.write(command + "\n")  # type: ignore[union-attr]
        self.proc.stdin.flush()  # type: ignore[union-attr]
        return self.proc.stdout.readline().strip()  # type: ignore[union-attr]

    def kill(self) -> None:
        """SIGKILL: the connection is never closed, its WAL is left as it was."""
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)
        self._close_pipes()

    def close(self) -> None:
        if self.proc.poll() is None:
            assert self("close") == "ok"
            self.proc.wait(timeout=30)
        self._close_pipes()

    def _close_pipes(self) -> None:
        for pipe in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            if pipe is not None:
                pipe.close()

    def __enter__(self) -> Holder:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.proc.poll() is None:
            self.kill()
        else:
            self._close_pipes()


def main(argv: list[str]) -> int:
    path = Path(argv[0])
    conn = sqlite3.connect(path, isolation_level=None, timeout=5)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
    held = ExitStack()
    print("ready", flush=True)
    for line in sys.stdin:
        command, _, arg = line.rstrip("\n").partition(" ")
        try:
            if command == "write":
                conn.execute("UPDATE action SET title = ? WHERE id = 1", (arg,))
            elif command == "lock":
                conn.execute("PRAGMA locking_mode = EXCLUSIVE")
                conn.execute("BEGIN EXCLUSIVE")
            elif command == "unlock":
                conn.execute("COMMIT")
                conn.execute("PRAGMA locking_mode = NORMAL")
                conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()  # the lock goes at the next read
            elif command == "hold-upgrade-lock":
                from tracker.storage import filelock

                held.enter_context(filelock.hold(path))
            elif command == "upgrade":
                from tracker.storage.migrate import upgrade_sqlite

                conn.close()  # the upgrade needs the database to itself
                upgrade_sqlite(path, "20261123T000000Z")
                conn = sqlite3.connect(path, isolation_level=None, timeout=5)
            elif command == "release":
                held.close()
            elif command == "close":
                held.close()
                conn.close()
                print("ok", flush=True)
                return 0
            else:
                raise ValueError(f"unknown command {command!r}")
        except Exception as exc:  # noqa: BLE001 - reported to the test, which decides
            print(f"error: {type(exc).__name__}: {exc}", flush=True)
            continue
        print("ok", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
