"""The Prometheus gauges on hand-made data, parsed back with prometheus_client's own parser."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import TODAY
from tracker.core.actions.changes import insert_action
from tracker.core.incidents.changes import insert_incident
from tracker.core.slo import DEFAULT_SLO_DAYS
from tracker.exchange.metrics import collect, metrics_text
from tracker.storage.database import Db

pytestmark = [pytest.mark.both_backends, pytest.mark.date_sensitive]


def at(day: str) -> datetime:
    return datetime.fromisoformat(f"{day}T12:00:00+00:00").astimezone(UTC)


def samples(db: Db, targets: dict[str, int] = DEFAULT_SLO_DAYS) -> dict[str, dict[tuple, float]]:
    text = metrics_text(collect(db, today=TODAY, targets=targets)).decode()
    found: dict[str, dict[tuple, float]] = {}
    for family in text_string_to_metric_families(text):
        assert family.type == "gauge" and not family.name.endswith("_total")
        for sample in family.samples:
            found.setdefault(sample.name, {})[tuple(sorted(sample.labels.items()))] = sample.value
    return found


@pytest.fixture
def filled(empty_db: Db) -> Db:
    db = empty_db
    with db.write():
        db.execute("INSERT INTO root_cause (slug, title, category, description) VALUES ('dns', 'DNS', '', ''),"
                   " ('disk', 'Disk', '', '')")
        made = [insert_incident(db, {"title": t, "severity": sev, "status": st, "kind": kind,
                                     "started_at": at("2026-11-01"), "created_at": at("2026-11-01")})
                for t, sev, st, kind in (("a", "SEV1", "resolved", "incident"), ("b", "SEV1", "resolved", "incident"),
                                         ("c", "SEV3", "investigating", "incident"),
                                         ("d", "SEV4", "closed", "maintenance"))]
        for incident_id, role in ((made[0], "root"), (made[2], "contributing")):
            db.execute("INSERT INTO incident_root_cause (incident_id, root_cause_id, role, note)"
                       " SELECT :i, id, :r, '' FROM root_cause WHERE slug = 'dns'", {"i": incident_id, "r": role})
        # TODAY is 2026-11-23; P1 has 28 days, P2 56.
        for priority, kind, status, created, due in (
            ("P1", "prevent", "open", "2026-01-01", date(2026, 11, 22)),  # overdue and past its SLO
            ("P1", "prevent", "blocked", "2026-11-20", date(2026, 11, 24)),
            ("P2", "detect", "proposed", "2026-09-28", date(2026, 11, 23)),  # due today, SLO ends today: neither
            ("P2", "detect", "in_progress", "2026-09-27", date(2026, 12, 30)),  # past its SLO by a day
            ("P3", "repair", "done", "2026-01-01", date(2026, 2, 1)),
            ("P3", "repair", "wont_do", "2026-01-01", date(2026, 2, 1)),
        ):
            insert_action(db, {"title": "x", "kind": kind, "priority": priority, "status": status, "due_date": due,
                               "created_at": at(created), "incident_id": made[0],
                               "completed_at": at("2026-02-01") if status in ("done", "wont_do") else None})
        for path, reviewed in (("runbooks/old.md", date(2025, 1, 1)), ("runbooks/new.md", date(2026, 11, 1))):
            db.execute("INSERT INTO runbook (path, title, owner, services, last_reviewed, review_every_days,"
                       " content_hash, indexed_at) VALUES (:p, 't', '', '', :r, 90, 'h', :now)",
                       {"p": path, "r": reviewed, "now": at("2026-11-23")})
    return db


def test_every_gauge_on_hand_made_data(filled: Db) -> None:
    found = samples(filled)
    opened = found["tracker_actions_open"]
    assert len(opened) == 15 and sum(opened.values()) == 4  # every priority x kind, zeros included
    assert opened[(("kind", "prevent"), ("priority", "P1"))] == 2
    assert opened[(("kind", "detect"), ("priority", "P2"))] == 2
    assert found["tracker_actions_overdue"] == {(("priority", "P1"),): 1, (("priority", "P2"),): 0,
                                                (("priority", "P3"),): 0}
    assert found["tracker_actions_breaching_slo"] == {(("priority", "P1"),): 1, (("priority", "P2"),): 1,
                                                      (("priority", "P3"),): 0}
    incidents = found["tracker_incidents"]
    assert len(incidents) == 24 and sum(incidents.values()) == 4
    assert incidents[(("severity", "SEV1"), ("status", "resolved"))] == 2
    assert incidents[(("severity", "SEV4"), ("status", "closed"))] == 1
    assert found["tracker_runbooks_stale"] == {(): 1}
    assert found["tracker_cause_incidents"] == {(("cause", "disk"),): 0, (("cause", "dns"),): 2}


def test_targets_move_the_slo_gauge(filled: Db) -> None:
    found = samples(filled, {"P1": 400, "P2": 55, "P3": 90})
    assert found["tracker_actions_breaching_slo"] == {(("priority", "P1"),): 0, (("priority", "P2"),): 2,
                                                      (("priority", "P3"),): 0}


def test_an_empty_database_has_every_series_at_zero(empty_db: Db) -> None:
    found = samples(empty_db)
    assert len(found["tracker_actions_open"]) == 15 and not any(found["tracker_actions_open"].values())
    assert found["tracker_runbooks_stale"] == {(): 0} and "tracker_cause_incidents" not in found
