"""The PostgreSQL door without a server: URLs into libpq's parameters, ``:name`` parameters into psycopg's."""

from __future__ import annotations

import pytest

from tracker.base.errors import DatabaseError
from tracker.storage.postgres import connect_params, is_postgres, pg_sql, redacted


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("SELECT * FROM action WHERE id = :id", "SELECT * FROM action WHERE id = %(id)s"),
        ("SELECT x::text, :a FROM t", "SELECT x::text, %(a)s FROM t"),
        ("SELECT 'at 10:30 :not' || :yes", "SELECT 'at 10:30 :not' || %(yes)s"),
        ("SELECT '50%' WHERE a LIKE :like", "SELECT '50%%' WHERE a LIKE %(like)s"),
        ('SELECT "odd:name" FROM t WHERE v % 2 = :r', 'SELECT "odd:name" FROM t WHERE v %% 2 = %(r)s'),
        ("SELECT 'it''s :x' , :k0, :k1", "SELECT 'it''s :x' , %(k0)s, %(k1)s"),
    ],
)
def test_named_parameters_become_psycopg_placeholders(sql: str, expected: str) -> None:
    assert pg_sql(sql) == expected


def test_a_url_becomes_libpq_parameters() -> None:
    assert connect_params("postgresql+psycopg://tracker@/postgres?host=/tmp/pg") == {
        "user": "tracker", "dbname": "postgres", "host": "/tmp/pg", "connect_timeout": 10}
    params = connect_params("postgresql://ana%40corp:p%2Fss@db.internal:6543/team?sslmode=require&connect_timeout=3")
    assert params == {"user": "ana@corp", "password": "p/ss", "host": "db.internal", "port": 6543,
                      "dbname": "team", "sslmode": "require", "connect_timeout": "3"}
    assert redacted("postgresql://ana:secret@db/team") == "postgresql://ana:***@db/team"
    with pytest.raises(DatabaseError, match="bad port"):
        connect_params("postgresql://db:port/team")


def test_which_urls_psycopg_serves() -> None:
    assert is_postgres("postgresql+psycopg://x@/y") and is_postgres("postgresql://x/y")
    assert not is_postgres("actions.db") and not is_postgres("sqlite:///actions.db")
    assert not is_postgres("mysql://x/y")


def test_migrations_reach_every_spelling_through_the_same_driver() -> None:
    from tracker.storage.postgres import sqlalchemy_url

    for scheme in ("postgresql", "postgresql+psycopg", "postgresql+psycopg2", "postgres"):
        url = f"{scheme}://ana:p%2Fss@db.internal:6543/team?sslmode=require"
        assert is_postgres(url)
        assert sqlalchemy_url(url) == "postgresql+psycopg2://ana:p%2Fss@db.internal:6543/team?sslmode=require"


def test_an_unreachable_server_is_named_without_its_password() -> None:
    from tracker.storage.database import Db

    with pytest.raises(DatabaseError, match="^cannot connect to the database") as caught:
        Db.connect_url("postgresql+psycopg://ana:s3cret@/team?host=/nonexistent-socket-folder&connect_timeout=2")
    assert "s3cret" not in str(caught.value) and "\n" not in str(caught.value)
