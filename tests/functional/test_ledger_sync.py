"""The team ledger between clones of one bare remote: every order of syncing ends in the same place."""

from __future__ import annotations

import itertools
import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.gitfixtures import git
from tests.ledgerhelpers import SLO_DAYS, TODAY, Clone, copy_team, make_clone, team_template
from tracker.base.enums import ActionStatus, CauseRole, Severity
from tracker.core.actions import ActionChanges, add_action, get_action, update_action
from tracker.core.incidents.changes import IncidentChanges, add_incident, update_incident
from tracker.core.incidents.links import link_cause, unlink_cause
from tracker.core.incidents.queries import get_incident
from tracker.core.incidents.timeline import log_entry
from tracker.core.rootcauses.changes import add_cause, merge_causes
from tracker.repo import gitsync
from tracker.repo.ledger.service import conflict_rows

NAMES = ("ana", "bob", "cara")


@pytest.fixture(scope="module")
def _team_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return team_template(tmp_path_factory, NAMES)


@pytest.fixture
def team(remote: Path, tmp_path: Path, _team_template: Path) -> list[Clone]:
    """Ana started the ledger from the demo database; Bob and Cara joined it (a fresh copy per test)."""
    return copy_team(_team_template, remote, tmp_path, NAMES)


def edit(clone: Clone) -> None:
    """Each person's offline work: overlapping fields, new entities, links."""
    db, _ = clone.open()
    with db:
        who = clone.actor.split("@")[0]
        if who in ("ana", "bob"):
            update_action(db, "ACT-1", ActionChanges(owner=who), actor=clone.actor)  # both: a conflict
        add_action(db, title=f"{who}'s action", actor=clone.actor, today=TODAY, slo_days=SLO_DAYS, incident="INC-1")
        if who == "bob":
            incident = add_incident(db, title="Bob's incident", started_at=datetime(2026, 11, 22, tzinfo=UTC),
                                    actor=clone.actor, components=["Core / API"])
            log_entry(db, incident.id, "Paged", actor=clone.actor, at=datetime(2026, 11, 22, 1, tzinfo=UTC))
            add_action(db, title="Bob's follow-up", actor=clone.actor, today=TODAY, slo_days=SLO_DAYS,
                       incident=incident.key)
        if who == "cara":
            update_incident(db, "INC-1", IncidentChanges(severity=Severity.SEV1), actor=clone.actor)
            log_entry(db, "INC-1", "Cara's note", actor=clone.actor, at=datetime(2026, 11, 22, 2, tzinfo=UTC))


def converge(clones: list[Clone], order: tuple[int, ...]) -> None:
    for index in order:
        clones[index].sync()
    for clone in clones:
        clone.sync()


@pytest.mark.slow
@pytest.mark.parametrize("order", list(itertools.permutations(range(3))))
def test_three_clones_syncing_in_any_order_end_with_the_same_database(team: list[Clone],
                                                                    order: tuple[int, ...]) -> None:
    for clone in team:
        edit(clone)
    converge(team, order)
    shots = [clone.snapshot() for clone in team]
    assert shots[0] == shots[1] == shots[2]
    titles = {row[1]: row[0] for row in shots[0]["actions"]}
    keys = [titles[t] for t in ("ana's action", "bob's action", "cara's action", "Bob's follow-up")]
    assert len(set(keys)) == 4 and all(k < 1_000_000 for k in keys)  # numbered, all different
    db, _ = team[0].open()
    with db:
        (conflict,) = [r for r in conflict_rows(db) if r.kind == "conflict"]
        assert (conflict.label, conflict.field) == ("ACT-1", "owner")
        assert {v["shown"] for v in conflict.values} == {"ana", "bob"}
        assert get_incident(db, "INC-1").row.severity == "SEV1"
    for clone in team:  # numbering moved rows (Bob's incident with its action): the kept counts moved too
        kept, counted = clone.tallies_and_recount()
        assert kept == counted


def test_two_clones_creating_actions_at_once_get_distinct_numbers(team: list[Clone]) -> None:
    ana, bob, _ = team
    made = {}
    for clone in (ana, bob):
        db, _ = clone.open()
        with db:
            made[clone.actor] = add_action(db, title=f"by {clone.actor}", actor=clone.actor, today=TODAY,
                                           slo_days=SLO_DAYS, incident="INC-2").key
    assert all(key.startswith("ACT-~") for key in made.values())
    reports = [ana.sync(), bob.sync(), ana.sync()]
    numbered = reports[0].numbered + reports[1].numbered
    assert len(numbered) == 2 and len(set(numbered)) == 2
    assert reports[1].retries == 0  # Bob fetched Ana's first: no number was ever pushed twice
    for clone in (ana, bob):
        db, _ = clone.open()
        with db:
            for provisional in made.values():  # a provisional key still names its action once numbered
                assert get_action(db, provisional).key in numbered


def test_two_clones_numbering_at_the_same_moment_one_push_loses_and_numbers_again(
        team: list[Clone], monkeypatch: pytest.MonkeyPatch) -> None:
    ana, bob, _ = team
    for clone in (ana, bob):
        db, _ = clone.open()
        with db:
            add_action(db, title=f"raced by {clone.actor}", actor=clone.actor, today=TODAY, slo_days=SLO_DAYS,
                       incident="INC-2")
    real_push, built = gitsync.push_ref, []

    def push_after_ana(git_dir: Path, remote: str, commit: str, remote_ref: str) -> bool:
        if Path(git_dir).resolve() == (bob.path / ".git").resolve() and not built:
            # Bob has numbered from the same tip as Ana and built his commit; Ana's push lands first.
            built.append(git(bob.path, "ls-tree", "-r", "--name-only", commit))
            ana.sync()
        return real_push(git_dir, remote, commit, remote_ref)

    monkeypatch.setattr(gitsync, "push_ref", push_after_ana)
    report = bob.sync()
    assert report.retries == 1  # the rejected push was the compare-and-swap
    ana.sync()
    shots = [ana.snapshot(), bob.snapshot()]
    assert shots[0] == shots[1]
    keys = {row[1]: row[0] for row in shots[0]["actions"]}
    assert keys["raced by ana@example.com"] != keys["raced by bob@example.com"]
    assert keys["raced by bob@example.com"] == keys["raced by ana@example.com"] + 1  # numbered again after Ana's


def test_a_tombstoned_action_does_not_come_back(team: list[Clone]) -> None:
    ana, bob, cara = team
    db, _ = ana.open()
    with db, db.write():
        db.execute("DELETE FROM action WHERE id = 2")
    db, _ = bob.open()
    with db:
        update_action(db, "ACT-2", ActionChanges(title="Bob still works on it"), actor=bob.actor)
    converge(team, (1, 0, 2))
    for clone in team:
        db, _ = clone.open()
        with db:
            assert db.scalar("SELECT COUNT(*) FROM action WHERE id = 2") == 0


def test_a_cause_merged_on_one_clone_and_linked_on_another_ends_linked_to_the_target(team: list[Clone]) -> None:
    ana, bob, cara = team
    db, _ = ana.open()
    with db:
        add_cause(db, "disk-full", title="The disk fills up")
        add_cause(db, "no-disk-alert", title="No alert on disk use")
    converge(team, (0,))
    db, _ = ana.open()
    with db:
        merge_causes(db, "no-disk-alert", "disk-full", actor=ana.actor)
    db, _ = bob.open()
    with db:
        link_cause(db, "INC-3", "no-disk-alert", CauseRole.CONTRIBUTING, actor=bob.actor)
        add_action(db, title="Alert on disk", actor=bob.actor, today=TODAY, slo_days=SLO_DAYS,
                   root_cause="no-disk-alert")
    converge(team, (1, 0))
    shots = [clone.snapshot() for clone in team]
    assert shots[0] == shots[1] == shots[2]
    assert [3, "disk-full", "contributing", ""] in shots[0]["cause_links"]
    assert [row[12] for row in shots[0]["actions"] if row[1] == "Alert on disk"] == ["disk-full"]
    assert ["no-disk-alert", "disk-full"] in shots[0]["aliases"]
    kept, counted = bob.tallies_and_recount()
    assert kept == counted


def test_a_root_link_folded_by_a_merge_stays_root_on_every_clone(team: list[Clone]) -> None:
    """Bob links INC-3 to both causes (root, contributing) while Ana merges the root one into the other: every clone
    ends with one link, as root, the role ``merge_causes`` keeps locally."""
    ana, bob, cara = team
    db, _ = ana.open()
    with db:
        add_cause(db, "cert-expiry", title="A certificate expired")
        add_cause(db, "stale-secret", title="A secret was not rotated")
    converge(team, (0, 1, 2))
    db, _ = bob.open()
    with db:
        link_cause(db, "INC-3", "cert-expiry", CauseRole.ROOT, actor=bob.actor)
        link_cause(db, "INC-3", "stale-secret", CauseRole.CONTRIBUTING, actor=bob.actor)
    db, _ = ana.open()
    with db:
        merge_causes(db, "cert-expiry", "stale-secret", actor=ana.actor)
    converge(team, (0, 1, 2, 0))
    shots = [clone.snapshot() for clone in team]
    assert shots[0] == shots[1] == shots[2]
    assert [link for link in shots[0]["cause_links"] if link[0] == 3 and link[1] in ("cert-expiry", "stale-secret")] \
        == [[3, "stale-secret", "root", ""]]


def test_an_unlink_made_apart_from_a_link_leaves_the_link(team: list[Clone]) -> None:
    ana, bob, _ = team
    db, _ = ana.open()
    with db:
        slug = db.scalar("SELECT rc.slug FROM incident_root_cause x JOIN root_cause rc ON rc.id = x.root_cause_id"
                         " WHERE x.incident_id = 1 LIMIT 1")
        unlink_cause(db, "INC-1", slug, actor=ana.actor)
    db, _ = bob.open()
    with db:
        link_cause(db, "INC-1", slug, CauseRole.TRIGGER, actor=bob.actor, note="bob saw it trigger")
    converge(team, (0, 1))
    assert [1, slug, "trigger", "bob saw it trigger"] in ana.snapshot()["cause_links"]


def test_a_fresh_clone_installs_the_refspec_and_a_plain_fetch_then_suffices(team: list[Clone], remote: Path,
                                                                            tmp_path: Path) -> None:
    ana = team[0]
    dan = make_clone(remote, tmp_path / "dan", "dan@example.com")
    assert "refs/tracker/ledger" not in git(dan.path, "config", "--get-all", "remote.origin.fetch")
    dan.sync()
    assert "refs/tracker/ledger:refs/tracker/ledger" in git(dan.path, "config", "--get-all", "remote.origin.fetch")
    db, _ = ana.open()
    with db:
        update_action(db, "ACT-3", ActionChanges(owner="ana"), actor=ana.actor)
    ana.sync()
    git(dan.path, "fetch", "-q")  # no tracker involved: the next command applies what came
    db, _ = dan.open()
    with db:
        assert get_action(db, "ACT-3").owner == "ana"


def test_the_command_line_shares_keys_and_closes_trailers(cli, team: list[Clone], monkeypatch: pytest.MonkeyPatch,
                                                          tmp_path: Path) -> None:
    ana, bob, _ = team
    monkeypatch.chdir(ana.path)
    added = cli("actions", "add", "Rotate the keys", "--incident", "INC-1", "--json")
    provisional = json.loads(added.out)["id"]
    assert added.code == 0 and provisional.startswith("ACT-~")
    (ana.path / "runbooks").mkdir(exist_ok=True)
    (ana.path / "runbooks" / "keys.md").write_text('+++\ntitle = "Keys"\n+++\n\nRotate them.\n')
    assert cli("runbooks", "commit", "-m", "Rotate the keys", "runbooks/keys.md", "--closes", provisional).code == 0
    synced = cli("sync")
    assert synced.code == 0, synced.err
    number = re.search(r"numbered (ACT-\d+)", synced.out).group(1)
    assert number.startswith("ACT-") and "~" not in number
    assert json.loads(cli("actions", "show", provisional, "--json").out)["id"] == number
    monkeypatch.chdir(bob.path)
    assert cli("sync").code == 0
    shown = json.loads(cli("actions", "show", number, "--json").out)
    assert shown["status"] == "done"
    assert [h["field"] for h in shown["history"]].count("status") == 1
    assert cli("ledger", "doctor").code == 0


def test_a_fetched_edit_is_applied_by_the_next_command_even_one_refused(cli, team: list[Clone],
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """Commands open a replica first (its new operations applied, its pages written on another thread);
    one that then refuses its arguments still closes it, and the edit folded onto the kept state equals a
    full rebuild."""
    from tracker.cli import common

    ana, bob, _ = team
    db, _ = ana.open()
    with db:
        update_action(db, "ACT-1", ActionChanges(owner="ana"), actor=ana.actor)
        update_action(db, "ACT-2", ActionChanges(status=ActionStatus.DONE), actor=ana.actor)
    ana.sync()
    git(bob.path, "fetch", "-q")
    monkeypatch.chdir(bob.path)
    refused = cli("actions", "list", "--limit", "0")
    assert refused.code == 1 and "--limit 0" in refused.err
    assert not common._prepared
    assert not (bob.path / ".git" / "tracker" / "ledger.db-wal").exists()  # closed, its pages in the file
    shown = json.loads(cli("actions", "show", "ACT-1", "--json").out)
    assert shown["owner"] == "ana" and shown["history"][-1]["field"] == "owner"
    assert json.loads(cli("actions", "show", "ACT-2", "--json").out)["status"] == "done"
    doctor = cli("ledger", "doctor")
    assert doctor.code == 0, doctor.out + doctor.err
