"""The team ledger under faults: parallel syncs, kills at every step, skewed clocks, a newer format, a remote
that refuses custom refs, a rewritten ledger, a clone without the refspec."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from tests.conftest import run_process
from tests.gitfixtures import git
from tests.ledgerhelpers import SLO_DAYS, TODAY, Clone, SkewedClock, copy_team, make_clone, team_template
from tracker.config import Settings
from tracker.core.actions import ActionChanges, add_action, get_action, update_action
from tracker.core.keys import PROVISIONAL_BASE
from tracker.core.opening import open_database
from tracker.repo import gitsync
from tracker.repo.ledger.format import canonical, format_file, make_op, op_id
from tracker.repo.ledger.hlc import Stamp
from tracker.repo.ledger.replica import LedgerReadOnly, LedgerRewritten
from tracker.repo.ledger.service import conflict_rows

ROOT = Path(__file__).resolve().parents[2]


def start(remote: Path, tmp_path: Path, names: list[str], **kwargs: object) -> list[Clone]:
    source = tmp_path / "actions.db"
    if not source.exists():
        open_database(str(source), create="demo").close()
    clones = [make_clone(remote, tmp_path / name, f"{name}@example.com", **kwargs) for name in names]  # type: ignore[arg-type]
    clones[0].ledger.init(str(source))
    for other in clones[1:]:
        other.sync()
    return clones


PAIR = ("ana", "bob")


@pytest.fixture(scope="module")
def _pair_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return team_template(tmp_path_factory, PAIR)


@pytest.fixture
def pair(remote: Path, tmp_path: Path, _pair_template: Path) -> list[Clone]:
    """Ana started the ledger from the demo database and Bob joined it (a fresh copy per test)."""
    return copy_team(_pair_template, remote, tmp_path, PAIR)


def add(clone: Clone, title: str) -> str:
    db, _ = clone.open()
    with db:
        return add_action(db, title=title, actor=clone.actor, today=TODAY, slo_days=SLO_DAYS, incident="INC-1").key


def numbers(clone: Clone) -> dict[str, int]:
    return {row[1]: row[0] for row in clone.snapshot()["actions"]}


@pytest.mark.slow
def test_parallel_syncs_all_land_with_distinct_numbers(remote: Path, tmp_path: Path) -> None:
    clones = start(remote, tmp_path, [f"p{n}" for n in range(5)])
    for clone in clones:
        for n in range(2):
            add(clone, f"{clone.actor} {n}")
    procs = [run_process(["ledger", "sync"], clone.path) for clone in clones]
    outcomes = [(p.wait(timeout=300), p.stderr.read() if p.stderr else "") for p in procs]
    assert all(code == 0 for code, _ in outcomes), outcomes
    for clone in clones:
        clone.sync()
    shots = [clone.snapshot() for clone in clones]
    assert all(shot == shots[0] for shot in shots)
    made = {title: key for title, key in numbers(clones[0]).items() if "@" in title}
    assert len(made) == 10 and len(set(made.values())) == 10 and max(made.values()) < 100


@pytest.mark.slow
@pytest.mark.parametrize("step", ["lock", "fetch", "apply", "commit", "push", "move"])
def test_a_sync_killed_at_any_step_loses_nothing_and_the_next_one_finishes(pair: list[Clone], step: str) -> None:
    ana, bob = pair
    add(bob, "from bob")
    bob.sync()
    add(ana, "made before the kill")
    db, _ = ana.open()
    with db:
        update_action(db, "ACT-1", ActionChanges(owner="ana"), actor=ana.actor)
    killed = subprocess.run([sys.executable, "-m", "tests.helpers.ledger_killer", str(ana.path), step], cwd=ROOT,
                            capture_output=True, text=True, timeout=120, env=os.environ.copy())
    assert killed.returncode == -9, killed.stderr
    ana.sync()
    bob.sync()
    assert ana.snapshot() == bob.snapshot()
    made = numbers(bob)
    assert made["made before the kill"] < 100 and made["from bob"] < 100
    assert made["made before the kill"] != made["from bob"]
    db, replica = ana.open()
    with db:
        assert replica.pending() == 0 and get_action(db, "ACT-1").owner == "ana"
        assert ana.ledger.doctor(db) == []


def test_a_day_of_clock_skew_either_way_keeps_causal_order(pair: list[Clone]) -> None:
    ahead = SkewedClock(skew=timedelta(days=1))
    behind = SkewedClock(skew=timedelta(days=-1))
    ana, bob = pair
    ana.clock, bob.clock = ahead, behind
    db, _ = ana.open()
    with db:
        update_action(db, "ACT-1", ActionChanges(owner="ana"), actor=ana.actor)
    ana.sync()
    bob.sync()
    db, _ = bob.open()
    with db:  # Bob saw Ana's change: his own comes after it, whatever his clock says
        update_action(db, "ACT-1", ActionChanges(owner="bob"), actor=bob.actor)
    bob.sync()
    ana.sync()
    for clone in (ana, bob):
        db, _ = clone.open()
        with db:
            assert get_action(db, "ACT-1").owner == "bob" and not conflict_rows(db)
    # Made apart, the two writes are a conflict (listed), whichever clock is ahead.
    for clone, owner in ((ana, "ana2"), (bob, "bob2")):
        db, _ = clone.open()
        with db:
            update_action(db, "ACT-1", ActionChanges(owner=owner), actor=clone.actor)
    bob.sync()
    ana.sync()
    bob.sync()
    assert ana.snapshot() == bob.snapshot()
    db, _ = bob.open()
    with db:
        (row,) = conflict_rows(db)
        assert {v["shown"] for v in row.values} == {"ana2", "bob2"}


def _push_newer_format(clone: Clone) -> None:
    """Another tracker, from the future, adds a FORMAT 2 and an operation of a kind this one does not know."""
    tip = git(clone.path, "rev-parse", "refs/tracker/ledger").strip()
    op = make_op("reticulate", "action", "01JD0000000000000000000A01", clock=Stamp(9_000_000_000_000, 0),
                 replica="zzzzzzzzzzzzzzzz", value="splines")
    marks = clone.path / ".git" / "future.marks"
    commit = gitsync.write_commit(clone.path / ".git", parent=tip, files=[("FORMAT", format_file(2)),
                                                                        (op.path, op.raw)],
                                  message="future\n", identity=("Future", "future@example.com"),
                                  when=clone.clock.now(), scratch_ref="refs/future/build", marks=marks)
    git(clone.path, "push", "-q", "origin", f"{commit}:refs/tracker/ledger")


def test_an_older_tracker_meeting_a_newer_format_reads_but_never_writes(pair: list[Clone], remote: Path) -> None:
    ana, bob = pair
    add(bob, "pending before the upgrade")
    _push_newer_format(ana)
    report = bob.ledger.sync()
    assert report.read_only == 2 and report.pushed == 0 and report.fetched == 1
    db, replica = bob.open()
    with db:
        assert replica.pending() == 1  # kept, not pushed, not lost
        assert db.scalar("SELECT COUNT(*) FROM ledger_op WHERE kind = 'reticulate'") == 1
        with pytest.raises(LedgerReadOnly):
            update_action(db, "ACT-1", ActionChanges(owner="bob"), actor=bob.actor)
        assert get_action(db, "ACT-1").owner != "bob"
    assert git(remote, "log", "--format=%s", "-1", "refs/tracker/ledger").strip() == "future"


def test_a_remote_refusing_custom_refs_is_named_and_a_branch_setting_works(identity: None, tmp_path: Path) -> None:
    bare = tmp_path / "strict.git"
    git(tmp_path, "init", "--bare", "-q", str(bare))
    for key in ("receive.hideRefs", "uploadpack.hideRefs"):
        git(bare, "config", key, "refs/tracker")
    seed = tmp_path / "seed"
    git(tmp_path, "clone", "-q", str(bare), str(seed))
    (seed / "README").write_text("team\n")
    git(seed, "add", "README")
    git(seed, "commit", "-q", "-m", "seed")
    git(seed, "push", "-q", "origin", "main")
    ana = make_clone(bare, tmp_path / "ana", "ana@example.com")
    source = tmp_path / "actions.db"
    open_database(str(source), create="demo").close()
    with pytest.raises(gitsync.LedgerRejected, match="refs/tracker/ledger"):
        ana.ledger.init(str(source))
    assert not ana.ledger.exists()  # nothing half made
    branch = Settings(ledger_ref="refs/heads/tracker-ledger")
    ana.settings = branch
    ana.ledger.init(str(source))
    add(ana, "on a branch")
    ana.sync()
    bob = make_clone(bare, tmp_path / "bob", "bob@example.com", settings=branch)
    bob.sync()
    assert "on a branch" in numbers(bob)
    assert git(bare, "rev-parse", "--verify", "-q", "refs/heads/tracker-ledger").strip()


def test_a_force_pushed_ledger_is_detected_and_refused(pair: list[Clone], cli, monkeypatch: pytest.MonkeyPatch) -> None:
    ana, bob = pair
    add(ana, "will be lost upstream")
    ana.sync()
    bob.sync()
    add(bob, "not synced yet")
    before = bob.snapshot()
    root = git(ana.path, "rev-list", "--max-parents=0", "refs/tracker/ledger").strip()
    git(ana.path, "push", "-q", "--force", "origin", f"{root}:refs/tracker/ledger")  # someone rewrites history
    with pytest.raises(LedgerRewritten, match="rewritten"):
        bob.sync()
    monkeypatch.chdir(bob.path)
    refused = cli("sync")
    assert refused.code == 1 and refused.err.count("\n") == 1 and "rewritten (force-pushed)" in refused.err
    assert bob.snapshot() == before
    db, replica = bob.open()  # the database as it was still serves every command, nothing lost
    with db:
        assert replica.applied() == git(bob.path, "rev-parse", "refs/tracker/ledger").strip()
        assert replica.pending() > 0 and "not synced yet" in numbers(bob)


def test_hostile_files_in_the_ledger_are_kept_out_and_reported(pair: list[Clone]) -> None:
    ana, bob = pair
    db, _ = ana.open()
    with db:
        uid = db.scalar("SELECT uid FROM ledger_entity WHERE type = 'action' AND number = 1")
        heads = json.loads(db.scalar("SELECT state FROM ledger_entity WHERE uid = :u",
                                                   {"u": uid}))["fields"]["title"]["h"]
    stamp = Stamp(9_000_000_000_000, 0)
    link = make_op("set", "action", uid, clock=stamp, replica="zzzzzzzzzzzzzzzz", field="title",
                   value="\x1b]8;;https://evil.example\x07click\x1b]8;;\x07", prev=heads)  # a terminal link
    unknown = make_op("set", "action", uid, clock=Stamp(9_000_000_000_001, 0), replica="zzzzzzzzzzzzzzzz",
                      field="colour", value="red", prev=heads)
    fine = make_op("set", "action", uid, clock=Stamp(9_000_000_000_002, 0), replica="zzzzzzzzzzzzzzzz",
                   field="owner", value="mallory", prev=heads)
    escape = canonical({**json.loads(fine.raw), "actor": "\x1b[2J", "value": "eve"})  # well named, bad actor
    escape_path = fine.path.replace(fine.id, op_id(escape)).replace(f"/{fine.id[:2]}/", f"/{op_id(escape)[:2]}/")
    files = [(link.path, link.raw), (unknown.path, unknown.raw), (fine.path, fine.raw), (escape_path, escape),
             (fine.path.replace(fine.id, "f" * 32), fine.raw),
             ("ops/2255-03/00/9000000000003.000000-zzzzzzzzzzzzzzzz-" + "0" * 32 + ".json", b"x" * (2 << 20))]
    tip = git(ana.path, "rev-parse", "refs/tracker/ledger").strip()
    commit = gitsync.write_commit(ana.path / ".git", parent=tip, files=files, message="hostile\n",
                                  identity=("Mallory", "mallory@example.com"), when=ana.clock.now(),
                                  scratch_ref="refs/hostile/build", marks=ana.path / ".git" / "hostile.marks")
    git(ana.path, "push", "-q", "origin", f"{commit}:refs/tracker/ledger")
    bob.sync()
    db, _ = bob.open()
    with db:
        action = get_action(db, "ACT-1")
        assert "\x1b" not in action.title and action.owner == "mallory"  # the sound operation applied
        assert db.scalar("SELECT COUNT(*) FROM ledger_op WHERE field = 'colour'") == 1  # kept, ignored
        problems = bob.ledger.doctor(db)
    assert any("not in the database" in p for p in problems)
    add(bob, "still syncing")
    assert bob.sync().pushed == 2


def test_ledger_init_refuses_postgresql_in_one_line(cli, tmp_path: Path) -> None:
    done = cli("--db", "postgresql+psycopg://tracker@/team?host=/nowhere", "ledger", "init")
    assert done.code == 1 and done.err.count("\n") == 1
    assert "PostgreSQL" in done.err and "ledger replica" in done.err


def test_ledger_status_and_conflicts_on_the_command_line(
        pair: list[Clone], cli, monkeypatch: pytest.MonkeyPatch) -> None:
    ana, bob = pair
    for clone in (ana, bob):
        db, _ = clone.open()
        with db:
            update_action(db, "ACT-2", ActionChanges(owner=f"{clone.actor[:3]}-team"), actor=clone.actor)
    ana.sync()
    monkeypatch.chdir(bob.path)
    assert cli("ledger", "sync").code == 0
    status = json.loads(cli("ledger", "status", "--json").out)
    assert (status["pending"], status["conflicts"]) == (0, 1)
    listed = cli("ledger", "conflicts")
    assert "ACT-2 owner" in listed.out and "--pick N" in listed.out
    assert cli("ledger", "resolve", "ACT-2", "owner", "--pick", "9").code == 1
    assert cli("ledger", "resolve", "ACT-2", "owner", "--value", "both-teams").code == 0
    assert cli("ledger", "conflicts").out.strip() == "no conflicts"
    assert cli("ledger", "doctor").code == 0
    db, _ = bob.open()
    with db, db.write():  # a kept count gone wrong (an incident renumbered before its count moved with it)
        db.execute("INSERT INTO incident_tally (incident_id, n) VALUES (:id, 0)", {"id": PROVISIONAL_BASE + 7})
    doctor = cli("ledger", "doctor")
    assert doctor.code == 1 and "incident_tally: the kept counts differ from a recount" in doctor.out + doctor.err
    assert cli("ledger", "rebuild").code == 0 and cli("ledger", "doctor").code == 0


def test_settling_a_conflict_is_a_write_too_and_a_newer_format_refuses_it(pair: list[Clone]) -> None:
    from tracker.repo.ledger.service import resolve_conflict

    ana, bob = pair
    for clone in (ana, bob):
        db, _ = clone.open()
        with db:
            update_action(db, "ACT-3", ActionChanges(owner=clone.actor[:3]), actor=clone.actor)
    ana.sync()
    bob.sync()
    ana.sync()
    _push_newer_format(ana)
    bob.sync()
    db, replica = bob.open()
    with db:
        with pytest.raises(LedgerReadOnly):
            resolve_conflict(db, replica, "ACT-3", "owner", pick=1)
        assert len(conflict_rows(db)) == 1 and replica.pending() == 0
