"""An incident made from nothing and taken through its whole life in the app, by keyboard, with Pilot.

Every step is checked in the database (the incident's history above all), not only on the screen.
"""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Input, Select, Static, TextArea

from tests.functional.conftest import SIZE, settle
from tracker.core.actions import get_action
from tracker.core.incidents import get_incident
from tracker.core.rootcauses import get_root_cause
from tracker.storage.database import Db
from tracker.tui.dialogs.action_form import ActionFormDialog
from tracker.tui.dialogs.cause_form import CauseFormDialog
from tracker.tui.dialogs.cause_link import CauseLinkDialog
from tracker.tui.dialogs.cause_pick import CausePickDialog
from tracker.tui.dialogs.confirm import ConfirmDialog
from tracker.tui.dialogs.incident_form import IncidentFormDialog
from tracker.tui.dialogs.incident_status import IncidentStatusDialog
from tracker.tui.dialogs.prompt import PromptDialog
from tracker.tui.dialogs.timeline_entry import TimelineEntryDialog
from tracker.tui.screens.action_detail import ActionScreen
from tracker.tui.screens.causes import CausesScreen
from tracker.tui.screens.incident_detail import IncidentScreen
from tracker.tui.screens.incidents import IncidentsScreen


def text_of(screen, selector: str) -> str:  # type: ignore[no-untyped-def]
    return str(screen.query_one(selector, Static).render())


def history(path: Path) -> list[tuple[str, str | None, str | None]]:
    with Db.connect_sqlite(path) as db:
        return [(e.field, e.old_value, e.new_value) for e in get_incident(db, 1).history]


def incident(path: Path):  # type: ignore[no-untyped-def]
    with Db.connect_sqlite(path) as db:
        return get_incident(db, 1)


async def test_an_incident_from_nothing_to_closed_in_the_app(app_for, empty_url: str) -> None:
    path = Path(empty_url)
    app = app_for(path=path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)

        # n: a new incident, started now.
        await pilot.press("n")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, IncidentFormDialog)
        assert form.query_one("#incident-started_at", Input).value == "now"
        await pilot.press(*"Checkout failing after config push")
        form.query_one("#incident-severity", Select).value = "SEV2"
        form.query_one("#incident-summary", TextArea).text = "Checkout returned 5xx for a third of requests."
        form.query_one("#incident-components", TextArea).text = "API / Checkout\nPayments"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, IncidentScreen)
        made = incident(path)
        assert (made.row.title, made.row.severity, made.row.status) == (
            "Checkout failing after config push", "SEV2", "investigating")
        assert made.row.components == ["Payments", "API / Checkout"] and made.row.started_at is not None
        assert history(path) == [("created", None, "Checkout failing after config push")]

        # t: the timeline, one line at a time, stamped now.
        for line in ("Pager: checkout 5xx above 20%", "Rolled back config 4711"):
            await pilot.press("t")
            await settle(pilot)
            assert isinstance(app.screen, TimelineEntryDialog)
            await pilot.press(*line, "enter")
            await settle(pilot)
        assert isinstance(app.screen, IncidentScreen)
        entries = incident(path).timeline
        assert [e.body for e in entries] == ["Pager: checkout 5xx above 20%", "Rolled back config 4711"]
        assert [f for f, _, _ in history(path)] == ["created", "timeline", "timeline"]
        assert f"#{entries[0].id}" in text_of(app.screen, "#incident-timeline")

        # l: a cause new to the taxonomy through "new cause…", linked as contributing.
        await pilot.press("l")
        await settle(pilot)
        link = app.screen
        assert isinstance(link, CauseLinkDialog)
        await pilot.press(*"Configuration pushed without validation")
        link.query_one("#link-role", Select).value = "contributing"
        await pilot.press("enter")  # nothing matches: the highlight is on "new cause…"
        await settle(pilot)
        cause_form = app.screen
        assert isinstance(cause_form, CauseFormDialog)
        assert cause_form.query_one("#cause-title", Input).value == "Configuration pushed without validation"
        assert cause_form.query_one("#cause-slug", Input).value == "configuration-pushed-without-validation"
        cause_form.query_one("#cause-slug", Input).value = "unvalidated-config-push"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, IncidentScreen)
        assert [(c.slug, c.role) for c in incident(path).row.root_causes] == [
            ("unvalidated-config-push", "contributing")]
        assert history(path)[-1] == ("cause", None, "unvalidated-config-push (contributing)")

        # The causes screen: n adds a second cause; l links it from the incident as trigger.
        await pilot.press("2")
        await settle(pilot)
        assert isinstance(app.screen, CausesScreen)
        await pilot.press("n")
        await settle(pilot)
        await pilot.press(*"Two deploy pipelines race each other")
        app.screen.query_one("#cause-slug", Input).value = "deploy-pipeline-race"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, CausesScreen) and app.screen.selected_slug() == "deploy-pipeline-race"
        await pilot.press("1")  # the incidents list (the section's own screen); the newest, ours, is first
        await settle(pilot)
        assert isinstance(app.screen, IncidentsScreen)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, IncidentScreen)
        await pilot.press("l")
        await settle(pilot)
        app.screen.query_one("#link-role", Select).value = "trigger"
        await pilot.press(*"pipelines", "enter")
        await settle(pilot)
        assert [(c.slug, c.role) for c in incident(path).row.root_causes] == [
            ("deploy-pipeline-race", "trigger"), ("unvalidated-config-push", "contributing")]

        # n: an action on the incident; the form lists the incident's own causes first.
        await pilot.press("n")
        await settle(pilot)
        action_form = app.screen
        assert isinstance(action_form, ActionFormDialog)
        assert action_form.query_one("#form-root-cause", Select).value is Select.NULL  # two causes: none chosen
        assert [slug for slug, _ in action_form.cause_options] == ["deploy-pipeline-race", "unvalidated-config-push"]
        await pilot.press(*"Serialise the two pipelines")
        action_form.query_one("#form-owner", Input).value = "bo"
        action_form.query_one("#form-root-cause", Select).value = "deploy-pipeline-race"
        await pilot.press("ctrl+s")
        await settle(pilot)
        with Db.connect_sqlite(path) as db:
            first = get_action(db, 1)
        assert (first.incident, first.root_cause, first.owner) == ("INC-1", "deploy-pipeline-race", "bo")

        # m on the causes screen: the race is merged into the unvalidated push, counts said first.
        await pilot.press("2")
        await settle(pilot)
        app.screen.select("deploy-pipeline-race")
        await pilot.press("m")
        await settle(pilot)
        assert isinstance(app.screen, CausePickDialog)
        await pilot.press(*"unvalidated", "enter")
        await settle(pilot)
        confirm = app.screen
        assert isinstance(confirm, ConfirmDialog)
        assert "1 incident link(s) and 1 action(s) move" in str(confirm.query_one("Label").render())
        await pilot.press("y")
        await settle(pilot)
        with Db.connect_sqlite(path) as db:
            merged = get_root_cause(db, "deploy-pipeline-race")
            assert merged.slug == "unvalidated-config-push" and merged.aliases == ["deploy-pipeline-race"]
            assert get_action(db, 1).root_cause == "unvalidated-config-push"
        # Both were linked: the one link left keeps the stronger role (trigger over contributing).
        assert [(c.slug, c.role) for c in incident(path).row.root_causes] == [
            ("unvalidated-config-push", "trigger")]
        assert history(path)[-1] == (
            "cause", "deploy-pipeline-race (trigger)", "unvalidated-config-push (trigger)")

        # Back on the incident (1 opens the incidents list, enter the incident): a second action, pre-linked to
        # its only cause, left without an owner.
        await pilot.press("1")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, IncidentScreen)
        await pilot.press("n")
        await settle(pilot)
        action_form = app.screen
        assert action_form.query_one("#form-root-cause", Select).value == "unvalidated-config-push"
        await pilot.press(*"Write the postmortem")
        action_form.query_one("#form-kind", Select).value = "process"
        await pilot.press("ctrl+s")
        await settle(pilot)
        with Db.connect_sqlite(path) as db:
            second = get_action(db, 2)
        assert (second.root_cause, second.owner, second.kind) == ("unvalidated-config-push", None, "process")

        # s: resolved (a jump forward; the resolve time prefilled with now), then postmortem.
        await pilot.press("s")
        await settle(pilot)
        status = app.screen
        assert isinstance(status, IncidentStatusDialog)
        await pilot.press("down", "down")  # identified, monitoring, resolved
        await pilot.pause()
        assert status.target == "resolved"
        assert status.query_one("#status-resolved_at", Input).value == "now"
        await pilot.press("ctrl+s")
        await settle(pilot)
        row = incident(path).row
        assert row.status == "resolved" and row.resolved_at is not None
        assert [f for f, _, _ in history(path)][-2:] == ["status", "resolved_at"]
        await pilot.press("s")
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert incident(path).row.status == "postmortem"

        # s, closed: refused, each missing thing shown; nothing written.
        before = incident(path).row.version
        await pilot.press("s")
        await settle(pilot)
        status = app.screen
        assert status.target == "closed"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is status
        blockers = text_of(status, "#status-blockers")
        assert "no root cause linked as root or trigger" not in blockers  # the merge kept the trigger
        assert "open action ACT-2 lacks an owner" in blockers
        assert status.query_one("#status-force").display
        assert incident(path).row.version == before and incident(path).row.status == "postmortem"
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, IncidentScreen)

        # The reason fixed (ACT-2 given an owner), and the cause made root (l on a linked cause changes its role).
        await pilot.press("l")
        await settle(pilot)
        app.screen.query_one("#link-role", Select).value = "root"
        await pilot.press(*"unvalidated", "enter")
        await settle(pilot)
        assert history(path)[-1] == (
            "cause", "unvalidated-config-push (trigger)", "unvalidated-config-push (root)")
        app.open_action(2)
        await settle(pilot)
        assert isinstance(app.screen, ActionScreen)
        await pilot.press("w")
        await pilot.pause()
        assert isinstance(app.screen, PromptDialog)
        await pilot.press(*"ana", "enter")
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)

        # Closed.
        await pilot.press("s")
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, IncidentScreen)
        assert "closed" in text_of(app.screen, "#incident-facts")
    done = incident(path)
    assert done.row.status == "closed"
    assert [f for f, _, _ in history(path)] == [
        "created", "timeline", "timeline", "cause", "cause", "cause", "status", "resolved_at", "status", "cause",
        "status"]
    assert [(o, n) for f, o, n in history(path) if f == "status"] == [
        ("investigating", "resolved"), ("resolved", "postmortem"), ("postmortem", "closed")]
    assert all(e.actor == "tester@example.com" for e in done.history)
