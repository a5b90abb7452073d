"""Storage on both backends: schema creation, recognising foreign databases, checks, search."""

from __future__ import annotations

import pytest

from tests.conftest import _fresh_pg, connect, dump
from tracker.base.errors import NotATrackerDatabaseError, SchemaTooNewError
from tracker.core.actions import ActionFilter, count_actions, iter_actions
from tracker.core.opening import open_database
from tracker.storage.lifecycle import check_database, schema_revision
from tracker.storage.revisions import HEAD

pytestmark = pytest.mark.both_backends


def test_schema_is_at_head_and_checks_clean(db_url: str) -> None:
    with connect(db_url) as db:
        assert schema_revision(db) == HEAD
        report = check_database(db)
        assert report["ok"] and report["incident_count"] == 5 and report["action_count"] == 13


@pytest.mark.parametrize(("words", "expected"), [("redis", 1), ("redi", 1), ("colocated host", 1),
                                                 ('"quote (AND', 0), ("", 13)])
def test_search_on_each_backend(db_url: str, words: str, expected: int) -> None:
    with connect(db_url) as db:
        assert count_actions(db, ActionFilter(text=words)) == expected


def test_newer_schema_is_refused(db_url: str) -> None:
    with connect(db_url) as db, db.write():
        db.execute("UPDATE alembic_version SET version_num = '0099_future'")
    before = dump(db_url)
    with pytest.raises(SchemaTooNewError):
        open_database(db_url)
    assert dump(db_url) == before


def test_keyset_pages_agree_across_backends(db_url: str) -> None:
    from tracker.core.actions import SORTS, page_actions

    with connect(db_url) as db:
        for sort in SORTS:
            everything = [a.id for a in iter_actions(db, ActionFilter(), sort=sort)]
            walked, after = [], None
            while page := page_actions(db, ActionFilter(), sort, after=after, limit=4):
                walked += [a.id for a in page]
                after = SORTS[sort].key(page[-1])
            assert walked == everything, sort


def test_postgres_database_with_other_tables_is_refused(request: pytest.FixtureRequest) -> None:
    url = _fresh_pg(request, "empty")
    with connect(url) as db, db.write():
        db.execute("DROP TABLE alembic_version")
    with pytest.raises(NotATrackerDatabaseError, match="not a tracker database"):
        open_database(url)


def test_empty_postgres_database_gets_the_schema(request: pytest.FixtureRequest) -> None:
    from tests.conftest import _pg_admin, _pg_url

    server = request.getfixturevalue("pg_server")
    _pg_admin(server, "DROP DATABASE IF EXISTS t_blank")
    _pg_admin(server, "CREATE DATABASE t_blank")
    request.addfinalizer(lambda: _pg_admin(server, "DROP DATABASE IF EXISTS t_blank WITH (FORCE)"))
    notes: list[str] = []
    with open_database(_pg_url(server, "t_blank"), create="demo", notify=notes.append) as db:
        assert schema_revision(db) == HEAD
        assert db.scalar("SELECT COUNT(*) FROM incident") == 5
    assert notes and "demo" in notes[0]
