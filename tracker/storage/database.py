"""Connections to the tracker database.

Two doors, one schema:

* ``make_engine(url)`` builds a SQLAlchemy engine (migrations, PostgreSQL, the ORM when wanted),
  with the SQLite pragmas set on every connection.
* ``Db`` is the small plain-SQL connection the services use. On SQLite it wraps the standard
  library driver directly, on PostgreSQL psycopg directly (``tracker.storage.postgres``), so a
  command never pays for importing SQLAlchemy unless a migration runs; any other backend goes
  through a SQLAlchemy connection. Statements use ``:name`` parameters.
"""

from __future__ import annotations

import glob
import os
import sqlite3
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from tracker.base.errors import DatabaseBusyError, DatabaseDamagedError, DatabaseError, DatabaseReadOnlyError
from tracker.base.timeutil import format_stamp

if TYPE_CHECKING:
    from psycopg2.extensions import connection as PgConnection
    from psycopg2.extensions import cursor as PgCursor
    from sqlalchemy.engine import Connection, Engine

WAL_AUTOCHECKPOINT = 1000
"""SQLite's own default: a commit that leaves this many pages in the write-ahead log copies them into the file."""

BUSY_TIMEOUT_MS = 5000
"""How long SQLite waits for another writer before reporting the database as busy."""

WRITE_RETRIES = 8
"""How often a write transaction that could not start (database busy) is tried again."""

sqlite3.register_adapter(datetime, format_stamp)
sqlite3.register_adapter(date, date.isoformat)

Params = Mapping[str, Any] | None


def sqlite_path(url: str) -> Path | None:
    """The file behind a SQLite location (a bare path or a ``sqlite:///`` URL), else ``None``."""
    if "://" not in url:
        return Path(url)
    if url.startswith("sqlite:///"):
        return Path(url[len("sqlite:///") :])
    if url.startswith("sqlite://"):
        raise DatabaseError(f"unsupported SQLite URL {url!r}: give a file path")
    return None


def copy_sqlite(source: Path, target: Path) -> None:
    """A consistent copy of the SQLite file ``source`` (its WAL included) into ``target``, through SQLite's
    online backup API; ``source`` is opened read-only and not changed."""
    from urllib.parse import quote

    copy = sqlite3.connect(target)
    try:
        origin = sqlite3.connect(f"file:{quote(str(source.resolve()))}?mode=ro", uri=True)
        try:
            origin.backup(copy)
        finally:
            origin.close()
    finally:
        copy.close()


def newest_backup(path: Path) -> Path | None:
    """The newest ``<db>.bak-<stamp>`` beside the database (upgrades leave them there), if any."""
    try:
        found = sorted(path.parent.glob(f"{glob.escape(path.name)}.bak-*"))
    except OSError:
        return None
    return found[-1] if found else None


def damaged_error(path: Path, detail: str) -> DatabaseDamagedError:
    backup = newest_backup(path)
    kept = f"the newest backup is {backup}" if backup else f"there is no backup ({path.name}.bak-*) beside it"
    return DatabaseDamagedError(f"{path}: the database is damaged ({detail}); {kept}; "
                                "run tracker db check for details", detail)


# SQLite's result codes (the primary code is the low byte of an extended one).
_BUSY, _LOCKED, _READONLY, _IOERR, _CORRUPT, _FULL, _CANTOPEN, _NOTADB = 5, 6, 8, 10, 11, 13, 14, 26
_READONLY_DIRECTORY = 1544


def sqlite_failure(path: Path, exc: sqlite3.Error) -> DatabaseError | None:
    """What a SQLite error says about the database file itself, in words; None for any other error.

    Busy, read-only (the file, or the folder that must hold the ``-wal`` and ``-shm`` files), damaged,
    full: each gets its own one-line error. Constraint violations and mistakes in a statement are
    left to the caller.
    """
    code = getattr(exc, "sqlite_errorcode", None)
    if code is None:
        return None
    primary = code & 0xFF
    if primary in (_CORRUPT, _NOTADB):
        return damaged_error(path, str(exc))
    if primary in (_BUSY, _LOCKED):
        return DatabaseBusyError(f"{path}: the database is busy (another process holds its lock); try again later")
    folder = path.parent
    if code == _READONLY_DIRECTORY or (primary in (_READONLY, _CANTOPEN) and not os.access(folder, os.W_OK)):
        return DatabaseReadOnlyError(
            f"{path}: the folder {folder} is read-only (SQLite needs to create {path.name}-wal and "
            f"{path.name}-shm beside the database); make it writable or move the database"
        )
    if primary == _READONLY:
        if path.exists() and not os.access(path, os.W_OK):
            return DatabaseReadOnlyError(f"{path}: permission denied (the database file is read-only)")
        return DatabaseReadOnlyError(f"{path}: the database is read-only ({exc})")
    if primary == _FULL:
        return DatabaseError(f"{path}: the disk is full ({exc}); nothing was written")
    if primary in (_IOERR, _CANTOPEN):
        return DatabaseError(f"{path}: cannot read or write the database file ({exc})")
    return None


def _sqlite_pragmas(conn: Any) -> None:
    cursor = conn.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.close()


def _checkpoint(path: Path) -> None:
    """Copy what the write-ahead log holds into the database file (``Db.deferred_checkpoint``). A failure
    leaves the pages in the log, where every reader finds them and the next checkpoint takes them."""
    try:
        conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        try:
            conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
        finally:
            conn.close()
    except sqlite3.Error:
        pass


def make_engine(url: str) -> Engine:
    """A SQLAlchemy engine for a SQLite path or any SQLAlchemy URL, with SQLite's pragmas set."""
    from sqlalchemy import create_engine, event

    path = sqlite_path(url)
    if path is None:
        from tracker.storage import postgres

        if postgres.is_postgres(url):
            url = postgres.sqlalchemy_url(url)
        return create_engine(url, pool_pre_ping=True)
    engine = create_engine(f"sqlite:///{path}", connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # pysqlite's own transaction handling is switched off so BEGIN IMMEDIATE is ours to issue.
        dbapi_conn.isolation_level = None
        _sqlite_pragmas(dbapi_conn)

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def _is_busy(exc: BaseException) -> bool:
    text = str(exc).lower()
    return "database is locked" in text or "database is busy" in text


class Db:
    """One open connection to the tracker database, for services that speak plain SQL."""

    def __init__(self, url: str, *, sqlite: sqlite3.Connection | None = None,
                 pg: PgConnection | None = None, sa_conn: Connection | None = None):
        self.url = url
        self._sqlite = sqlite
        self._pg = pg
        self._sa = sa_conn
        if sqlite is not None:
            self.dialect = "sqlite"
        elif pg is not None:
            self.dialect = "postgresql"
        elif sa_conn is not None:
            self.dialect = sa_conn.dialect.name
        else:
            raise TypeError("Db needs a SQLite, psycopg or SQLAlchemy connection")
        self._depth = 0
        self._checkpoint: Any = None
        """The thread copying committed pages into the file (``deferred_checkpoint``), until ``close`` waits."""
        self.retries = 0
        """How many times a write had to wait for another writer and start again."""
        self.before_commit: list[Callable[[Db], None]] = []
        """Run at the end of every write transaction, inside it, just before it commits (a ledger replica
        turns the transaction's changes into operations there); one that raises rolls the write back."""
        self.allocate_id: Callable[[str], int | None] | None = None
        """Chooses the id of a new ``incident``, ``action`` or ``timeline_entry`` row (a ledger replica's
        provisional ids); None, or a hook returning None, leaves it to the database."""
        self.resolve_key: Callable[[str, int], int | None] | None = None
        """The row a provisional key (``ACT-~k3f9ab``) names once its entity got its number, if any."""

    @property
    def _conn(self) -> Connection:
        """The SQLAlchemy connection, on backends other than SQLite."""
        if self._sa is None:
            raise TypeError("this Db speaks to SQLite directly")
        return self._sa

    @classmethod
    def connect_sqlite(cls, path: Path, *, read_only: bool = False) -> Db:
        """Open a SQLite file; ``read_only`` opens it without changing a byte (no pragmas)."""
        try:
            if read_only:
                from urllib.parse import quote

                conn = sqlite3.connect(
                    f"file:{quote(str(path.resolve()))}?mode=ro", uri=True, isolation_level=None,
                    timeout=BUSY_TIMEOUT_MS / 1000,
                )
            else:
                # The app hands one connection to worker threads in turn (under a lock).
                conn = sqlite3.connect(
                    path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False
                )
                try:
                    _sqlite_pragmas(conn)
                except BaseException:
                    conn.close()
                    raise
        except sqlite3.DatabaseError as exc:
            raise sqlite_failure(path, exc) or DatabaseError(f"{path}: cannot open the database ({exc})") from None
        return cls(str(path), sqlite=conn)

    @classmethod
    def connect_url(cls, url: str) -> Db:
        """Connect to a database server: PostgreSQL through psycopg, any other through SQLAlchemy."""
        from tracker.storage import postgres

        if postgres.is_postgres(url):
            return cls(url, pg=postgres.connect(url))
        from sqlalchemy.exc import SQLAlchemyError

        try:
            engine = make_engine(url)
            conn = engine.connect()
            conn.commit()
        except SQLAlchemyError as exc:
            raise DatabaseError(f"cannot connect to the database: {str(exc).splitlines()[0]}") from None
        # The connection runs in autocommit unless a write() block is open.
        conn = conn.execution_options(isolation_level="AUTOCOMMIT")
        return cls(url, sa_conn=conn)

    def _failed(self, exc: sqlite3.DatabaseError) -> NoReturn:
        """Raise what ``exc`` says about the file (busy, read-only, damaged) in words, else ``exc`` itself."""
        failure = sqlite_failure(Path(self.url), exc)
        if failure is None:
            raise exc
        raise failure from None

    # -- reading -----------------------------------------------------------------------------

    def cursor(self, sql: str, params: Params = None) -> Iterator[tuple[Any, ...]]:
        """Run a query and yield its rows one at a time (for long listings)."""
        if self._sqlite is not None:
            try:
                cur = self._sqlite.execute(sql, params or {})
            except sqlite3.DatabaseError as exc:
                self._failed(exc)
            try:
                while True:
                    try:
                        batch = cur.fetchmany(500)
                    except sqlite3.DatabaseError as exc:
                        self._failed(exc)
                    if not batch:
                        break
                    yield from batch
            finally:
                cur.close()
        elif self._pg is not None:
            pg_cur = self._pg_run(sql, params)
            if pg_cur.description is not None:  # a statement that returns no rows has nothing to fetch
                yield from pg_cur.fetchall()
        else:
            from sqlalchemy import text

            result = self._conn.execute(text(sql), dict(params or {}))
            for row in result:
                yield tuple(row)

    def _pg_run(self, sql: str, params: Params) -> PgCursor:
        """Run one statement on PostgreSQL; its errors in the project's words where they have some."""
        from tracker.storage import postgres

        assert self._pg is not None
        try:
            cur = self._pg.cursor()
            cur.execute(postgres.pg_sql(sql), dict(params or {}))
            return cur
        except Exception as exc:
            failure = postgres.translated(exc)
            if failure is None:
                raise
            raise failure from None

    def rows(self, sql: str, params: Params = None) -> list[tuple[Any, ...]]:
        return list(self.cursor(sql, params))

    def row(self, sql: str, params: Params = None) -> tuple[Any, ...] | None:
        found = self.rows(sql, params)
        return found[0] if found else None

    def scalar(self, sql: str, params: Params = None) -> Any:
        found = self.row(sql, params)
        return None if found is None else found[0]

    # -- writing -----------------------------------------------------------------------------

    def execute(self, sql: str, params: Params = None) -> int:
        """Run a statement; return the number of rows it changed."""
        if self._sqlite is not None:
            try:
                return self._sqlite.execute(sql, params or {}).rowcount
            except sqlite3.DatabaseError as exc:
                self._failed(exc)
        if self._pg is not None:
            return self._pg_run(sql, params).rowcount
        from sqlalchemy import text

        return self._conn.execute(text(sql), dict(params or {})).rowcount

    def execute_many(self, sql: str, rows: Sequence[Mapping[str, Any]]) -> None:
        """Run one statement for many parameter sets (bulk inserts)."""
        if self._sqlite is not None:
            try:
                self._sqlite.executemany(sql, rows)
            except sqlite3.DatabaseError as exc:
                self._failed(exc)
            return
        if not rows:
            return
        if self._pg is not None:
            from psycopg2.extras import execute_batch

            from tracker.storage import postgres

            try:
                with self._pg.cursor() as cur:
                    execute_batch(cur, postgres.pg_sql(sql), [dict(r) for r in rows], page_size=200)
            except Exception as exc:
                failure = postgres.translated(exc)
                if failure is None:
                    raise
                raise failure from None
            return
        from sqlalchemy import text

        self._conn.execute(text(sql), [dict(r) for r in rows])

    def insert(self, sql: str, params: Params = None) -> int:
        """Run an ``INSERT ... RETURNING id`` and return the new id."""
        new_id = self.scalar(sql, params)
        return int(new_id)

    def new_id(self, table: str) -> int | None:
        """The id a new row of ``table`` must take (``allocate_id``), or None to let the database choose."""
        return None if self.allocate_id is None else self.allocate_id(table)

    @contextmanager
    def write(self) -> Iterator[Db]:
        """A write transaction: all or nothing, taken with the write lock up front on SQLite.

        Starting the transaction is retried with backoff while another writer holds the
        lock; nothing has been done at that point, so a retry is always safe.
        """
        if self._depth:
            self._depth += 1
            try:
                yield self
            finally:
                self._depth -= 1
            return
        self._begin()
        self._depth = 1
        try:
            yield self
            for hook in self.before_commit:
                hook(self)
        except BaseException:
            self._depth = 0
            self._rollback()
            raise
        self._depth = 0
        self._commit()

    def _begin(self) -> None:
        for attempt in range(WRITE_RETRIES + 1):
            try:
                if self._sqlite is not None:
                    self._sqlite.execute("BEGIN IMMEDIATE")
                elif self._pg is not None:
                    self._pg_run("BEGIN", None)
                else:
                    self._conn.exec_driver_sql("BEGIN")
                return
            except sqlite3.OperationalError as exc:
                if not _is_busy(exc):
                    self._failed(exc)
                if attempt == WRITE_RETRIES:
                    raise DatabaseBusyError(
                        f"{self.url}: the database stayed busy (another writer holds it); try again"
                    ) from None
                self.retries += 1
                import random
                import time

                time.sleep(min(2.0, 0.05 * 2**attempt) * random.uniform(0.5, 1.5))

    def _commit(self) -> None:
        if self._sqlite is not None:
            try:
                self._sqlite.execute("COMMIT")
            except sqlite3.DatabaseError as exc:
                self._rollback()
                self._failed(exc)
        elif self._pg is not None:
            try:
                self._pg_run("COMMIT", None)
            except BaseException:
                self._rollback()
                raise
        else:
            self._conn.exec_driver_sql("COMMIT")

    def _rollback(self) -> None:
        try:
            if self._sqlite is not None:
                if self._sqlite.in_transaction:
                    self._sqlite.execute("ROLLBACK")
            elif self._pg is not None:
                self._pg.cursor().execute("ROLLBACK")
            else:
                self._conn.exec_driver_sql("ROLLBACK")
        except Exception:  # noqa: BLE001 - the original error is the one worth reporting
            pass

    def interrupt(self) -> None:
        """Make the statement running now on SQLite stop with an error (callable from another thread).

        Does nothing on other backends: their statements run to the end.
        """
        if self._sqlite is not None:
            self._sqlite.interrupt()

    @contextmanager
    def deferred_checkpoint(self) -> Iterator[None]:
        """Writes inside leave their pages in SQLite's write-ahead log; after, a connection of its own copies
        them into the database file on another thread (the checkpoint, with its syncs), while this one goes
        on; ``close`` waits for it. The log holds every committed page until then: nothing is at risk."""
        if self._sqlite is None or self.url == ":memory:":
            yield
            return
        before = self._sqlite.total_changes
        self._sqlite.execute("PRAGMA wal_autocheckpoint = 0")
        try:
            yield
        finally:
            self._sqlite.execute(f"PRAGMA wal_autocheckpoint = {WAL_AUTOCHECKPOINT}")
        if self._checkpoint is not None and not self._checkpoint.is_alive():
            self._checkpoint.join()
            self._checkpoint = None
        if self._sqlite.total_changes != before and self._checkpoint is None:
            import threading

            self._checkpoint = threading.Thread(target=_checkpoint, args=(Path(self.url),), daemon=True,
                                                name="tracker-checkpoint")
            self._checkpoint.start()

    def close(self) -> None:
        if self._checkpoint is not None:
            self._checkpoint.join()
            self._checkpoint = None
        if self._sqlite is not None:
            self._sqlite.close()
        elif self._pg is not None:
            self._pg.close()
        elif self._sa is not None:
            self._sa.close()
            self._sa.engine.dispose()

    def __enter__(self) -> Db:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
