"""Keep my edit after a stale write: two people on one database file, each through the app's own store.

The first opens a form, the second saves a change meanwhile; the first's save is refused, they keep
their edit, see the second's values beside theirs, save again (on top of the second's version), and
the history holds both changes.
"""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Input, Select, Static

from tests.functional.conftest import SIZE, settle
from tracker.base.enums import Priority, Severity
from tracker.config import load_settings
from tracker.core.actions import ActionChanges, action_history, get_action
from tracker.core.incidents import get_incident
from tracker.core.incidents.changes import IncidentChanges
from tracker.storage.database import Db
from tracker.tui.dialogs.action_form import ActionFormDialog
from tracker.tui.dialogs.conflict import ConflictDialog
from tracker.tui.dialogs.incident_form import IncidentFormDialog
from tracker.tui.screens.action_detail import ActionScreen
from tracker.tui.screens.incident_detail import IncidentScreen
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
        other.update_action(9, ActionChanges(title="Their rewording", priority=Priority.P1), expected_version=1)

        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ConflictDialog)
        await pilot.press("m")
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
    # One change of several fields lands in the service's fixed field order (priority before title).
    assert changes[:2] == [("someone@else", "priority", "P2", "P1"),
                           ("someone@else", "title", changes[1][2], "Their rewording")]
    assert changes[2] == ("tester@example.com", "title", "Their rewording", "My careful rewording")


async def test_keep_my_edit_saves_an_incident_on_top_of_theirs(app_for, db_path: Path) -> None:
    app = app_for()
    other = other_store(db_path)
    async with app.run_test(size=SIZE) as pilot:
        app.open_incident("INC-3")
        await settle(pilot)
        assert isinstance(app.screen, IncidentScreen)
        version = app.screen.detail.row.version
        await pilot.press("e")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, IncidentFormDialog)
        form.query_one("#incident-title", Input).value = "Kafka migration took notifications down"
        form.query_one("#incident-note", Input).value = "a clearer title"
        other.incidents.update(3, IncidentChanges(title="Notifications down (Kafka)", severity=Severity.SEV2),
                               expected_version=version)

        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ConflictDialog)
        await pilot.press("m")
        await settle(pilot)
        assert app.screen is form and form.version == version + 1
        assert form.query_one("#incident-title", Input).value == "Kafka migration took notifications down"
        assert "Notifications down (Kafka)" in shown(form, "#theirs-title")
        assert form.query_one("#incident-severity", Select).value == "SEV2"
        assert "(version" in str(form.query_one("#form-heading", Static).render())

        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, IncidentScreen)
    other.close()
    with Db.connect_sqlite(db_path) as db:
        detail = get_incident(db, 3)
    assert (detail.row.title, detail.row.severity, detail.row.version) == (
        "Kafka migration took notifications down", "SEV2", version + 2)
    changes = [(e.actor, e.field, e.new_value, e.note) for e in detail.history[-3:]]
    assert changes == [
        ("someone@else", "title", "Notifications down (Kafka)", ""),
        ("someone@else", "severity", "SEV2", ""),
        ("tester@example.com", "title", "Kafka migration took notifications down", "a clearer title"),
    ]


async def test_reload_theirs_shows_their_version_in_the_form(app_for, db_path: Path) -> None:
    app = app_for()
    other = other_store(db_path)
    async with app.run_test(size=SIZE) as pilot:
        app.open_incident("INC-2")
        await settle(pilot)
        version = app.screen.detail.row.version
        await pilot.press("e")
        await settle(pilot)
        form = app.screen
        form.query_one("#incident-title", Input).value = "Mine"
        other.incidents.update(2, IncidentChanges(title="Theirs"), expected_version=version)
        await pilot.press("ctrl+s")
        await settle(pilot)
        await pilot.press("r")
        await settle(pilot)
        assert form.query_one("#incident-title", Input).value == "Theirs" and form.version == version + 1
        await pilot.press("escape")  # their version as loaded: nothing typed since, nothing to ask
        await settle(pilot)
        assert isinstance(app.screen, IncidentScreen)
    other.close()
    with Db.connect_sqlite(db_path) as db:
        assert get_incident(db, 2).row.title == "Theirs"


async def test_keep_my_edit_in_the_status_dialog_keeps_the_chosen_move(app_for, db_path: Path) -> None:
    from tracker.tui.dialogs.incident_status import IncidentStatusDialog

    app = app_for()
    other = other_store(db_path)
    async with app.run_test(size=SIZE) as pilot:
        app.open_incident("INC-5")
        await settle(pilot)
        version = app.screen.detail.row.version
        await pilot.press("s")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, IncidentStatusDialog)
        dialog.query_one("#status-back").focus()
        await pilot.press("down")
        dialog.query_one("#status-note", Input).value = "errors came back"
        other.incidents.log(5, "Errors are back at 3%", expected_version=version)  # someone logs meanwhile
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ConflictDialog)
        await pilot.press("m")
        await settle(pilot)
        assert app.screen is dialog and dialog.target == "monitoring" and dialog.version == version + 1
        assert dialog.query_one("#status-note", Input).value == "errors came back"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, IncidentScreen)
    other.close()
    with Db.connect_sqlite(db_path) as db:
        detail = get_incident(db, 5)
    assert detail.row.status == "monitoring"
    assert [(e.actor, e.field) for e in detail.history] == [("someone@else", "timeline"),
                                                           ("tester@example.com", "status")]
