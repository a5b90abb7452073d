"""Data written by the previous release (schema 0004, export version 1) opens, upgrades and imports.

``tests/data/release-0.1/`` holds what that release wrote itself: ``actions.db.gz`` (``tracker init --demo``
plus an added action, an action moved to in progress and an added incident) and ``release.toml``, its
``tracker export toml`` of that database.
"""

from __future__ import annotations

import gzip
import shutil
import sqlite3
from pathlib import Path

import pytest

from tests.conftest import connect
from tracker.core.opening import open_database
from tracker.exchange.toml_export import export_toml
from tracker.exchange.toml_import import import_toml
from tracker.storage.database import Db
from tracker.storage.revisions import HEAD

RELEASE = Path(__file__).resolve().parents[1] / "data" / "release-0.1"
OLD_REVISION = "0004_review_indexes"
TABLES = ("root_cause", "component", "incident", "incident_component", "timeline_entry", "incident_root_cause",
          "action", "action_event", "runbook", "runbook_cause", "tracker_meta")


def old_database(folder: Path) -> Path:
    path = folder / "actions.db"
    with gzip.open(RELEASE / "actions.db.gz") as packed, path.open("wb") as out:
        shutil.copyfileobj(packed, out)
    return path


def snapshot(db: Db) -> dict[str, list[tuple[object, ...]]]:
    from tracker.base.timeutil import read_stamp

    return {
        "incident": [(i, title, status, read_stamp(started)) for i, title, status, started in db.rows(
            "SELECT id, title, status, started_at FROM incident ORDER BY id")],
        "action": db.rows("SELECT id, title, status, version, owner FROM action ORDER BY id"),
        "events": db.rows("SELECT action_id, field, new_value FROM action_event ORDER BY id"),
        "links": db.rows("SELECT incident_id, root_cause_id, role FROM incident_root_cause ORDER BY 1, 2"),
    }


def check_upgraded(db: Db, before: dict[str, list[tuple[object, ...]]]) -> None:
    assert db.scalar("SELECT version_num FROM alembic_version") == HEAD
    assert {k: [tuple(map(str, r)) for r in v] for k, v in snapshot(db).items()} == {
        k: [tuple(map(str, r)) for r in v] for k, v in before.items()}
    assert db.rows("SELECT DISTINCT version FROM incident") == [(1,)]
    assert db.scalar("SELECT COUNT(*) FROM incident_event") == 0
    assert db.scalar("SELECT COUNT(*) FROM root_cause WHERE retired_at IS NOT NULL") == 0


def test_a_database_of_the_previous_release_upgrades_with_its_data(tmp_path: Path) -> None:
    path = old_database(tmp_path)
    with Db.connect_sqlite(path, read_only=True) as old:
        assert old.scalar("SELECT version_num FROM alembic_version") == OLD_REVISION
        before = snapshot(old)
    assert len(before["incident"]) == 6 and len(before["action"]) == 14
    notes: list[str] = []
    with open_database(str(path), notify=notes.append) as db:
        check_upgraded(db, before)
        assert db.scalar("PRAGMA integrity_check") == "ok" and db.rows("PRAGMA foreign_key_check") == []
        with db.write():
            db.execute("UPDATE incident SET status = 'closed' WHERE id = 6")
        with pytest.raises(sqlite3.IntegrityError), db.write():
            db.execute("UPDATE incident SET status = 'reopened' WHERE id = 6")
    assert any("backup" in note for note in notes)


def _copy_rows(source: Db, target: Db) -> None:
    """Move every row of the old release's tables, columns as they were, into a database at that revision."""
    with target.write():
        for table in TABLES:
            columns = [r[1] for r in source.rows(f"PRAGMA table_info({table})")]
            rows = source.rows(f"SELECT {', '.join(columns)} FROM {table}")
            if rows:
                target.execute_many(
                    f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(':' + c for c in columns)})",
                    [dict(zip(columns, row, strict=True)) for row in rows])
            if "id" in columns:
                target.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), MAX(id)) FROM {table}"
                               " HAVING MAX(id) IS NOT NULL")


def test_a_postgresql_database_of_the_previous_release_upgrades(tmp_path: Path, request: pytest.FixtureRequest) -> None:
    from tests.conftest import _pg_admin, _pg_url
    from tracker.storage.migrate import upgrade_url

    server = request.getfixturevalue("pg_server")
    name = f"t_release_{tmp_path.name[-12:].replace('-', '_').lower()}"
    _pg_admin(server, f"DROP DATABASE IF EXISTS {name}")
    _pg_admin(server, f"CREATE DATABASE {name}")
    request.addfinalizer(lambda: _pg_admin(server, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    url = _pg_url(server, name)
    upgrade_url(url, OLD_REVISION)
    with Db.connect_sqlite(old_database(tmp_path), read_only=True) as old, connect(url) as target:
        _copy_rows(old, target)
        before = snapshot(old)
    with open_database(url) as db:
        check_upgraded(db, before)
        with db.write():
            db.execute("UPDATE incident SET status = 'closed' WHERE id = 6")


@pytest.mark.both_backends
def test_an_export_of_the_previous_release_imports_and_round_trips(empty_db: Db, db_url: str) -> None:
    data = (RELEASE / "release.toml").read_bytes()
    assert b'\nversion = 1\n' in data[:60]
    counts = import_toml(empty_db, data, name="release.toml")
    assert counts["incident"] == 6 and counts["action"] == 14 and counts["incident_event"] == 0
    assert empty_db.rows("SELECT DISTINCT version FROM incident") == [(1,)]
    again = export_toml(empty_db)
    assert again.startswith(b'format = "tracker-export"\nversion = 2\n')
    with connect(db_url) as other:
        with other.write():
            for table in ("action_event", "action", "incident_root_cause", "incident_component", "timeline_entry",
                          "incident", "component", "root_cause"):
                other.execute(f"DELETE FROM {table}")
        import_toml(other, again, name="again.toml")
        assert export_toml(other) == again
