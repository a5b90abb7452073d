"""Create and upgrade databases with Alembic. Imported only when a schema change is due."""

from __future__ import annotations

import os
import shutil
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from tracker.base.errors import DatabaseBusyError, DatabaseDamagedError, DatabaseError
from tracker.storage.database import BUSY_TIMEOUT_MS, make_engine, sqlite_failure
from tracker.storage.revisions import HEAD

if TYPE_CHECKING:
    from alembic.config import Config
    from sqlalchemy.engine import Connection

MIGRATIONS = Path(__file__).with_name("migrations")

BACKUP_SECONDS = 300.0
"""The longest a backup before an upgrade may take (it only waits when the source is busy)."""


def _config(connection: Connection) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


def upgrade_url(url: str, revision: str = "head") -> None:
    """Run the migrations up to ``revision`` on the database at ``url``."""
    from alembic import command

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            driver = conn.connection.driver_connection if conn.dialect.name == "sqlite" else None
            sqlite = driver is not None
            if driver is not None:
                # Batch migrations rebuild tables: the old table is dropped, and with foreign keys on
                # that drop would cascade into every row referring to it. The pragma only takes effect
                # outside a transaction (so on the driver's connection, before SQLAlchemy begins one);
                # the keys are checked before the upgrade commits.
                driver.execute("PRAGMA foreign_keys = OFF")
            with conn.begin():
                command.upgrade(_config(conn), revision)
                if sqlite and conn.exec_driver_sql("PRAGMA foreign_key_check").first() is not None:
                    raise DatabaseError(f"{url}: the upgrade would break references between rows; not applied")
            if driver is not None:
                driver.execute("PRAGMA foreign_keys = ON")
    finally:
        engine.dispose()


def head_revision() -> str:
    """The head revision according to the migration scripts themselves."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory(str(MIGRATIONS)).get_current_head() or ""


def _remove_sqlite_files(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def create_sqlite(path: Path, fill: Callable[[Path], str]) -> str:
    """Make a new database at ``path``, migrated to the head and filled, appearing whole or not at all.

    ``fill`` is called with the new file's path before it is moved into place; what it returns
    (what it put there, in a few words) is returned.
    """
    tmp = path.with_name(f".{path.name}.new-{os.getpid()}")
    _remove_sqlite_files(tmp)
    try:
        upgrade_url(str(tmp))
        what = fill(tmp)
        os.replace(tmp, path)
    finally:
        _remove_sqlite_files(tmp)
    return what


def _exclusive(path: Path) -> sqlite3.Connection:
    """A connection that alone has the database open, or ``DatabaseBusyError`` when others do.

    In exclusive locking mode SQLite keeps the file's lock once taken, so nobody reads or writes
    until the connection closes; another process that has the file open (with writes still in its
    WAL, perhaps) keeps us from getting it, and the upgrade is refused rather than done under it.
    """
    conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False)
    try:
        # Batch migrations copy and drop tables: foreign keys would cascade deletes (checked at the end).
        conn.execute("PRAGMA foreign_keys = OFF")
        conn.execute("PRAGMA locking_mode = EXCLUSIVE")
        conn.execute("BEGIN EXCLUSIVE")
        conn.execute("COMMIT")
    except sqlite3.DatabaseError as exc:
        conn.close()
        failure = sqlite_failure(path, exc)
        if isinstance(failure, DatabaseBusyError):
            raise DatabaseBusyError(
                f"{path}: another process has the database open, so it cannot be upgraded now; "
                "close the other tracker processes first (nothing was changed)"
            ) from None
        raise failure or DatabaseError(f"{path}: cannot upgrade ({exc})") from None
    return conn


def _revision(conn: sqlite3.Connection) -> str | None:
    if not conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'").fetchone():
        return None
    row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    return row[0] if row else None


def _backup(conn: sqlite3.Connection, path: Path, stamp: str) -> Path:
    """Copy the database through ``conn`` with SQLite's online backup API (WAL included) beside it."""
    backup = path.with_name(f"{path.name}.bak-{stamp}")
    number = 1
    while backup.exists():
        number += 1
        backup = path.with_name(f"{path.name}.bak-{stamp}-{number}")
    tmp = path.with_name(f".{backup.name}.tmp-{os.getpid()}")
    _remove_sqlite_files(tmp)
    deadline = time.monotonic() + BACKUP_SECONDS

    def bounded(status: int, remaining: int, total: int) -> None:
        if time.monotonic() > deadline:  # the backup API retries a busy source for ever
            raise TimeoutError(f"the backup took longer than {BACKUP_SECONDS:.0f} s")

    try:
        target = sqlite3.connect(tmp)
        try:
            conn.backup(target, progress=bounded)
        finally:
            target.close()
        shutil.copymode(path, tmp)
        os.replace(tmp, backup)
    finally:
        _remove_sqlite_files(tmp)
    return backup


def _migrate_in_place(conn: sqlite3.Connection) -> None:
    """Run the migrations to the head on ``conn`` in one transaction: all of them, or none."""
    from alembic import command
    from sqlalchemy import create_engine, event
    from sqlalchemy.pool import StaticPool

    engine = create_engine("sqlite://", creator=lambda: conn, poolclass=StaticPool)
    # After SQLAlchemy's first-connect rollback: the transaction opens here and is ours to end.
    event.listen(engine, "begin", lambda sa: sa.exec_driver_sql("BEGIN IMMEDIATE"))
    try:
        with engine.begin() as sa:
            broken_before = len(sa.exec_driver_sql("PRAGMA foreign_key_check").fetchall())
            command.upgrade(_config(sa), HEAD)
            broken = len(sa.exec_driver_sql("PRAGMA foreign_key_check").fetchall())
            if broken > broken_before:
                raise DatabaseError(f"{broken - broken_before} rows would break foreign keys")
    finally:
        engine.dispose()


def upgrade_sqlite(path: Path, stamp: str) -> Path | None:
    """Upgrade an older SQLite database in place; return the backup's path (None: already at the head).

    Call it holding ``filelock.hold(path)``. With the database to itself (else ``DatabaseBusyError``:
    close the other processes), it copies the database with the online backup API, which holds every
    committed write, then migrates it in one transaction. The file is never replaced, so nobody's
    open connection or WAL is left pointing at a file that is gone; a failed upgrade rolls back and
    leaves the database as it was.
    """
    conn = _exclusive(path)
    backup: Path | None = None
    try:
        if _revision(conn) == HEAD:
            return None
        backup = _backup(conn, path, stamp)
        _migrate_in_place(conn)
    except Exception as exc:  # noqa: BLE001 - any failure leaves the original as it was
        failure = sqlite_failure(path, exc) if isinstance(exc, sqlite3.Error) else None
        if isinstance(failure, DatabaseDamagedError) and backup is not None:
            # A copy of a damaged database would pass for the newest good backup: drop it.
            _remove_sqlite_files(backup)
            failure = sqlite_failure(path, exc) if isinstance(exc, sqlite3.Error) else None
        if failure is not None:
            raise failure from None
        if isinstance(exc, DatabaseError) and backup is None:
            raise
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        kept = f"a backup is at {backup.name}" if backup else "no backup was made"
        raise DatabaseError(f"{path}: upgrade failed ({reason}); the database is unchanged and {kept}") from None
    finally:
        conn.close()
    return backup
