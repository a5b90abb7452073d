"""Concurrency stress: several processes editing the same actions at once, on SQLite and PostgreSQL.

Creates a database holding ``--actions`` actions (the demo catalog plus added ones), then starts
``--procs`` worker processes (``tests/helpers/stress_worker.py``) that each make ``--edits`` random
edits with the version they read (``update_action(..., expected_version=)``), reading listings in
between. Afterwards every accepted write must be in the history and none may be lost (see
``tests/helpers/stress.py`` for the checks). Exit status 0 when every check holds, 1 otherwise.

PostgreSQL needs a server: ``--pg-url``, else ``TRACKER_TEST_PG_URL``, else one is started for the
run with ``tests/pgserver.py`` (Debian's postgresql package). The URL only has to reach the server:
the script creates its own database there (``tracker_stress_<pid>``) and drops it at the end.

``--upgrade`` runs the upgrade stress instead (SQLite only): ``--procs`` streams of ``--commands``
real ``tracker`` commands against a database from the first release, which the first commands
race to upgrade (see ``tests/helpers/stress_upgrade.py`` for the checks).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from harness import TODAY, bench_parser  # noqa: E402

from tests.helpers import stress_upgrade  # noqa: E402
from tests.helpers.stress import Report, prepare, run  # noqa: E402


@contextmanager
def sqlite_database() -> Iterator[str]:
    from tracker.core.opening import open_database

    folder = Path(tempfile.mkdtemp(prefix="tracker-stress-"))
    try:
        path = folder / "stress.db"
        open_database(str(path), create="demo").close()
        yield str(path)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def pg_server(given: str | None) -> Iterator[str]:
    url = given or os.environ.get("TRACKER_TEST_PG_URL")
    if url:
        yield url
        return
    from tests.pgserver import Server

    # Under /tmp, not a private folder: as root the server runs as another account.
    folder = Path(tempfile.mkdtemp(prefix="tracker-stress-pg-", dir="/tmp"))
    server = Server(folder)
    try:
        yield server.start()
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def pg_database(server_url: str) -> Iterator[str]:
    """A new database on the server, with the tracker schema and the demo catalog; dropped afterwards."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from tracker.core.opening import open_database
    from tracker.storage.postgres import sqlalchemy_url

    name = f"tracker_stress_{os.getpid()}"
    admin = create_engine(sqlalchemy_url(server_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        conn.execute(text(f"CREATE DATABASE {name}"))
    url = make_url(server_url).set(database=name).render_as_string(hide_password=False)
    try:
        open_database(url, create="demo").close()
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()


def stress(backend: str, args: argparse.Namespace) -> Report:
    if backend == "sqlite":
        with sqlite_database() as url:
            ids = prepare(url, args.actions)
            return run(url, ids, procs=args.procs, edits=args.edits, seed=args.seed, backend=backend)
    with pg_server(args.pg_url) as server, pg_database(server) as url:
        ids = prepare(url, args.actions)
        return run(url, ids, procs=args.procs, edits=args.edits, seed=args.seed, backend=backend)


def main(argv: Sequence[str] | None = None) -> int:
    parser = bench_parser(__doc__)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--procs", type=int, default=4, help="worker processes (default 4)")
    parser.add_argument("--edits", type=int, default=250, help="edits per worker (default 250)")
    parser.add_argument("--actions", type=int, default=50, help="actions the workers share (default 50)")
    parser.add_argument("--pg-url", help="a PostgreSQL server URL (default: TRACKER_TEST_PG_URL, else start one)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--upgrade", action="store_true",
                        help="streams of tracker commands against an older SQLite file being upgraded")
    parser.add_argument("--commands", type=int, default=50, help="commands per stream with --upgrade (default 50)")
    args = parser.parse_args(argv)
    if args.procs < 1 or args.edits < 1 or args.actions < 1 or args.commands < 1:
        parser.error("--procs, --edits, --actions and --commands must be positive")
    os.environ.setdefault("TRACKER_TODAY", TODAY)
    if args.upgrade:
        folder = Path(tempfile.mkdtemp(prefix="tracker-stress-upgrade-"))
        try:
            upgrade = stress_upgrade.run(folder, procs=args.procs, commands=args.commands)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        print("\n".join(upgrade.lines()))
        return 0 if upgrade.ok else 1
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    ok = True
    for number, backend in enumerate(backends):
        try:
            report = stress(backend, args)
        except Exception as exc:  # noqa: BLE001 - e.g. no PostgreSQL here: say so, go on
            print(f"{backend}: could not run: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}")
            ok = False
            continue
        if number:
            print()
        print("\n".join(report.lines()))
        if report.stale_as_deleted:
            print(f"  note: {report.stale_as_deleted} stale refusals said the action was deleted, e.g. "
                  f"{report.stale_messages[0]!r}")
        ok = ok and report.ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
