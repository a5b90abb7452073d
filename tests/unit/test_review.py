"""The weekly review: ISO weeks, each section's rule on purpose-built data, limits, the demo catalog, rendering."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import TODAY
from tracker.base.enums import ActionKind, ActionStatus, Priority
from tracker.base.errors import InputError
from tracker.core.actions import ActionChanges, ActionRow, add_action, update_action
from tracker.core.review import (
    SECTIONS,
    Review,
    build_review,
    current_week,
    parse_week,
    reference_day,
)
from tracker.core.review.render import render_markdown, render_text, report_document, sparkline
from tracker.core.runbooks.index import RunbookRow
from tracker.storage.database import Db

DUE_DAYS = {"P1": 15, "P2": 30, "P3": 60}

pytestmark = [pytest.mark.both_backends, pytest.mark.date_sensitive]


# -- building blocks ----------------------------------------------------------------------------


def at(day: date, hour: int = 12, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


def cause(db: Db, slug: str) -> None:
    with db.write():
        db.execute("INSERT INTO root_cause (slug, title, category, description) VALUES (:s, :t, 'c', '')",
                   {"s": slug, "t": f"Cause {slug}"})


def incident(db: Db, started: datetime, *causes: str, title: str = "Outage") -> str:
    with db.write():
        new_id = db.insert(
            "INSERT INTO incident (title, company, kind, severity, status, started_at, summary, impact,"
            " customer_action, source, postmortem, created_at, updated_at) VALUES (:title, '', 'incident', 'SEV2',"
            " 'resolved', :started, '', '', '', '', '', :started, :started) RETURNING id",
            {"title": title, "started": started},
        )
        for slug in causes:
            db.execute("INSERT INTO incident_root_cause (incident_id, root_cause_id, role, note)"
                       " SELECT :i, id, 'root', '' FROM root_cause WHERE slug = :s", {"i": new_id, "s": slug})
    return f"INC-{new_id}"


def action(db: Db, title: str = "Fix it", *, touched: datetime | None = None, **kw: Any) -> ActionRow:
    """An action (on INC-1 unless told), its created/updated stamps set to ``touched`` (default: TODAY)."""
    if "incident" not in kw and "root_cause" not in kw:
        kw["incident"] = "INC-1"
    kw.setdefault("owner", "ana")
    row = add_action(db, title=title, actor="t@example.com", today=TODAY, slo_days=DUE_DAYS, **kw)
    stamp(db, row.id, created_at=touched or at(TODAY, 8), updated_at=touched or at(TODAY, 8))
    return row


def stamp(db: Db, action_id: int, **columns: datetime | None) -> None:
    """Set timestamps directly: the services stamp the real clock, the tests need chosen days."""
    with db.write():
        for column, value in columns.items():
            db.execute(f"UPDATE action SET {column} = :v WHERE id = :id", {"v": value, "id": action_id})


def close(db: Db, row: ActionRow, status: ActionStatus, when: datetime, note: str = "") -> None:
    update_action(db, row.id, ActionChanges(status=status), actor="t@example.com", note=note)
    stamp(db, row.id, completed_at=when, updated_at=when)


def review(db: Db, week: str | None = "2026-W48", today: date = TODAY, limit: int = 50,
           runbooks: list[RunbookRow] | None = None) -> Review:
    return build_review(db, week=week, today=today, stale_days=14, runbooks=runbooks or [], limit=limit)


def ids(items: list[Any]) -> list[str]:
    return [item.action.key for item in items]


def grouped(groups: list[Any]) -> dict[str | None, list[str]]:
    return {g.owner: ids(g.actions) for g in groups}


@pytest.fixture
def base(empty_db: Db) -> Db:
    """An empty database with one root cause and one incident (INC-1) to hang actions on."""
    cause(empty_db, "flaky-dns")
    incident(empty_db, at(date(2026, 1, 5)), "flaky-dns")
    return empty_db


# -- weeks ----------------------------------------------------------------------------------------


def test_iso_weeks_around_new_year() -> None:
    assert parse_week("2026-W53") == (2026, 53, date(2026, 12, 28), date(2027, 1, 3))
    assert parse_week("2027-W01")[2:] == (date(2027, 1, 4), date(2027, 1, 10))
    assert parse_week("2026-W48")[2:] == (date(2026, 11, 23), date(2026, 11, 29))
    assert current_week(date(2027, 1, 3)) == "2026-W53"
    assert current_week(date(2027, 1, 4)) == "2027-W01"
    assert current_week(TODAY) == "2026-W48"


@pytest.mark.parametrize(("text", "says"), [
    ("2026-W54", "2026 has ISO weeks 01 to 53"),
    ("2025-W53", "2025 has ISO weeks 01 to 52"),
    ("2026-W00", "2026 has ISO weeks 01 to 53"),
    ("2026-53", "use YYYY-Www"),
    ("W12", "use YYYY-Www"),
    ("", "use YYYY-Www"),
])
def test_bad_weeks_are_named(text: str, says: str) -> None:
    with pytest.raises(InputError) as info:
        parse_week(text)
    assert repr(text) in str(info.value) and says in str(info.value)


def test_reference_day_is_today_inside_sunday_before_monday_after() -> None:
    assert reference_day("2026-W48", date(2026, 11, 25)) == date(2026, 11, 25)
    assert reference_day("2026-W47", TODAY) == date(2026, 11, 22)
    assert reference_day("2026-W49", TODAY) == date(2026, 11, 30)


# -- due dates ------------------------------------------------------------------------------------


def test_due_today_and_in_seven_days_are_due_soon_overdue_by_one_day_is_overdue(base: Db) -> None:
    late = action(base, "late", due=TODAY - timedelta(days=1))
    today = action(base, "today", due=TODAY, owner="bo")
    seven = action(base, "seven", due=TODAY + timedelta(days=7))
    action(base, "eight", due=TODAY + timedelta(days=8))
    done = action(base, "closed late", due=TODAY - timedelta(days=3))
    close(base, done, ActionStatus.DONE, at(TODAY - timedelta(days=20)))
    r = review(base)
    assert grouped(r.sections["overdue"]) == {"ana": [late.key]}
    assert r.sections["overdue"][0].actions[0].extra == {"days_overdue": 1}
    assert grouped(r.sections["due_soon"]) == {"ana": [seven.key], "bo": [today.key]}
    assert [i.extra["days_left"] for g in r.sections["due_soon"] for i in g.actions] == [7, 0]
    assert r.counts["overdue"] == 1 and r.counts["due_soon"] == 2


def test_overdue_is_grouped_by_owner_with_true_totals_unowned_last(base: Db) -> None:
    for owner, days in (("zed", 30), (None, 20), ("ana", 10), ("ana", 5)):
        action(base, f"late {days}", owner=owner, due=TODAY - timedelta(days=days))
    r = review(base, limit=3)
    groups = r.sections["overdue"]
    assert [(g.owner, g.total, len(g.actions)) for g in groups] == [("ana", 2, 1), ("zed", 1, 1), (None, 1, 1)]
    assert r.counts["overdue"] == 4


def test_a_past_week_measures_from_its_sunday(base: Db) -> None:
    sunday = date(2026, 11, 22)
    row = action(base, due=sunday)
    r = review(base, week="2026-W47")
    assert r.reference_day == sunday and r.counts["overdue"] == 0
    assert ids(r.sections["due_soon"][0].actions) == [row.key]


# -- no owner, triage, blocked, stale -------------------------------------------------------------


def test_unowned_proposed_and_blocked_with_the_note_that_blocked_them(base: Db) -> None:
    nobody = action(base, "nobody", owner=None)
    proposed = action(base, "proposed", status=ActionStatus.PROPOSED, touched=at(TODAY - timedelta(days=9)))
    blocked = action(base, "blocked")
    update_action(base, blocked.id, ActionChanges(status=ActionStatus.BLOCKED), actor="a", note="waiting on the vendor")
    update_action(base, blocked.id, ActionChanges(priority=Priority.P1), actor="a", note="raised in standup")
    closed_unowned = action(base, "closed", owner=None)
    close(base, closed_unowned, ActionStatus.WONT_DO, at(TODAY), note="no")
    r = review(base)
    assert ids(r.sections["unowned"]) == [nobody.key]
    assert ids(r.sections["proposed"]) == [proposed.key]
    assert r.sections["proposed"][0].extra["days_waiting"] == 9
    assert ids(r.sections["blocked"]) == [blocked.key]
    assert r.sections["blocked"][0].extra["note"] == "waiting on the vendor"


def test_blocked_from_the_start_keeps_its_creation_note(base: Db) -> None:
    row = action(base, status=ActionStatus.BLOCKED, note="needs budget")
    assert review(base).sections["blocked"][0].to_json()["note"] == "needs budget"
    assert row.status == "blocked"


def test_stale_is_open_or_in_progress_unchanged_for_14_days_exactly(base: Db) -> None:
    fourteen = action(base, "14 days", touched=at(TODAY - timedelta(days=14), 23, 59))
    action(base, "13 days", touched=at(TODAY - timedelta(days=13), 0, 1))
    working = action(base, "in progress", status=ActionStatus.IN_PROGRESS, touched=at(TODAY - timedelta(days=40)))
    action(base, "proposed", status=ActionStatus.PROPOSED, touched=at(TODAY - timedelta(days=40)))
    action(base, "blocked", status=ActionStatus.BLOCKED, note="x", touched=at(TODAY - timedelta(days=40)))
    r = review(base)
    assert ids(r.sections["stale"]) == [working.key, fourteen.key]
    assert [i.extra["days_since_change"] for i in r.sections["stale"]] == [40, 14]
    assert r.counts["stale"] == 2


# -- the week's closures and incidents --------------------------------------------------------------


def test_done_and_wont_do_this_week(base: Db) -> None:
    done = action(base, "done")
    close(base, done, ActionStatus.DONE, at(TODAY, 10))
    dropped = action(base, "dropped")
    close(base, dropped, ActionStatus.WONT_DO, at(date(2026, 11, 29), 23, 59), note="superseded by ACT-9")
    earlier = action(base, "last week")
    close(base, earlier, ActionStatus.DONE, at(date(2026, 11, 22), 23, 59))
    r = review(base)
    assert ids(r.sections["done_this_week"]) == [done.key]
    assert ids(r.sections["wont_do_this_week"]) == [dropped.key]
    assert r.sections["wont_do_this_week"][0].extra["note"] == "superseded by ACT-9"
    assert (r.counts["done_this_week"], r.counts["wont_do_this_week"]) == (1, 1)


def test_new_year_week_2026_w53_holds_sunday_january_3(base: Db) -> None:
    row = action(base)
    close(base, row, ActionStatus.DONE, at(date(2027, 1, 3), 23, 30))
    key = incident(base, at(date(2027, 1, 3), 22), title="New Year outage")
    today = date(2027, 1, 5)
    w53 = review(base, week="2026-W53", today=today)
    w01 = review(base, week="2027-W01", today=today)
    assert (w53.start, w53.end, w53.reference_day) == (date(2026, 12, 28), date(2027, 1, 3), date(2027, 1, 3))
    assert ids(w53.sections["done_this_week"]) == [row.key] and w01.sections["done_this_week"] == []
    assert [i.id for i in w53.sections["new_incidents"]] == [key] and w01.sections["new_incidents"] == []
    assert w01.trend[-1].week == "2027-W01" and w01.trend[-2].week == "2026-W53" and w01.trend[-2].closed == 1


def test_new_incidents_this_week_with_their_action_count(base: Db) -> None:
    fresh = incident(base, at(date(2026, 11, 24), 3), title="Fresh")
    action(base, incident=fresh)
    action(base, incident=fresh, root_cause="flaky-dns")
    incident(base, at(date(2026, 11, 22), 23), title="Last week")
    r = review(base)
    assert [(i.id, i.title, i.actions) for i in r.sections["new_incidents"]] == [(fresh, "Fresh", 2)]
    assert r.counts["new_incidents"] == 1


# -- coverage and recurrence ------------------------------------------------------------------------


def test_coverage_gaps(base: Db) -> None:
    for slug in ("prevented", "done-prevent", "dropped-prevent", "detect-only", "in-runbook", "action-runbook"):
        cause(base, slug)
    action(base, root_cause="prevented", kind=ActionKind.PREVENT)
    close(base, action(base, root_cause="done-prevent"), ActionStatus.DONE, at(TODAY))
    close(base, action(base, root_cause="dropped-prevent"), ActionStatus.WONT_DO, at(TODAY), note="no")
    action(base, root_cause="detect-only", kind=ActionKind.DETECT)
    action(base, root_cause="action-runbook", kind=ActionKind.DETECT, runbook_path="runbooks/x.md")
    bare = incident(base, at(date(2026, 11, 1)), title="Nobody acted")
    books = [
        RunbookRow("runbooks/a.md", "A", "sre", (), ("in-runbook",), date(2026, 1, 1), 30, None, None, None,
                   ("review overdue since 2026-01-31",)),
        RunbookRow("runbooks/b.md", "B", "sre", (), ("flaky-dns",), TODAY, 30, None, None, None, ()),
    ]
    r = review(base, runbooks=books)
    assert [c.slug for c in r.sections["causes_without_prevent"]] == [
        "flaky-dns", "action-runbook", "detect-only", "dropped-prevent", "in-runbook"]
    assert r.sections["causes_without_prevent"][0].incident_count == 1
    assert [i.id for i in r.sections["incidents_without_actions"]] == [bare, "INC-1"]  # newest first
    assert sorted(c.slug for c in r.sections["causes_without_runbook"]) == [
        "detect-only", "done-prevent", "dropped-prevent", "prevented"]
    assert [(b.path, b.reasons) for b in r.sections["stale_runbooks"]] == [
        ("runbooks/a.md", ["review overdue since 2026-01-31"])]
    assert r.counts["stale_runbooks"] == 1 and r.counts["causes_without_prevent"] == 5


def test_recurrence_flags_done_actions_that_did_not_stop_it(base: Db) -> None:
    cause(base, "bad-deploy")
    cause(base, "once")
    first = incident(base, at(date(2026, 3, 1)), "bad-deploy", "once")
    second = incident(base, at(date(2026, 10, 1)), "bad-deploy")
    before = action(base, "canary deploys", root_cause="bad-deploy")
    close(base, before, ActionStatus.DONE, at(date(2026, 5, 1)))
    after = action(base, "block deploys on Fridays", root_cause="bad-deploy")
    close(base, after, ActionStatus.DONE, at(date(2026, 10, 15)))
    action(base, "still open", root_cause="bad-deploy")
    r = review(base)
    (found,) = r.sections["recurrence"]
    assert (found.slug, found.incident_count, [i.id for i in found.incidents]) == ("bad-deploy", 2, [first, second])
    assert [(d.action.key, d.extra["happened_again"]) for d in found.done] == [(before.key, True), (after.key, False)]
    assert found.happened_again and found.last_seen == at(date(2026, 10, 1))
    data = r.to_json()["recurrence"][0]
    assert data["incidents"][1]["started_at"] == "2026-10-01T12:00:00+00:00"
    assert {k: data["done"][0][k] for k in ("id", "title", "status", "completed_at", "happened_again")} == {
        "id": before.key, "title": "canary deploys", "status": "done", "completed_at": "2026-05-01T12:00:00+00:00",
        "happened_again": True}
    assert "canary deploys (before the latest incident)" in render_markdown(r)
    assert "done, and it happened again" in render_text(r)


# -- load, trend, decisions -------------------------------------------------------------------------


@pytest.mark.parametrize("closed_extra", [0, 12], ids=["mostly-open", "mostly-closed"])
def test_load_per_owner(base: Db, closed_extra: int) -> None:
    """Both ways of counting (all minus closed when most are open, or the open ones) agree."""
    action(base, owner="ana", due=TODAY - timedelta(days=2))
    action(base, owner="ana", due=TODAY + timedelta(days=2))
    action(base, owner="bo", due=TODAY - timedelta(days=1))
    action(base, owner=None, due=TODAY + timedelta(days=30))
    close(base, action(base, owner="ana", due=TODAY - timedelta(days=9)), ActionStatus.DONE, at(TODAY))
    close(base, action(base, owner="cy"), ActionStatus.DONE, at(TODAY))
    for _ in range(closed_extra):
        close(base, action(base, owner="bo", due=TODAY - timedelta(days=5)), ActionStatus.DONE, at(TODAY))
    r = review(base)
    assert [tuple(row) for row in r.sections["load"]] == [("ana", 2, 1), ("bo", 1, 1), (None, 1, 0)]
    assert r.counts["load"] == 3 and r.counts["unowned"] == 1


def test_trend_counts_opened_and_closed_per_week_for_12_weeks(base: Db) -> None:
    monday = date(2026, 11, 23)
    for weeks_ago, opened in ((0, 2), (3, 1), (11, 1), (12, 5)):
        for _ in range(opened):
            action(base, touched=at(monday - timedelta(weeks=weeks_ago, days=-2)))
    row = action(base, touched=at(monday - timedelta(weeks=1)))
    close(base, row, ActionStatus.WONT_DO, at(monday - timedelta(days=1), 23, 59), note="x")
    r = review(base)
    assert [t.week for t in r.trend] == [f"2026-W{n}" for n in range(37, 49)]
    assert r.trend[0].start == date(2026, 9, 7)
    assert [t.opened for t in r.trend] == [1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 2]
    assert [t.closed for t in r.trend] == [0] * 10 + [1, 0]


def test_decisions_are_the_events_noted_for_the_week_whenever_taken(base: Db) -> None:
    row = action(base, "to decide")
    other = action(base, "other")
    lead = "lead@example.com"
    update_action(base, row.id, ActionChanges(owner="bo"), actor=lead, note="Review 2026-W48: bo takes it")
    update_action(base, other.id, ActionChanges(priority=Priority.P1), actor=lead, note="Review 2026-W47: late")
    update_action(base, other.id, ActionChanges(priority=Priority.P3), actor=lead, note="review 2026-W48: case")
    update_action(base, other.id, ActionChanges(owner="cy"), actor=lead, note="Review 2026-W48: next week")
    with base.write():
        base.execute("UPDATE action_event SET at = :at", {"at": at(TODAY, 15)})
        base.execute("UPDATE action_event SET at = :at WHERE note = 'Review 2026-W48: next week'",
                     {"at": at(date(2026, 11, 30), 9)})
    r = review(base)
    # A decision noted for W48 belongs to W48 even when taken on a later day (Monday of W49 here).
    assert [(d.action, d.field, d.old, d.new, d.actor, d.note) for d in r.sections["decisions"]] == [
        (row.key, "owner", "ana", "bo", "lead@example.com", "Review 2026-W48: bo takes it"),
        (other.key, "owner", "ana", "cy", "lead@example.com", "Review 2026-W48: next week")]
    assert r.decided == [row.key, other.key] and r.counts["decisions"] == 2
    assert review(base, week="2026-W49").counts["decisions"] == 0
    assert [d.note for d in review(base, week="2026-W47").sections["decisions"]] == ["Review 2026-W47: late"]


def test_the_limit_caps_lists_and_counts_stay_true(base: Db) -> None:
    for n in range(5):
        action(base, f"late {n}", owner=None, due=TODAY - timedelta(days=n + 1), touched=at(TODAY - timedelta(60)))
        action(base, f"soon {n}", status=ActionStatus.PROPOSED, due=TODAY + timedelta(days=n))
    for n in range(4):
        incident(base, at(TODAY + timedelta(days=1), n), title=f"new {n}")
    r = review(base, limit=2)
    assert sum(len(g.actions) for g in r.sections["overdue"]) == 2 and r.counts["overdue"] == 5
    assert sum(len(g.actions) for g in r.sections["due_soon"]) == 2 and r.counts["due_soon"] == 5
    assert sum(g.total for g in r.sections["due_soon"]) == 5
    for key, total in (("unowned", 5), ("proposed", 5), ("stale", 5), ("new_incidents", 4),
                       ("incidents_without_actions", 4)):
        assert len(r.sections[key]) == 2 and r.counts[key] == total, key


def test_the_same_review_with_the_suggested_indexes(base: Db) -> None:
    """With indexes that serve its queries the review plans differently and answers the same."""
    for n in range(6):
        row = action(base, f"a{n}", owner=["ana", "bo", None][n % 3], due=TODAY + timedelta(days=n * 3 - 8),
                     touched=at(TODAY - timedelta(days=n * 5)), runbook_path="runbooks/x.md" if n == 2 else None,
                     root_cause="flaky-dns")
        if n % 2:
            close(base, row, [ActionStatus.DONE, ActionStatus.WONT_DO][n % 4 // 2], at(TODAY - timedelta(n)),
                  note="why")
    before = review(base).to_json()
    with base.write():
        for columns in ("owner, status, due_date", "status, updated_at", "status, completed_at", "created_at",
                        "runbook_path"):
            base.execute(f"CREATE INDEX ix_test_{columns.replace(', ', '_')} ON action ({columns})")
    after = review(base).to_json()
    before.pop("generated_at"), after.pop("generated_at")
    assert after == before


# -- the demo catalog, JSON and the report ----------------------------------------------------------


def test_demo_flags_missing_prevent_and_a_recurring_cause(db: Db) -> None:
    r = build_review(db, week=None, today=TODAY, stale_days=14, runbooks=None)
    assert r.week == "2026-W48"
    assert "hosting-provider-outage" in [c.slug for c in r.sections["causes_without_prevent"]]
    recurring = {c.slug: c for c in r.sections["recurrence"]}
    assert recurring["message-queue-change"].incident_count == 2
    assert len(recurring["message-queue-change"].incidents) == 2


def test_json_keys_are_stable(db: Db) -> None:
    data = build_review(db, week="2026-W48", today=TODAY, stale_days=14, runbooks=None).to_json()
    assert list(data) == ["week", "start", "end", "reference_day", "generated_at", "counts", "overdue", "due_soon",
                          "unowned", "proposed", "blocked", "stale", "done_this_week", "wont_do_this_week",
                          "new_incidents", "coverage", "recurrence", "load", "trend", "decisions"]
    assert list(data["coverage"]) == ["causes_without_prevent", "incidents_without_actions",
                                      "causes_without_runbook", "stale_runbooks"]
    assert list(data["counts"]) == list(SECTIONS)
    item = data["overdue"][0]["actions"][0]
    assert list(item)[:10] == ["id", "title", "kind", "owner", "priority", "status", "due", "incident",
                               "root_cause", "version"] and "days_overdue" in item
    assert set(data["load"][0]) == {"owner", "open", "overdue"}
    assert set(data["trend"][0]) == {"week", "start", "opened", "closed"}
    assert data["start"] == "2026-11-23" and data["generated_at"].endswith("+00:00")


def test_report_front_matter_round_trips(db: Db) -> None:
    r = build_review(db, week="2026-W48", today=TODAY, stale_days=14, runbooks=None)
    text = report_document(r)
    assert text.startswith("+++\n")
    front = tomllib.loads(text.split("+++\n")[1])
    assert front["week"] == "2026-W48" and front["counts"] == r.to_json()["counts"]
    assert front["generated_at"] == r.generated_at and front["generated_at"].tzinfo is not None
    assert "# Weekly action review 2026-W48" in text and "| ACT-" in text


def test_renderers_escape_user_text_and_draw_the_trend(base: Db) -> None:
    action(base, "pipes | and <b>tags</b> [bold]", due=TODAY - timedelta(days=1))
    r = review(base)
    md = render_markdown(r)
    assert "pipes \\| and &lt;b>tags&lt;/b> \\[bold\\]" in md
    text = render_text(r)
    assert "pipes | and <b>tags</b> [bold]" in text and "\x1b" not in text
    assert sparkline([0, 1, 2, 4, 8]) == "▁▂▃▅█" and sparkline([0, 0]) == "▁▁"
    assert any(block in text for block in "▁▂▃▄▅▆▇█") and "opened" in md


def test_review_modules_import_no_ui_and_no_git() -> None:
    code = ("import sys, tracker.core.review, tracker.core.review.render\n"
            "print(' '.join(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich', 'git')))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                          cwd=Path(__file__).resolve().parents[2])
    assert done.stdout.strip() == ""
