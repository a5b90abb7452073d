"""The demo catalog: the five seed incidents with their real times (UTC), causes and actions."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tracker.core.actions import ActionFilter, iter_actions
from tracker.core.incidents import get_incident, list_incidents
from tracker.core.rootcauses import get_root_cause, list_root_causes
from tracker.storage.database import Db

pytestmark = pytest.mark.both_backends


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


EXPECTED_WINDOWS = {
    # title prefix: (started, resolved)
    "Web push delivery issue": (utc(2021, 4, 15, 9, 0), utc(2021, 4, 15, 10, 10)),
    "Major downtime": (utc(2021, 10, 13, 7, 26), utc(2021, 10, 13, 8, 28)),
    "Notifications, SMS, Email": (utc(2024, 11, 7, 16, 40), utc(2024, 11, 8, 13, 26)),
    "CEP & MEP Delivery Issues": (utc(2025, 8, 14, 10, 10), utc(2025, 8, 15, 5, 37)),
    "CEP Campaign Delivery Degradation": (utc(2025, 12, 22, 10, 17), utc(2025, 12, 22, 13, 40)),
}


def test_five_incidents_with_their_real_times_in_utc(db: Db) -> None:
    rows = list_incidents(db)
    assert len(rows) == 5
    for row in rows:
        window = next(v for k, v in EXPECTED_WINDOWS.items() if row.title.startswith(k))
        assert (row.started_at, row.resolved_at) == window, row.title
        assert row.started_at is not None and row.started_at.utcoffset().total_seconds() == 0
    # Keys follow time: INC-1 is the oldest.
    assert [r.started_at for r in rows] == sorted(r.started_at for r in rows)


def test_causes_and_roles_match_the_reports(db: Db) -> None:
    causes = {r.title: {(c.slug, c.role) for c in r.root_causes} for r in list_incidents(db)}
    assert causes["CEP Campaign Delivery Degradation (Email, Push & SMS)"] == {
        ("cooling-failure", "root"),
        ("single-host-blast-radius", "contributing"),
    }
    assert causes["Major downtime"] == {("hosting-provider-outage", "root")}
    assert ("iac-reimage", "root") in causes["CEP & MEP Delivery Issues"]
    assert ("kafka-migration", "root") in causes["Notifications, SMS, Email, API & SDK Web services down"]
    assert causes["Web push delivery issue"] == {("stale-config", "root"), ("message-queue-change", "trigger")}


def test_shared_causes_make_recurrence_visible(db: Db) -> None:
    by_slug = {r.slug: r for r in list_root_causes(db)}
    assert {"cooling-failure", "hosting-provider-outage", "iac-reimage", "kafka-migration", "stale-config"} <= set(
        by_slug
    )
    queue = by_slug["message-queue-change"]
    assert queue.incident_count == 2
    assert {i.started_at.date().isoformat() for i in queue.incidents} == {"2021-04-15", "2024-11-07"}
    assert all(i.role == "trigger" for i in queue.incidents)
    blast = by_slug["single-host-blast-radius"]
    assert {i.started_at.date().isoformat() for i in blast.incidents} == {"2025-08-14", "2025-12-22"}


def test_hosting_provider_outage_has_no_action_at_all(db: Db) -> None:
    cause = get_root_cause(db, "hosting-provider-outage")
    assert not cause.has_prevent_action
    incident = get_incident(db, "INC-2")
    assert incident.actions == []
    assert "OVH" in incident.postmortem + incident.summary + "".join(t.body for t in incident.timeline)


@pytest.mark.parametrize(
    ("incident", "expected"),
    [
        ("INC-5", {"repair", "prevent", "detect"}),
        ("INC-4", {"prevent"}),
        ("INC-1", {"prevent", "process"}),
    ],
)
def test_named_actions_have_kinds_owners_and_dues(db: Db, incident: str, expected: set[str]) -> None:
    actions = get_incident(db, incident).actions
    assert {a.kind for a in actions} == expected
    assert all(a.due is not None for a in actions)
    for action in actions:
        assert (action.completed_at is not None) == (action.status == "done")


def test_cooling_incident_actions_are_done_as_the_report_says(db: Db) -> None:
    actions = get_incident(db, "INC-5").actions
    assert len(actions) == 4
    assert {a.status for a in actions} == {"done"}


def test_kafka_incident_marks_inferred_actions(db: Db) -> None:
    actions = get_incident(db, "INC-3").actions
    inferred = [a for a in actions if a.description.startswith("Inferred from the report")]
    assert inferred, "actions the report only implies must say so"
    migration = [a for a in actions if "migration" in a.title.lower() and a.kind == "prevent"]
    assert migration and migration[0].status == "in_progress"


def test_every_demo_action_has_a_created_event(db: Db) -> None:
    from tracker.core.actions import action_history

    for action in iter_actions(db, ActionFilter()):
        history = action_history(db, action.id)
        assert history[0].field == "created"
