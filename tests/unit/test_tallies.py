"""Counts kept by triggers (migration 0006) equal a recount after random writes, on both backends;
the counts the commands read from them equal plain counts over the rows."""

from __future__ import annotations

import os
import random
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest

from tests.conftest import TODAY
from tracker.base.enums import OPEN_STATUSES, ActionKind, ActionStatus, Priority
from tracker.core.actions import ActionChanges, ActionFilter, add_action, count_actions, update_action
from tracker.core.actions.queries import count_actions_up_to
from tracker.core.incidents.changes import add_incident
from tracker.storage.database import Db
from tracker.storage.tally import TALLIES, recount, tally_rows

pytestmark = [pytest.mark.both_backends, pytest.mark.date_sensitive]

DUE_DAYS = {"P1": 15, "P2": 30, "P3": 60}
OWNERS = (None, "db-team", "infra-oncall", "web")
CAUSES = (None, "stale-config", "kafka-migration", "cooling-failure")
NOTE = "random write"
STARTED = datetime.combine(TODAY - timedelta(days=3), time(9), UTC)


def _random_writes(db: Db, rng: random.Random, count: int) -> None:
    incidents = [f"INC-{n}" for n in range(1, 6)]
    incidents.append(add_incident(db, title="A new outage", started_at=STARTED, actor="t@example.com").key)
    ids = [int(i) for (i,) in db.rows("SELECT id FROM action")]
    for step in range(count):
        if step % 5 == 0 or not ids:
            row = add_action(
                db, title=f"Action {step}", actor="t@example.com", today=TODAY, slo_days=DUE_DAYS,
                incident=rng.choice([*incidents, None]) or "INC-1", root_cause=rng.choice(CAUSES),
                owner=rng.choice(OWNERS), kind=rng.choice(list(ActionKind)), priority=rng.choice(list(Priority)),
                due=TODAY + timedelta(days=rng.randint(-30, 30)), status=rng.choice(list(ActionStatus)), note=NOTE,
            )
            ids.append(row.id)
            continue
        if step % 11 == 0:
            # Deletes and unlinks are not commands; the triggers must follow them all the same.
            victim = ids.pop(rng.randrange(len(ids)))
            with db.write():
                db.execute("DELETE FROM action_event WHERE action_id = :id", {"id": victim})
                db.execute("DELETE FROM action WHERE id = :id", {"id": victim})
            continue
        field = rng.choice(["status", "owner", "due", "kind", "root_cause", "incident", "several"])
        changes: dict[str, object] = {}
        if field in ("status", "several"):
            changes["status"] = rng.choice(list(ActionStatus))
        if field in ("owner", "several"):
            changes["owner"] = rng.choice(OWNERS)
        if field in ("due", "several"):
            changes["due"] = TODAY + timedelta(days=rng.randint(-30, 30))
        if field == "kind":
            changes["kind"] = rng.choice(list(ActionKind))
        if field == "root_cause":
            changes["root_cause"] = rng.choice(CAUSES)
        if field == "incident":
            changes["incident"] = rng.choice([*incidents, None])
        try:
            update_action(db, rng.choice(ids), ActionChanges(**changes), actor="t@example.com",  # type: ignore[arg-type]
                          note=NOTE)
        except Exception as exc:  # noqa: BLE001 - an update that changes nothing is refused; fine here
            assert "nothing to change" in str(exc)


def test_tallies_equal_a_recount_after_random_writes(db: Db) -> None:
    assert all(tally_rows(db)[table] for table in ("action_tally", "action_day_tally", "incident_tally"))
    _random_writes(db, random.Random(17), 120)
    kept = tally_rows(db)
    recount(db)
    assert tally_rows(db) == kept
    assert set(kept) == set(TALLIES)


def test_counts_read_from_the_tallies_equal_counting_the_rows(db: Db) -> None:
    _random_writes(db, random.Random(5), 60)
    open_statuses = ", ".join(f"'{s}'" for s in OPEN_STATUSES)
    for filt, where in (
        (ActionFilter(), "1 = 1"),
        (ActionFilter(statuses=OPEN_STATUSES), f"status IN ({open_statuses})"),
        (ActionFilter(overdue=True, today=TODAY), f"status IN ({open_statuses}) AND due_date < :today"),
        (ActionFilter(owner="db-team", due_within_days=7, today=TODAY),
         f"owner = 'db-team' AND status IN ({open_statuses}) AND due_date >= :today AND due_date <= :soon"),
        (ActionFilter(unowned=True, statuses=("blocked", "proposed")),
         "owner IS NULL AND status IN ('blocked', 'proposed')"),
    ):
        expected = int(db.scalar(f"SELECT COUNT(*) FROM action WHERE {where}",
                                 {"today": TODAY, "soon": TODAY + timedelta(days=7)}))
        assert count_actions(db, filt) == expected
        assert count_actions_up_to(db, filt, 10_000) == (expected, False)


def test_a_capped_count_says_there_are_more(db: Db) -> None:
    total = count_actions(db, ActionFilter(kinds=("prevent", "mitigate", "detect", "repair", "process")))
    assert total > 3
    assert count_actions_up_to(db, ActionFilter(kinds=("prevent", "mitigate", "detect", "repair", "process")),
                               3) == (3, True)
    assert count_actions_up_to(db, ActionFilter(kinds=("prevent", "mitigate", "detect", "repair", "process")),
                               total) == (total, False)


def test_a_new_incident_has_its_count_from_the_start(db: Db) -> None:
    row = add_incident(db, title="Nothing done yet", started_at=STARTED, actor="t@example.com")
    assert db.scalar("SELECT n FROM incident_tally WHERE incident_id = :id", {"id": row.id}) == 0
    add_action(db, title="First step", actor="t@example.com", today=TODAY, slo_days=DUE_DAYS, incident=row.key)
    assert db.scalar("SELECT n FROM incident_tally WHERE incident_id = :id", {"id": row.id}) == 1


def test_the_upgrade_counts_what_is_already_there(request: pytest.FixtureRequest, backend: str,
                                                  tmp_path: Path) -> None:
    """A database made before the tallies (0005) with rows in it: upgraded, its counts equal a recount."""
    from tests.conftest import _pg_admin, _pg_url, connect
    from tracker.core.demo import load_demo
    from tracker.storage.migrate import upgrade_url
    from tracker.storage.revisions import HEAD, REVISIONS

    if backend == "postgresql":
        server = request.getfixturevalue("pg_server")
        name = f"t_tally_upgrade_{os.getpid()}"
        _pg_admin(server, f"DROP DATABASE IF EXISTS {name}")
        _pg_admin(server, f"CREATE DATABASE {name}")
        request.addfinalizer(lambda: _pg_admin(server, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        url = _pg_url(server, name)
    else:
        url = str(tmp_path / "old.db")
    upgrade_url(url, REVISIONS[REVISIONS.index("0006_tallies") - 1])
    with connect(url) as db:
        load_demo(db)
        _random_writes(db, random.Random(3), 30)
    upgrade_url(url)
    with connect(url) as db:
        assert db.scalar("SELECT version_num FROM alembic_version") == HEAD
        kept = tally_rows(db)
        assert kept["row_tally"] == {("incident", 6)} and kept["action_tally"]
        recount(db)
        assert tally_rows(db) == kept
        _random_writes(db, random.Random(4), 30)  # and the triggers go on from there
        kept = tally_rows(db)
        recount(db)
        assert tally_rows(db) == kept


def _write_raw(db: Db, action_id: int, column: str, value: object) -> None:
    with db.write():
        db.execute(f"UPDATE action SET {column} = :v WHERE id = :id", {"v": value, "id": action_id})


def test_every_watched_column_moves_its_counts_and_only_when_its_value_changes(db: Db) -> None:
    """Each column a count is keyed by, set by plain SQL: to a new value, to NULL and back, to the same value."""
    ids = sorted(int(i) for (i,) in db.rows("SELECT id FROM action"))
    incident = int(db.scalar("SELECT MAX(id) FROM incident"))
    cause = int(db.scalar("SELECT MAX(id) FROM root_cause"))
    stamp = "2026-01-02T03:04:05.000000+00:00"
    changes: list[tuple[str, object]] = [
        ("owner", "night-shift"), ("owner", None), ("owner", "db-team"), ("status", "blocked"), ("status", "done"),
        ("due_date", TODAY + timedelta(days=3)), ("kind", "detect"), ("root_cause_id", None),
        ("root_cause_id", cause), ("incident_id", None), ("incident_id", incident), ("created_at", stamp),
        ("updated_at", stamp), ("completed_at", stamp), ("completed_at", None),
    ]
    for n, (column, value) in enumerate(changes):
        action_id = ids[n % len(ids)]
        for again in (value, value):  # the second write changes nothing and must move nothing
            _write_raw(db, action_id, column, again)
            kept = tally_rows(db)
            recount(db)
            assert tally_rows(db) == kept, f"{column} = {again!r} on action {action_id}"


def test_a_new_owner_writes_only_the_owner_counts(db: Db, backend: str) -> None:
    """The update trigger touches the counts whose key changed: a new owner is not a new cause, incident or
    day, so those rows are not written (SQLite counts every row a statement and its triggers change)."""
    if backend != "sqlite":
        pytest.skip("counting the rows a statement's triggers change is SQLite's")
    import sqlite3

    action_id, owner = db.row("SELECT id, owner FROM action WHERE root_cause_id IS NOT NULL"
                              " AND incident_id IS NOT NULL ORDER BY id LIMIT 1") or (None, None)
    assert action_id is not None
    conn = sqlite3.connect(db.url, isolation_level=None)
    try:
        before = conn.total_changes
        conn.execute("UPDATE action SET owner = :o WHERE id = :id", {"o": f"{owner or ''}-moved", "id": action_id})
        # The action, then its (status, due date, owner) count: one off the old key (or the row removed at
        # zero), one onto the new key. The cause, incident and day counts were not written.
        assert conn.total_changes - before <= 4
        before = conn.total_changes
        conn.execute("UPDATE action SET owner = owner WHERE id = :id", {"id": action_id})
        assert conn.total_changes - before == 1
    finally:
        conn.close()
    kept = tally_rows(db)
    recount(db)
    assert tally_rows(db) == kept


def test_the_counts_hold_across_the_upgrade_to_key_moves_and_back(tmp_path: Path) -> None:
    """A database at 0006 with writes made under its single trigger, upgraded to 0007 and written again, then
    downgraded and written again: each time its counts equal a recount."""
    from tests.conftest import connect
    from tracker.core.demo import load_demo
    from tracker.storage.migrate import upgrade_url

    url = str(tmp_path / "tallies.db")
    upgrade_url(url, "0006_tallies")
    with connect(url) as db:
        load_demo(db)
        _random_writes(db, random.Random(8), 30)
    for step, revision in enumerate(("0007_tally_moves", "0006_tallies")):
        if revision == "0006_tallies":
            from alembic import command

            from tracker.storage.database import make_engine
            from tracker.storage.migrate import _config

            engine = make_engine(url)
            with engine.begin() as conn:
                command.downgrade(_config(conn), revision)
            engine.dispose()
        else:
            upgrade_url(url, revision)
        with connect(url) as db:
            triggers = {r[0] for r in db.rows("SELECT name FROM sqlite_master WHERE type = 'trigger'"
                                               " AND tbl_name = 'action' AND name LIKE '%tally%'")}
            assert ("cause_tally_au" in triggers) == (revision == "0007_tally_moves"), triggers
            _random_writes(db, random.Random(9 + step), 40)
            kept = tally_rows(db)
            recount(db)
            assert tally_rows(db) == kept
