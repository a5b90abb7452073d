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
