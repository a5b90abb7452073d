"""The app driven as a person would, with Pilot: assertions on the database and on the screen."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from textual.widgets import DataTable, Input, Select, Static, TextArea

from tests.conftest import TODAY
from tests.functional.conftest import SIZE, settle
from tracker.base.enums import Priority
from tracker.core.actions import (
    ActionChanges,
    ActionFilter,
    action_history,
    count_actions,
    get_action,
    update_action,
)
from tracker.storage.database import Db
from tracker.tui.dialogs.action_form import ActionFormDialog
from tracker.tui.dialogs.conflict import ConflictDialog
from tracker.tui.dialogs.filters import FilterDialog
from tracker.tui.dialogs.prompt import PromptDialog
from tracker.tui.screens.action_detail import ActionScreen
from tracker.tui.screens.actions import ActionsScreen
from tracker.tui.screens.causes import CausesScreen
from tracker.tui.screens.help import HelpScreen
from tracker.tui.screens.incident_detail import IncidentScreen
from tracker.tui.widgets.lazy_table import LazyTable


def table_lines(table: LazyTable) -> list[str]:
    return [table.render_line(y).text for y in range(table.size.height)]


def static_text(screen, selector: str) -> str:  # type: ignore[no-untyped-def]
    return str(screen.query_one(selector, Static).render())


async def test_open_shows_the_incidents(app_for) -> None:
    app = app_for()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = app.screen.query_one(LazyTable)
        assert table.total == 5
        lines = table_lines(table)
        assert lines[0].startswith("KEY")
        assert lines[1].startswith("INC-5") and "CEP Campaign Delivery Degradation" in lines[1]
        assert any(line.startswith("INC-1") for line in lines)


async def test_incident_detail_from_the_keyboard(app_for) -> None:
    app = app_for()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("down", "down", "enter")  # INC-3, the Kafka migration
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, IncidentScreen)
        assert "INC-3" in static_text(screen, "#incident-heading")
        causes = static_text(screen, "#incident-causes")
        assert "kafka-migration" in causes and "(root)" in causes and "message-queue-change" in causes
        timeline = static_text(screen, "#incident-timeline")
        assert "2024-11-07 16:40 UTC" in timeline
        assert screen.query_one(DataTable).row_count == 4
        await pilot.press("escape")
        assert not isinstance(app.screen, IncidentScreen)


async def test_root_causes_show_recurrence_and_warnings(app_for) -> None:
    app = app_for()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, CausesScreen)
        screen.select("hosting-provider-outage")
        await pilot.pause()
        text = static_text(screen, "#cause-text")
        assert "no prevent action" in text and "no runbook" in text
        screen.select("message-queue-change")
        await pilot.pause()
        text = static_text(screen, "#cause-text")
        assert "Incidents (2)" in text and "INC-1" in text and "INC-3" in text and "came back" in text


async def test_actions_filters_combine_and_overdue_stands_out(app_for, db: Db) -> None:
    app = app_for("actions")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = app.screen.query_one(LazyTable)
        assert table.total == 13
        await pilot.press("o")
        await settle(pilot)
        expected = count_actions(db, ActionFilter(overdue=True, today=TODAY))
        assert table.total == expected == 4
        assert all("!" in line for line in table_lines(table)[1:5])
        assert table._row_class(table.row_at(0)) == "lazy-table--alert"
        await pilot.press("f")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, FilterDialog)
        dialog.query_one("#filter-kind", Select).value = "prevent"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert table.total == count_actions(db, ActionFilter(overdue=True, kinds=("prevent",), today=TODAY)) == 2
        assert "kind prevent" in static_text(app.screen, "#action-filters")
        await pilot.press("x")
        await settle(pilot)
        assert table.total == 13


async def test_search_finds_words_and_prefixes(app_for) -> None:
    app = app_for("actions")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("slash")
        await pilot.press(*"redi")
        await settle(pilot)
        table = app.screen.query_one(LazyTable)
        assert table.total == 1
        assert "Redis" in table.row_at(0).title
        await pilot.press("escape")


async def test_sort_by_priority(app_for) -> None:
    app = app_for("actions")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)
        table = app.screen.query_one(LazyTable)
        priorities = [table.row_at(i).priority for i in range(table.total)]
        assert priorities == sorted(priorities)
        assert "sorted by priority" in static_text(app.screen, "#action-filters")


async def test_create_an_action_from_an_incident(app_for, db_path: Path) -> None:
    app = app_for()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("down", "down", "down", "enter")  # INC-2, the hosting-provider outage
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, ActionFormDialog)
        assert form.query_one("#form-incident", Input).value == "INC-2"
        await pilot.press(*"Add a second hosting region")
        form.query_one("#form-owner", Input).value = "infra-oncall"
        form.query_one("#form-root-cause", Select).value = "hosting-provider-outage"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, IncidentScreen)
        assert app.screen.query_one(DataTable).row_count == 1
    with Db.connect_sqlite(db_path) as db:
        action = get_action(db, "ACT-14")
        assert (action.title, action.incident, action.root_cause, action.owner) == (
            "Add a second hosting region", "INC-2", "hosting-provider-outage", "infra-oncall")
        assert action_history(db, 14)[0].actor == "tester@example.com"


async def test_form_refuses_bad_input_and_keeps_it(app_for, db_path: Path) -> None:
    app = app_for("causes")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("a")  # a new action for the highlighted cause
        await settle(pilot)
        form = app.screen
        form.query_one("#form-title", Input).value = "   "
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ActionFormDialog)
        assert "title is empty" in static_text(form, "#form-error")
        form.query_one("#form-title", Input).value = "Valid title"
        form.query_one("#form-due", Input).value = "2026-02-30"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "'2026-02-30'" in static_text(form, "#form-error")
        assert form.query_one("#form-title", Input).value == "Valid title"
        form.query_one("#form-due", Input).value = ""
        form.query_one("#form-incident", Input).value = "INC-404"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ActionFormDialog)
        assert "no incident INC-404" in static_text(form, "#form-error")
    with Db.connect_sqlite(db_path) as db:
        assert count_actions(db, ActionFilter()) == 13


async def test_edit_an_action_in_the_form(app_for, db_path: Path) -> None:
    app = app_for("actions")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        row = app.screen.query_one(LazyTable).cursor_value
        await pilot.press("e")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, ActionFormDialog)
        form.query_one("#form-title", Input).value = "Pause and assess before any risky fix"
        form.query_one("#form-description", TextArea).text = "Written into the incident commander guide."
        form.query_one("#form-status", Select).value = "in_progress"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ActionsScreen)
    with Db.connect_sqlite(db_path) as db:
        stored = get_action(db, row.id)
        assert stored.title == "Pause and assess before any risky fix"
        assert stored.status == "in_progress" and stored.version == row.version + 1
        fields = {e.field for e in action_history(db, row.id)[-3:]}
        assert fields == {"title", "description", "status"}


async def test_quick_keys_advance_assign_and_reschedule(app_for, db_path: Path) -> None:
    app = app_for("actions")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = app.screen.query_one(LazyTable)
        row = table.cursor_value
        assert row.status == "open"
        await pilot.press("a")
        await settle(pilot)
        await pilot.press("w")
        await pilot.pause()
        prompt = app.screen
        assert isinstance(prompt, PromptDialog)
        prompt.query_one(Input).value = "--bad owner"
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, PromptDialog) and "bad owner" in static_text(prompt, "#form-error")
        prompt.query_one(Input).value = "sre-team"
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("d")
        await pilot.pause()
        app.screen.query_one(Input).value = "+2w"
        await pilot.press("enter")
        await settle(pilot)
    with Db.connect_sqlite(db_path) as db:
        stored = get_action(db, row.id)
        assert (stored.status, stored.owner, stored.due.isoformat()) == ("in_progress", "sre-team", "2026-12-07")
        assert [e.field for e in action_history(db, row.id)[-3:]] == ["status", "owner", "due"]


async def test_stale_write_offers_reload_and_overwrites_nothing(app_for, db_path: Path) -> None:
    app = app_for()
    async with app.run_test(size=SIZE) as pilot:
        app.open_action("ACT-9")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ActionScreen) and screen.row.version == 1
        with Db.connect_sqlite(db_path) as other:  # someone else, elsewhere
            update_action(other, 9, ActionChanges(owner="db-team"), actor="someone@else", expected_version=1)
        await pilot.press("a")
        await settle(pilot)
        assert isinstance(app.screen, ConflictDialog)
        assert any("changed by someone else" in n.message for n in app._notifications)
        await pilot.press("r")
        await settle(pilot)
        assert isinstance(app.screen, ActionScreen)
        assert app.screen.row.version == 2 and app.screen.row.owner == "db-team"
        assert "db-team" in static_text(app.screen, "#action-facts")
    with Db.connect_sqlite(db_path) as db:
        assert get_action(db, 9).status == "open"
        assert [e.actor for e in action_history(db, 9)][-1] == "someone@else"


async def test_stale_edit_in_the_form_keeps_the_users_text(app_for, db_path: Path) -> None:
    app = app_for()
    async with app.run_test(size=SIZE) as pilot:
        app.open_action("ACT-9")
        await settle(pilot)
        await pilot.press("e")
        await settle(pilot)
        form = app.screen
        form.query_one("#form-title", Input).value = "My careful rewording"
        with Db.connect_sqlite(db_path) as other:
            update_action(other, 9, ActionChanges(priority=Priority.P1), actor="someone@else", expected_version=1)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ConflictDialog)
        await pilot.press("m")
        await pilot.pause()
        assert app.screen is form
        assert form.query_one("#form-title", Input).value == "My careful rewording"
        assert "changed by someone else" in static_text(form, "#form-error")
    with Db.connect_sqlite(db_path) as db:
        assert get_action(db, 9).title != "My careful rewording"


async def test_palette_jumps_to_actions_incidents_and_causes(app_for) -> None:
    app = app_for()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"ACT-3")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ActionScreen) and app.screen.row.key == "ACT-3"
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"kafka-migration")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, CausesScreen)
        assert app.screen.selected_slug() == "kafka-migration"


async def test_help_lists_every_binding(app_for) -> None:
    app = app_for("actions")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        text = str(app.screen.query_one("#help-text", Static).render())
        for screen_class in (ActionsScreen, ActionScreen, IncidentScreen, CausesScreen):
            for binding in screen_class.BINDINGS:
                assert binding.description in text, binding
        assert "ctrl+p" in text.lower() or "^p" in text
        await pilot.press("escape")
        assert isinstance(app.screen, ActionsScreen)


async def test_theme_toggles_between_dark_and_light(app_for) -> None:
    app = app_for()
    async with app.run_test(size=SIZE) as pilot:
        assert app.theme == "textual-dark"
        await pilot.press("ctrl+t")
        assert app.theme == "textual-light"


async def test_mouse_click_selects_and_double_click_opens(app_for) -> None:
    app = app_for("actions")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = app.screen.query_one(LazyTable)
        await pilot.click(table, offset=(5, 3))
        assert table.cursor_row == 2
        await pilot.click(table, offset=(5, 3), times=2)
        await settle(pilot)
        assert isinstance(app.screen, ActionScreen)


async def test_changes_made_elsewhere_show_on_refresh(app_for, db_path: Path) -> None:
    app = app_for("actions")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = app.screen.query_one(LazyTable)
        with Db.connect_sqlite(db_path) as other:
            from tracker.core.actions import add_action

            add_action(other, title="Added by a colleague", actor="x", today=TODAY,
                       slo_days={"P1": 1, "P2": 1, "P3": 1}, incident="INC-1")
        await pilot.press("r")
        await settle(pilot)
        assert table.total == 14


def test_database_file_is_unchanged_by_viewing(db_path: Path, tmp_path: Path) -> None:
    from tests.conftest import fingerprint

    before = fingerprint(db_path)
    conn = sqlite3.connect(db_path)
    conn.close()
    assert fingerprint(db_path) == before


async def test_periodic_check_shows_changes_made_elsewhere(app_for, db_path: Path) -> None:
    """Two people on one database: what one changes, the other's screen shows without a keypress."""
    watcher = app_for("actions", refresh_seconds=3600)
    async with watcher.run_test(size=SIZE) as pilot:
        await settle(pilot)
        watcher.check_for_changes()  # the first look only records where things stand
        await settle(pilot)
        table = watcher.screen.query_one(LazyTable)
        before = table.row_at(0)
        editor = app_for("actions")
        async with editor.run_test(size=SIZE) as other:
            await settle(other)
            assert editor.screen.query_one(LazyTable).row_at(0).id == before.id
            await other.press("a")  # advance the first action's status, in the other app
            await settle(other)
        watcher.check_for_changes()  # what the timer does every refresh_seconds
        await settle(pilot)
        after = table.row_at(0)
        assert after.id == before.id and after.version == before.version + 1
        assert after.status != before.status
        assert after.status.replace("_", " ") in table_lines(table)[1]
