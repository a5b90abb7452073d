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
