"""Insights in the app: four charts over a window the keys change; the actions screen's "next" order."""

from __future__ import annotations

import pytest

from tests.functional.conftest import settle
from tracker.core.actions import ActionFilter, next_actions
from tracker.storage.database import Db
from tracker.tui.screens.actions import ActionsScreen
from tracker.tui.screens.insights import InsightsScreen
from tracker.tui.widgets.chart import Chart
from tracker.tui.widgets.lazy_table import LazyTable

pytestmark = pytest.mark.date_sensitive


async def test_insights_shows_four_charts_and_changes_window(app_for) -> None:
    app = app_for()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("6")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, InsightsScreen)
        charts = {c.id: c for c in screen.query(Chart)}
        assert set(charts) == {"chart-flow", "chart-overdue", "chart-slo", "chart-close"}
        assert all(c.series for c in charts.values())
        assert len(charts["chart-flow"].labels) == 12 and charts["chart-slo"].labels[0] == "P1 28d"
        assert all(c.size.width >= 30 and c.size.height >= 8 for c in charts.values())
        assert charts["chart-close"].title == "Days to close: none closed"  # none in the demo's last 12 weeks
        await pilot.press("minus")
        await settle(pilot)
        assert screen.weeks == 8 and len(charts["chart-flow"].labels) == 8
        await pilot.press("plus")
        await pilot.press("plus")
        await settle(pilot)
        assert screen.insights is not None and screen.insights.weeks == 26
        assert len(charts["chart-overdue"].labels) == 26
        assert "26 weeks" in screen.sub_title


async def test_charts_take_their_colours_from_the_theme(app_for) -> None:
    app = app_for("insights")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        chart = app.screen.query_one("#chart-overdue", Chart)
        dark = chart._colour("primary")
        app.theme = "textual-light"
        await settle(pilot)
        assert chart._colour("primary") != dark


async def test_next_sort_pages_the_open_actions_by_score(app_for, db_path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tracker.tui.screens import actions as actions_screen

    monkeypatch.setattr(actions_screen, "ACTION_PAGE", 3)  # several pages, each read by offset
    app = app_for("actions")
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        for _ in range(3):
            await pilot.press("s")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ActionsScreen) and screen.sort == "next"
        table = screen.query_one(LazyTable)
        shown = [table.row_at(i).key for i in range(table.total)]
        counted = screen.sub_title
    with Db.connect_sqlite(db_path) as db:
        ranked = [s.action.key for s in next_actions(db, ActionFilter(), today=app.store.today, limit=1000)]
    assert shown == ranked and 3 < len(shown) < 20
    assert counted == f"{len(ranked)} actions"  # the count counts open actions only, as the list shows them
