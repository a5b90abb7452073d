"""A throwaway PostgreSQL server for the tests: initdb into a temporary folder, a Unix socket only.

``.ci/run`` starts one and passes its URL in ``TRACKER_TEST_PG_URL``; without it the tests start
their own, or skip with the reason when this machine has no PostgreSQL (``.ci/run`` sets
``TRACKER_REQUIRE_PG=1`` so that such a skip fails the run instead).
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
from pathlib import Path


class PgUnavailable(Exception):
    pass


def _bin_dir() -> Path:
    candidates = [Path(c) for c in glob.glob("/usr/lib/postgresql/*/bin") if Path(c, "initdb").exists()]
    if candidates:
        return max(candidates, key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0)
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).resolve().parent
    raise PgUnavailable("no PostgreSQL server binaries (install Debian's postgresql package)")


class Server:
    def __init__(self, folder: Path) -> None:
        self.bin = _bin_dir()
        self.folder = folder
        self.data = folder / "data"
        self.user = []
        if os.geteuid() == 0:
            # initdb refuses to run as root: run the server as the postgres (or nobody) account.
            account = "postgres" if _has_user("postgres") else "nobody"
            shutil.chown(folder, account)
            self.user = ["runuser", "-u", account, "--"]

    def _run(self, *args: str) -> None:
        done = subprocess.run([*self.user, *args], capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            raise PgUnavailable(f"{Path(args[0]).name} failed: {(done.stderr or done.stdout).strip()[-300:]}")

    def start(self) -> str:
        self.folder.chmod(0o755)
        self._run(str(self.bin / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "tracker", "-E", "UTF8",
                  "--no-sync", "--locale=C")
        options = f"-c listen_addresses='' -k {self.folder} -c fsync=off -c full_page_writes=off"
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-o", options, "-l",
                  str(self.folder / "server.log"), "-w", "start")
        return f"postgresql+psycopg://tracker@/postgres?host={self.folder}"

    def stop(self) -> None:
        subprocess.run([*self.user, str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop"],
                       capture_output=True, timeout=60)


def _has_user(name: str) -> bool:
    import pwd

    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True
