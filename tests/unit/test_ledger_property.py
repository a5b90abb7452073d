"""Any delivery order of the same operations gives the same tables and the same conflicts (hypothesis);
new operations folded onto an action's saved state give what deriving it from all of them gives."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tracker.base.clock import Clock
from tracker.core.opening import open_database
from tracker.repo.ledger.derive import derive, resume
from tracker.repo.ledger.format import Op, make_op
from tracker.repo.ledger.hlc import Stamp
from tracker.repo.ledger.maintenance import rebuild, snapshot
from tracker.repo.ledger.replica import Replica
from tracker.storage.database import Db, copy_sqlite

ACTIONS = ["01JD0000000000000000000A01", "01JD0000000000000000000A02"]
INCIDENT = "01JD0000000000000000000N01"
CAUSES = ["01JD0000000000000000000C01", "01JD0000000000000000000C02", "01JD0000000000000000000C03"]
REPLICAS = ["aaaaaaaaaaaaaaaa", "bbbbbbbbbbbbbbbb", "cccccccccccccccc"]
WALL = "2026-11-23T10:00:00.000000+00:00"
BASE = 1_764_000_000_000


class Simulation:
    """Three replicas making operations on what each has seen, and exchanging them."""

    def __init__(self) -> None:
        self.ops: list[Op] = []
        self.seen: list[set[str]] = [set(), set(), set()]
        self.clocks = [0, 0, 0]
        self.by_id: dict[str, Op] = {}
        self.numbered = 0
        base = [("create", "cause", c, {"slug": f"cause-{n}", "title": f"Cause {n}"}) for n, c in enumerate(CAUSES)]
        base += [("create", "incident", INCIDENT, {"title": "Outage", "status": "investigating", "kind": "incident",
                                                   "severity": "SEV2", "started_at": WALL})]
        base += [("create", "action", a, {"title": f"Action {n}", "status": "open", "kind": "prevent",
                                          "priority": "P2", "due": "2026-12-01", "incident": INCIDENT})
                 for n, a in enumerate(ACTIONS)]
        for kind, type_, entity, value in base:
            self.make(0, kind, type_, entity, value=value)
        for number, entity in enumerate([INCIDENT, *ACTIONS], start=1):
            self.make(0, "assign_key", "incident" if entity == INCIDENT else "action", entity, value=number)
        for view in self.seen[1:]:
            view |= self.seen[0]

    def make(self, who: int, kind: str, type_: str, entity: str, **fields: Any) -> Op:
        known = [Stamp.parse(self.by_id[i].clock).ms - BASE for i in self.seen[who]]
        ms = max([self.clocks[who], *known]) + 1
        self.clocks[who] = ms
        op = make_op(kind, type_, entity, clock=Stamp(BASE + ms, 0), replica=REPLICAS[who],
                     actor=f"r{who}", wall=WALL, **fields)
        self.ops.append(op)
        self.by_id[op.id] = op
        self.seen[who].add(op.id)
        return op

    def view(self, who: int, aggregate: str, type_: str) -> Any:
        return derive(aggregate, type_, [self.by_id[i] for i in self.seen[who] if self.by_id[i].aggregate == aggregate])

    def step(self, who: int, move: str, pick: int, value: str) -> None:
        action = ACTIONS[pick % 2]
        if move == "set":
            field = ("owner", "title", "status")[pick % 3]
            statuses = ("open", "done", "in_progress")
            value = {"owner": value, "title": f"Title {value}", "status": statuses[pick % 3]}[field]
            self.make(who, "set", "action", action, field=field, value=value,
                      prev=self.view(who, action, "action").heads(field))
        elif move == "link":
            self.make(who, "link", "incident", INCIDENT, field="components", value=f"Core / {value}")
        elif move == "unlink":
            members = self.view(who, INCIDENT, "incident").members("components")
            if members:
                name = sorted(members)[pick % len(members)]
                self.make(who, "unlink", "incident", INCIDENT, field="components", value=name,
                          prev=members[name]["links"])
        elif move == "cause":
            self.make(who, "link", "incident", INCIDENT, field="causes",
                      value={"cause": CAUSES[pick % 3], "role": ("root", "trigger")[pick % 2], "note": value})
        elif move == "root":
            self.make(who, "set", "action", action, field="root_cause", value=CAUSES[pick % 3],
                      prev=self.view(who, action, "action").heads("root_cause"))
        elif move == "merge":
            source, target = CAUSES[pick % 3], CAUSES[(pick + 1 + len(value) % 2) % 3]
            self.make(who, "merge_into", "cause", source, value=target)
        elif move == "delete" and pick % 4 == 0:
            self.make(who, "tombstone", "action", action)
        elif move == "comment":
            self.make(who, "comment", "action", action, note=f"note {value}")
        elif move == "sync":
            other = (who + 1 + pick % 2) % 3
            merged = self.seen[who] | self.seen[other]
            self.seen[who], self.seen[other] = set(merged), set(merged)


STEPS = st.lists(st.tuples(st.integers(0, 2), st.sampled_from(
    ["set", "set", "link", "unlink", "cause", "root", "merge", "delete", "comment", "sync", "sync"]),
    st.integers(0, 11), st.sampled_from(["ana", "bob", "cara"])), min_size=1, max_size=25)


def simulate(steps: list[tuple[int, str, int, str]]) -> list[Op]:
    sim = Simulation()
    for step in steps:
        sim.step(*step)
    return sim.ops


@settings(max_examples=300, deadline=None)
@given(STEPS, st.randoms(use_true_random=False))
def test_derived_states_do_not_depend_on_order(steps: list[tuple[int, str, int, str]], rnd: Any) -> None:
    ops = simulate(steps)
    shuffled = ops[:]
    rnd.shuffle(shuffled)
    aggregates = [(INCIDENT, "incident"), *((a, "action") for a in ACTIONS), *((c, "cause") for c in CAUSES)]
    for aggregate, type_ in aggregates:
        left = derive(aggregate, type_, [o for o in ops if o.aggregate == aggregate])
        right = derive(aggregate, type_, [o for o in shuffled if o.aggregate == aggregate])
        assert left.shadow() == right.shadow()
        assert [(c.field, c.winner, c.heads) for c in left.conflicts()] == \
            [(c.field, c.winner, c.heads) for c in right.conflicts()]


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("replica") / "tracker"
    folder.mkdir()
    (folder.parent / "objects").mkdir()
    path = folder / "ledger.db"
    with open_database(str(path), create="empty") as db, db.write():
        Replica.create_tables(db)
    return path


def replica_copy(template: Path, where: Path) -> Path:
    """A copy of the template replica in ``where``, inside a folder that looks like a git folder."""
    path = where / "tracker" / "ledger.db"
    path.parent.mkdir(parents=True)
    (where / "objects").mkdir()
    shutil.copyfile(template, path)
    return path


def deliveries(template: Path, where: Path, ops: list[Op], rnd: Any) -> Iterator[dict[str, Any]]:
    """The snapshot after delivering ``ops`` in a random order, then in clock order (so edits fold onto saved
    states), each in random batches and each followed by a rebuild."""
    for attempt in range(2):
        path = replica_copy(template, where / f"copy{attempt}")
        order = ops[:]
        if attempt == 0:
            rnd.shuffle(order)
        else:
            order.sort(key=lambda op: op.order)
        with Db.connect_sqlite(path) as db:
            replica = Replica.attach(db, clock=Clock(), actor="tester")
            while order:
                size = rnd.randint(1, 4)
                with db.write():
                    replica.take(order[:size], published=True)
                order = order[size:]
            yield snapshot(db)
            rebuild(db)
            yield snapshot(db)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(STEPS, st.randoms(use_true_random=False))
def test_any_delivery_order_gives_the_same_tables_and_conflicts(
        template: Path, tmp_path_factory: pytest.TempPathFactory, steps: list[tuple[int, str, int, str]],
        rnd: Any) -> None:
    ops = simulate(steps)
    shots = list(deliveries(template, tmp_path_factory.mktemp("deliver"), ops, rnd))
    assert all(shot == shots[0] for shot in shots[1:])


@settings(max_examples=200, deadline=None)
@given(STEPS)
def test_edits_folded_onto_a_saved_state_equal_a_derive_from_all_operations(
        steps: list[tuple[int, str, int, str]]) -> None:
    ops = sorted(simulate(steps), key=lambda op: op.order)
    for action, cut in ((a, c) for a in ACTIONS for c in range(len(ops))):
        mine = [op for op in ops if op.aggregate == action]
        before = derive(action, "action", mine[:cut])
        point = before.resume_point()
        if point is None or cut >= len(mine):
            continue
        saved = json.loads(json.dumps({**before.shadow(), "resume": point}))  # as the entity map keeps it
        folded = resume(action, saved, mine[cut:])
        if folded is None:
            continue
        full = derive(action, "action", mine)
        assert folded.shadow() == full.shadow()
        assert (folded.values, folded.status_wall, folded.updated, folded.created_at, folded.key) == \
            (full.values, full.status_wall, full.updated, full.created_at, full.key)
        assert folded.history == [line for line in full.history if line.order[0] > before.last]
        assert folded.resume_point() == full.resume_point()


def test_plain_edits_fold_and_anything_else_is_derived_again() -> None:
    sim = Simulation()
    action = ACTIONS[0]
    base = [op for op in sim.ops if op.aggregate == action]
    state = derive(action, "action", base)
    saved = json.loads(json.dumps({**state.shadow(), "resume": state.resume_point()}))
    owner = sim.make(0, "set", "action", action, field="owner", value="ana", prev=state.heads("owner"))
    note = sim.make(0, "comment", "action", action, note="checked with the vendor")
    folded = resume(action, saved, [note, owner])
    assert folded is not None and folded.values["owner"] == "ana"
    assert [line.field for line in folded.history] == ["owner", "note"]
    # Not after everything folded, not a plain edit, or a conflict: derived again from all operations.
    assert resume(action, saved, [base[-1]]) is None
    cause = sim.make(0, "set", "action", action, field="root_cause", value=CAUSES[0], prev=state.heads("root_cause"))
    assert resume(action, saved, [cause]) is None
    assert resume(action, saved, [sim.make(0, "tombstone", "action", action)]) is None
    apart = sim.make(1, "set", "action", action, field="title", value="Made apart", prev=[])  # cites no title
    assert resume(action, saved, [apart]) is None


def _edit(sim: Simulation, kind: str, *, field: str | None = None, value: Any = None, wall: str = WALL,
          note: str = "", after: int = 1, entity: str = ACTIONS[0], type_: str = "action") -> Op:
    """An operation of replica 0, ``after`` ms past everything made so far, with its own wall time."""
    prev = sim.view(0, entity, type_).heads(field) if field else ()
    sim.clocks[0] = max(sim.clocks) + after
    op = make_op(kind, type_, entity, clock=Stamp(BASE + sim.clocks[0], 0), replica=REPLICAS[0], field=field,
                 value=value, prev=prev, actor="r0", wall=wall, note=note)
    sim.ops.append(op)
    sim.by_id[op.id] = op
    sim.seen[0].add(op.id)
    return op


def test_edits_applied_in_order_fold_onto_saved_states_and_equal_a_rebuild(template: Path, tmp_path: Path) -> None:
    path = replica_copy(template, tmp_path / "replica")
    sim = Simulation()
    # Wall times are display data from other replicas: here their text order and time order disagree
    # (09:00 at +02:00 is 07:00 UTC, before the comment's 08:30 UTC, which stays the last change).
    batches: list[tuple[list[Op], int]] = [
        (list(sim.ops), 0),
        ([_edit(sim, "comment", note="asked the vendor", wall="2026-11-24T08:30:00.000000+00:00")], 1),
        ([_edit(sim, "set", field="owner", value="ana", wall="2026-11-24T09:00:00.000000+02:00")], 1),
        ([_edit(sim, "set", field="status", value="done", wall="2026-11-25T10:00:00.000000+00:00"),
          _edit(sim, "comment", note="closed after the drill")], 1),
        ([_edit(sim, "set", field="root_cause", value=CAUSES[0])], 0),  # a cause: derived again
    ]
    merge = _edit(sim, "merge_into", value=CAUSES[1], entity=CAUSES[0], type_="cause", after=100)
    sim.clocks[0] -= 50  # an edit made before that merge, delivered after it: its line goes before the merge's
    batches += [([merge], 0), ([_edit(sim, "set", field="owner", value="bob")], 0),
                ([_edit(sim, "comment", note="after the merge", after=100)], 1)]
    with Db.connect_sqlite(path) as db:
        replica = Replica.attach(db, clock=Clock(), actor="tester")
        for number, (ops, folded) in enumerate(batches):
            with db.write():
                replica.take(ops, published=True)
            assert replica.resumed == folded, f"batch {number}"
            copy = tmp_path / f"rebuilt{number}" / "tracker" / "ledger.db"
            copy.parent.mkdir(parents=True)
            copy_sqlite(path, copy)
            with Db.connect_sqlite(copy) as fresh:
                rebuild(fresh)
                assert snapshot(db) == snapshot(fresh), f"batch {number}"
        row = db.row("SELECT owner, status, updated_at, completed_at FROM action WHERE id = 2")
        assert row is not None and row[:2] == ("bob", "done")
        assert db.scalar("SELECT COUNT(*) FROM action_event WHERE action_id = 2 AND field = 'root_cause'") == 2


@pytest.mark.parametrize("state", ['{"live": true, "resume": {"last": 7}}', "not json", '["a list"]',
                                   '{"live": true, "fields": {}, "key": 2, "resume": {"last": ["a", "b"]}}'])
def test_a_saved_state_not_as_this_tracker_keeps_it_is_derived_again(template: Path, tmp_path: Path,
                                                                     state: str) -> None:
    path = replica_copy(template, tmp_path / "replica")
    sim = Simulation()
    with Db.connect_sqlite(path) as db:
        replica = Replica.attach(db, clock=Clock(), actor="tester")
        with db.write():
            replica.take(list(sim.ops), published=True)
            db.execute("UPDATE ledger_entity SET state = :s WHERE uid = :u", {"s": state, "u": ACTIONS[0]})
        with db.write():
            replica.take([_edit(sim, "set", field="owner", value="ana")], published=True)
        assert replica.resumed == 0
        assert db.scalar("SELECT owner FROM action WHERE id = 2") == "ana"
        shot = snapshot(db)
        rebuild(db)
        assert snapshot(db) == shot
