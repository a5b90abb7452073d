"""The root-cause taxonomy kept in the app: new causes (and "did you mean ...?"), edits, merges, runbooks."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Button, Input, Label, Static

from tests.functional.conftest import SIZE, settle
from tracker.core.incidents import get_incident
from tracker.core.rootcauses import get_root_cause, list_root_causes
from tracker.core.runbooks.files import parse_front_matter
from tracker.storage.database import Db
from tracker.tui.dialogs.cause_form import CauseFormDialog
from tracker.tui.dialogs.confirm import ConfirmDialog
from tracker.tui.dialogs.new_runbook import NewRunbookDialog
from tracker.tui.screens.causes import CausesScreen
from tracker.tui.screens.incident_detail import IncidentScreen
from tracker.tui.screens.runbook_edit import RunbookEditScreen


def slugs(path: Path) -> list[str]:
    with Db.connect_sqlite(path) as db:
        return [c.slug for c in list_root_causes(db)]


def did_you_mean(form: CauseFormDialog) -> str:
    return "\n".join(str(label.render()) for label in form.query("#cause-similar Label").results(Label))


async def test_a_close_title_asks_did_you_mean_and_adds_anyway(app_for, db_path: Path) -> None:
    before = slugs(db_path)
    app = app_for("causes")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, CauseFormDialog)
        await pilot.press(*"Change to the message queuing layer")
        assert form.query_one("#cause-slug", Input).value == "change-to-the-message-queuing-layer"
        form.query_one("#cause-slug", Input).value = "queue-layer-change"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is form
        assert "Did you mean" in did_you_mean(form) and "Change to the message-queuing layer" in did_you_mean(form)
        assert [str(b.label) for b in form.query("#cause-similar Button").results(Button)] == [
            "Use message-queue-change", "Add mine anyway"]
        assert slugs(db_path) == before
        await pilot.click("#cause-add-anyway")
        await settle(pilot)
        assert isinstance(app.screen, CausesScreen) and app.screen.selected_slug() == "queue-layer-change"
    with Db.connect_sqlite(db_path) as db:
        assert get_root_cause(db, "queue-layer-change").title == "Change to the message queuing layer"


async def test_did_you_mean_from_the_link_picker_links_the_existing_cause(app_for, db_path: Path) -> None:
    before = slugs(db_path)
    app = app_for()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.open_incident("INC-3")
        await settle(pilot)
        await pilot.press("l")
        await settle(pilot)
        await pilot.press(*"Cooling failure on a server host", "enter")  # no cause holds every word: "new cause…"
        await settle(pilot)
        form = app.screen
        assert isinstance(form, CauseFormDialog)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "Cooling failure on a hypervisor host" in did_you_mean(form)
        assert form.focused is not None and form.focused.id == "cause-use-0"
        await pilot.press("enter")  # "Use cooling-failure", focused
        await settle(pilot)
        assert isinstance(app.screen, IncidentScreen)
    assert slugs(db_path) == before
    with Db.connect_sqlite(db_path) as db:
        assert "cooling-failure" in [c.slug for c in get_incident(db, 3).row.root_causes]


async def test_edit_a_cause_and_give_it_a_new_slug(app_for, db_path: Path) -> None:
    app = app_for("causes")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.screen.select("stale-config")
        await pilot.press("e")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, CauseFormDialog)
        assert form.query_one("#cause-title", Input).value == "Obsolete configuration on a rarely redeployed component"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "nothing changed" in str(form.query_one("#form-error", Static).render())
        form.query_one("#cause-slug", Input).value = "stale-component-config"
        form.query_one("#cause-category", Input).value = "configuration drift"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, CausesScreen) and app.screen.selected_slug() == "stale-component-config"
        assert "also named: stale-config" in str(app.screen.query_one("#cause-text", Static).render())
    with Db.connect_sqlite(db_path) as db:
        cause = get_root_cause(db, "stale-config")
    assert (cause.slug, cause.category, cause.aliases) == ("stale-component-config", "configuration drift",
                                                           ["stale-config"])


async def test_merge_says_what_moves_and_cancel_moves_nothing(app_for, db_path: Path) -> None:
    app = app_for("causes")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.screen.select("message-queue-change")
        await pilot.press("m")
        await settle(pilot)
        await pilot.press(*"kafka", "enter")
        await settle(pilot)
        confirm = app.screen
        assert isinstance(confirm, ConfirmDialog)
        assert "2 incident link(s) and 0 action(s) move to kafka-migration" in str(confirm.query_one(Label).render())
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, CausesScreen)
    assert "message-queue-change" in slugs(db_path)


async def test_runbook_for_a_cause_opens_in_the_editor(app_for, db_path: Path, tmp_path: Path) -> None:
    app = app_for("causes", cwd=tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.screen.select("cooling-failure")
        await pilot.press("R")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, NewRunbookDialog)
        assert dialog.query_one("#runbook-path", Input).value == "runbooks/cooling-failure.md"
        assert dialog.query_one("#runbook-title", Input).value == "Cooling failure on a hypervisor host"
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, RunbookEditScreen) and app.screen.path == "runbooks/cooling-failure.md"
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("R", "enter")  # the same path again: refused inline, nothing overwritten
        await settle(pilot)
        assert isinstance(app.screen, NewRunbookDialog)
        assert "already exists" in str(app.screen.query_one("#form-error", Static).render())
    front, _ = parse_front_matter((tmp_path / "runbooks" / "cooling-failure.md").read_text(), "new runbook")
    assert front.root_causes == ("cooling-failure",)
