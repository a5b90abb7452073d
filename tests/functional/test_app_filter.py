"""Filtering the actions screen: rows first, the total after them; a capped count; a newer keystroke
stops the older count."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from textual.widgets import Input

from tests.functional.conftest import SIZE, settle
from tracker.core.actions import ActionFilter, count_actions
from tracker.storage.database import Db
from tracker.tui.screens import actions as actions_screen
from tracker.tui.services.actions import ActionService
from tracker.tui.widgets.lazy_table import LazyTable


async def test_the_first_page_shows_before_the_total(app_for, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(actions_screen, "ACTION_PAGE", 5)
    release = threading.Event()
    counting = threading.Event()
    original = ActionService.count_up_to

    def slow_count(self: ActionService, filt: ActionFilter, cap: int, sort: str = "due") -> tuple[int, bool]:
        counting.set()
        assert release.wait(10)
        return original(self, filt, cap, sort)

    monkeypatch.setattr(ActionService, "count_up_to", slow_count)
    app = app_for("actions")
    async with app.run_test(size=SIZE) as pilot:
        for _ in range(100):
            await pilot.pause()
            if counting.is_set():
                break
        table = app.screen.query_one(LazyTable)
        assert counting.is_set() and table.loaded and table.row_at(0) is not None
        assert "counting" in app.screen.sub_title
        release.set()
        await settle(pilot)
        with Db.connect_sqlite(Path(app.store.settings.db)) as db:
            total = count_actions(db, ActionFilter())
        assert table.total == total and not table.open_ended
        assert app.screen.sub_title == f"{total} actions"


async def test_a_count_past_the_cap_says_so_and_the_table_scrolls_on(app_for,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(actions_screen, "ACTION_PAGE", 5)
    monkeypatch.setattr(actions_screen, "COUNT_CAP", 7)
    app = app_for("actions")
    async with app.run_test(size=(100, 12)) as pilot:  # a few rows on screen: two pages read
        await settle(pilot)
        await pilot.press("slash", *"the")  # a word search: counted, not read from the kept counts
        await settle(pilot)
        table = app.screen.query_one(LazyTable)
        assert table.open_ended and table.total >= 7
        shown = app.screen.sub_title
        assert shown.endswith("+ actions") and 7 <= int(shown.split("+")[0]) <= table.rows_seen
        await pilot.press("enter", "end")  # to the table, then to its (known) end: more rows arrive
        await settle(pilot)
        with Db.connect_sqlite(Path(app.store.settings.db)) as db:
            matches = count_actions(db, ActionFilter(text="the"))
        assert matches > 7
        for _ in range(5):
            await pilot.press("end")
            await settle(pilot)
        assert table.total == matches and not table.open_ended
        assert table.row_at(matches - 1) is not None


async def test_a_newer_keystroke_stops_the_older_count(app_for, monkeypatch: pytest.MonkeyPatch) -> None:
    stopped = threading.Event()
    blocked = threading.Event()
    original_stop = ActionService.stop_counting
    original_count = ActionService.count_up_to
    seen: list[str] = []

    def count(self: ActionService, filt: ActionFilter, cap: int, sort: str = "due") -> tuple[int, bool]:
        seen.append(filt.text)
        if filt.text == "q":
            blocked.set()
            if not stopped.wait(10):
                raise AssertionError("the older count was never stopped")
            raise RuntimeError("interrupted")
        return original_count(self, filt, cap, sort)

    def stop(self: ActionService) -> None:
        if blocked.is_set():
            stopped.set()
        original_stop(self)

    monkeypatch.setattr(actions_screen, "ACTION_PAGE", 2)
    monkeypatch.setattr(ActionService, "count_up_to", count)
    monkeypatch.setattr(ActionService, "stop_counting", stop)
    app = app_for("actions")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("slash", "q")
        for _ in range(100):
            await pilot.pause()
            if blocked.is_set():
                break
        assert blocked.is_set()
        await pilot.press("u")
        await settle(pilot)
        assert stopped.is_set()
        assert app.screen.query_one("#action-search", Input).value == "qu"
        assert seen[-1] == "qu" and "counting" not in app.screen.sub_title
