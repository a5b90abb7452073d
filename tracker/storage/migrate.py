"""Create and upgrade databases with Alembic. Imported only when a schema change is due."""

from __future__ import annotations

import os
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from tracker.base.errors import DatabaseError
from tracker.storage.database import make_engine
from tracker.storage.revisions import HEAD

if TYPE_CHECKING:
    from alembic.config import Config
    from sqlalchemy.engine import Connection

MIGRATIONS = Path(__file__).with_name("migrations")


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


def sqlite_copy(source: Path, target: Path) -> None:
    """Copy a live SQLite database consistently (the backup API honours the WAL)."""
    src = sqlite3.connect(source)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


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


def upgrade_sqlite(path: Path, stamp: str) -> Path:
    """Upgrade an older SQLite database; return the backup's path.

    The original file is never modified in place: a backup is taken, a working copy is
    upgraded, and only a fully upgraded copy replaces the original.
    """
    backup = path.with_name(f"{path.name}.bak-{stamp}")
    work = path.with_name(f".{path.name}.upgrade-{os.getpid()}")
    _remove_sqlite_files(work)
    try:
        sqlite_copy(path, backup)
        shutil.copymode(path, backup)
        sqlite_copy(path, work)
        upgrade_url(str(work), HEAD)
        os.replace(work, path)
    except DatabaseError:
        raise
    except Exception as exc:  # noqa: BLE001 - any failure leaves the original as it was
        raise DatabaseError(
            f"{path}: upgrade failed ({str(exc).splitlines()[0] if str(exc) else type(exc).__name__}); "
            f"the database is unchanged and a backup is at {backup.name}"
        ) from None
    finally:
        _remove_sqlite_files(work)
    return backup
