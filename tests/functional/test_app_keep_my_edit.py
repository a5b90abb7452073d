"""Keep my edit after a stale write: two people on one database file, each through the app's own store.

The first opens a form, the second saves a change meanwhile; the first's save is refused, they keep
their edit, see the second's values beside theirs, save again (on top of the second's version), and
the history holds both changes.
"""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Input, Select, Static

from tests.functional.conftest import SIZE, settle
from tracker.config import load_settings
from tracker.core.actions import action_history, get_action
from tracker.storage.database import Db
from tracker.tui.dialogs.action_form import ActionFormDialog
from tracker.tui.dialogs.conflict import ConflictDialog
from tracker.tui.screens.action_detail import ActionScreen
from tracker.tui.store import Store


def other_store(path: Path) -> Store:
    """Someone else: another store (another connection) on the same database file."""
    return Store(Db.connect_sqlite(path), load_settings(db=str(path)), "someone@else", cwd=path.parent)


def shown(screen, selector: str) -> str:  # type: ignore[no-untyped-def]
    widget = screen.query_one(selector, Static)
    return str(widget.render()) if widget.display else ""


async def test_keep_my_edit_saves_an_action_on_top_of_theirs(app_for, db_path: Path) -> None:
    app = app_for()
    other = other_store(db_path)
    async with app.run_test(size=SIZE) as pilot:
        app.open_action("ACT-9")
        await settle(pilot)
        await pilot.press("e")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, ActionFormDialog) and form.version == 1
        form.query_one("#form-title", Input).value = "My careful rewording"
        other.update_action(9, {"title": "Their rewording", "priority": "P1"}, expected_version=1)

        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ConflictDialog)
        await pilot.press("k")
        await settle(pilot)
        assert app.screen is form and form.version == 2
        assert form.query_one("#form-title", Input).value == "My careful rewording"
        assert "Their rewording" in shown(form, "#theirs-title")  # both changed it: theirs beside mine
        assert form.query_one("#form-priority", Select).value == "P1"  # only they changed it: taken
        assert "P1" in shown(form, "#theirs-priority")
        assert shown(form, "#theirs-owner") == ""
        assert "changed by someone else" in shown(form, "#form-error")

        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ActionScreen)
    other.close()
    with Db.connect_sqlite(db_path) as db:
        stored = get_action(db, 9)
        assert (stored.title, stored.priority, stored.version) == ("My careful rewording", "P1", 3)
        changes = [(e.actor, e.field, e.old_value, e.new_value) for e in action_history(db, 9)[-3:]]
    assert changes[:2] == [("someone@else", "title", changes[0][2], "Their rewording"),
                           ("someone@else", "priority", "P2", "P1")]
    assert changes[2] == ("tester@example.com", "title", "Their rewording", "My careful rewording")
