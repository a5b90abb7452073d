"""Copy a tracker SQLite database into a new PostgreSQL database, for the benchmarks.

Usage::

    .venv/bin/python benchmarks/pgload.py SQLITE_DB 'postgresql+psycopg://tracker@/NAME?host=/tmp/pg'

The PostgreSQL database must exist and be empty. Its schema comes from the tracker itself
(``python -m tracker --db URL init --empty``, the real migrations); then every table is copied with
``COPY ... FROM STDIN`` (a million actions: about a minute), with the tally triggers off for the
load and the tallies counted once afterwards (``tracker.storage.tally``), the id sequences moved
past the copied ids, and ``ANALYZE`` run. ``tracker export toml`` + ``import toml`` gives the same
data, row by row through the triggers, which is slower at this size.

``start_server(folder)`` starts a throwaway server (``tests/pgserver.py``: initdb into ``folder``,
a Unix socket only) and returns its URL and the object that stops it.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TABLES = (
    "component", "incident", "incident_component", "root_cause", "root_cause_alias", "incident_root_cause",
    "incident_event", "timeline_entry", "action", "action_event", "runbook", "runbook_cause", "tracker_meta",
)
"""Every table with data, parents before children (the tallies are counted, not copied)."""

ID_TABLES = ("component", "incident", "root_cause", "incident_event", "timeline_entry", "action", "action_event",
             "runbook")


def start_server(folder: Path) -> tuple[str, Any]:
    """A throwaway PostgreSQL server in ``folder``: (URL of its ``postgres`` database, the server)."""
    from tests.pgserver import Server

    server = Server(folder)
    return server.start(), server


def database_url(server_url: str, name: str) -> str:
    return server_url.replace("/postgres?", f"/{name}?")


def create_database(server_url: str, name: str) -> str:
    """A new empty database ``name`` on the server (dropped first if it exists); returns its URL."""
    import psycopg

    from tracker.storage.postgres import connect_params

    params = connect_params(server_url)
    with psycopg.connect(**params, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name}")
    return database_url(server_url, name)


def load(sqlite_path: Path, url: str, *, env: dict[str, str] | None = None) -> float:
    """Copy ``sqlite_path`` into the empty database at ``url``; returns the seconds it took."""
    import psycopg

    from tracker.storage.postgres import connect_params
    from tracker.storage.tally import recount_statements

    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "tracker", "--db", url, "init", "--empty"], check=True, env=env,
                   stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, cwd=ROOT)
    source = sqlite3.connect(f"file:{sqlite_path}?mode=ro", uri=True)
    try:
        with psycopg.connect(**connect_params(url)) as conn:
            conn.execute("ALTER TABLE action DISABLE TRIGGER USER")
            conn.execute("ALTER TABLE incident DISABLE TRIGGER USER")
            for table in TABLES:
                columns = [r[1] for r in source.execute(f"PRAGMA table_info({table})")]
                names = ", ".join(columns)
                with conn.cursor().copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                    for row in source.execute(f"SELECT {names} FROM {table}"):
                        copy.write_row(row)
            for sql in recount_statements("postgresql"):
                conn.execute(sql)
            conn.execute("ALTER TABLE action ENABLE TRIGGER USER")
            conn.execute("ALTER TABLE incident ENABLE TRIGGER USER")
            for table in ID_TABLES:
                conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), MAX(id)) FROM {table}"
                             " HAVING MAX(id) IS NOT NULL")
            conn.commit()
        with psycopg.connect(**connect_params(url), autocommit=True) as conn:
            conn.execute("VACUUM ANALYZE")
    finally:
        source.close()
    return time.perf_counter() - started


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    seconds = load(Path(argv[0]), argv[1])
    print(f"loaded {argv[0]} in {seconds:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
