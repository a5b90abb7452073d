"""Storage: engine pragmas, migrations that match the models, and refusing what is not ours."""

from __future__ import annotations

import os
import shutil
import sqlite3
from pathlib import Path

import pytest

from tests.conftest import damage_page, file_digest, fingerprint
from tracker.base.errors import (
    DatabaseBusyError,
    DatabaseDamagedError,
    DatabaseError,
    NotATrackerDatabaseError,
    SchemaTooNewError,
)
from tracker.core.opening import init_database, open_database
from tracker.storage.database import Db, copy_sqlite, make_engine
from tracker.storage.lifecycle import check_database
from tracker.storage.revisions import HEAD, REVISIONS


def test_engine_sets_sqlite_pragmas(tmp_path: Path) -> None:
    engine = make_engine(str(tmp_path / "x.db"))
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000
    engine.dispose()


def test_plain_connection_sets_the_same_pragmas(db: Db) -> None:
    assert db.scalar("PRAGMA foreign_keys") == 1
    assert db.scalar("PRAGMA journal_mode") == "wal"
    assert db.scalar("PRAGMA busy_timeout") == 5000


def test_known_revisions_match_the_migration_scripts() -> None:
    from tracker.storage.migrate import head_revision

    assert head_revision() == HEAD
    assert REVISIONS[-1] == HEAD


def test_migrated_schema_matches_the_models(db_path: Path) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlmodel import SQLModel

    import tracker.storage.schema  # noqa: F401

    engine = make_engine(str(db_path))
    with engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), SQLModel.metadata)
    engine.dispose()
    # The FTS5 index is SQLite-only and lives outside the models on purpose.
    diffs = [d for d in diffs if not (d[0] == "remove_table" and d[1].name.startswith("action_fts"))]
    assert diffs == []


def test_foreign_keys_are_enforced(db: Db) -> None:
    with pytest.raises(sqlite3.IntegrityError):
        with db.write():
            db.execute("INSERT INTO action_event (action_id, at, actor, field, note) "
                       "VALUES (99999, '2026-01-01', 'x', 'f', '')")


def test_check_constraints_refuse_unknown_enum_values(db: Db) -> None:
    with pytest.raises(sqlite3.IntegrityError):
        with db.write():
            db.execute("UPDATE action SET status = 'finished' WHERE id = 1")
    assert db.scalar("SELECT status FROM action WHERE id = 1") != "finished"


def test_write_transaction_is_all_or_nothing(db: Db) -> None:
    before = db.scalar("SELECT COUNT(*) FROM action_event")
    with pytest.raises(RuntimeError):
        with db.write():
            db.execute("DELETE FROM action_event")
            raise RuntimeError("boom")
    assert db.scalar("SELECT COUNT(*) FROM action_event") == before


def test_fts_index_follows_the_actions(db: Db) -> None:
    hits = db.rows("SELECT rowid FROM action_fts WHERE action_fts MATCH 'colocated'")
    assert hits
    db.execute("UPDATE action SET title = 'renamed entirely' WHERE id = :id", {"id": hits[0][0]})
    assert db.rows("SELECT rowid FROM action_fts WHERE action_fts MATCH 'renamed'") == [(hits[0][0],)]
    assert check_database(db)["fts"] == "ok"


def test_check_reports_a_healthy_database(db: Db) -> None:
    report = check_database(db)
    assert report["ok"] and report["integrity"] == "ok" and report["schema"] == HEAD
    assert report["incident_count"] == 5


def test_a_damaged_page_is_an_error_naming_the_newest_backup(db_path: Path) -> None:
    damage_page(db_path)
    for stamp in ("20261120T080000Z", "20261122T090000Z", "20261121T100000Z"):
        shutil.copyfile(db_path, db_path.with_name(f"actions.db.bak-{stamp}"))
    with Db.connect_sqlite(db_path) as db:
        with pytest.raises(DatabaseDamagedError) as info:
            db.rows("SELECT title FROM action")
    message = str(info.value)
    assert "the database is damaged (database disk image is malformed)" in message
    assert f"the newest backup is {db_path}.bak-20261122T090000Z" in message and "tracker db check" in message


def test_check_reports_a_damaged_page_instead_of_failing(db_path: Path) -> None:
    damage_page(db_path)
    with open_database(str(db_path)) as db:
        report = check_database(db)
    assert report["ok"] is False
    assert report["integrity"] != "ok" and report["newest_backup"] is None
    assert report["schema"] == HEAD and report["incident_count"] == 5


def test_the_upgrade_lock_is_held_once_and_leaves_no_file(db_path: Path) -> None:
    from tracker.storage import filelock

    with filelock.hold(db_path):
        assert filelock.lock_path(db_path).exists()
        with pytest.raises(DatabaseBusyError, match="another tracker process is creating or upgrading"):
            with filelock.hold(db_path, wait=0.2):
                pass
    assert not filelock.lock_path(db_path).exists()
    with filelock.hold(db_path, wait=0.2):  # free again
        pass


# -- opening what is not ours ---------------------------------------------------------------


def test_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(DatabaseError, match="is a directory"):
        open_database(str(tmp_path))


def test_non_sqlite_file_is_refused_and_untouched(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_text("these are my notes\n")
    digest = file_digest(path)
    with pytest.raises(NotATrackerDatabaseError, match="not a SQLite database"):
        open_database(str(path))
    assert file_digest(path) == digest
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.db"]


def test_foreign_sqlite_database_is_refused_and_untouched(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE recipes (name TEXT)")
    conn.commit()
    conn.close()
    digest = file_digest(path)
    with pytest.raises(NotATrackerDatabaseError, match="not a tracker database"):
        open_database(str(path))
    assert file_digest(path) == digest


def test_corrupt_database_is_refused(tmp_path: Path, db_path: Path) -> None:
    data = bytearray(db_path.read_bytes())
    data[100:4096] = b"\xff" * (4096 - 100)  # smash the first page's b-tree
    bad = tmp_path / "corrupt.db"
    bad.write_bytes(bytes(data))
    with pytest.raises(DatabaseError, match="corrupt|not a database|malformed|cannot open"):
        open_database(str(bad))


def test_newer_schema_is_refused_and_untouched(db_path: Path) -> None:
    conn = sqlite3.connect(db_path)
    conn.execute("UPDATE alembic_version SET version_num = '0099_from_the_future'")
    conn.commit()
    conn.close()
    digest = fingerprint(db_path)
    with pytest.raises(SchemaTooNewError, match="newer than this tracker"):
        open_database(str(db_path))
    assert fingerprint(db_path) == digest


def test_missing_database_is_created_with_the_demo_and_a_notice(tmp_path: Path) -> None:
    notes: list[str] = []
    path = tmp_path / "fresh.db"
    with open_database(str(path), notify=notes.append) as db:
        assert db.scalar("SELECT COUNT(*) FROM incident") == 5
    assert len(notes) == 1 and "demo" in notes[0]
    # Nothing but the database (and SQLite's own side files) is left behind.
    assert {p.name for p in tmp_path.iterdir()} <= {"fresh.db", "fresh.db-wal", "fresh.db-shm"}


def test_missing_folder_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(DatabaseError, match="does not exist"):
        open_database(str(tmp_path / "nowhere" / "a.db"))


def test_init_refuses_an_existing_database(db_path: Path) -> None:
    digest = fingerprint(db_path)
    with pytest.raises(DatabaseError, match="already exists"):
        init_database(str(db_path), demo=True)
    assert fingerprint(db_path) == digest


def test_init_empty_has_schema_and_no_rows(tmp_path: Path) -> None:
    with init_database(str(tmp_path / "e.db"), demo=False) as db:
        assert db.scalar("SELECT COUNT(*) FROM incident") == 0
        assert db.scalar("SELECT version_num FROM alembic_version") == HEAD


def test_failed_upgrade_leaves_the_original_untouched_and_a_backup(db_path: Path) -> None:
    from tracker.storage.migrate import upgrade_sqlite

    # A database whose version table was lost: upgrading it from the start must fail
    # (its tables exist), which is a real failed migration.
    conn = sqlite3.connect(db_path)
    conn.execute("DELETE FROM alembic_version")
    conn.commit()
    conn.close()
    digest = file_digest(db_path)
    with pytest.raises(DatabaseError, match="upgrade failed.*unchanged"):
        upgrade_sqlite(db_path, "20261123T000000Z")
    assert file_digest(db_path) == digest
    backup = db_path.with_name(f"{db_path.name}.bak-20261123T000000Z")
    assert backup.exists() and fingerprint(backup) == fingerprint(db_path)
    leftovers = [p.name for p in db_path.parent.iterdir() if ".upgrade-" in p.name]
    assert leftovers == []


def test_older_schema_is_upgraded_in_place_after_a_backup(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Pretend the head moved on: opening migrates the file itself, never a copy swapped in for it.

    Another process's connection (and its WAL) stays tied to the file it opened: a file renamed
    over it would lose that process's writes.
    """
    import tracker.storage.lifecycle as lifecycle
    import tracker.storage.migrate as migrate

    for module in (lifecycle, migrate):
        monkeypatch.setattr(module, "HEAD", "0002_pretend")
    monkeypatch.setattr(lifecycle, "REVISIONS", (*REVISIONS, "0002_pretend"))
    migrated: list[str] = []

    def fake_migrate(conn: sqlite3.Connection) -> None:
        migrated.append(conn.execute("PRAGMA database_list").fetchone()[2])
        conn.execute("UPDATE alembic_version SET version_num = '0002_pretend'")

    monkeypatch.setattr(migrate, "_migrate_in_place", fake_migrate)
    inode = db_path.stat().st_ino
    notes: list[str] = []
    with open_database(str(db_path), notify=notes.append) as db:
        assert db.scalar("SELECT version_num FROM alembic_version") == "0002_pretend"
    assert migrated == [str(db_path)], "the upgrade must run on the database file itself"
    assert db_path.stat().st_ino == inode
    backups = list(db_path.parent.glob("actions.db.bak-*"))
    assert len(backups) == 1
    with Db.connect_sqlite(backups[0]) as old:
        assert old.scalar("SELECT version_num FROM alembic_version") == HEAD
    assert "backup" in notes[0]
    assert sorted(p.name for p in db_path.parent.iterdir() if not p.name.startswith("actions.db-")) == [
        "actions.db", backups[0].name]


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_read_only_file_is_refused(db_path: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("root can write any file; the CLI test covers this as an unprivileged user")
    db_path.chmod(0o444)
    with pytest.raises(DatabaseError, match="permission denied"):
        open_database(str(db_path))


def test_template_copy_is_independent(db_path: Path, tmp_path: Path) -> None:
    other = tmp_path / "copy.db"
    shutil.copyfile(db_path, other)
    with Db.connect_sqlite(other) as db, db.write():
        db.execute("DELETE FROM action_event")
    assert fingerprint(db_path) != fingerprint(other)


def test_a_real_older_database_is_upgraded_with_a_backup(tmp_path: Path) -> None:
    """A database made by the first release (schema 0001) opens at the head, its data intact."""
    from tracker.core.demo import load_demo
    from tracker.storage.migrate import upgrade_url

    path = tmp_path / "old.db"
    upgrade_url(str(path), REVISIONS[0])
    with Db.connect_sqlite(path) as old:
        load_demo(old)
        before = old.rows("SELECT id, title, version FROM action ORDER BY id")
    notes: list[str] = []
    with open_database(str(path), notify=notes.append) as db:
        assert db.scalar("SELECT version_num FROM alembic_version") == HEAD
        assert db.rows("SELECT id, title, version FROM action ORDER BY id") == before
        assert db.scalar("SELECT COUNT(*) FROM runbook") == 0
    backups = list(tmp_path.glob("old.db.bak-*"))
    assert len(backups) == 1 and "backup" in notes[0]
    with Db.connect_sqlite(backups[0]) as kept:
        assert kept.scalar("SELECT version_num FROM alembic_version") == REVISIONS[0]


def test_a_copy_holds_what_only_the_wal_has_and_leaves_the_source_alone(tmp_path: Path) -> None:
    folder = tmp_path / "odd ?#% name"
    folder.mkdir()
    source = folder / "actions.db"
    writer = sqlite3.connect(source)
    writer.execute("PRAGMA journal_mode = WAL")
    writer.execute("PRAGMA wal_autocheckpoint = 0")
    writer.execute("CREATE TABLE t (v TEXT)")
    writer.execute("INSERT INTO t VALUES ('only in the wal')")
    writer.commit()
    before = file_digest(source)
    copy_sqlite(source, tmp_path / "copy.db")
    assert file_digest(source) == before
    writer.close()
    copied = sqlite3.connect(tmp_path / "copy.db")
    try:
        assert copied.execute("SELECT v FROM t").fetchall() == [("only in the wal",)]
    finally:
        copied.close()


def test_a_deferred_checkpoint_leaves_commits_in_the_log_then_writes_them_on_a_thread(tmp_path: Path) -> None:
    path = tmp_path / "deferred.db"
    wal = Path(f"{path}-wal")
    db = Db.connect_sqlite(path)
    with db.write():
        db.execute("CREATE TABLE t (v TEXT)")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    size = path.stat().st_size
    with db.deferred_checkpoint():
        with db.write():  # far more than the 1,000 pages after which a commit copies them into the file
            db.execute_many("INSERT INTO t (v) VALUES (:v)", [{"v": "x" * 3000} for _ in range(2500)])
        assert path.stat().st_size == size, "the commit copied its pages into the file"
        assert wal.stat().st_size > 2000 * 4096
        other = sqlite3.connect(path)  # every reader sees what only the log holds
        assert other.execute("SELECT COUNT(*) FROM t").fetchone() == (2500,)
        other.close()
    assert db.scalar("PRAGMA wal_autocheckpoint") == 1000
    db.close()
    assert path.stat().st_size > size + 2000 * 4096
    assert not wal.exists()
    with Db.connect_sqlite(path) as again:
        assert again.scalar("SELECT COUNT(*) FROM t") == 2500


def test_a_deferred_checkpoint_that_fails_loses_nothing(tmp_path: Path) -> None:
    path = tmp_path / "deferred.db"
    db = Db.connect_sqlite(path)
    with db.write():
        db.execute("CREATE TABLE t (v TEXT)")
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN")
    holder.execute("SELECT COUNT(*) FROM t").fetchall()  # a reader holding the log: the checkpoint stops short
    with db.deferred_checkpoint(), db.write():
        db.execute("INSERT INTO t (v) VALUES ('kept')")
    db.close()
    holder.execute("COMMIT")
    holder.close()
    with Db.connect_sqlite(path) as again:
        assert again.scalar("SELECT v FROM t") == "kept"


def test_a_deferred_checkpoint_that_cannot_run_says_nothing_and_loses_nothing(tmp_path: Path,
                                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    path = tmp_path / "deferred.db"
    db = Db.connect_sqlite(path)
    with db.write():
        db.execute("CREATE TABLE t (v TEXT)")
    raised: list[BaseException | None] = []
    monkeypatch.setattr(threading, "excepthook", lambda args: raised.append(args.exc_value))

    def refuse(*_: object, **__: object) -> sqlite3.Connection:
        raise sqlite3.OperationalError("unable to open database file")

    monkeypatch.setattr(sqlite3, "connect", refuse)  # the checkpoint's own connection cannot be made
    with db.deferred_checkpoint(), db.write():
        db.execute("INSERT INTO t (v) VALUES ('kept')")
    db.close()
    monkeypatch.undo()
    assert raised == []  # no traceback from the thread
    with Db.connect_sqlite(path) as again:
        assert again.scalar("SELECT v FROM t") == "kept"
