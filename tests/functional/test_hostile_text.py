"""Markup injection: hostile strings in every user-visible field, on every screen, shown literally."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Static

from tests.functional.conftest import SIZE, settle
from tracker.storage.database import Db
from tracker.tui.screens.action_detail import ActionScreen
from tracker.tui.screens.causes import CausesScreen
from tracker.tui.screens.incident_detail import IncidentScreen
from tracker.tui.widgets.lazy_table import LazyTable

HOSTILE = [
    "[bold]x[/",
    "[0] {\"a\": [1]}",
    "[/]",
    "[link=file:///etc/passwd]click[/link]",
    "$accent [@click=app.quit]quit[/]",
    "\x1b[31mansi\x1b[0m",
    "‮rtl override",
    "emoji 🔥🧯 and tabs\tand\nnewlines",
]


def poison(path: Path, value: str) -> None:
    """Write ``value`` into every text field, as a database written by someone else might."""
    with Db.connect_sqlite(path) as db, db.write():
        for table, columns in {
            "incident": ("title", "summary", "impact", "customer_action", "source", "postmortem", "company"),
            "timeline_entry": ("label", "body"),
            "component": ("name",),
            "root_cause": ("title", "category", "description"),
            "incident_root_cause": ("note",),
            "action": ("title", "description", "owner", "runbook_path"),
            "action_event": ("actor", "old_value", "new_value", "note"),
        }.items():
            assignments = ", ".join(f"{c} = :v || {c}" if c == "name" else f"{c} = :v" for c in columns)
            db.execute(f"UPDATE {table} SET {assignments}", {"v": value})


def shown(screen) -> str:  # type: ignore[no-untyped-def]
    """Everything the screen's static widgets and lazy tables currently draw."""
    parts = [str(w.render()) for w in screen.query(Static)]
    for table in screen.query(LazyTable):
        parts += [table.render_line(y).text for y in range(table.size.height)]
    return "\n".join(parts)


@pytest.mark.parametrize("value", HOSTILE, ids=range(len(HOSTILE)))
async def test_every_screen_shows_hostile_text_literally(app_for, db_path: Path, value: str) -> None:
    poison(db_path, value)
    visible = value.split("\n")[0].split("\t")[0].replace("\x1b", "\ufffd").replace("\u202e", "\ufffd")
    app = app_for()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert visible in shown(app.screen)  # incidents list
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, IncidentScreen)
        assert visible in shown(app.screen)
        await pilot.press("escape", "2")
        await settle(pilot)
        assert isinstance(app.screen, CausesScreen)
        assert visible in shown(app.screen)
        await pilot.press("3")
        await settle(pilot)
        assert visible in shown(app.screen)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ActionScreen)
        assert visible in shown(app.screen)
        await pilot.press("e")
        await settle(pilot)
        await pilot.press("escape")
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*value[:12].replace("\n", " ").replace("\t", " ").replace("\x1b", ""))
        await pilot.pause(0.3)
        await pilot.press("escape")
        await pilot.press("question_mark")
        await pilot.pause()
        await pilot.press("escape")
        app.notify(value, markup=False)
        await pilot.pause()
        assert app.is_running


# -- the incident and taxonomy dialogs ---------------------------------------------------------

TYPED = ["[bold]x[/", "[0] {\"a\": [1]}", "\x1b[31mansi\x1b[0m"]
"""What a user may type (or paste) into the new forms: markup, brackets, an escape sequence."""


def drawn(screen) -> str:  # type: ignore[no-untyped-def]
    """Everything drawn in the screen's statics, labels, buttons and option lists."""
    from textual.widgets import Button, OptionList

    parts = [str(w.render()) for w in screen.query(Static) if w.display]
    parts += [str(b.label) for b in screen.query(Button)]
    for options in screen.query(OptionList):
        parts += [options.render_line(y).text for y in range(options.size.height)]
    return "\n".join(parts)


def visible_form(value: str) -> str:
    return value.replace("\x1b", "\ufffd")


@pytest.mark.parametrize("value", TYPED, ids=range(len(TYPED)))
async def test_incident_dialogs_show_stored_hostile_text_literally(app_for, db_path: Path, value: str) -> None:
    from textual.widgets import Input

    poison(db_path, value)
    with Db.connect_sqlite(db_path) as db, db.write():
        db.execute("INSERT INTO incident_event (incident_id, at, actor, field, old_value, new_value, note)"
                   " VALUES (1, '2026-11-23T09:00:00.000000+00:00', :v, 'title', :v, :v, :v)", {"v": value})
    seen = visible_form(value)
    app = app_for()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.open_incident("INC-1")
        await settle(pilot)
        screen = app.screen
        assert seen in str(screen.query_one("#incident-history", Static).render())
        assert seen in str(screen.query_one("#incident-timeline", Static).render())
        for key in ("l", "u"):  # the link picker and the unlink choice list the causes' titles
            await pilot.press(key)
            await settle(pilot)
            assert seen in drawn(app.screen), key
            await pilot.press("escape")
            await settle(pilot)
        for key in ("e", "s", "t", "n"):
            await pilot.press(key)
            await settle(pilot)
            assert app.screen is not screen, key
            if key == "e":
                assert app.screen.query_one("#incident-title", Input).value == value
            await pilot.press("escape")
            await settle(pilot)
            assert app.screen is screen, key
        await pilot.press("2")
        await settle(pilot)
        for key in ("m", "e", "R"):
            await pilot.press(key)
            await settle(pilot)
            if key == "m":
                assert seen in drawn(app.screen)
            await pilot.press("escape")
            await settle(pilot)
        assert app.is_running


@pytest.mark.parametrize("value", TYPED, ids=range(len(TYPED)))
async def test_hostile_text_typed_into_the_new_forms(app_for, db_path: Path, value: str) -> None:
    from textual.widgets import Input

    from tracker.tui.dialogs.cause_form import CauseFormDialog
    from tracker.tui.dialogs.incident_form import IncidentFormDialog
    from tracker.tui.dialogs.timeline_entry import TimelineEntryDialog

    refused = "\x1b" in value  # titles and timeline lines are text: a control character is refused, named
    app = app_for()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        app.screen.query_one("#incident-title", Input).value = value
        await pilot.press("ctrl+s")
        await settle(pilot)
        if refused:
            assert isinstance(app.screen, IncidentFormDialog)
            error = str(app.screen.query_one("#form-error", Static).render())
            assert "control character" in error and "[31mansi" in error
            app.screen.query_one("#incident-title", Input).value = "Plain title"
            await pilot.press("ctrl+s")
            await settle(pilot)
        else:
            assert value in str(app.screen.query_one("#incident-heading", Static).render())
        assert isinstance(app.screen, IncidentScreen)
        await pilot.press("t")
        await settle(pilot)
        app.screen.query_one("#timeline-text", Input).value = value
        await pilot.press("enter")
        await settle(pilot)
        if refused:
            assert isinstance(app.screen, TimelineEntryDialog)
            assert "[31mansi" in str(app.screen.query_one("#form-error", Static).render())
            await pilot.press("escape", "y")
            await settle(pilot)
        else:
            assert value in str(app.screen.query_one("#incident-timeline", Static).render())
            assert value in str(app.screen.query_one("#incident-history", Static).render())
        await pilot.press("2", "n")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, CauseFormDialog)
        form.query_one("#cause-title", Input).value = value
        form.query_one("#cause-slug", Input).value = "hostile-title"
        form.query_one("#cause-category", Input).value = value
        await pilot.press("ctrl+s")
        await settle(pilot)
        if refused:
            assert app.screen is form and "[31mansi" in str(form.query_one("#form-error", Static).render())
        else:
            assert isinstance(app.screen, CausesScreen)
            assert value in str(app.screen.query_one("#cause-text", Static).render())
        assert app.is_running
