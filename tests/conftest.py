"""Shared fixtures: isolated HOME and git identity, real SQLite files, the CLI in and out of process."""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from tracker.core.opening import open_database
from tracker.storage.database import Db

pytest_plugins = ["tests.gitfixtures"]


TODAY = date(2026, 11, 23)
"""The fixed "today" of every test (``TRACKER_TODAY``)."""


@pytest.fixture(autouse=True)
def isolate(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No test reads the developer's HOME, git config or tracker settings."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(home / ".gitconfig"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("TRACKER_TODAY", TODAY.isoformat())
    monkeypatch.setenv("TRACKER_USER", "tester@example.com")
    for name in ("TRACKER_DB", "TRACKER_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    return home


@pytest.fixture(scope="session")
def _templates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Demo and empty databases built once through the real migrations, copied per test."""
    folder = tmp_path_factory.mktemp("templates")
    made = {}
    for name in ("demo", "empty"):
        path = folder / f"{name}.db"
        open_database(str(path), create=name).close()
        made[name] = path
    return made


@pytest.fixture(scope="session")
def _old_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tests.helpers.old_database import make_old_database

    path = tmp_path_factory.mktemp("templates-old") / "old.db"
    make_old_database(path)
    return path


@pytest.fixture
def old_db_path(tmp_path: Path, _old_template: Path) -> Path:
    """A fresh ``actions.db`` from the first release (schema 0001_initial) with the demo catalog."""
    path = tmp_path / "actions.db"
    shutil.copyfile(_old_template, path)
    return path


# -- both backends -------------------------------------------------------------------------------


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Tests in modules marked ``both_backends`` run on SQLite and on PostgreSQL."""
    if "backend" not in metafunc.fixturenames:
        return
    node = metafunc.definition
    if node.get_closest_marker("both_backends") and not node.get_closest_marker("sqlite_only"):
        metafunc.parametrize("backend", ["sqlite", "postgresql"], indirect=True)


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> str:
    return getattr(request, "param", "sqlite")


@pytest.fixture(scope="session")
def pg_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The URL of a PostgreSQL server: ``TRACKER_TEST_PG_URL``, or one started for this run."""
    url = os.environ.get("TRACKER_TEST_PG_URL")
    if url:
        yield url
        return
    import tempfile

    from tests.pgserver import PgUnavailable, Server

    server = None
    # Not under pytest's private temporary folder: the server runs as another account.
    folder = Path(tempfile.mkdtemp(prefix="tracker-pg-"))
    try:
        server = Server(folder)
        url = server.start()
    except (PgUnavailable, OSError) as error:
        if os.environ.get("TRACKER_REQUIRE_PG"):
            pytest.fail(f"PostgreSQL is required (TRACKER_REQUIRE_PG) but cannot start: {error}")
        pytest.skip(f"PostgreSQL cannot start here: {error}")
    yield url
    server.stop()
    shutil.rmtree(folder, ignore_errors=True)


def _pg_admin(url: str, sql: str) -> None:
    import psycopg2
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    conn = psycopg2.connect(dbname="postgres", user=parsed.username, host=parsed.query.get("host"),
                            port=parsed.port)
    try:
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(sql)
    finally:
        conn.close()


def _pg_url(server: str, name: str) -> str:
    return server.replace("/postgres?", f"/{name}?")


@pytest.fixture(scope="session")
def _pg_templates(pg_server: str) -> Iterator[dict[str, str]]:
    """Template databases (demo and empty) made once through the real migrations."""
    names = {}
    for kind in ("demo", "empty"):
        # One pair per test run: runs from other checkouts may share the server.
        name = f"tracker_tpl_{kind}_{os.getpid()}"
        _pg_admin(pg_server, f"DROP DATABASE IF EXISTS {name}")
        _pg_admin(pg_server, f"CREATE DATABASE {name}")
        open_database(_pg_url(pg_server, name), create=kind).close()
        names[kind] = name
    yield names
    for name in names.values():
        _pg_admin(pg_server, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


_PG_COUNTER = [0]


def _fresh_pg(request: pytest.FixtureRequest, kind: str) -> str:
    server = request.getfixturevalue("pg_server")
    templates = request.getfixturevalue("_pg_templates")
    _PG_COUNTER[0] += 1
    name = f"t_{os.getpid()}_{_PG_COUNTER[0]}"
    _pg_admin(server, f"CREATE DATABASE {name} TEMPLATE {templates[kind]}")
    request.addfinalizer(lambda: _pg_admin(server, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    return _pg_url(server, name)


@pytest.fixture
def db_url(request: pytest.FixtureRequest, backend: str, tmp_path: Path, _templates: dict[str, Path]) -> str:
    """A fresh demo database on the test's backend: a file path, or a PostgreSQL URL."""
    if backend == "postgresql":
        return _fresh_pg(request, "demo")
    path = tmp_path / "actions.db"
    if not path.exists():
        shutil.copyfile(_templates["demo"], path)
    return str(path)


@pytest.fixture
def empty_url(request: pytest.FixtureRequest, backend: str, tmp_path: Path, _templates: dict[str, Path]) -> str:
    if backend == "postgresql":
        return _fresh_pg(request, "empty")
    path = tmp_path / "empty.db"
    shutil.copyfile(_templates["empty"], path)
    return str(path)


def connect(url: str) -> Db:
    return Db.connect_url(url) if "://" in url else Db.connect_sqlite(Path(url))


def dump(url: str) -> str:
    """Every row of every tracker table, in a stable order: equal dumps mean no change at all."""
    tables = ["component", "incident", "incident_component", "timeline_entry", "root_cause", "root_cause_alias",
              "incident_root_cause", "incident_event", "action", "action_event", "runbook", "runbook_cause",
              "tracker_meta"]
    with connect(url) as db:
        parts = []
        for table in tables:
            columns = [r[0] for r in db.rows(
                "SELECT column_name FROM information_schema.columns WHERE table_name = :t ORDER BY column_name",
                {"t": table})] if db.dialect != "sqlite" else [r[1] for r in db.rows(f"PRAGMA table_info({table})")]
            columns = [c for c in columns if c != "search"]
            rows = db.rows(f"SELECT {', '.join(columns)} FROM {table} ORDER BY {', '.join(columns)}")
            parts.append(f"{table}: {rows!r}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


@pytest.fixture
def db_path(tmp_path: Path, _templates: dict[str, Path]) -> Path:
    """A fresh demo database file (the same file as ``db`` on SQLite)."""
    path = tmp_path / "actions.db"
    if not path.exists():
        shutil.copyfile(_templates["demo"], path)
    return path


@pytest.fixture
def db(db_url: str) -> Iterator[Db]:
    """The demo database on the test's backend (SQLite unless the module runs on both)."""
    conn = connect(db_url)
    yield conn
    conn.close()


@pytest.fixture
def empty_db(empty_url: str) -> Iterator[Db]:
    conn = connect(empty_url)
    yield conn
    conn.close()


def fingerprint(path: Path) -> str:
    """A digest of every row and schema object: equal digests mean no change at all."""
    conn = sqlite3.connect(path)
    try:
        return hashlib.sha256("\n".join(conn.iterdump()).encode()).hexdigest()
    finally:
        conn.close()


def damage_page(path: Path, table: str = "action") -> int:
    """Overwrite the page holding ``table``'s rows with garbage, as a failing disk would; returns its number.

    The page is in the middle of the file: the header and the schema on page 1 stay intact, so the
    database opens and the damage shows only when the table is read.
    """
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        (page,) = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", (table,)).fetchone()
        size = conn.execute("PRAGMA page_size").fetchone()[0]
        count = conn.execute("PRAGMA page_count").fetchone()[0]
    finally:
        conn.close()
    assert 1 < page < count, f"page {page} of {count} is not in the middle"
    with path.open("r+b") as fh:
        fh.seek((page - 1) * size)
        fh.write(b"\xa5" * size)
    return page


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@dataclass
class Result:
    code: int
    out: str
    err: str


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    """Run the CLI in process, in ``tmp_path``; returns exit code and captured output."""
    from tracker.cli import main

    monkeypatch.chdir(tmp_path)

    def run(*args: str) -> Result:
        capsys.readouterr()
        code = main(list(args))
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run


def run_unprivileged(args: list[str], reach: Path,
                     env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``tracker`` as an unprivileged user, so that file permissions bind (as root: as ``nobody``).

    ``reach`` is a folder the user must be able to walk to; the folders above it are opened for
    that (pytest's folders are private to root). Listing needs nothing beyond the standard
    library, so the system interpreter runs the tracker straight from the source tree. Skips when
    no interpreter an unprivileged user can run is there.
    """
    python, kwargs, extra = sys.executable, {}, {}
    if os.geteuid() == 0:
        source = Path(__file__).resolve().parents[1]
        python = "/usr/bin/python3"
        kwargs = {"user": "nobody", "group": "nogroup", "extra_groups": []}
        extra = {"PYTHONPATH": str(source), "HOME": "/tmp"}
        try:
            probe = subprocess.run([python, "-c", "import sys, tracker.cli; assert sys.version_info >= (3, 11)"],
                                   capture_output=True, cwd="/", env=extra, timeout=60, **kwargs)
        except OSError:
            probe = None
        if probe is None or probe.returncode != 0:
            pytest.skip("no interpreter an unprivileged user can run here")
        for folder in [reach, *reach.parents]:
            if folder.stat().st_mode & 0o005 != 0o005:
                folder.chmod(folder.stat().st_mode | 0o005)
            if folder.name.startswith("pytest-of-"):
                break
    return subprocess.run([python, "-m", "tracker", *args], cwd="/", capture_output=True, text=True,  # noqa: S603
                          timeout=60, env={**os.environ, **extra, **(env or {})}, **kwargs)


def run_process(args: list[str], cwd: Path, env: dict[str, str] | None = None, **kw) -> subprocess.Popen[str]:
    """Start the real ``tracker`` command in its own process, importing this checkout's code (not whichever
    copy the environment has installed)."""
    source = str(Path(__file__).resolve().parents[1])
    full_env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [source, os.environ.get("PYTHONPATH")])),
                **(env or {})}
    return subprocess.Popen(
        [sys.executable, "-m", "tracker", *args],
        cwd=cwd,
        env=full_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        **kw,
    )
