"""Each key that changes an incident, driven with Pilot on the demo database; the database is checked."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Button, Input, OptionList, Select, Static, TextArea

from tests.functional.conftest import SIZE, settle
from tracker.core.incidents import get_incident
from tracker.core.rootcauses.changes import retire_cause
from tracker.core.rootcauses.suggest import suggest_for_incident
from tracker.core.runbooks.files import parse_front_matter
from tracker.storage.database import Db
from tracker.tui.dialogs.action_form import ActionFormDialog
from tracker.tui.dialogs.cause_link import CauseLinkDialog
from tracker.tui.dialogs.cause_unlink import UnlinkDialog
from tracker.tui.dialogs.confirm import ConfirmDialog
from tracker.tui.dialogs.incident_form import IncidentFormDialog
from tracker.tui.dialogs.incident_status import IncidentStatusDialog
from tracker.tui.dialogs.new_runbook import NewRunbookDialog
from tracker.tui.dialogs.timeline_entry import TimelineEntryDialog
from tracker.tui.screens.incident_detail import IncidentScreen
from tracker.tui.screens.runbook_edit import RunbookEditScreen
from tracker.tui.widgets.cause_picker import NEW_CAUSE, CausePicker


def text_of(screen, selector: str) -> str:  # type: ignore[no-untyped-def]
    return str(screen.query_one(selector, Static).render())


def stored(path: Path, key: int):  # type: ignore[no-untyped-def]
    with Db.connect_sqlite(path) as db:
        return get_incident(db, key)


def option_ids(options: OptionList) -> list[str | None]:
    return [options.get_option_at_index(i).id for i in range(options.option_count)]


async def open_incident(app, pilot, key: str) -> IncidentScreen:  # type: ignore[no-untyped-def]
    await settle(pilot)
    app.open_incident(key)
    await settle(pilot)
    assert isinstance(app.screen, IncidentScreen)
    return app.screen


async def test_new_incident_refuses_bad_input_keeps_it_and_asks_before_discarding(app_for, db_path: Path) -> None:
    app = app_for()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, IncidentFormDialog)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "title is empty" in text_of(form, "#form-error")
        await pilot.press(*"Search returns nothing")
        form.query_one("#incident-started_at", Input).value = "2026-13-45 09:00"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "started" in text_of(form, "#form-error") and app.screen is form
        assert form.query_one("#incident-title", Input).value == "Search returns nothing"
        await pilot.press("escape")  # something was typed: it asks first
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("n")
        await pilot.pause()
        assert app.screen is form
        form.query_one("#incident-started_at", Input).value = "2026-11-23T08:15Z"
        form.query_one("#incident-kind", Select).value = "maintenance"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, IncidentScreen) and "INC-6" in text_of(app.screen, "#incident-heading")
    row = stored(db_path, 6).row
    assert (row.title, row.kind, row.severity, row.started_at.isoformat()) == (
        "Search returns nothing", "maintenance", "SEV3", "2026-11-23T08:15:00+00:00")


async def test_edit_every_field_and_time(app_for, db_path: Path) -> None:
    app = app_for()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_incident(app, pilot, "INC-2")
        assert "History (0 changes)" in text_of(screen, "#incident-history")
        await pilot.press("e")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, IncidentFormDialog)
        assert form.query_one("#incident-started_at", Input).value == "2021-10-13 07:26"
        values = {
            "#incident-title": "Major downtime at the hosting provider",
            "#incident-detected_at": "2021-10-13 07:20",  # before started: refused, naming the field
            "#incident-mitigated_at": "2021-10-13 08:10",
            "#incident-resolved_at": "2021-10-13 08:30",
            "#incident-source": "https://status.example.com/incidents/2",
            "#incident-note": "times from the provider's report",
        }
        for selector, value in values.items():
            form.query_one(selector, Input).value = value
        form.query_one("#incident-severity", Select).value = "SEV2"
        form.query_one("#incident-impact", TextArea).text = "Every page down for an hour."
        form.query_one("#incident-customer_action", TextArea).text = "Retry sends after 08:30 UTC."
        form.query_one("#incident-postmortem", TextArea).text = "# Provider outage\n\n- Ask for a second region"
        components = form.query_one("#incident-components", TextArea)
        old_components = components.text.splitlines()
        components.text = "\n".join(old_components[1:] + ["Hosting / Frankfurt"])
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is form and "detected" in text_of(form, "#form-error")
        assert stored(db_path, 2).row.version == 1
        form.query_one("#incident-detected_at", Input).value = "2021-10-13 07:30"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, IncidentScreen)
        assert "version 2" in text_of(app.screen, "#incident-facts")
        assert "times from the provider's report" in text_of(app.screen, "#incident-history")
        assert "- Ask for a second region" in text_of(app.screen, "#incident-postmortem")
    detail = stored(db_path, 2)
    row = detail.row
    assert (row.title, row.severity, row.version) == ("Major downtime at the hosting provider", "SEV2", 2)
    assert row.detected_at.isoformat() == "2021-10-13T07:30:00+00:00"
    assert row.resolved_at.isoformat() == "2021-10-13T08:30:00+00:00"
    assert detail.impact == "Every page down for an hour." and detail.source.endswith("/2")
    assert detail.postmortem == "# Provider outage\n\n- Ask for a second region"
    assert "Hosting / Frankfurt" in row.components and old_components[0] not in row.components
    fields = [e.field for e in detail.history]
    assert set(fields) == {"title", "severity", "detected_at", "mitigated_at", "resolved_at", "impact",
                           "customer_action", "postmortem", "source", "component"}
    assert fields.count("component") == 2
    assert all(e.note == "times from the provider's report" for e in detail.history)


async def test_status_offers_forward_moves_and_going_back_needs_a_note(app_for, db_path: Path) -> None:
    app = app_for()
    async with app.run_test(size=SIZE) as pilot:
        await open_incident(app, pilot, "INC-5")
        await pilot.press("s")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, IncidentStatusDialog)
        assert option_ids(dialog.query_one("#status-forward", OptionList)) == ["closed"]
        assert option_ids(dialog.query_one("#status-back", OptionList)) == [
            "resolved", "monitoring", "identified", "investigating"]
        dialog.query_one("#status-back", OptionList).focus()
        await pilot.press("down")
        await pilot.pause()
        assert dialog.target == "monitoring"
        assert not dialog.query_one("#field-resolved_at").display
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "needs a note" in text_of(dialog, "#form-error") and app.screen is dialog
        dialog.query_one("#status-note", Input).value = "errors came back"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, IncidentScreen)
    history = stored(db_path, 5).history
    assert [(e.field, e.old_value, e.new_value, e.note) for e in history] == [
        ("status", "postmortem", "monitoring", "errors came back")]


async def test_a_refused_close_lists_what_is_missing_and_closes_anyway_with_a_note(app_for, db_path: Path) -> None:
    app = app_for()
    async with app.run_test(size=SIZE) as pilot:
        await open_incident(app, pilot, "INC-3")
        await pilot.press("s")
        await settle(pilot)
        dialog = app.screen
        assert dialog.target == "closed"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "open action ACT-6 lacks an owner" in text_of(dialog, "#status-blockers")
        force = dialog.query_one("#status-force", Button)
        assert force.display and stored(db_path, 3).row.status == "postmortem"
        await pilot.click(force)
        await settle(pilot)
        assert "needs a note" in text_of(dialog, "#form-error") and app.screen is dialog
        dialog.query_one("#status-note", Input).value = "owner named in the postmortem meeting"
        await pilot.click(force)
        await settle(pilot)
        assert isinstance(app.screen, IncidentScreen)
    event = stored(db_path, 3).history[-1]
    assert (event.field, event.new_value) == ("status", "closed")
    assert event.note.startswith("owner named in the postmortem meeting [closed with: open action ACT-6")


async def test_timeline_is_t_then_type_then_enter(app_for, db_path: Path) -> None:
    app = app_for()
    async with app.run_test(size=SIZE) as pilot:
        await open_incident(app, pilot, "INC-1")
        before = app.store.settings.clock.now()
        await pilot.press("t", *"Paged the queue team", "enter")
        await settle(pilot)
        assert isinstance(app.screen, IncidentScreen)
        after = app.store.settings.clock.now()
        assert "Paged the queue team" in text_of(app.screen, "#incident-timeline")
    detail = stored(db_path, 1)
    entry = max(detail.timeline, key=lambda e: e.id)
    assert entry.body == "Paged the queue team" and before <= entry.at <= after
    assert [(e.field, e.new_value.split(" ", 1)[0]) for e in detail.history] == [("timeline", f"#{entry.id}")]


async def test_an_empty_timeline_line_is_refused_inline(app_for, db_path: Path) -> None:
    app = app_for()
    async with app.run_test(size=SIZE) as pilot:
        await open_incident(app, pilot, "INC-1")
        await pilot.press("t", "enter")
        await settle(pilot)
        assert isinstance(app.screen, TimelineEntryDialog)
        assert "say what happened" in text_of(app.screen, "#form-error")
    assert stored(db_path, 1).history == []


async def test_link_offers_the_closest_causes_first_then_filters(app_for, db_path: Path) -> None:
    with Db.connect_sqlite(db_path) as db:
        closest = [s.slug for s in suggest_for_incident(db, 2)]
    app = app_for()
    async with app.run_test(size=SIZE) as pilot:
        await open_incident(app, pilot, "INC-2")
        await pilot.press("l")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, CauseLinkDialog)
        options = dialog.query_one("#cause-options", OptionList)
        ids = option_ids(options)
        assert closest and ids[:len(closest)] == closest and ids[-1] == NEW_CAUSE
        assert ids[-2] == "hosting-provider-outage"  # already linked: offered last, to change its role
        assert dialog.query_one("#link-role", Select).value == "contributing"  # it has a root cause already
        await pilot.press(*"single host")
        await pilot.pause()
        assert option_ids(options) == ["single-host-blast-radius", NEW_CAUSE]
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, IncidentScreen)
        assert "single-host-blast-radius" in text_of(app.screen, "#incident-causes")
    detail = stored(db_path, 2)
    assert [(c.slug, c.role) for c in detail.row.root_causes] == [
        ("hosting-provider-outage", "root"), ("single-host-blast-radius", "contributing")]
    assert [(e.field, e.new_value) for e in detail.history] == [("cause", "single-host-blast-radius (contributing)")]


async def test_retired_causes_are_not_offered_but_still_shown(app_for, db_path: Path) -> None:
    with Db.connect_sqlite(db_path) as db:
        retire_cause(db, "stale-config")
    app = app_for()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_incident(app, pilot, "INC-1")
        assert "stale-config" in text_of(screen, "#incident-causes")  # an old incident still shows it
        await pilot.press("l")
        await settle(pilot)
        picker = app.screen.query_one(CausePicker)
        assert "stale-config" not in [e.slug for e in picker.entries]
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, ActionFormDialog)
        slugs = [slug for slug, _ in form.cause_options]
        assert "stale-config" not in slugs and slugs[0] == "message-queue-change"  # the incident's own first
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        app.screen.select("kafka-migration")
        await pilot.press("m")
        await settle(pilot)
        assert "stale-config" not in [e.slug for e in app.screen.query_one(CausePicker).entries]


async def test_unlink_asks_which_cause_and_confirms(app_for, db_path: Path) -> None:
    app = app_for()
    async with app.run_test(size=SIZE) as pilot:
        await open_incident(app, pilot, "INC-3")
        await pilot.press("u")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, UnlinkDialog)
        assert option_ids(dialog.query_one("#unlink-causes", OptionList)) == ["kafka-migration",
                                                                            "message-queue-change"]
        await pilot.press("escape")  # nothing chosen yet: leaves at once, writes nothing
        await settle(pilot)
        assert stored(db_path, 3).history == []
        await pilot.press("u")
        await settle(pilot)
        await pilot.press("down")
        await pilot.pause()
        assert "Unlink message-queue-change" in str(app.screen.query_one("#form-save", Button).label)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, IncidentScreen)
    detail = stored(db_path, 3)
    assert [c.slug for c in detail.row.root_causes] == ["kafka-migration"]
    assert [(e.field, e.old_value, e.new_value) for e in detail.history] == [
        ("cause", "message-queue-change (trigger)", None)]


async def test_runbook_for_an_incident_whose_causes_have_none(app_for, db_path: Path, tmp_path: Path) -> None:
    app = app_for(cwd=tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_incident(app, pilot, "INC-2")
        await pilot.press("R")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, NewRunbookDialog)
        assert dialog.query_one("#runbook-path", Input).value == "runbooks/hosting-provider-outage.md"
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, RunbookEditScreen)
        assert app.screen.path == "runbooks/hosting-provider-outage.md"
        text = (tmp_path / "runbooks" / "hosting-provider-outage.md").read_text()
        front, _ = parse_front_matter(text, "new runbook")
        assert front.root_causes == ("hosting-provider-outage",)
        assert front.title == "Major outage at the hosting provider"
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, IncidentScreen)
        assert "runbooks/hosting-provider-outage.md" in text_of(app.screen, "#incident-runbooks")
        await pilot.press("R")  # its cause has one now: nothing new is made
        await settle(pilot)
        assert isinstance(app.screen, IncidentScreen)
        assert any("have runbooks already" in n.message for n in app._notifications)
