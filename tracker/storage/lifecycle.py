"""Opening a tracker database safely: create it, recognise it, upgrade it, or refuse it.

A file that is not a tracker database, is corrupt, or comes from a newer tracker is left
untouched and reported in one line. An older schema is upgraded only after a backup, by one
process at a time (``filelock``), in place and with the database to itself (``migrate``).
"""

from __future__ import annotations

import errno
import os
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tracker.base.clock import SYSTEM_CLOCK
from tracker.base.errors import (
    DatabaseBusyError,
    DatabaseDamagedError,
    DatabaseError,
    DatabaseReadOnlyError,
    NotATrackerDatabaseError,
    SchemaTooNewError,
)
from tracker.storage import filelock
from tracker.storage.database import Db, newest_backup, sqlite_path
from tracker.storage.revisions import HEAD, REVISIONS

SQLITE_HEADER = b"SQLite format 3\x00"

_REFUSED = (errno.EACCES, errno.EPERM, errno.EROFS)
"""Why a file cannot be made beside the database: permissions, or a read-only file system."""

Notify = Callable[[str], None]


def _check_sqlite_file(path: Path) -> None:
    """Refuse paths that cannot hold a tracker database, without writing anything."""
    if path.is_dir():
        raise DatabaseError(f"{path}: is a directory, not a database file")
    try:
        with path.open("rb") as fh:
            header = fh.read(len(SQLITE_HEADER))
    except PermissionError:
        raise DatabaseError(f"{path}: permission denied (cannot read the database file)") from None
    except OSError as exc:
        raise DatabaseError(f"{path}: cannot read ({exc.strerror})") from None
    if header != SQLITE_HEADER:
        raise NotATrackerDatabaseError(f"{path}: not a SQLite database (file left untouched)")
    if not os.access(path, os.W_OK):
        raise DatabaseError(f"{path}: permission denied (the database file is read-only)")


def schema_revision(db: Db) -> str | None:
    """The Alembic revision stored in the database, or None when it has no tracker schema."""
    try:
        if db.dialect == "sqlite":
            has_table = db.scalar(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'"
            )
        elif db.dialect == "postgresql":
            # The catalog directly: information_schema's views cost milliseconds on every command.
            has_table = db.scalar(
                "SELECT 1 FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
                " WHERE c.relname = 'alembic_version' AND c.relkind IN ('r', 'p') AND n.nspname = current_schema()"
            )
        else:
            has_table = db.scalar(
                "SELECT 1 FROM information_schema.tables WHERE table_name = 'alembic_version'"
                " AND table_schema = current_schema()"
            )
        if not has_table:
            return None
        revision = db.scalar("SELECT version_num FROM alembic_version")
        return None if revision is None else str(revision)
    except sqlite3.DatabaseError as exc:
        raise DatabaseError(f"{db.url}: the database is corrupt or unreadable ({exc})") from None


def _has_tables(db: Db) -> bool:
    if db.dialect == "sqlite":
        return int(db.scalar("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'")) > 0
    return int(db.scalar(
        "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema()"
    )) > 0


def _verify_revision(db: Db, where: str, revision: str | None = None) -> str:
    """The database's schema revision, checked to be one this tracker knows (``revision``: already read)."""
    if revision is None:
        revision = schema_revision(db)
    if revision is None:
        raise NotATrackerDatabaseError(f"{where}: not a tracker database (no tracker schema; left untouched)")
    if revision not in REVISIONS:
        raise SchemaTooNewError(
            f"{where}: the database schema ({revision}) is newer than this tracker knows ({HEAD}); "
            "upgrade tracker"
        )
    return revision


def _stamp() -> str:
    return SYSTEM_CLOCK.now().strftime("%Y%m%dT%H%M%SZ")


Seed = Callable[[Db], str]
"""Fills a new database and says in a few words what it put there (``the demo catalog (5 incidents)``)."""


def _fill(seed: Seed | None) -> Callable[[Path], str]:
    def fill(path: Path) -> str:
        if seed is None:
            return "no data"
        with Db.connect_sqlite(path) as db:
            return seed(db)

    return fill


def open_database(url: str, *, create: bool = True, seed: Seed | None = None, notify: Notify | None = None) -> Db:
    """Open the database at ``url``, creating it (filled by ``seed``, if given) or upgrading it as needed."""
    return _open(url, create, seed, notify, new_only=False)


def _open(url: str, create: bool, seed: Seed | None, notify: Notify | None, *, new_only: bool) -> Db:
    path = sqlite_path(url)
    if path is None:
        return _open_server(url, create, seed, notify)
    try:
        exists = path.exists()
    except OSError as exc:
        raise DatabaseError(f"{path}: permission denied (cannot reach the database file: {exc.strerror})") from None
    if not exists:
        if not create:
            raise DatabaseError(f"{path}: no such database (create one with: tracker init)")
        if not path.parent.is_dir():
            raise DatabaseError(f"{path}: folder {path.parent} does not exist")
        if _create(path, seed, notify, new_only=new_only):
            return Db.connect_sqlite(path)
        # Another process made it meanwhile: open theirs, like any existing database.
    _check_sqlite_file(path)
    if _probe(path) != HEAD:
        _upgrade(path, notify)
    return Db.connect_sqlite(path)


def _create(path: Path, seed: Seed | None, notify: Notify | None, *, new_only: bool) -> bool:
    """Create the database under the file lock; False when another process created it first."""
    from tracker.storage.migrate import create_sqlite

    try:
        with filelock.hold(path):
            if path.exists():
                if new_only:
                    raise DatabaseError(f"{path}: already exists (remove it first, or choose another --db)")
                return False
            what = create_sqlite(path, _fill(seed))
    except OSError as exc:
        if exc.errno in _REFUSED:
            raise DatabaseError(f"{path}: permission denied (cannot create the database here)") from None
        raise DatabaseError(f"{path}: cannot create the database ({exc.strerror})") from None
    if notify:
        notify(f"Created {path} with {what}.")
    return True


def _probe(path: Path, *, wait: bool = True) -> str:
    """The schema revision, read without changing a byte; waits for an upgrade that holds the file."""
    # A read-only connection: even a pragma such as journal_mode would rewrite the header of a
    # database that is not ours.
    try:
        with Db.connect_sqlite(path, read_only=True) as probe:
            return _verify_revision(probe, str(path))
    except DatabaseBusyError:
        # Busy while another process creates or upgrades it: wait for that, then look again.
        if not wait or not filelock.wait_for_holder(path):
            raise
    return _probe(path, wait=False)


def _upgrade(path: Path, notify: Notify | None) -> None:
    """Upgrade an older database: one process at a time, the others wait and find it done."""
    from tracker.storage.migrate import upgrade_sqlite

    try:
        with filelock.hold(path):
            if _probe(path, wait=False) == HEAD:
                return  # upgraded by the process we waited for
            backup = upgrade_sqlite(path, _stamp())
    except OSError as exc:
        if exc.errno in _REFUSED:
            raise DatabaseReadOnlyError(
                f"{path}: the folder {path.parent} is read-only (the upgrade writes a backup and a lock file"
                " beside the database)"
            ) from None
        raise DatabaseError(f"{path}: cannot upgrade the database ({exc.strerror}); it is unchanged") from None
    if backup is not None and notify:
        notify(f"Upgraded {path} to schema {HEAD} (backup: {backup.name}).")


def _open_server(url: str, create: bool, seed: Seed | None, notify: Notify | None) -> Db:
    db = Db.connect_url(url)
    try:
        revision = schema_revision(db)
        if revision is None and not _has_tables(db) and create:
            from tracker.storage.migrate import upgrade_url

            upgrade_url(url)
            what = seed(db) if seed is not None else None
            if notify:
                notify("Created the tracker schema" + (f" with {what}." if what else "."))
            return db
        revision = _verify_revision(db, "database", revision)
        if revision != HEAD:
            from tracker.storage.migrate import upgrade_url

            upgrade_url(url)
            if notify:
                notify(f"Upgraded the database to schema {HEAD}.")
        return db
    except BaseException:
        db.close()
        raise


def init_database(url: str, *, seed: Seed | None, notify: Notify | None = None) -> Db:
    """Create a new database; refuses to touch one that already exists."""
    path = sqlite_path(url)
    if path is not None and path.exists():
        raise DatabaseError(f"{path}: already exists (remove it first, or choose another --db)")
    if path is None:
        db = Db.connect_url(url)
        try:
            if _has_tables(db):
                raise DatabaseError("database: already has tables (use an empty database)")
        finally:
            db.close()
    return _open(url, True, seed, notify, new_only=True)


INTEGRITY_LINES = 10
"""How many of SQLite's integrity complaints ``db check`` shows."""


def check_database(db: Db) -> dict[str, Any]:
    """Integrity and schema facts for ``tracker db check``; damage found is reported, not raised."""
    report: dict[str, Any] = {"schema": schema_revision(db), "head": HEAD}
    damage: list[str] = []

    def read(query: Callable[[], Any]) -> Any:
        try:
            return query()
        except DatabaseDamagedError as exc:
            damage.append(exc.detail)
            return None

    if db.dialect == "sqlite":
        problems = read(lambda: [r[0] for r in db.rows(f"PRAGMA integrity_check({INTEGRITY_LINES})")])
        report["integrity"] = "; ".join(problems) if problems else damage[-1]
        broken = read(lambda: db.rows("PRAGMA foreign_key_check"))
        report["foreign_key_errors"] = len(broken) if broken is not None else damage[-1]
        report["fts"] = "ok"
        try:
            db.execute("INSERT INTO action_fts(action_fts, rank) VALUES ('integrity-check', 1)")
        except DatabaseDamagedError as exc:
            report["fts"] = exc.detail
        except sqlite3.DatabaseError as exc:
            report["fts"] = str(exc)
    def count_of(table: str) -> Callable[[], Any]:
        return lambda: db.scalar(f"SELECT COUNT(*) FROM {table}")

    for table in ("incident", "root_cause", "action", "action_event", "timeline_entry", "component"):
        count = read(count_of(table))
        report[f"{table}_count"] = count if count is not None else f"unreadable ({damage[-1]})"
    report["ok"] = (
        report["schema"] == HEAD
        and report.get("integrity", "ok") == "ok"
        and not report.get("foreign_key_errors")
        and report.get("fts", "ok") == "ok"
        and not damage
    )
    if db.dialect == "sqlite" and not report["ok"]:
        backup = newest_backup(Path(db.url))
        report["newest_backup"] = str(backup) if backup else None
    return report


def damaged_report(error: DatabaseDamagedError, url: str) -> dict[str, Any]:
    """What ``db check`` says of a database too damaged to open at all."""
    path = sqlite_path(url)
    backup = newest_backup(path) if path is not None else None
    return {"schema": None, "head": HEAD, "integrity": error.detail, "ok": False,
            "newest_backup": str(backup) if backup else None}
