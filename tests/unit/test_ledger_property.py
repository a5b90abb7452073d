"""Any delivery order of the same operations gives the same tables and the same conflicts (hypothesis)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tracker.base.clock import Clock
from tracker.core.opening import open_database
from tracker.repo.ledger.derive import derive
from tracker.repo.ledger.format import Op, make_op
from tracker.repo.ledger.hlc import Stamp
from tracker.repo.ledger.maintenance import rebuild, snapshot
from tracker.repo.ledger.replica import Replica
from tracker.storage.database import Db

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


def deliveries(template: Path, where: Path, ops: list[Op], rnd: Any) -> Iterator[dict[str, Any]]:
    """The snapshot after delivering ``ops`` in two random orders and batchings, then after a rebuild."""
    for attempt in range(2):
        path = where / f"copy{attempt}" / "tracker" / "ledger.db"
        path.parent.mkdir(parents=True, exist_ok=True)
        (path.parent.parent / "objects").mkdir(exist_ok=True)
        shutil.copyfile(template, path)
        order = ops[:]
        rnd.shuffle(order)
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
