"""PostgreSQL through psycopg (``psycopg2``) directly, for the ``Db`` connection the services use.

SQLAlchemy and Alembic are left to migrations (``tracker.storage.migrate``): a command that only
reads or writes rows pays for importing the driver and nothing else. The driver is psycopg 2 (its
C module, ``psycopg2-binary``): importing it and connecting take about 45 ms where psycopg 3 takes
about 190 ms (its adapters, asyncio and package metadata load on import), and every CLI command is
a new process. This module turns the URL the settings hold (a SQLAlchemy URL,
``postgresql+psycopg://user@host/db?host=/run/pg``) into libpq's connection parameters, the
services' ``:name`` parameters into psycopg's ``%(name)s``, and the driver's errors into the
project's.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, unquote, urlsplit

from tracker.base.errors import DatabaseBusyError, DatabaseError

if TYPE_CHECKING:
    from psycopg2.extensions import connection

DIALECTS = ("postgresql", "postgresql+psycopg", "postgresql+psycopg2", "postgres")
"""URL schemes served by psycopg directly; any other server URL goes through SQLAlchemy."""

SQLALCHEMY_SCHEME = "postgresql+psycopg2"
"""How migrations (SQLAlchemy, Alembic) reach the same server: through the same driver."""

CONNECT_TIMEOUT_S = 10
"""How long connecting may take before the server is reported unreachable."""


def is_postgres(url: str) -> bool:
    return url.split("://", 1)[0].lower() in DIALECTS if "://" in url else False


def sqlalchemy_url(url: str) -> str:
    """A PostgreSQL URL in any of the accepted spellings, for SQLAlchemy with the driver installed."""
    return f"{SQLALCHEMY_SCHEME}://{url.split('://', 1)[1]}"


def connect_params(url: str) -> dict[str, Any]:
    """libpq's keyword parameters for a SQLAlchemy-style PostgreSQL URL.

    User, password, host, port and database come from the URL's parts (percent-decoded); query
    parameters (``host=/tmp/pg``, ``sslmode=require``, ...) are passed to libpq as they are.
    """
    parts = urlsplit(url)
    params: dict[str, Any] = {}
    if parts.username:
        params["user"] = unquote(parts.username)
    if parts.password:
        params["password"] = unquote(parts.password)
    if parts.hostname:
        params["host"] = unquote(parts.hostname)
    try:
        port = parts.port
    except ValueError:
        raise DatabaseError(f"bad port in the database URL {redacted(url)}") from None
    if port:
        params["port"] = port
    database = unquote(parts.path.lstrip("/"))
    if database:
        params["dbname"] = database
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        params[key] = value
    params.setdefault("connect_timeout", CONNECT_TIMEOUT_S)
    return params


def redacted(url: str) -> str:
    """The URL with its password (if any) replaced by ``***``."""
    parts = urlsplit(url)
    if not parts.password:
        return url
    return url.replace(f":{parts.password}@", ":***@", 1)


_TOKENS = re.compile(r"""('(?:[^']|'')*')|("(?:[^"]|"")*")|(::)|:([A-Za-z_][A-Za-z0-9_]*)|(%)""")


@lru_cache(maxsize=512)
def pg_sql(sql: str) -> str:
    """A statement written with ``:name`` parameters, in psycopg's ``%(name)s`` style.

    Casts (``::text``) and text inside quotes stay as they are; every ``%`` is doubled, as psycopg
    reads the whole statement for placeholders.
    """

    def convert(match: re.Match[str]) -> str:
        literal, identifier, cast, name = match.group(1), match.group(2), match.group(3), match.group(4)
        if literal is not None or identifier is not None:
            return match.group(0).replace("%", "%%")
        if cast is not None:
            return cast
        if name is not None:
            return f"%({name})s"
        return "%%"

    return _TOKENS.sub(convert, sql)


def connect(url: str) -> connection:
    """An autocommit connection (transactions are opened by ``Db.write``)."""
    import psycopg2

    try:
        conn: connection = psycopg2.connect(**connect_params(url))
    except psycopg2.Error as exc:
        detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DatabaseError(f"cannot connect to the database: {detail}") from None
    conn.autocommit = True
    return conn


_BUSY_STATES = {
    "40001": "a concurrent change conflicted with this one",  # serialization_failure
    "40P01": "a concurrent change deadlocked with this one",  # deadlock_detected
    "55P03": "a row or table it needs is locked",  # lock_not_available
    "57014": "the statement was cancelled",  # query_canceled (statement_timeout, lock_timeout)
}


def translated(exc: Exception) -> Exception | None:
    """What a psycopg error says in the project's words (busy, connection lost), else None."""
    import psycopg2

    if not isinstance(exc, psycopg2.Error):
        return None
    state = exc.pgcode
    if state in _BUSY_STATES:
        return DatabaseBusyError(f"database: the database is busy ({_BUSY_STATES[state]}); try again")
    if isinstance(exc, (psycopg2.OperationalError, psycopg2.InterfaceError)):
        detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return DatabaseError(f"database: the connection failed ({detail})")
    return None
