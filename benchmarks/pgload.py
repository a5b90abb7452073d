"""Copy a tracker SQLite database into a new PostgreSQL database, for the benchmarks.

Usage::

    .venv/bin/python benchmarks/pgload.py [--create] SQLITE_DB 'postgresql+psycopg://tracker@/NAME?host=/tmp/pg'

The PostgreSQL database must exist and be empty (``--create`` drops and creates it first). Its
schema comes from the tracker itself (``python -m tracker --db URL init --empty``, the real
migrations); then every table is copied with ``COPY ... FROM STDIN`` (100,000 actions: about 20 s
on 2 busy cores), with the tally triggers off for the load and the tallies counted once afterwards
(``tracker.storage.tally``; skipped for a tracker from before them), the id sequences moved past
the copied ids, and ``VACUUM ANALYZE`` run. ``tracker export toml`` + ``import toml`` gives the same
data, row by row through the triggers, which is slower at this size.

``throwaway_server()`` starts a server of its own (``tests/pgserver.py``: initdb into a temporary
folder, a Unix socket only) for the length of a ``with`` block.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
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


@contextmanager
def throwaway_server() -> Iterator[str]:
    """A PostgreSQL server of its own in a new temporary folder (removed afterwards); yields the URL of its
    ``postgres`` database. The folder is not inside another temporary folder: as root the server runs
    as the postgres account, which must reach it."""
    from tests.pgserver import Server

    folder = Path(tempfile.mkdtemp(prefix="tracker-bench-pg-"))
    server = Server(folder)
    try:
        yield server.start()
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)


def libpq_url(url: str) -> str:
    """The tracker's URL (SQLAlchemy's spelling) as libpq takes it."""
    return "postgresql://" + url.split("://", 1)[1]


def database_url(server_url: str, name: str) -> str:
    return server_url.replace("/postgres?", f"/{name}?")


def create_database(server_url: str, name: str) -> str:
    """A new empty database ``name`` on the server (dropped first if it exists); returns its URL."""
    with _connect(server_url, autocommit=True) as cur:
        cur.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        cur.execute(f"CREATE DATABASE {name}")
    return database_url(server_url, name)


@contextmanager
def _connect(url: str, *, autocommit: bool) -> Iterator[Any]:
    """A cursor on a new connection; committed at the end unless ``autocommit``; closed."""
    import psycopg2

    conn = psycopg2.connect(libpq_url(url))
    try:
        conn.autocommit = autocommit
        with conn.cursor() as cur:
            yield cur
        if not autocommit:
            conn.commit()
    finally:
        conn.close()


def _copy_text(value: Any) -> str:
    """One value in COPY's text format."""
    if value is None:
        return "\\N"
    text = str(value)
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def load(sqlite_path: Path, url: str, *, env: dict[str, str] | None = None) -> float:
    """Copy ``sqlite_path`` into the empty database at ``url``; returns the seconds it took."""
    try:
        from tracker.storage.tally import recount_statements
    except ImportError:  # a tracker from before the tallies (for before/after comparisons)
        def recount_statements(dialect: str) -> list[str]:
            return []

    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "tracker", "--db", url, "init", "--empty"], check=True, env=env,
                   stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, cwd=ROOT)
    source = sqlite3.connect(f"file:{sqlite_path}?mode=ro", uri=True)
    try:
        with _connect(url, autocommit=False) as cur:
            cur.execute("ALTER TABLE action DISABLE TRIGGER USER")
            cur.execute("ALTER TABLE incident DISABLE TRIGGER USER")
            for table in TABLES:
                columns = [r[1] for r in source.execute(f"PRAGMA table_info({table})")]
                names = ", ".join(columns)
                with tempfile.TemporaryFile("w+", encoding="utf-8") as buffer:
                    for row in source.execute(f"SELECT {names} FROM {table}"):
                        buffer.write("\t".join(_copy_text(v) for v in row) + "\n")
                    buffer.seek(0)
                    cur.copy_expert(f"COPY {table} ({names}) FROM STDIN", buffer)
            for sql in recount_statements("postgresql"):
                cur.execute(sql)
            cur.execute("ALTER TABLE action ENABLE TRIGGER USER")
            cur.execute("ALTER TABLE incident ENABLE TRIGGER USER")
            for table in ID_TABLES:
                cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), MAX(id)) FROM {table}"
                            " HAVING MAX(id) IS NOT NULL")
        with _connect(url, autocommit=True) as cur:
            cur.execute("VACUUM ANALYZE")
    finally:
        source.close()
    return time.perf_counter() - started


def main(argv: list[str]) -> int:
    create = "--create" in argv
    argv = [a for a in argv if a != "--create"]
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    url = argv[1]
    if create:
        head, query = url.split("?", 1)
        base, name = head.rsplit("/", 1)
        create_database(f"{base}/postgres?{query}", name)
    seconds = load(Path(argv[0]), url)
    print(f"loaded {argv[0]} in {seconds:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
