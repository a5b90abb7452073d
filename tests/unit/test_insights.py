"""Insights on hand-computed data: SLO boundaries, percentiles, weekly overdue, recurrence, did-not-prevent."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from tests.conftest import TODAY
from tracker.base.errors import InputError
from tracker.core.actions.changes import insert_action
from tracker.core.incidents.changes import insert_incident
from tracker.core.insights import build_insights, nearest_rank, window_bounds
from tracker.core.insights.render import render_markdown, render_text
from tracker.storage.database import Db

pytestmark = [pytest.mark.both_backends, pytest.mark.date_sensitive]

# TODAY is Monday 2026-11-23 (2026-W48); a 12-week window runs from Monday 2026-09-07 (W37) to today.


def at(day: str, clock: str = "12:00") -> datetime:
    return datetime.fromisoformat(f"{day}T{clock}:00+00:00").astimezone(UTC)


def cause(db: Db, slug: str) -> int:
    with db.write():
        return db.insert("INSERT INTO root_cause (slug, title, category, description) VALUES (:s, :t, '', '')"
                         " RETURNING id", {"s": slug, "t": f"Cause {slug}"})


def incident(db: Db, started: datetime, links: dict[str, str] | None = None, kind: str = "incident") -> int:
    with db.write():
        new_id = insert_incident(db, {"title": f"Outage {started:%m-%d}", "kind": kind, "severity": "SEV2",
                                      "status": "resolved", "started_at": started, "created_at": started})
        for slug, role in (links or {}).items():
            db.execute("INSERT INTO incident_root_cause (incident_id, root_cause_id, role, note)"
                       " SELECT :i, id, :r, '' FROM root_cause WHERE slug = :s", {"i": new_id, "s": slug, "r": role})
    return new_id


def action(db: Db, created: datetime, *, priority: str = "P1", status: str = "open", completed: datetime | None = None,
           due: date | None = None, kind: str = "repair", cause_id: int | None = None, title: str = "Fix") -> str:
    with db.write():
        new_id = insert_action(db, {"title": title, "kind": kind, "priority": priority, "status": status,
                                    "due_date": due or date(2027, 6, 1), "created_at": created,
                                    "completed_at": completed, "root_cause_id": cause_id})
    return f"ACT-{new_id}"


# -- the window and percentiles ---------------------------------------------------------------------


def test_window_is_whole_iso_weeks_ending_today() -> None:
    assert window_bounds(TODAY, 12) == (date(2026, 9, 7), TODAY)
    assert window_bounds(date(2026, 11, 29), 1) == (date(2026, 11, 23), date(2026, 11, 29))
    assert window_bounds(date(2027, 1, 3), 2) == (date(2026, 12, 21), date(2027, 1, 3))  # 2026 has 53 weeks
    for bad in (0, -1, 105):
        with pytest.raises(InputError, match=f"bad number of weeks {bad}: give 1 to 104"):
            window_bounds(TODAY, bad)


def test_nearest_rank_percentiles() -> None:
    five = [(1, 1), (2, 1), (3, 1), (4, 1), (10, 1)]
    assert nearest_rank(five, 0.5) == 3 and nearest_rank(five, 0.9) == 10
    assert nearest_rank([(28, 1), (0, 1), (40, 1), (29, 1)], 0.5) == 28
    assert nearest_rank([(7, 10)], 0.9) == 7 and nearest_rank([], 0.5) is None
    assert nearest_rank([(1, 9), (50, 1)], 0.9) == 1  # 9 of 10 closed within a day


# -- SLOs ---------------------------------------------------------------------------------------


@pytest.fixture
def slo_db(empty_db: Db) -> dict[str, str]:
    """P1 target 28 days, P2 56, P3 90 (the defaults); each action named by the rule it tests."""
    db = empty_db
    return {
        # closed exactly on its deadline day (28 days after the created day, late in the evening): in SLO
        "on_deadline": action(db, at("2026-10-01", "08:00"), status="done", completed=at("2026-10-29", "23:00")),
        # closed just after midnight the day after: late
        "day_after": action(db, at("2026-10-01", "08:00"), status="done", completed=at("2026-10-30", "00:30")),
        # open, deadline today: not breaching yet
        "due_today": action(db, at("2026-10-26")),
        # open, deadline yesterday: breaching
        "past": action(db, at("2026-10-25")),
        # created before the window, still open (blocked): breaching, not opened in the window
        "old_open": action(db, at("2026-01-01"), status="blocked"),
        # created before the window, closed in it after 40 days: late, not opened in the window
        "old_late": action(db, at("2026-08-01"), status="done", completed=at("2026-09-10")),
        # closed before the window: nowhere
        "gone": action(db, at("2026-08-01"), status="done", completed=at("2026-09-06", "23:59")),
        # won't do counts as closed (a decision in time): in SLO
        "dropped": action(db, at("2026-11-23", "09:00"), priority="P2", status="wont_do",
                          completed=at("2026-11-23", "10:00")),
        # created at the window's first moment, deadline 2026-11-02, open: opened and breaching
        "first": action(db, at("2026-09-07", "00:00"), priority="P2", status="in_progress"),
        # created a minute before the window, deadline 2026-12-05: neither opened nor breaching
        "before": action(db, at("2026-09-06", "23:59"), priority="P3", status="proposed"),
    }


def test_slo_rows_count_each_boundary(empty_db: Db, slo_db: dict[str, str]) -> None:
    insights = build_insights(empty_db, today=TODAY)
    rows = {row.priority: row.to_json() for row in insights.slo}
    assert rows["P1"] == {"priority": "P1", "target_days": 28, "opened": 4, "closed_in_slo": 1, "closed_late": 2,
                          "open_breaching": 2, "breach_rate": 0.8}
    assert rows["P2"] == {"priority": "P2", "target_days": 56, "opened": 2, "closed_in_slo": 1, "closed_late": 0,
                          "open_breaching": 1, "breach_rate": 0.5}
    assert rows["P3"] == {"priority": "P3", "target_days": 90, "opened": 0, "closed_in_slo": 0, "closed_late": 0,
                          "open_breaching": 0, "breach_rate": None}
    assert [row.priority for row in insights.slo] == ["P1", "P2", "P3"]


def test_configured_targets_move_the_deadlines(empty_db: Db, slo_db: dict[str, str]) -> None:
    p1 = build_insights(empty_db, today=TODAY, targets={"P1": 29}).slo[0]
    # 29 days: "day_after" is now in SLO, "past" reaches its deadline today; "old_late" (40 days) stays late.
    assert (p1.target_days, p1.closed_in_slo, p1.closed_late, p1.open_breaching) == (29, 2, 1, 1)


def test_time_to_close_in_whole_days(empty_db: Db, slo_db: dict[str, str]) -> None:
    close = build_insights(empty_db, today=TODAY).time_to_close.to_json()
    # closed in the window: 28, 29 and 40 days (P1), 0 days (P2): sorted 0, 28, 29, 40
    assert close == {"p50_days": 28, "p90_days": 40, "by_priority": {
        "P1": {"p50_days": 29, "p90_days": 40, "closed": 3},
        "P2": {"p50_days": 0, "p90_days": 0, "closed": 1},
        "P3": {"p50_days": None, "p90_days": None, "closed": 0}}}


def test_a_shorter_window_leaves_older_closures_out(empty_db: Db, slo_db: dict[str, str]) -> None:
    insights = build_insights(empty_db, today=TODAY, weeks=1)  # Monday 2026-11-23 only
    assert insights.start == insights.end == TODAY
    p1, p2 = insights.slo[0], insights.slo[1]
    assert (p1.opened, p1.closed_in_slo, p1.closed_late, p1.open_breaching) == (0, 0, 0, 2)
    assert (p2.opened, p2.closed_in_slo, p2.open_breaching) == (1, 1, 1)
    assert insights.time_to_close.overall.closed == 1 and len(insights.weekly) == 1


# -- weekly -------------------------------------------------------------------------------------


def test_weekly_opened_closed_and_overdue_at_each_weeks_end(empty_db: Db) -> None:
    db = empty_db
    # Three weeks: W46 (Nov 9-15), W47 (Nov 16-22), W48 (Nov 23, today).
    action(db, at("2026-11-01"), due=date(2026, 11, 10))  # overdue from Nov 11 on: 1, 1, 1
    action(db, at("2026-11-10"), due=date(2026, 11, 12), status="done", completed=at("2026-11-18"))  # 1, 0, 0
    action(db, at("2026-11-16"), due=date(2026, 11, 16), status="done", completed=at("2026-11-22", "23:59"))  # 0s
    action(db, at("2026-11-02"), due=date(2026, 11, 22))  # due on W47's Sunday: overdue from Nov 23: 0, 0, 1
    action(db, at("2026-11-23", "08:00"), due=date(2026, 11, 20))  # created today, already past due: 0, 0, 1
    action(db, at("2026-10-01"), due=date(2026, 10, 5), status="done", completed=at("2026-11-05"))  # before: 0s
    action(db, at("2026-10-01"), due=date(2026, 10, 10), status="wont_do", completed=at("2026-11-23", "10:00"))  # 1,1,0
    weekly = [w.to_json() for w in build_insights(db, today=TODAY, weeks=3).weekly]
    assert weekly == [
        {"week": "2026-W46", "opened": 1, "closed": 0, "overdue_at_end": 3},
        {"week": "2026-W47", "opened": 1, "closed": 2, "overdue_at_end": 2},
        {"week": "2026-W48", "opened": 1, "closed": 1, "overdue_at_end": 3},
    ]


def test_weekly_rows_name_their_days(empty_db: Db) -> None:
    weekly = build_insights(empty_db, today=date(2026, 11, 25), weeks=2).weekly
    assert [(w.week, w.start, w.end) for w in weekly] == [
        ("2026-W47", date(2026, 11, 16), date(2026, 11, 22)), ("2026-W48", date(2026, 11, 23), date(2026, 11, 25))]
    assert all((w.opened, w.closed, w.overdue_at_end) == (0, 0, 0) for w in weekly)


# -- recurrence and the effectiveness check -----------------------------------------------------------


@pytest.fixture
def recurring(empty_db: Db) -> dict[str, Any]:
    db = empty_db
    ids = {slug: cause(db, slug) for slug in ("dns", "disk", "cert", "queue", "lb")}
    made = {
        "i1": incident(db, at("2026-03-01"), {"dns": "root"}),
        "i2": incident(db, at("2026-10-05"), {"dns": "trigger"}),  # recurs: dns struck on i1
        "i3": incident(db, at("2026-10-12"), {"disk": "root"}),  # disk's first time
        "i4": incident(db, at("2026-11-02"), {"disk": "contributing", "cert": "root"}),  # contributing: no
        "i5": incident(db, at("2026-11-16", "14:00"), {"disk": "root"}),  # recurs: disk struck on i3
        "i6": incident(db, at("2026-11-20"), {"dns": "root"}, kind="maintenance"),  # planned: not counted
        "i7": incident(db, at("2026-11-20", "10:00"), {"queue": "root"}),  # same start as i8, lower number
        "i8": incident(db, at("2026-11-20", "10:00"), {"queue": "root"}),  # recurs: i7 is earlier
        "i9": incident(db, at("2026-11-22"), {"cert": "contributing"}),
        "i10": incident(db, at("2026-06-01"), {"lb": "root"}),
        "i11": incident(db, at("2026-11-21"), {"lb": "root"}),  # recurs, and lb has no prevent action
    }
    made["dns_done"] = action(db, at("2026-03-02"), kind="prevent", status="done", completed=at("2026-03-10"),
                              cause_id=ids["dns"], title="Pin the resolver")
    action(db, at("2026-03-02"), kind="prevent", status="wont_do", completed=at("2026-03-05"), cause_id=ids["dns"])
    action(db, at("2026-03-02"), kind="mitigate", cause_id=ids["dns"])  # open, but not a prevent action
    action(db, at("2026-10-06"), kind="prevent", cause_id=ids["dns"])  # made after i2: the answer to it
    made["disk_done"] = action(db, at("2026-10-13"), kind="prevent", status="done",
                               completed=at("2026-11-16", "08:00"), cause_id=ids["disk"], title="Alert at 80%")
    action(db, at("2026-11-01"), kind="prevent", status="done", completed=at("2026-11-01"), cause_id=ids["queue"])
    action(db, at("2026-11-01"), kind="prevent", status="in_progress", cause_id=ids["queue"])  # still open
    return made


def test_recurrence_rate_and_causes(empty_db: Db, recurring: dict[str, Any]) -> None:
    data = build_insights(empty_db, today=TODAY).to_json()
    # In the window: i2, i3, i4, i5, i7, i8, i9, i11 (i6 is maintenance); recurring: i2, i5, i8, i11.
    assert data["window"] == {"start": "2026-09-07", "end": "2026-11-23", "weeks": 12, "incidents": 8,
                              "recurring_incidents": 4}
    assert data["recurrence"] == {"rate": 0.5, "causes": [
        {"slug": "lb", "incidents": 2, "last_seen": "2026-11-21T12:00:00+00:00", "prevent_done_before_recurrence": 0},
        {"slug": "queue", "incidents": 2, "last_seen": "2026-11-20T10:00:00+00:00",
         "prevent_done_before_recurrence": 1},
        # disk's prevent action was done on the morning of its recurrence: not before it
        {"slug": "disk", "incidents": 2, "last_seen": "2026-11-16T14:00:00+00:00",
         "prevent_done_before_recurrence": 0},
        {"slug": "dns", "incidents": 2, "last_seen": "2026-10-05T12:00:00+00:00", "prevent_done_before_recurrence": 1},
    ]}


def test_prevent_actions_that_did_not_prevent(empty_db: Db, recurring: dict[str, Any]) -> None:
    data = build_insights(empty_db, today=TODAY).to_json()
    # dns: its one prevent action in force (the won't-do one is dropped, the later one answers i2) was done
    # months before i2. disk closed its action on i5's day (does not count), queue still has one open, lb has none.
    assert data["did_not_prevent"] == [{
        "slug": "dns",
        "incident": {"id": f"INC-{recurring['i2']}", "title": "Outage 10-05",
                     "started_at": "2026-10-05T12:00:00+00:00"},
        "actions": [{"id": recurring["dns_done"], "title": "Pin the resolver",
                     "completed_at": "2026-03-10T12:00:00+00:00"}],
    }]


def test_a_prevent_action_done_the_day_before_counts(empty_db: Db, recurring: dict[str, Any]) -> None:
    with empty_db.write():
        empty_db.execute("UPDATE action SET completed_at = :at WHERE id = :id",
                         {"at": at("2026-11-15", "23:59"), "id": int(recurring["disk_done"][4:])})
    data = build_insights(empty_db, today=TODAY).to_json()
    assert [(item["slug"], item["incident"]["id"]) for item in data["did_not_prevent"]] == [
        ("dns", f"INC-{recurring['i2']}"), ("disk", f"INC-{recurring['i5']}")]
    disk = next(c for c in data["recurrence"]["causes"] if c["slug"] == "disk")
    assert disk["prevent_done_before_recurrence"] == 1


def test_no_incident_in_the_window_gives_no_rate(empty_db: Db) -> None:
    data = build_insights(empty_db, today=TODAY).to_json()
    assert data["recurrence"] == {"rate": None, "causes": []} and data["did_not_prevent"] == []
    assert data["time_to_close"]["p50_days"] is None and len(data["weekly"]) == 12


def test_json_keys_are_the_documented_ones(db: Db) -> None:
    data = build_insights(db, today=TODAY).to_json()
    assert list(data) == ["window", "targets", "slo", "time_to_close", "recurrence", "did_not_prevent", "weekly"]
    assert list(data["slo"][0]) == ["priority", "target_days", "opened", "closed_in_slo", "closed_late",
                                    "open_breaching", "breach_rate"]
    assert list(data["time_to_close"]) == ["p50_days", "p90_days", "by_priority"]
    assert list(data["recurrence"]) == ["rate", "causes"]
    assert list(data["weekly"][0]) == ["week", "opened", "closed", "overdue_at_end"]
    assert data["targets"] == {"P1": 28, "P2": 56, "P3": 90}


def test_text_and_markdown_state_the_check_plainly(empty_db: Db, recurring: dict[str, Any]) -> None:
    insights = build_insights(empty_db, today=TODAY)
    text = render_text(insights)
    assert "Recurrence: 4 of 8 incidents (50%) had a root or trigger cause that struck before" in text
    assert "Prevent actions did not prevent: 1" in text
    assert (f"dns came back in INC-{recurring['i2']} (2026-10-05: Outage 10-05) after all its prevent actions"
            " were done:") in text
    assert f"{recurring['dns_done']} done 2026-03-10: Pin the resolver" in text
    md = render_markdown(insights)
    assert "## Prevent actions did not prevent" in md and f"- dns came back in INC-{recurring['i2']}" in md
    assert "| priority | target | opened | closed in SLO | closed late | open past SLO | breach rate |" in md


def test_a_prevent_action_opened_on_the_incidents_day_answers_it(empty_db: Db, recurring: dict[str, Any]) -> None:
    dns = int(empty_db.scalar("SELECT id FROM root_cause WHERE slug = 'dns'"))
    # Opened that morning, hours before i2 started: counted by day, it answers i2 rather than predates it.
    action(empty_db, at("2026-10-05", "08:00"), kind="prevent", cause_id=dns)
    assert [item["slug"] for item in build_insights(empty_db, today=TODAY).to_json()["did_not_prevent"]] == ["dns"]
    # One opened the day before and still open: not every prevent action was done, so no verdict.
    action(empty_db, at("2026-10-04", "23:00"), kind="prevent", cause_id=dns)
    assert build_insights(empty_db, today=TODAY).to_json()["did_not_prevent"] == []
