"""``next_actions``: each part of the score on hand-computed actions, the order, filters, and the explanation."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from tests.conftest import TODAY
from tracker.core.actions import ActionFilter, next_actions
from tracker.core.actions.changes import insert_action
from tracker.core.incidents.changes import insert_incident
from tracker.storage.database import Db

pytestmark = [pytest.mark.both_backends, pytest.mark.date_sensitive]


def at(day: str) -> datetime:
    return datetime.fromisoformat(f"{day}T12:00:00+00:00").astimezone(UTC)


def cause(db: Db, slug: str, roles: list[str]) -> int:
    """A cause with one incident per role (a month apart)."""
    with db.write():
        cause_id = db.insert("INSERT INTO root_cause (slug, title, category, description)"
                             " VALUES (:s, :s, '', '') RETURNING id", {"s": slug})
        for n, role in enumerate(roles):
            started = at(f"2026-0{n + 1}-15")
            incident_id = insert_incident(db, {"title": f"{slug} {n}", "severity": "SEV2", "status": "resolved",
                                               "started_at": started, "created_at": started})
            db.execute("INSERT INTO incident_root_cause (incident_id, root_cause_id, role, note)"
                       " VALUES (:i, :c, :r, '')", {"i": incident_id, "c": cause_id, "r": role})
    return cause_id


def action(db: Db, title: str, created: str, *, priority: str, status: str = "open", cause_id: int | None = None,
           due: date = date(2026, 12, 7), owner: str | None = "ana") -> None:
    with db.write():
        insert_action(db, {"title": title, "kind": "prevent", "priority": priority, "status": status, "due_date": due,
                           "created_at": at(created), "root_cause_id": cause_id, "owner": owner,
                           "completed_at": at(created) if status in ("done", "wont_do") else None})


@pytest.fixture
def scored(empty_db: Db) -> Db:
    db = empty_db
    dns = cause(db, "dns", ["root", "trigger", "root"])  # came back twice
    disk = cause(db, "disk", ["root"] * 5)  # four times: capped at +30
    cdn = cause(db, "cdn", ["root", "contributing"])  # a contributing link is no recurrence
    # TODAY is 2026-11-23. Points: priority + slo (40 x elapsed / target, max 60) + recurrence + state + age.
    action(db, "A", "2026-11-09", priority="P1")  # 30 + 20 (14 of 28 days) + 0 + 0 + 1 = 51
    action(db, "B", "2026-09-28", priority="P2", status="blocked", cause_id=dns)  # 20 + 40 + 20 - 15 + 4 = 69
    action(db, "C", "2026-11-23", priority="P3", status="proposed")  # 10 + 0 + 0 - 10 + 0 = 0
    action(db, "D", "2026-08-25", priority="P1", status="in_progress", cause_id=disk)  # 30 + 60 + 30 + 0 + 6 = 126
    action(db, "E", "2026-01-01", priority="P1", status="done", cause_id=disk)  # closed: never next
    action(db, "F", "2026-10-26", priority="P2", cause_id=cdn, owner="bo")  # 20 + 20 + 0 + 0 + 2 = 42
    action(db, "G", "2026-05-27", priority="P3")  # 10 + 60 (80 capped) + 0 + 0 + 10 (12 capped) = 80
    action(db, "H", "2026-11-09", priority="P1", due=date(2026, 12, 1))  # as A, due earlier: ranked first
    return db


def test_scores_and_order(scored: Db) -> None:
    found = next_actions(scored, ActionFilter(), today=TODAY, limit=20)
    assert [(s.action.title, s.score) for s in found] == [
        ("D", 126), ("G", 80), ("B", 69), ("H", 51), ("A", 51), ("F", 42), ("C", 0)]
    for item in found:
        assert sum(part.points for part in item.why) == item.score
        assert [part.factor for part in item.why] == ["priority", "slo", "recurrence", "state", "age"]


def test_every_part_says_why(scored: Db) -> None:
    found = {s.action.title: s for s in next_actions(scored, ActionFilter(), today=TODAY, limit=20)}
    assert [tuple(p) for p in found["B"].why] == [
        ("priority", 20, "P2"),
        ("slo", 40, "last day of its 56-day SLO"),
        ("recurrence", 20, "its cause dns came back 2 times"),
        ("state", -15, "blocked: it waits on something else"),
        ("age", 4, "opened 56 days ago"),
    ]
    assert found["D"].why[1].reason == "62 days past its 28-day SLO" and found["D"].why[2].points == 30
    assert found["A"].why[1].reason == "14 days left of its 28-day SLO"
    assert found["A"].why[2].reason == "no root cause"
    assert found["F"].why[2] == ("recurrence", 0, "its cause cdn has not come back")
    assert found["C"].why[3].reason == "proposed: it needs triage first"
    data = found["B"].to_json(TODAY)
    assert data["id"].startswith("ACT-") and data["score"] == 69
    assert data["why"][2] == {"factor": "recurrence", "points": 20, "reason": "its cause dns came back 2 times"}


def test_filters_limit_offset_and_targets(scored: Db) -> None:
    assert [s.action.title for s in next_actions(scored, ActionFilter(owner="bo"), today=TODAY)] == ["F"]
    assert [s.action.title for s in next_actions(scored, ActionFilter(), today=TODAY, limit=2)] == ["D", "G"]
    assert [s.action.title for s in next_actions(scored, ActionFilter(), today=TODAY, limit=2, offset=2)] == ["B", "H"]
    assert next_actions(scored, ActionFilter(statuses=("done",)), today=TODAY) == []
    blocked = next_actions(scored, ActionFilter(statuses=("blocked", "done")), today=TODAY)
    assert [s.action.title for s in blocked] == ["B"]
    # A 14-day P1 target: A and H reach their SLO's last day (+40 instead of +20).
    faster = {s.action.title: s.score for s in next_actions(scored, ActionFilter(), today=TODAY, limit=20,
                                                            targets={"P1": 14})}
    assert faster["A"] == faster["H"] == 71


def test_another_day_moves_the_slo_part(scored: Db) -> None:
    later = {s.action.title: s for s in next_actions(scored, ActionFilter(), today=date(2026, 12, 7), limit=20)}
    # 28 days after A was created: its SLO's last day, +40; and two weeks older.
    assert later["A"].score == 30 + 40 + 0 + 0 + 2
    assert later["C"].why[1] == ("slo", 6, "76 days left of its 90-day SLO")
