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

from tracker.storage.database import Db
from tracker.storage.lifecycle import open_database

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


@pytest.fixture
def db_path(tmp_path: Path, _templates: dict[str, Path]) -> Path:
    """A fresh demo database file."""
    path = tmp_path / "actions.db"
    shutil.copyfile(_templates["demo"], path)
    return path


@pytest.fixture
def db(db_path: Path) -> Iterator[Db]:
    conn = Db.connect_sqlite(db_path)
    yield conn
    conn.close()


@pytest.fixture
def empty_db(tmp_path: Path, _templates: dict[str, Path]) -> Iterator[Db]:
    path = tmp_path / "empty.db"
    shutil.copyfile(_templates["empty"], path)
    conn = Db.connect_sqlite(path)
    yield conn
    conn.close()


def fingerprint(path: Path) -> str:
    """A digest of every row and schema object: equal digests mean no change at all."""
    conn = sqlite3.connect(path)
    try:
        return hashlib.sha256("\n".join(conn.iterdump()).encode()).hexdigest()
    finally:
        conn.close()


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


def run_process(args: list[str], cwd: Path, env: dict[str, str] | None = None, **kw) -> subprocess.Popen[str]:
    """Start the real ``tracker`` command in its own process."""
    full_env = {**os.environ, **(env or {})}
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
