"""``tracker runbooks ...`` end to end in a real repository with a bare remote."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.gitfixtures import RUNBOOK, git


@pytest.fixture
def repo(remote: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, db_path: Path) -> Path:
    work = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(remote), str(work))
    monkeypatch.setenv("TRACKER_DB", str(db_path))
    return work


@pytest.fixture
def run(cli, repo: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    def call(*args: str):  # type: ignore[no-untyped-def]
        monkeypatch.chdir(repo)
        return cli(*args)

    return call



def test_list_status_commit_push(run, repo: Path, remote: Path) -> None:
    listed = json.loads(run("runbooks", "list", "--json").out)
    assert [r["path"] for r in listed] == ["runbooks/gadget.md", "runbooks/widget.md"]
    assert listed[0]["root_causes"] == ["stale-config"]
    (repo / "runbooks" / "widget.md").write_text(RUNBOOK + "\nedit\n")
    status = run("runbooks", "status")
    assert status.code == 0 and "modified" in status.out and "runbooks/widget.md" in status.out
    done = run("runbooks", "commit", "-m", "Tighten restart", "--closes", "ACT-2", "runbooks/widget.md")
    assert done.code == 0, done.err
    assert "closed ACT-2" in done.out
    shown = json.loads(run("actions", "show", "ACT-2", "--json").out)
    assert shown["status"] == "done" and shown["history"][-1]["actor"] == "ana@example.com"
    assert run("runbooks", "push").code == 0
    assert "Tighten restart" in git(remote, "log", "--format=%s", "main")


def test_errors_are_one_line_exit_1(run, repo: Path) -> None:
    for args, message in [
        (("runbooks", "commit", "-m", "x", "../notes.txt"), "leaves the runbooks folder"),
        (("runbooks", "commit", "-m", "x"), "no runbook has changes"),
        (("runbooks", "show", "runbooks/nope.md"), "cannot read"),
    ]:
        result = run(*args)
        assert result.code == 1 and message in result.err and result.err.count("\n") == 1, (args, result)
    (repo / "runbooks" / "widget.md").write_text(RUNBOOK + "\npassword=hunter2\n")
    result = run("runbooks", "commit", "-m", "oops")
    assert result.code == 1 and "looks like a password assignment" in result.err
    assert "--allow-secrets" in result.err


def test_list_stale_only(run, repo: Path) -> None:
    data = json.loads(run("runbooks", "list", "--stale", "--json").out)
    assert data == []  # reviewed 2026-10-01, every 90 days: current on 2026-11-23


def test_an_unreachable_remote_is_one_line_with_gits_reasons(run, repo: Path, tmp_path: Path) -> None:
    git(repo, "remote", "set-url", "origin", str(tmp_path / "gone.git"))
    for verb in ("pull", "push", "sync"):
        result = run("runbooks", verb)
        assert result.code == 1 and result.err.count("\n") == 1, (verb, result.err)
        assert "does not appear to be a git repository" in result.err, (verb, result.err)
        assert "Could not read from remote repository" in result.err, (verb, result.err)


def test_a_stopped_pull_is_named_with_the_way_out(run, repo: Path, remote: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    git(tmp_path, "clone", "-q", str(remote), str(other))
    (other / "runbooks" / "widget.md").write_text(RUNBOOK.replace("slow", "THEIRS"))
    git(other, "commit", "-q", "-am", "Theirs")
    git(other, "push", "-q")
    (repo / "runbooks" / "widget.md").write_text(RUNBOOK.replace("slow", "MINE"))
    git(repo, "commit", "-q", "-am", "Mine")
    stopped = run("runbooks", "pull", "--rebase")
    assert stopped.code == 1 and "tracker runbooks continue PATH" in stopped.err, stopped.err
    status = run("runbooks", "status")
    assert status.code == 0 and "detached" not in status.out, status.out
    assert "main · pull in progress" in status.out and "tracker runbooks abort" in status.out, status.out
    (repo / "runbooks" / "gadget.md").write_text(RUNBOOK + "\nmore\n")
    for args in (("commit", "-m", "x", "runbooks/gadget.md"), ("push",), ("pull",), ("sync",)):
        result = run("runbooks", *args)
        assert result.code == 1 and result.err.count("\n") == 1, (args, result.err)
        assert "a pull is in progress" in result.err and "git switch" not in result.err, (args, result.err)
        assert "tracker runbooks continue PATH" in result.err and "tracker runbooks abort" in result.err
    assert run("runbooks", "abort").code == 0


def test_autostash_is_off_and_conflict_markers_are_not_committed(run, repo: Path, remote: Path,
                                                                  tmp_path: Path) -> None:
    other = tmp_path / "other"
    git(tmp_path, "clone", "-q", str(remote), str(other))
    (other / "runbooks" / "widget.md").write_text(RUNBOOK.replace("slow", "THEIRS"))
    git(other, "commit", "-q", "-am", "Theirs")
    git(other, "push", "-q")
    git(repo, "config", "rebase.autoStash", "true")
    git(repo, "config", "merge.autoStash", "true")
    mine = RUNBOOK.replace("slow", "MINE")
    (repo / "runbooks" / "widget.md").write_text(mine)
    for args in (("pull",), ("pull", "--rebase"), ("sync",)):
        result = run("runbooks", *args)
        assert result.code == 1 and "uncommitted changes" in result.err, (args, result.err)
    assert (repo / "runbooks" / "widget.md").read_text() == mine and git(repo, "stash", "list") == ""
    conflicted = RUNBOOK.replace("The widget is slow.", "<<<<<<< Updated upstream\nTHEIRS\n=======\nMINE\n"
                                 ">>>>>>> Stashed changes")
    (repo / "runbooks" / "widget.md").write_text(conflicted)
    line = conflicted.splitlines().index("<<<<<<< Updated upstream") + 1
    for args in (("-m", "x"), ("-m", "x", "runbooks/widget.md")):
        result = run("runbooks", "commit", *args)
        assert result.code == 1 and f"runbooks/widget.md line {line}: a conflict marker" in result.err, result.err
    assert git(repo, "log", "-1", "--format=%s").strip() == "Seed runbooks"
    assert run("runbooks", "commit", "-m", "On purpose", "--allow-invalid", "runbooks/widget.md").code == 0


def test_new_writes_the_template_inside_the_runbooks_folder_only(run, repo: Path) -> None:
    made = run("runbooks", "new", "runbooks/disk-full", "--title", "Disk full on a database host",
               "--cause", "stale-config", "--owner", "db-team", "--services", "postgres,backup", "--json")
    assert made.code == 0, made.err
    assert json.loads(made.out) == {"path": "runbooks/disk-full.md"}
    text = (repo / "runbooks" / "disk-full.md").read_text()
    assert 'title = "Disk full on a database host"' in text and 'owner = "db-team"' in text
    for heading in ("Symptoms", "First checks", "Mitigation", "Recovery", "Verification", "Follow-ups"):
        assert f"## {heading}" in text
    shown = json.loads(run("runbooks", "show", "runbooks/disk-full.md", "--json").out)
    assert shown["root_causes"] == ["stale-config"] and shown["services"] == ["postgres", "backup"]
    assert "disk-full.md" in run("runbooks", "status").out  # written, not committed
    before = sorted(p.name for p in repo.rglob("*") if ".git" not in p.parts)
    for args, message in [
        (("runbooks", "new", "../outside.md", "--title", "Out"), "runbooks folder"),
        (("runbooks", "new", "runbooks/disk-full.md", "--title", "Again"), "exists"),
    ]:
        refused = run(*args)
        assert refused.code == 1 and message in refused.err and refused.err.count("\n") == 1, (args, refused)
    assert sorted(p.name for p in repo.rglob("*") if ".git" not in p.parts) == before
    assert (repo / "runbooks" / "disk-full.md").read_text() == text
