"""Concurrency: processes and app instances editing the same actions at once lose nothing.

The process stress runs on both backends; the upgrade stress runs streams of real commands against
an older SQLite file while it is upgraded; the two-app tests drive two real apps (Pilot) on one
SQLite file. See ``tests/helpers/stress.py`` and ``tests/helpers/stress_upgrade.py`` for the checks.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from tests.conftest import TODAY, connect
from tests.functional.conftest import SIZE, settle
from tests.helpers.stress import prepare, run
from tracker.base.errors import StaleWriteError
from tracker.core.actions import ActionChanges, action_history, add_action, get_action, update_action
from tracker.storage.database import Db
from tracker.tui.dialogs.conflict import ConflictDialog
from tracker.tui.dialogs.prompt import PromptDialog
from tracker.tui.screens.actions import ActionsScreen
from tracker.tui.widgets.lazy_table import LazyTable

pytestmark = pytest.mark.both_backends


@pytest.mark.slow
def test_four_processes_editing_ten_actions_lose_nothing(db_url: str, backend: str) -> None:
    ids = prepare(db_url, 10)
    report = run(db_url, ids, procs=4, edits=40, seed=7, backend=backend, timeout=120)
    print("\n".join(report.lines()))
    assert not report.crashes, report.crashes
    assert not report.errors, report.errors[:5]  # a "database is locked" would land here
    assert report.attempted == 160
    assert report.accepted + report.stale == report.attempted
    assert report.accepted > 0
    assert report.lost == 0
    assert not report.problems, report.problems


@pytest.mark.slow
@pytest.mark.sqlite_only
def test_four_streams_of_commands_upgrading_an_older_file_lose_nothing(tmp_path: Path) -> None:
    """4 x 50 real ``tracker`` commands; the first of each meets the older schema at the same moment."""
    from tests.helpers import stress_upgrade

    report = stress_upgrade.run(tmp_path, procs=4, commands=50)
    print("\n" + "\n".join(report.lines()))
    assert not report.errors, report.errors[:5]
    assert report.lost == 0
    assert report.integrity == "ok"
    assert report.upgrades == 1
    assert report.writes > 100 and report.reads > 0
    assert not report.problems, report.problems


def _wait_for_lock_waiter(url: str, deadline: float) -> None:
    """Block until another PostgreSQL session waits on a row lock (the racing update is parked)."""
    with connect(url) as probe:
        while time.monotonic() < deadline:
            if probe.scalar("SELECT COUNT(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"):
                return
            time.sleep(0.02)
    raise AssertionError("the second writer never waited for the first one's row lock")


def test_stale_refusal_under_contention_names_the_current_version(
    db_url: str, backend: str, request: pytest.FixtureRequest
) -> None:
    """Two writers from version v at the same moment: the loser is told the real current version.

    Writer A has updated ACT-5 (v -> v+1) but not committed when writer B, who loaded v, saves.
    B must be refused (StaleWriteError), and the refusal must say where the action now stands,
    not that it "was deleted".
    """
    with connect(db_url) as first:
        start = get_action(first, 5).version
    outcome: dict[str, object] = {}

    def second_writer() -> None:
        with connect(db_url) as second:
            try:
                update_action(second, 5, ActionChanges(owner="beta-team"), actor="beta", expected_version=start)
                outcome["result"] = "accepted"
            except StaleWriteError as error:
                outcome["result"] = error

    with connect(db_url) as first:
        with first.write():
            first.execute("UPDATE action SET owner = 'alpha-team', version = version + 1 WHERE id = 5")
            thread = threading.Thread(target=second_writer)
            thread.start()
            if backend == "postgresql":
                _wait_for_lock_waiter(db_url, time.monotonic() + 10)
            else:
                time.sleep(0.3)  # B waits in BEGIN IMMEDIATE (busy timeout) for A's write lock
        thread.join(timeout=30)
    error = outcome.get("result")
    assert isinstance(error, StaleWriteError), error
    assert error.current == start + 1
    assert "deleted" not in str(error)
    with connect(db_url) as db:
        assert get_action(db, 5).owner == "alpha-team"


# -- two app instances on one SQLite file --------------------------------------------------------


def _table(app) -> LazyTable:  # type: ignore[no-untyped-def]
    return app.screen.query_one(LazyTable)


def _lines(table: LazyTable) -> list[str]:
    return [table.render_line(y).text for y in range(table.size.height)]


@pytest.mark.sqlite_only
async def test_a_change_in_one_app_shows_in_the_other_after_refresh(app_for, db_path: Path) -> None:
    first, second = app_for("actions", path=db_path), app_for("actions", path=db_path)
    async with first.run_test(size=SIZE) as one:
        await settle(one)
        async with second.run_test(size=SIZE) as two:
            await settle(two)
            before = _table(second).row_at(0)
            assert _table(first).row_at(0) == before
            await one.press("a")  # advance the first action's status in the first app
            await settle(one)
            changed = _table(first).row_at(0)
            assert changed.id == before.id and changed.version == before.version + 1
            assert changed.status != before.status
            await two.press("r")
            await settle(two)
            shown = _table(second).row_at(0)
            assert (shown.id, shown.version, shown.status) == (changed.id, changed.version, changed.status)
            assert changed.status.replace("_", " ") in _lines(_table(second))[1]

            with Db.connect_sqlite(db_path) as third:  # a third writer, e.g. the command line
                add_action(third, title="Added from a third connection", actor="cli@example.com", today=TODAY,
                           slo_days={"P1": 1, "P2": 1, "P3": 1}, incident="INC-1")
                update_action(third, changed.id, ActionChanges(owner="db-team"), actor="cli@example.com",
                              expected_version=changed.version)
            await one.press("r")
            await two.press("r")
            await settle(one)
            await settle(two)
            for app in (first, second):
                table = _table(app)
                assert table.total == 14
                row = table.row_at(0)
                assert (row.id, row.owner, row.version) == (changed.id, "db-team", changed.version + 1)
                titles = [table.row_at(i).title for i in range(table.total)]
                assert "Added from a third connection" in titles


@pytest.mark.sqlite_only
async def test_a_conflicting_edit_from_the_second_app_offers_reload(app_for, db_path: Path) -> None:
    first, second = app_for("actions", path=db_path), app_for("actions", path=db_path)
    async with first.run_test(size=SIZE) as one:
        await settle(one)
        async with second.run_test(size=SIZE) as two:
            await settle(two)
            loaded = _table(second).row_at(0)
            await one.press("a")  # the first app wins: status advanced, version + 1
            await settle(one)
            winner = _table(first).row_at(0)
            assert winner.version == loaded.version + 1

            await two.press("w")  # the second app, still on the old version, assigns an owner
            await two.pause()
            prompt = second.screen
            assert isinstance(prompt, PromptDialog)
            prompt.query_one("#prompt-input").value = "sre-team"
            await two.press("enter")
            await settle(two)
            assert isinstance(second.screen, ConflictDialog)
            assert any("changed by someone else" in n.message for n in second._notifications)
            await two.press("r")
            await settle(two)
            assert isinstance(second.screen, ActionsScreen)
            shown = _table(second).row_at(0)
            assert (shown.id, shown.version, shown.status) == (winner.id, winner.version, winner.status)
            assert shown.owner == loaded.owner
    with Db.connect_sqlite(db_path) as db:
        stored = get_action(db, loaded.id)
        assert stored.version == winner.version and stored.owner == loaded.owner  # nothing overwritten
        assert action_history(db, loaded.id)[-1].field == "status"
