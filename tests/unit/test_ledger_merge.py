"""How operations merge, without git or a database: registers, conflicts, sets, tombstones, redirects."""

from __future__ import annotations

from typing import Any

from tracker.repo.ledger.derive import derive
from tracker.repo.ledger.format import Op, make_op
from tracker.repo.ledger.hlc import Stamp
from tracker.repo.ledger.taxonomy import build

ACTION = "01JD00000000000000000A7T01"
INCIDENT = "01JD00000000000000000NC001"
CAUSES = [f"01JD0000000000000000CA000{n}" for n in range(1, 4)]
A, B = "aaaaaaaaaaaaaaaa", "bbbbbbbbbbbbbbbb"


def op(kind: str, type_: str, entity: str, ms: int, replica: str = A, **fields: Any) -> Op:
    fields.setdefault("wall", f"2026-11-{1 + ms % 28:02d}T10:00:00.000000+00:00")
    return make_op(kind, type_, entity, clock=Stamp(1_764_000_000_000 + ms, 0), replica=replica, **fields)


def create_action(ms: int = 0) -> Op:
    return op("create", "action", ACTION, ms, value={"title": "Add an alert", "status": "open", "kind": "prevent",
                                                     "priority": "P2", "due": "2026-12-01", "owner": None})


def create_incident(ms: int = 0) -> Op:
    return op("create", "incident", INCIDENT, ms, value={
        "title": "Disk full", "status": "investigating", "kind": "incident", "severity": "SEV2",
        "started_at": "2026-11-20T10:00:00.000000+00:00"})


def test_the_last_write_by_clock_wins_whatever_the_wall_time_says() -> None:
    made = create_action()
    first = op("set", "action", ACTION, 10, field="owner", value="ana", prev=[made.id],
               wall="2026-11-25T10:00:00.000000+00:00")
    second = op("set", "action", ACTION, 20, B, field="owner", value="bob", prev=[first.id],
                wall="2026-11-24T10:00:00.000000+00:00")  # B's clock is a day behind; it had seen A's write
    state = derive(ACTION, "action", [second, made, first])
    assert state.values["owner"] == "bob" and not state.conflicts()
    assert [(h.field, h.old, h.new) for h in state.history] == [("created", None, "Add an alert"),
                                                                ("owner", None, "ana"), ("owner", "ana", "bob")]


def test_writes_that_did_not_see_each_other_are_a_conflict_until_one_cites_both() -> None:
    made = create_action()
    ana = op("set", "action", ACTION, 10, A, field="owner", value="ana", prev=[made.id])
    bob = op("set", "action", ACTION, 11, B, field="owner", value="bob", prev=[made.id])
    state = derive(ACTION, "action", [made, bob, ana])
    (conflict,) = state.conflicts()
    assert conflict.field == "owner" and conflict.winner == bob.id and state.values["owner"] == "bob"
    assert [h["value"] for h in conflict.heads] == ["ana", "bob"]
    settle = op("set", "action", ACTION, 30, A, field="owner", value="ana", prev=[ana.id, bob.id])
    state = derive(ACTION, "action", [made, bob, ana, settle])
    assert state.values["owner"] == "ana" and not state.conflicts()
    same = op("set", "action", ACTION, 12, B, field="owner", value="ana", prev=[made.id])
    assert not derive(ACTION, "action", [made, ana, same]).conflicts()  # agreeing is no conflict


def test_a_change_from_the_same_commit_counts_once() -> None:
    made = create_action()
    closes = [op("set", "action", ACTION, 10 + n, r, field="status", value="done", prev=[made.id],
                 source="commit:1a2b3c4d5e", note="Closes: in commit 1a2b3c4d5e (fix)") for n, r in enumerate((A, B))]
    state = derive(ACTION, "action", [made, *closes])
    assert state.values["status"] == "done" and not state.conflicts()
    assert [h.field for h in state.history].count("status") == 1


def test_links_are_add_wins_and_unlinks_remove_only_what_they_saw() -> None:
    made = create_incident()
    link = op("link", "incident", INCIDENT, 10, field="components", value="Core / API")
    unlink = op("unlink", "incident", INCIDENT, 20, field="components", value="Core / API", prev=[link.id])
    relink = op("link", "incident", INCIDENT, 19, B, field="components", value="Core / API")  # concurrent
    assert set(derive(INCIDENT, "incident", [made, link, unlink]).members("components")) == set()
    assert set(derive(INCIDENT, "incident", [made, link, unlink, relink]).members("components")) == {"Core / API"}


def test_a_tombstone_is_final() -> None:
    made = create_action()
    gone = op("tombstone", "action", ACTION, 10)
    late = op("set", "action", ACTION, 20, B, field="title", value="Still here?", prev=[made.id])
    state = derive(ACTION, "action", [late, gone, made])
    assert not state.live and state.values["title"] == "Add an alert"


def test_a_status_that_goes_back_through_a_merge_is_flagged_not_dropped() -> None:
    made = create_incident()
    resolved = [op("set", "incident", INCIDENT, 10, A, field="resolved_at", value="2026-11-21T10:00:00.000000+00:00",
                   prev=[made.id]),
                op("set", "incident", INCIDENT, 11, A, field="status", value="resolved", prev=[made.id])]
    identified = op("set", "incident", INCIDENT, 12, B, field="status", value="identified", prev=[made.id])
    state = derive(INCIDENT, "incident", [made, *resolved, identified])
    assert state.values["status"] == "identified"
    assert any("went back from resolved to identified" in flag for flag in state.flags)
    assert state.conflicts()[0].field == "status"


def cause(n: int, slug: str, ms: int) -> Op:
    return op("create", "cause", CAUSES[n], ms, value={"slug": slug, "title": slug.replace("-", " ").title()})


def test_merges_are_redirects_and_loops_are_ignored() -> None:
    ops = [cause(0, "disk-full", 0), cause(1, "no-alerts", 1), cause(2, "full-disk", 2),
           op("merge_into", "cause", CAUSES[2], 10, value=CAUSES[0]),
           op("merge_into", "cause", CAUSES[0], 11, B, value=CAUSES[2])]  # the other way round, elsewhere
    states = {uid: derive(uid, "cause", [o for o in ops if o.entity == uid]) for uid in CAUSES}
    tax = build(states)
    assert tax.resolve(CAUSES[2]) == CAUSES[0] and tax.resolve(CAUSES[0]) == CAUSES[0]
    assert set(tax.live) == {CAUSES[0], CAUSES[1]} and tax.aliases == {"full-disk": CAUSES[0]}


def test_two_causes_added_with_one_slug_are_one_cause() -> None:
    ops = [cause(0, "disk-full", 5), cause(1, "disk-full", 3)]
    tax = build({uid: derive(uid, "cause", [o for o in ops if o.entity == uid]) for uid in CAUSES[:2]})
    assert set(tax.live) == {CAUSES[1]} and tax.resolve(CAUSES[0]) == CAUSES[1]
