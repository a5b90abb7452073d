"""Runbooks in git, for real: temporary repositories, a local bare remote, an isolated identity."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.gitfixtures import RUNBOOK, clone, git
from tracker.base.errors import InputError
from tracker.config import load_settings
from tracker.core.actions import action_history, get_action
from tracker.repo import gitsync
from tracker.repo.workspace import RunbookWorkspace
from tracker.storage.database import Db


@pytest.fixture
def work(remote: Path, tmp_path: Path) -> Path:
    return clone(remote, tmp_path / "work")


@pytest.fixture
def space(work: Path, db: Db) -> RunbookWorkspace:
    return RunbookWorkspace(db, load_settings(env={}), cwd=work)


def committed_files(repo: Path, rev: str = "HEAD") -> list[str]:
    return git(repo, "show", "--name-only", "--format=", rev).split()


def test_commit_only_the_chosen_runbook(space: RunbookWorkspace, work: Path) -> None:
    (work / "runbooks" / "widget.md").write_text(RUNBOOK + "\nMore.\n")
    (work / "runbooks" / "gadget.md").write_text(RUNBOOK + "\nOther edit.\n")
    (work / "notes.txt").write_text("dirty\n")
    (work / "runbooks" / "new.md").write_text(RUNBOOK)
    git(work, "add", "notes.txt")  # something else already staged
    info = space.commit(["runbooks/widget.md"], "Clarify widget restart")
    assert committed_files(work) == ["runbooks/widget.md"]
    assert info.author_email == "ana@example.com"
    status = git(work, "status", "--porcelain")
    assert " M runbooks/gadget.md" in status and "M  notes.txt" in status and "?? runbooks/new.md" in status


def test_commit_defaults_to_modified_runbooks_only(space: RunbookWorkspace, work: Path) -> None:
    (work / "runbooks" / "widget.md").write_text(RUNBOOK + "\nMore.\n")
    (work / "notes.txt").write_text("dirty\n")
    space.commit([], "Runbook touch-ups")
    assert committed_files(work) == ["runbooks/widget.md"]


def test_refs_and_closes_trailers(space: RunbookWorkspace, work: Path, db: Db) -> None:
    (work / "runbooks" / "widget.md").write_text(RUNBOOK + "\nStep added.\n")
    info = space.commit(["runbooks/widget.md"], "Add the canary step", refs=["ACT-1"], closes=["ACT-2"])
    message = git(work, "log", "-1", "--format=%B")
    assert "Refs: ACT-1" in message and "Closes: ACT-2" in message
    assert (info.refs, info.closes) == ((1,), (2,))
    closed = get_action(db, 2)
    assert closed.status == "done"
    event = action_history(db, 2)[-1]
    assert (event.field, event.new_value, event.actor) == ("status", "done", "ana@example.com")
    assert [c.sha for c in space.commits_for("ACT-1")] == [info.sha]


def test_commit_refuses_unknown_action(space: RunbookWorkspace, work: Path) -> None:
    (work / "runbooks" / "widget.md").write_text(RUNBOOK + "\nx\n")
    with pytest.raises(Exception, match="no action ACT-999"):
        space.commit(["runbooks/widget.md"], "x", closes=["ACT-999"])
    assert git(work, "log", "--format=%s") == "Seed runbooks\n"


def test_commits_made_outside_are_linked(space: RunbookWorkspace, work: Path, db: Db) -> None:
    (work / "runbooks" / "gadget.md").write_text(RUNBOOK + "\nby hand\n")
    git(work, "commit", "-q", "-am", "Edit by hand\n\nCloses: ACT-5\nRefs: ACT-6")
    changed = space.apply_trailers()
    assert changed == ["ACT-5"]
    assert get_action(db, 5).status == "done"
    assert space.apply_trailers() == []  # idempotent
    assert [c.subject for c in space.commits_for("ACT-6")] == ["Edit by hand"]


def test_pull_fast_forward(space: RunbookWorkspace, work: Path, remote: Path, tmp_path: Path) -> None:
    other = clone(remote, tmp_path / "other")
    (other / "runbooks" / "widget.md").write_text(RUNBOOK + "\nFrom a colleague.\n")
    git(other, "commit", "-q", "-am", "Colleague edit")
    git(other, "push", "-q")
    space.pull()
    assert "From a colleague." in (work / "runbooks" / "widget.md").read_text()


def test_pull_ff_only_refuses_divergence(space: RunbookWorkspace, work: Path, remote: Path, tmp_path: Path) -> None:
    other = clone(remote, tmp_path / "other")
    (other / "runbooks" / "widget.md").write_text(RUNBOOK + "\ntheirs\n")
    git(other, "commit", "-q", "-am", "Theirs")
    git(other, "push", "-q")
    (work / "runbooks" / "gadget.md").write_text(RUNBOOK + "\nmine\n")
    space.commit(["runbooks/gadget.md"], "Mine")
    with pytest.raises(gitsync.GitError, match="diverged.*--rebase"):
        space.pull()
    space.pull(rebase=True)
    assert "theirs" in (work / "runbooks" / "widget.md").read_text()


def _conflict(space: RunbookWorkspace, work: Path, remote: Path, tmp_path: Path) -> str:
    other = clone(remote, tmp_path / "other")
    (other / "runbooks" / "widget.md").write_text(RUNBOOK.replace("The widget is slow.", "THEIR LINE"))
    git(other, "commit", "-q", "-am", "Theirs")
    git(other, "push", "-q")
    mine = RUNBOOK.replace("The widget is slow.", "MY CAREFUL LINE")
    (work / "runbooks" / "widget.md").write_text(mine)
    space.commit(["runbooks/widget.md"], "Mine")
    return mine


def test_pull_conflict_then_abort_keeps_my_text(space: RunbookWorkspace, work: Path, remote: Path,
                                                tmp_path: Path) -> None:
    mine = _conflict(space, work, remote, tmp_path)
    head = git(work, "rev-parse", "HEAD")
    with pytest.raises(gitsync.PullConflict) as info:
        space.pull(rebase=True)
    assert info.value.files == ["runbooks/widget.md"]
    assert gitsync.state(work).operation == "rebase"
    assert gitsync.file_states(work, "runbooks").of("runbooks/widget.md") == "conflicted"
    space.abort_pull()
    assert (work / "runbooks" / "widget.md").read_text() == mine
    assert git(work, "rev-parse", "HEAD") == head
    assert gitsync.state(work).operation is None


def test_pull_conflict_then_resolve(space: RunbookWorkspace, work: Path, remote: Path, tmp_path: Path) -> None:
    _conflict(space, work, remote, tmp_path)
    with pytest.raises(gitsync.PullConflict):
        space.pull(rebase=True)
    with pytest.raises(gitsync.GitError, match="conflict markers"):
        space.continue_pull(["runbooks/widget.md"])
    resolved = RUNBOOK.replace("The widget is slow.", "MY CAREFUL LINE and THEIR LINE")
    (work / "runbooks" / "widget.md").write_text(resolved)
    space.continue_pull(["runbooks/widget.md"])
    assert gitsync.state(work).operation is None
    assert (work / "runbooks" / "widget.md").read_text() == resolved
    assert git(work, "log", "--format=%s", "-3").split("\n")[:3] == ["Mine", "Theirs", "Seed runbooks"]


def test_push_rejected_then_pull_then_push(space: RunbookWorkspace, work: Path, remote: Path,
                                           tmp_path: Path) -> None:
    other = clone(remote, tmp_path / "other")
    (other / "runbooks" / "gadget.md").write_text(RUNBOOK + "\ntheirs\n")
    git(other, "commit", "-q", "-am", "Theirs")
    git(other, "push", "-q")
    (work / "runbooks" / "widget.md").write_text(RUNBOOK + "\nmine\n")
    space.commit(["runbooks/widget.md"], "Mine")
    with pytest.raises(gitsync.PushRejected, match="pull, then push"):
        space.push()
    space.sync()
    assert git(remote, "log", "--format=%s", "main").split("\n")[:2] == ["Mine", "Theirs"]
    assert gitsync.state(work).ahead == 0 and gitsync.state(work).behind == 0


def test_no_identity_commits_nothing(space: RunbookWorkspace, work: Path, isolate: Path) -> None:
    (isolate / ".gitconfig").write_text("[init]\n\tdefaultBranch = main\n")
    (work / "runbooks" / "widget.md").write_text(RUNBOOK + "\nx\n")
    with pytest.raises(gitsync.NoIdentity, match="git config --global user.email"):
        space.commit(["runbooks/widget.md"], "x")
    assert git(work, "log", "--format=%s") == "Seed runbooks\n"
    assert git(work, "diff", "--cached", "--name-only") == ""


def test_detached_head(space: RunbookWorkspace, work: Path) -> None:
    git(work, "checkout", "-q", "--detach")
    (work / "runbooks" / "widget.md").write_text(RUNBOOK + "\nx\n")
    with pytest.raises(gitsync.DetachedHead, match="detached HEAD"):
        space.commit(["runbooks/widget.md"], "x")
    assert "detached at" in gitsync.state(work).describe()


def test_no_remote(tmp_path: Path, identity: None, db: Db) -> None:
    repo = tmp_path / "solo"
    repo.mkdir()
    git(repo, "init", "-q")
    (repo / "runbooks").mkdir()
    (repo / "runbooks" / "a.md").write_text(RUNBOOK)
    space = RunbookWorkspace(db, load_settings(env={}), cwd=repo)
    space.commit(["runbooks/a.md"], "First")
    with pytest.raises(gitsync.NoRemote, match="git remote add"):
        space.push()
    with pytest.raises(gitsync.NoRemote):
        space.pull()
    assert gitsync.state(repo).describe() == "main · no remote"


def test_not_a_repository_keeps_the_index_working(tmp_path: Path, db: Db) -> None:
    plain = tmp_path / "plain"
    (plain / "runbooks").mkdir(parents=True)
    (plain / "runbooks" / "a.md").write_text(RUNBOOK)
    space = RunbookWorkspace(db, load_settings(env={}), cwd=plain)
    assert isinstance(space.git_error, gitsync.GitUnavailable)
    assert space.refresh().indexed == 1
    with pytest.raises(gitsync.GitUnavailable, match="not inside a git repository"):
        space.commit(["runbooks/a.md"], "x")


def test_no_git_binary(work: Path, db: Db, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    space = RunbookWorkspace(db, load_settings(env={}), cwd=work)
    assert isinstance(space.git_error, gitsync.GitUnavailable)
    assert "git not found" in str(space.git_error)
    assert space.refresh().indexed == 2


@pytest.mark.parametrize("given", ["../notes.txt", "runbooks/../notes.txt", "/etc/passwd", "--all", "-A"])
def test_paths_outside_the_runbooks_are_refused(space: RunbookWorkspace, given: str) -> None:
    with pytest.raises(InputError):
        space.commit([given], "x")


def test_symlink_leaving_the_folder_is_refused(space: RunbookWorkspace, work: Path) -> None:
    (work / "runbooks" / "escape.md").symlink_to(work / "notes.txt")
    with pytest.raises(InputError, match="outside"):
        space.commit(["runbooks/escape.md"], "x")
    outside = work.parent / "outside"
    outside.mkdir()
    (work / "runbooks" / "linkdir").symlink_to(outside)
    with pytest.raises(InputError, match="outside"):
        space.path("runbooks/linkdir/a.md")


SECRETS = [
    ("-----BEGIN RSA PRIVATE KEY-----", "a private key"),
    ("-----BEGIN OPENSSH PRIVATE KEY-----", "a private key"),
    ("-----BEGIN PGP PRIVATE KEY BLOCK-----", "a private key"),
    ("-----BEGIN ENCRYPTED PRIVATE KEY-----", "a private key"),
    ("aws_key: AKIAIOSFODNN7EXAMPLE", "an AWS access key"),
    ("aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "an AWS secret access key"),
    ("AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "an AWS secret access key"),
    ('  "SecretAccessKey": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",', "an AWS secret access key"),
    ("token ghp_k3Jd9QmZ2xV7bN1pR5tW8yL0cF4hG6sA9eU2", "a GitHub token"),
    ("slack xoxb-1234567890-1234567890123-AbCdEfGhIjKlMnOp", "a Slack token"),
    ("export GITLAB_TOKEN=glpat-Xy7Kq2Lm9Np4Rs6Tv8Wz", "a GitLab token"),
    ("STRIPE_KEY=sk_live_4eC39HqLyjWDarjtT1zdp7dc", "a Stripe key"),
    ("key AIzaSyD9x7Qk2Lm4Np6Rs8Tv0Wx1Yz3Ab5Cd7Ef", "a Google API key"),
    ("npm_Ab3De5Gh7Jk9Mn1Pq3St5Vw7Yz9Bc1Ef3Hi5 in .npmrc", "an npm token"),
    ("Authorization: Bearer abcdefghijklmnopqrstuvwxyz012345", "a bearer token"),
    ("psql postgres://app:s3cretpass@db.internal:5432/app", "a connection string with a password"),
    ("DATABASE_URL=postgresql://app:S3cr3t@db:5432/app", "a connection string with a password"),
    ("mysql://root:hunter22@localhost/db", "a connection string with a password"),
    ("mongodb+srv://admin:Passw0rd@cluster0.example.net/test", "a connection string with a password"),
    ("redis-cli -u redis://:hunter22@cache:6379/0", "a connection string with a password"),
    ("api_key = 9f8e7d6c5b4a39281706", "a token or secret assignment"),
    ('  "client_secret": "q8Zr2Lk5Vn7Mx1Pw4Ty6",', "a token or secret assignment"),
    ("password=hunter2", "a password assignment"),
    ("DB_PASSWORD: 'S3cr3t!'", "a password assignment"),
    ('{"user": "app", "password": "hunter22"}', "a password assignment"),
    ("password: hunter22", "a password assignment"),
    ("    db_password: \"S3cr3t!\"", "a password assignment"),
    ("PGPASSWORD=hunter22 psql -h db", "a password assignment"),
]


@pytest.mark.parametrize(("line", "kind"), SECRETS, ids=[line[:40] for line, _ in SECRETS])
def test_secret_check_blocks_each_pattern_and_names_the_line(space: RunbookWorkspace, work: Path, line: str,
                                                             kind: str) -> None:
    (work / "runbooks" / "widget.md").write_text(RUNBOOK + f"\nfirst\n{line}\n")
    with pytest.raises(gitsync.SecretsFound) as info:
        space.commit(["runbooks/widget.md"], "x")
    finding = info.value.findings[0]
    assert finding.kind == kind and finding.line == RUNBOOK.count("\n") + 3
    assert f"runbooks/widget.md line {finding.line}" in str(info.value)
    assert git(work, "log", "--format=%s") == "Seed runbooks\n"
    space.commit(["runbooks/widget.md"], "Deliberate", allow_secrets=True)
    assert committed_files(work) == ["runbooks/widget.md"]


PROSE = [
    "password=<from the vault>", "password: $DB_PASSWORD", "api_key = ***", "the password is in the vault",
    "Follow the password rotation procedure every quarter.", "Password: ask the on-call lead in #ops",
    "Reset the user's password via the admin console.", "password_min_length: 12", "passwords: see the vault",
    "token: see below", "password: {{ vault_db_password }}", "password = ${DB_PASSWORD}", "password: null",
    "postgres://app@db.internal:5432/app", "postgres://app:<password>@db:5432/app",
    "postgres://app:$PGPASSWORD@db:5432/app", "ssh://git@github.com:22/org/repo.git", "http://[::1]:8080/health",
    "commit 3f4e2a1b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f fixed it", "sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4",
    "uuid 123e4567-e89b-12d3-a456-426614174000", "kubectl rollout restart deploy/widget -n prod",
    "see https://grafana.example.com/d/abc123XYZ/overview?orgId=1", "sk_live_xxxxxxxxxxxxxxxxxxxx (a placeholder)",
    "-----BEGIN CERTIFICATE-----", "-----BEGIN PUBLIC KEY-----", "secret_name = prod-db-credentials",
]


@pytest.mark.parametrize("line", PROSE)
def test_placeholders_and_prose_are_not_secrets(space: RunbookWorkspace, work: Path, line: str) -> None:
    (work / "runbooks" / "widget.md").write_text(RUNBOOK + f"\n{line}\n")
    space.commit(["runbooks/widget.md"], "Placeholders only")


def test_index_links_runbooks_to_causes_and_tracks_commits(space: RunbookWorkspace, work: Path, db: Db) -> None:
    report = space.refresh()
    assert report.indexed == 2 and report.errors == []
    from tracker.core.runbooks.index import list_runbooks, runbooks_for_causes

    assert runbooks_for_causes(db, ["stale-config"]) == ["runbooks/gadget.md", "runbooks/widget.md"]
    rows = {r.path: r for r in list_runbooks(db, load_settings(env={"TRACKER_TODAY": "2026-11-23"}).today)}
    assert rows["runbooks/widget.md"].last_commit == git(work, "rev-parse", "HEAD").strip()
    assert space.refresh().unchanged == 2
    (work / "runbooks" / "gadget.md").write_text("+++\ntitle = \n+++\n")
    report = space.refresh()
    assert report.indexed == 1 and "runbooks/gadget.md line 2" in report.errors[0]
    (work / "runbooks" / "gadget.md").unlink()
    assert space.refresh().removed == 1


def test_git_binary_present_for_the_suite() -> None:
    assert shutil.which("git"), "these tests need git; .ci/run installs it"


# -- values read from the database, a file or a remote never become git options ----------------------


def test_a_stored_revision_is_never_passed_to_git_as_an_option(space: RunbookWorkspace, work: Path, db: Db,
                                                               tmp_path: Path) -> None:
    from tracker.core.runbooks.index import get_meta, set_meta
    from tracker.repo.workspace import SCANNED_KEY

    (work / "runbooks" / "gadget.md").write_text(RUNBOOK + "\nby hand\n")
    git(work, "commit", "-q", "-am", "Edit by hand\n\nCloses: ACT-5")
    for stored in (f"--output={tmp_path}/written", "HEAD~1", "0" * 40, "main"):
        set_meta(db, SCANNED_KEY, stored)
        space.apply_trailers()
        assert not list(tmp_path.glob("written*")), stored
        assert get_meta(db, SCANNED_KEY) == git(work, "rev-parse", "HEAD").strip()
    assert get_action(db, 5).status == "done"  # an unusable stored revision means: scan everything again


@pytest.mark.parametrize(("option", "verb"), [("--upload-pack", "pull"), ("--receive-pack", "push")])
def test_a_remote_name_from_the_config_is_never_passed_to_git_as_an_option(space: RunbookWorkspace, work: Path,
                                                                           remote: Path, tmp_path: Path,
                                                                           option: str, verb: str) -> None:
    git(work, "remote", "remove", "origin")
    with (work / ".git" / "config").open("a") as config:
        config.write(f'[remote "{option}=touch {tmp_path}/ran;true"]\n\turl = {remote}\n')
    with pytest.raises(gitsync.GitError, match="remote name .* is not a plain name"):
        space.pull() if verb == "pull" else space.push()
    assert not (tmp_path / "ran").exists()


@pytest.mark.parametrize("verb", ["pull", "push"])
def test_an_unreachable_remote_shows_gits_reasons_on_one_line(space: RunbookWorkspace, work: Path, tmp_path: Path,
                                                              verb: str) -> None:
    git(work, "remote", "set-url", "origin", str(tmp_path / "gone.git"))
    with pytest.raises(gitsync.GitError) as caught:
        space.pull() if verb == "pull" else space.push()
    message = str(caught.value)
    assert "does not appear to be a git repository" in message, message
    assert "Could not read from remote repository" in message, message
    assert "\n" not in message and "Please make sure" not in message and "the repository exists" not in message


def test_a_push_the_remote_refuses_says_what_the_remote_said(space: RunbookWorkspace, work: Path,
                                                             remote: Path) -> None:
    hook = remote / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\necho 'frozen until Monday \033[31m' >&2\nexit 1\n")
    hook.chmod(0o755)
    (work / "runbooks" / "widget.md").write_text(RUNBOOK + "\nmine\n")
    space.commit(["runbooks/widget.md"], "Mine")
    with pytest.raises(gitsync.GitError, match=r"refused the push: frozen until Monday \?\[31m; pre-receive hook"):
        space.push()


def test_git_reasons_are_its_fatal_and_error_lines_on_one_line() -> None:
    output = ("hint: Updates were rejected\nfatal: first\n\nPlease make sure you have the correct access rights\n"
              "and the repository exists.\nerror: second\x1b[0m\n")
    assert gitsync.reasons(output) == "fatal: first; error: second?[0m"
    assert gitsync.reasons("hint: only a hint\nsomething happened\nhint: x\n") == "something happened"
    assert gitsync.reasons("", 128) == "exit 128"
    assert len(gitsync.reasons("fatal: " + "x" * 5000)) < 700


def test_during_a_stopped_pull_every_command_says_so_and_how_to_go_on(space: RunbookWorkspace, work: Path,
                                                                       remote: Path, tmp_path: Path) -> None:
    _conflict(space, work, remote, tmp_path)
    with pytest.raises(gitsync.PullConflict, match="tracker runbooks continue PATH.*tracker runbooks abort"):
        space.pull(rebase=True)
    state = gitsync.state(work)
    assert (state.branch, state.detached_at, state.operation) == ("main", None, "rebase")
    assert "pull in progress" in state.describe() and "detached" not in state.describe()
    for attempt in (lambda: space.commit(["runbooks/gadget.md"], "x"), space.push, space.pull,
                    lambda: space.pull(rebase=True), space.sync):
        with pytest.raises(gitsync.PullInProgress) as caught:
            attempt()
        message = str(caught.value)
        assert "a pull is in progress" in message and "runbooks/widget.md" in message, message
        assert "tracker runbooks continue PATH" in message and "tracker runbooks abort" in message, message
        assert "git switch" not in message and "detached" not in message, message
    space.abort_pull()
    assert gitsync.state(work).operation is None
    (work / "runbooks" / "gadget.md").write_text(RUNBOOK + "\nmore\n")
    space.commit(["runbooks/gadget.md"], "After the abort")


# -- autostash, conflict markers ----------------------------------------------------------------------


@pytest.mark.parametrize("rebase", [False, True], ids=["merge.autoStash", "rebase.autoStash"])
def test_autostash_never_turns_a_conflict_into_a_successful_pull(space: RunbookWorkspace, work: Path, remote: Path,
                                                                 tmp_path: Path, rebase: bool) -> None:
    other = clone(remote, tmp_path / "other")
    (other / "runbooks" / "widget.md").write_text(RUNBOOK.replace("The widget is slow.", "THEIR LINE"))
    git(other, "commit", "-q", "-am", "Theirs")
    git(other, "push", "-q")
    git(work, "config", "rebase.autoStash" if rebase else "merge.autoStash", "true")
    mine = RUNBOOK.replace("The widget is slow.", "MY UNCOMMITTED LINE")
    (work / "runbooks" / "widget.md").write_text(mine)
    head = git(work, "rev-parse", "HEAD")
    with pytest.raises(gitsync.GitError, match="uncommitted changes .* commit them first"):
        space.pull(rebase=rebase)
    assert (work / "runbooks" / "widget.md").read_text() == mine
    assert git(work, "stash", "list") == ""
    assert git(work, "rev-parse", "HEAD") == head and gitsync.state(work).operation is None


CONFLICTED = {
    "a whole block": "<<<<<<< Updated upstream\nTHEIRS\n=======\nMINE\n>>>>>>> Stashed changes",
    "the opening left": "<<<<<<< HEAD\nTHEIRS and MINE",
    "the end left": "THEIRS and MINE\n=======\n>>>>>>> mine",
    "diff3 style": "<<<<<<< ours\nA\n||||||| base\nB\n=======\nC\n>>>>>>> theirs",
    "a bare marker": "A\n>>>>>>>",
}


@pytest.mark.parametrize("block", CONFLICTED.values(), ids=list(CONFLICTED))
def test_commit_refuses_a_runbook_holding_conflict_markers(space: RunbookWorkspace, work: Path, block: str) -> None:
    (work / "runbooks" / "widget.md").write_text(f"{RUNBOOK}\nfirst\n{block}\n")
    first = RUNBOOK.count("\n") + 3 + next(n for n, line in enumerate(block.splitlines()) if line[:1] in "<|=>")
    for paths in (["runbooks/widget.md"], []):
        with pytest.raises(InputError, match=rf"^runbooks/widget\.md line {first}: a conflict marker"):
            space.commit(paths, "x")
    with pytest.raises(InputError, match="not committed; fix it, or commit with --allow-invalid$"):
        space.commit([], "x")
    assert git(work, "log", "--format=%s") == "Seed runbooks\n"
    space.commit(["runbooks/widget.md"], "A runbook about conflicts", allow_invalid=True)
    assert committed_files(work) == ["runbooks/widget.md"]


def test_a_heading_underline_is_not_a_conflict_marker(space: RunbookWorkspace, work: Path) -> None:
    (work / "runbooks" / "widget.md").write_text(RUNBOOK + "\nSteps\n=======\n\n<<<<<<<< not a marker\n")
    space.commit(["runbooks/widget.md"], "Setext heading")


# -- the implicit set obeys the rules of named paths -------------------------------------------------


@pytest.mark.parametrize("target", ["outside the repository", "notes.txt"])
def test_commit_without_paths_refuses_a_symlink_leaving_the_folder(space: RunbookWorkspace, work: Path,
                                                                   tmp_path: Path, target: str) -> None:
    outside = tmp_path / "private.md" if target != "notes.txt" else work / "notes.txt"
    outside.write_text("not for the repository\n")
    (work / "runbooks" / "widget.md").write_text(RUNBOOK + "\nMore.\n")
    (work / "runbooks" / "escape.md").symlink_to(outside)
    with pytest.raises(InputError, match=r"runbooks/escape\.md.* leads outside runbooks/"):
        space.commit([], "Runbook touch-ups")
    assert git(work, "log", "--format=%s") == "Seed runbooks\n"
    assert git(work, "diff", "--cached", "--name-only") == ""
    (work / "runbooks" / "escape.md").unlink()
    space.commit([], "Runbook touch-ups")
    assert committed_files(work) == ["runbooks/widget.md"]


# -- what a commit holds --------------------------------------------------------------------------------

INVALID = {
    "broken front matter": (b'+++\ntitle = "unclosed\n+++\nBody\n', r" line 2: front matter is not valid TOML"),
    "no front matter": (b"# Just markdown\n", r" line 1: a runbook starts with a line '\+\+\+'"),
    "no title": (b"+++\nowner = \"sre\"\n+++\nBody\n", r" line 1: 'title' must be a non-empty string"),
    "binary": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", r": not text \(it holds NUL bytes"),
    "not UTF-8": (b'+++\ntitle = "caf\xe9"\n+++\n', r": not UTF-8 text \(invalid byte at offset 16\)"),
    "empty": (b"", r": empty"),
    "only blank lines": (b"\n  \r\n\t\n", r": empty"),
}


@pytest.mark.parametrize("content", INVALID.values(), ids=list(INVALID))
@pytest.mark.parametrize("name", ["widget.md", "new.md"])
def test_commit_refuses_a_runbook_that_is_not_valid_text_with_front_matter(space: RunbookWorkspace, work: Path,
                                                                           content: tuple[bytes, str],
                                                                           name: str) -> None:
    data, problem = content
    (work / "runbooks" / name).write_bytes(data)
    for paths in ([f"runbooks/{name}"], []):
        with pytest.raises(InputError, match=rf"^runbooks/{name}{problem}.*fix it, or commit with --allow-invalid$"):
            space.commit(paths, "x")
    assert git(work, "log", "--format=%s") == "Seed runbooks\n"
    assert git(work, "diff", "--cached", "--name-only") == ""
    space.commit([f"runbooks/{name}"], "On purpose", allow_invalid=True)
    assert committed_files(work) == [f"runbooks/{name}"]


def test_a_deleted_runbook_and_the_review_record_still_commit(space: RunbookWorkspace, work: Path) -> None:
    (work / "runbooks" / "gadget.md").unlink()
    space.commit(["runbooks/gadget.md"], "Retire the gadget runbook")
    assert committed_files(work) == ["runbooks/gadget.md"]
    (work / "runbooks" / "reviews").mkdir()
    (work / "runbooks" / "reviews" / "2026-W48.md").write_text(
        '+++\nweek = "2026-W48"\ngenerated_at = 2026-11-23T09:00:00Z\n[counts]\noverdue = 1\n+++\n\n# Review\n')
    space.commit([], "Weekly action review 2026-W48")
    assert committed_files(work) == ["runbooks/reviews/2026-W48.md"]


def test_ledger_delta_names_what_a_commit_adds_changes_and_removes(tmp_path: Path, identity: None) -> None:
    repo = tmp_path / "ledger"
    git(tmp_path, "init", "-q", str(repo))
    (repo / "ops" / "a").mkdir(parents=True)
    (repo / "ops" / "b").mkdir()
    (repo / "FORMAT").write_text("1\n")
    (repo / "ops" / "a" / "1.json").write_text('{"n": 1}')
    (repo / "ops" / "b" / "2.json").write_text('{"n": 2}')
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "first")
    first = git(repo, "rev-parse", "HEAD").strip()
    (repo / "ops" / "a" / "3.json").write_text('{"n": 3}')
    for n in range(600):  # more than one pipelined batch of the reader
        (repo / "ops" / "c").mkdir(exist_ok=True)
        (repo / "ops" / "c" / f"{n:03d}.json").write_text(f'{{"n": {n}}}')
    (repo / "ops" / "b" / "2.json").write_text('{"n": "two"}')
    (repo / "ops" / "a" / "1.json").unlink()
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "second")
    second = git(repo, "rev-parse", "HEAD").strip()
    git_dir = repo / ".git"

    delta = gitsync.ledger_delta(git_dir, first, second)
    assert delta.descends
    added = dict(delta.added)
    assert len(added) == 601 and added["ops/a/3.json"] == b'{"n": 3}' and added["ops/c/599.json"] == b'{"n": 599}'
    assert sorted(delta.changed) == ["ops/a/1.json", "ops/b/2.json"]

    everything = dict(gitsync.ledger_delta(git_dir, None, first).added)
    assert everything == {"FORMAT": b"1\n", "ops/a/1.json": b'{"n": 1}', "ops/b/2.json": b'{"n": 2}'}
    assert gitsync.ledger_delta(git_dir, second, first) == gitsync.LedgerDelta(False, [], [])

    (repo / "ops" / "a" / "4.json").write_text('{"n": 4}')
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "third")
    third = git(repo, "rev-parse", "HEAD").strip()
    few = gitsync.ledger_delta(git_dir, second, third)
    assert few == gitsync.LedgerDelta(True, [("ops/a/4.json", b'{"n": 4}')], [])
