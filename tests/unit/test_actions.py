"""Actions: creation, validated updates, history, stale-write refusal, filters and orders."""

from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest

from tests.conftest import TODAY
from tracker.base.enums import ActionKind, ActionStatus, Priority
from tracker.base.errors import InputError, NotFoundError, StaleWriteError
from tracker.core.actions import (
    ActionChanges,
    ActionFilter,
    action_history,
    add_action,
    count_actions,
    get_action,
    iter_actions,
    update_action,
)
from tracker.core.slo import DEFAULT_SLO_DAYS
from tracker.storage.database import Db

SLO_DAYS = DEFAULT_SLO_DAYS

pytestmark = [pytest.mark.both_backends, pytest.mark.date_sensitive]


def new(db: Db, title: str = "Add a failover drill", **kw) -> object:
    kw.setdefault("incident", "INC-1")
    return add_action(db, title=title, actor="ana@example.com", today=TODAY, slo_days=SLO_DAYS, **kw)


@pytest.mark.parametrize(("priority", "days"), [(Priority.P1, 28), (Priority.P2, 56), (Priority.P3, 90)])
def test_default_due_date_is_the_last_day_of_the_priority_slo(db: Db, priority: Priority, days: int) -> None:
    action = new(db, priority=priority)
    assert action.due == TODAY + timedelta(days=days)


def test_configured_slo_days_are_used(db: Db) -> None:
    action = add_action(
        db, title="x", actor="a", today=TODAY, slo_days={"P1": 3, "P2": 4, "P3": 5}, root_cause="stale-config",
        priority=Priority.P1,
    )
    assert action.due == TODAY + timedelta(days=3)
    assert action.incident is None and action.root_cause == "stale-config"


def test_add_records_a_created_event_with_the_actor(db: Db) -> None:
    action = new(db, owner="infra-oncall", kind=ActionKind.DETECT)
    history = action_history(db, action.id)
    assert [(e.field, e.actor, e.new_value) for e in history] == [("created", "ana@example.com", action.title)]
    assert action.version == 1 and action.status == "open"


def test_update_writes_one_event_per_changed_field(db: Db) -> None:
    action = new(db, owner="infra-oncall")
    updated = update_action(
        db, action.id, ActionChanges(status=ActionStatus.IN_PROGRESS, owner="db-team", priority=Priority.P2),
        actor="bo@example.com", expected_version=1, note="picked up in triage",
    )
    assert updated.version == 2
    events = action_history(db, action.id)[1:]
    assert {(e.field, e.old_value, e.new_value) for e in events} == {
        ("status", "open", "in_progress"),
        ("owner", "infra-oncall", "db-team"),
    }  # priority was already P2: no event for a non-change
    assert {e.note for e in events} == {"picked up in triage"}
    assert {e.actor for e in events} == {"bo@example.com"}


def test_done_sets_completed_and_reopening_clears_it(db: Db) -> None:
    action = new(db)
    done = update_action(db, action.id, ActionChanges(status=ActionStatus.DONE), actor="a")
    assert done.completed_at is not None
    reopened = update_action(db, action.id, ActionChanges(status=ActionStatus.OPEN), actor="a")
    assert reopened.completed_at is None


@pytest.mark.parametrize("status", [ActionStatus.BLOCKED, ActionStatus.WONT_DO])
def test_blocked_and_wont_do_need_a_note(db: Db, status: ActionStatus) -> None:
    action = new(db)
    with pytest.raises(InputError, match="needs a note"):
        update_action(db, action.id, ActionChanges(status=status), actor="a")
    assert get_action(db, action.id).version == 1
    assert update_action(db, action.id, ActionChanges(status=status), actor="a", note="vendor").status == status.value


def test_stale_write_is_refused_and_leaves_no_trace(db: Db) -> None:
    action = new(db)
    update_action(db, action.id, ActionChanges(owner="sre-team"), actor="first", expected_version=1)
    with pytest.raises(StaleWriteError, match="changed by someone else"):
        update_action(db, action.id, ActionChanges(owner="db-team"), actor="second", expected_version=1)
    stored = get_action(db, action.id)
    assert stored.owner == "sre-team" and stored.version == 2
    assert [e.actor for e in action_history(db, action.id)] == ["ana@example.com", "first"]


def test_two_threads_from_the_same_version_one_wins(db_path) -> None:
    with Db.connect_sqlite(db_path) as setup:
        action = new(setup)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def worker(owner: str) -> None:
        with Db.connect_sqlite(db_path) as conn:
            barrier.wait()
            try:
                update_action(conn, action.id, ActionChanges(owner=owner), actor=owner, expected_version=1)
                outcomes.append("ok")
            except StaleWriteError:
                outcomes.append("stale")

    threads = [threading.Thread(target=worker, args=(o,)) for o in ("sre-team", "db-team")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["ok", "stale"]
    with Db.connect_sqlite(db_path) as check:
        assert len([e for e in action_history(check, action.id) if e.field == "owner"]) == 1


def test_nothing_to_change_is_an_error(db: Db) -> None:
    action = new(db, owner="sre-team")
    with pytest.raises(InputError, match="nothing to change"):
        update_action(db, action.id, ActionChanges(owner="sre-team"), actor="a")


def test_note_only_update_is_recorded(db: Db) -> None:
    action = new(db)
    after = update_action(db, action.id, ActionChanges(), actor="a", note="vendor replied")
    assert after.version == 2
    assert action_history(db, action.id)[-1].field == "note"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"title": "   "}, "title is empty"),
        ({"title": "x" * 201}, "too long"),
        ({"title": "a\tb"}, "control character"),
        ({"owner": "--force"}, "bad owner"),
        ({"incident": "INC-999"}, "no incident INC-999"),
        ({"incident": "INC-x"}, "bad key 'INC-x'"),
        ({"root_cause": "no-such-cause"}, "no root cause"),
        ({"description": "nul\x00byte"}, "control character"),
    ],
)
def test_bad_updates_change_nothing(db: Db, changes: dict, message: str) -> None:
    action = new(db)
    with pytest.raises((InputError, NotFoundError), match=message):
        update_action(db, action.id, ActionChanges(**changes), actor="a")
    assert get_action(db, action.id) == action
    assert len(action_history(db, action.id)) == 1


def test_a_bad_kind_is_an_input_error_naming_it_and_changes_nothing(db: Db) -> None:
    action = new(db)
    with pytest.raises(InputError, match="unknown kind 'bogus'"):
        update_action(db, action.id, ActionChanges(kind="bogus"), actor="a")
    assert get_action(db, action.id) == action
    assert len(action_history(db, action.id)) == 1


def test_changes_take_enum_values_once_and_leave_unset_fields_alone(db: Db) -> None:
    changes = ActionChanges(status="In-Progress", priority="p1", owner=None)  # strings, as an untyped caller gives them
    assert changes.status is ActionStatus.IN_PROGRESS and changes.priority is Priority.P1
    assert changes.given() == {"status": ActionStatus.IN_PROGRESS, "priority": Priority.P1, "owner": None}
    action = new(db, owner="sre-team")
    updated = update_action(db, action.id, changes, actor="a")
    assert (updated.status, updated.priority, updated.owner) == (ActionStatus.IN_PROGRESS, Priority.P1, None)
    assert (updated.title, updated.kind, updated.due) == (action.title, action.kind, action.due)


@pytest.mark.parametrize(("link", "message"), [
    ("../../etc/passwd", "'..' is not allowed"),
    ("runbooks/../../etc/passwd", "'..' is not allowed"),
    ("/etc/passwd", "absolute"),
    ("C:/Windows/win.ini", "absolute"),
    ("runbooks\\widget.md", "'/' between folders"),
    ("widget.md", "must be inside runbooks/"),
    ("docs/widget.md", "must be inside runbooks/"),
    ("runbooks", "must be inside runbooks/"),
    ("runbooks/", "an empty part"),
    ("runbooks//widget.md", "an empty part"),
    ("runbooks/./widget.md", "'.' is not allowed"),
    ("runbooks/--output=x.md", "starting with '-'"),
    ("runbooks/wid\x1bget.md", "control character"),
    ("runbooks/wid\nget.md", "control character"),
])
@pytest.mark.parametrize("how", ["update", "add"])
def test_a_runbook_link_is_a_relative_path_inside_the_runbooks_folder(db: Db, link: str, message: str,
                                                                       how: str) -> None:
    action = new(db)
    with pytest.raises(InputError, match=message):
        if how == "update":
            update_action(db, action.id, ActionChanges(runbook=link), actor="a")
        else:
            new(db, runbook_path=link)
    assert get_action(db, action.id) == action
    assert db.scalar("SELECT COUNT(*) FROM action WHERE runbook_path IS NOT NULL") == 0


def test_a_runbook_link_inside_the_configured_folder_is_kept_as_given(db: Db) -> None:
    action = new(db, runbook_path="runbooks/db/failover.md")
    assert action.runbook_path == "runbooks/db/failover.md"
    updated = update_action(db, action.id, ActionChanges(runbook="  docs/rb/widget.md "), actor="a",
                             runbooks_dir="./docs/rb/")
    assert updated.runbook_path == "docs/rb/widget.md"
    with pytest.raises(InputError, match="must be inside docs/rb/"):
        update_action(db, action.id, ActionChanges(runbook="runbooks/widget.md"), actor="a", runbooks_dir="docs/rb")
    assert update_action(db, action.id, ActionChanges(runbook=""), actor="a").runbook_path is None


def test_unknown_action_is_not_found(db: Db) -> None:
    with pytest.raises(NotFoundError, match="no action ACT-999"):
        update_action(db, "ACT-999", ActionChanges(owner="x"), actor="a")


def test_hostile_text_is_stored_literally(db: Db) -> None:
    title = "[bold]x[/ 🔥 [0] {\"a\": [1]}"
    description = "line one\n\tindented [red]not markup[/red]\n" + "y" * 10_000
    action = new(db, title=title, description=description)
    stored = get_action(db, action.id)
    assert (stored.title, stored.description) == (title, description)


# -- filters and orders ---------------------------------------------------------------------


def _seed(db: Db) -> dict[str, int]:
    ids = {}
    specs = {
        "overdue": dict(due=TODAY - timedelta(days=1), owner="a-team"),
        "due-today": dict(due=TODAY, owner="a-team"),
        "due-in-7": dict(due=TODAY + timedelta(days=7), owner="b-team"),
        "due-in-8": dict(due=TODAY + timedelta(days=8)),
        "done-late": dict(due=TODAY - timedelta(days=30), status=ActionStatus.DONE, kind=ActionKind.REPAIR),
    }
    for name, spec in specs.items():
        ids[name] = new(db, title=name, **spec).id
    return ids


def _titles(db: Db, filt: ActionFilter, sort: str = "due") -> list[str]:
    return [a.title for a in iter_actions(db, filt, sort=sort) if a.title in
            {"overdue", "due-today", "due-in-7", "due-in-8", "done-late"}]


def test_overdue_is_strictly_before_today_and_open(empty_db: Db) -> None:
    db = empty_db
    db.execute("INSERT INTO incident (title, company, kind, severity, status, summary, impact, customer_action,"
               " source, postmortem, created_at, updated_at) VALUES ('t', '', 'incident', 'SEV2', 'resolved',"
               " '', '', '', '', '', '2026-01-01', '2026-01-01')")
    _seed(db)
    assert _titles(db, ActionFilter(overdue=True, today=TODAY)) == ["overdue"]
    assert _titles(db, ActionFilter(due_within_days=7, today=TODAY)) == ["due-today", "due-in-7"]


def test_filters_combine(db: Db) -> None:
    _seed(db)
    filt = ActionFilter(owner="a-team", overdue=True, today=TODAY)
    assert _titles(db, filt) == ["overdue"]
    assert count_actions(db, ActionFilter(kinds=("repair",), statuses=("done",), incident_id=1)) == 1
    assert _titles(db, ActionFilter(unowned=True, incident_id=1)) == ["done-late", "due-in-8"]
    assert count_actions(db, ActionFilter(root_cause="hosting-provider-outage")) == 0


def test_sort_orders_are_total(db: Db) -> None:
    _seed(db)
    by_due = [a.due for a in iter_actions(db, ActionFilter(), sort="due") if a.due]
    assert by_due == sorted(by_due)
    by_priority = [a.priority for a in iter_actions(db, ActionFilter(), sort="priority")]
    assert by_priority == sorted(by_priority)
    by_updated = [a.updated_at for a in iter_actions(db, ActionFilter(), sort="updated")]
    assert by_updated == sorted(by_updated, reverse=True)


def test_demo_overdue_actions(db: Db) -> None:
    overdue = list(iter_actions(db, ActionFilter(overdue=True, today=TODAY)))
    assert overdue, "the demo has slipped actions"
    assert all(a.due < TODAY and a.status not in ("done", "wont_do") for a in overdue)
    assert date(2025, 3, 31) in {a.due for a in overdue}


# -- pages and search -----------------------------------------------------------------------


@pytest.mark.parametrize("sort", ["due", "priority", "updated", "id"])
def test_keyset_pages_walk_the_whole_listing_in_order(db: Db, sort: str) -> None:
    from tracker.core.actions import SORTS, page_actions

    for i in range(37):
        new(db, title=f"bulk {i}", due=TODAY + timedelta(days=i % 5), priority=list(Priority)[i % 3])
    everything = [a.id for a in iter_actions(db, ActionFilter(), sort=sort)]
    walked: list[int] = []
    after = None
    while True:
        page = page_actions(db, ActionFilter(), sort, after=after, limit=7)
        if not page:
            break
        walked += [a.id for a in page]
        after = SORTS[sort].key(page[-1])
    assert walked == everything
    by_offset = page_actions(db, ActionFilter(), sort, offset=10, limit=5)
    assert [a.id for a in by_offset] == everything[10:15]


def test_text_search_uses_words_and_prefixes(db: Db) -> None:
    new(db, title="Rotate the [bold] TLS certificates", description="before they expire")
    assert [a.title for a in iter_actions(db, ActionFilter(text="certif"))] == ["Rotate the [bold] TLS certificates"]
    assert [a.title for a in iter_actions(db, ActionFilter(text="TLS expire"))] == [
        "Rotate the [bold] TLS certificates"
    ]
    assert count_actions(db, ActionFilter(text='"unbalanced quote AND (')) == 0
    assert count_actions(db, ActionFilter(text="   ")) == count_actions(db, ActionFilter())
    assert count_actions(db, ActionFilter(text="colocated", kinds=("detect",))) == 1


def test_due_date_cannot_be_cleared(db: Db) -> None:
    action = new(db)
    with pytest.raises(InputError, match="always has a due date"):
        update_action(db, action.id, ActionChanges(due=None), actor="a")
