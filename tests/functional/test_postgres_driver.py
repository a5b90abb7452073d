"""The PostgreSQL door on a real server: the driver's behaviour as the services rely on it."""

from __future__ import annotations

import pytest

from tests.conftest import connect
from tracker.base.errors import DatabaseBusyError, DatabaseError

on_postgresql = pytest.mark.parametrize("backend", ["postgresql"], indirect=True)


@on_postgresql
def test_bulk_rows_keep_percent_signs_and_quotes_and_arrive_whole(db_url: str) -> None:
    db = connect(db_url)
    try:
        rows = [{"t": f"{n}% of 'the' \\ fleet", "o": f"team-{n % 3}"} for n in range(450)]
        with db.write():
            db.execute("CREATE TEMP TABLE bulk (n SERIAL PRIMARY KEY, title TEXT NOT NULL, owner TEXT)")
            db.execute_many("INSERT INTO bulk (title, owner) VALUES (:t, :o)", rows)
        got = db.rows("SELECT title, owner FROM bulk WHERE title LIKE '%\\%%' ORDER BY n")
        assert [(r["t"], r["o"]) for r in rows] == [tuple(r) for r in got]
        assert db.scalar("SELECT COUNT(*) FROM bulk WHERE title LIKE :p", {"p": "1%"}) == 111
    finally:
        db.close()


@on_postgresql
def test_a_statement_without_rows_reads_as_no_rows(db_url: str) -> None:
    db = connect(db_url)
    try:
        assert db.rows("UPDATE action SET title = title WHERE id = -1") == []
        assert db.execute("UPDATE action SET title = title WHERE id IN (1, 2)") == 2
    finally:
        db.close()


@on_postgresql
def test_a_lock_held_elsewhere_is_reported_as_busy_and_nothing_is_written(db_url: str) -> None:
    holder, waiter = connect(db_url), connect(db_url)
    try:
        title = waiter.scalar("SELECT title FROM action WHERE id = 1")
        waiter.execute("SET lock_timeout = '100ms'")
        with holder.write():
            holder.execute("SELECT id FROM action WHERE id = 1 FOR UPDATE")
            with pytest.raises(DatabaseBusyError, match="busy .*locked.*try again"), waiter.write():
                waiter.execute("UPDATE action SET title = 'mine' WHERE id = 1")
        assert waiter.scalar("SELECT title FROM action WHERE id = 1") == title
    finally:
        holder.close()
        waiter.close()


@on_postgresql
def test_a_connection_lost_midway_is_a_one_line_error(db_url: str) -> None:
    admin, victim = connect(db_url), connect(db_url)
    try:
        pid = victim.scalar("SELECT pg_backend_pid()")
        admin.scalar("SELECT pg_terminate_backend(:p)", {"p": pid})
        with pytest.raises(DatabaseError, match="^database: the connection failed") as caught:
            victim.scalar("SELECT 1")
        assert "\n" not in str(caught.value)
    finally:
        admin.close()
        victim.close()

