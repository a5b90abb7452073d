"""The only module that talks to git.

Every operation opens the repository with ``with Repo(...)`` (GitPython leaks ``git cat-file``
processes otherwise), runs git commands with prompts disabled and a timeout, takes a
process-wide lock (GitPython is not thread-safe), and turns git's failures into the
project's own errors. GitPython is imported lazily, so commands that never touch git do
not pay for it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, NamedTuple

from tracker.base.errors import TrackerError
from tracker.base.text import shown
from tracker.core.keys import PROVISIONAL_KEY, action_key, provisional_number

if TYPE_CHECKING:
    from git import Repo

GIT_ENV = {
    "GIT_TERMINAL_PROMPT": "0",
    "GIT_ASKPASS": "",
    "SSH_ASKPASS": "",
    "GIT_SSH_COMMAND": "ssh -oBatchMode=yes -oConnectTimeout=15",
    "GIT_EDITOR": "true",
    "GIT_MERGE_AUTOEDIT": "no",
    "LC_ALL": "C",
    "GIT_LITERAL_PATHSPECS": "1",
}
"""Environment for every git call: no prompt may ever wait for a person; messages in English."""

NETWORK_TIMEOUT = 120.0
"""Seconds a pull or push may take before it is killed."""

LOCAL_TIMEOUT = 60.0

_LOCK = threading.RLock()
TRAILER = re.compile(r"^(Refs|Closes):\s*(.+)$", re.IGNORECASE | re.MULTILINE)
ACTION_KEY = re.compile(rf"\bACT-([0-9]{{1,12}}|{PROVISIONAL_KEY})(?!\w)", re.IGNORECASE)
"""An action named in a trailer: ``ACT-12``, or a provisional key (``ACT-~k3f9ab``) written before a sync."""
OBJECT_ID = re.compile(r"[0-9a-f]{40}(?:[0-9a-f]{24})?")
"""A full object id (SHA-1 or SHA-256), the only form a stored revision may take."""
REMOTE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/-]*")
BRANCH_NAME = re.compile(r"[^-\x00-\x20\x7f~^:?*\[\\][^\x00-\x20\x7f~^:?*\[\\]*")


class GitError(TrackerError):
    """A git operation failed; the message says what and what to do."""


class GitUnavailable(GitError):
    """No git binary, or not inside a git repository."""


class NoIdentity(GitError):
    """user.name or user.email is not set: nothing is committed as a made-up user."""


class DetachedHead(GitError):
    pass


class NoRemote(GitError):
    pass


class PushRejected(GitError):
    """The remote has commits this branch lacks: pull, then push."""


class SecretsFound(GitError):
    def __init__(self, findings: Sequence[object]) -> None:
        self.findings = list(findings)
        first = findings[0]
        more = f" (and {len(findings) - 1} more)" if len(findings) > 1 else ""
        super().__init__(f"{first}{more}: not committed; remove it or commit with --allow-secrets")


WAY_OUT = "tracker runbooks continue PATH...; or tracker runbooks abort to go back to before the pull"
"""How to leave a pull that stopped on conflicts (HEAD is detached during a rebase: git switch is no way out)."""


class PullConflict(GitError):
    """A pull stopped on conflicts; the repository is mid-rebase or mid-merge."""

    def __init__(self, files: list[str], operation: str) -> None:
        self.files = files
        self.operation = operation
        super().__init__(f"pull stopped on conflicts in {', '.join(files)}: edit them, then {WAY_OUT}")


class PullInProgress(GitError):
    """A pull stopped earlier and is not finished: nothing is committed, pulled or pushed until it is."""

    def __init__(self, files: list[str], operation: str) -> None:
        self.files = files
        self.operation = operation
        where = f" in {', '.join(files)}" if files else ""
        super().__init__(f"a pull is in progress (its {operation} stopped on conflicts{where}):"
                         f" edit the files, then {WAY_OUT}")


class RepoState(NamedTuple):
    """What the header shows: where we are and how we stand against the remote."""

    root: Path
    branch: str | None
    detached_at: str | None
    remote: str | None
    upstream: str | None
    ahead: int
    behind: int
    operation: str | None
    """``rebase`` or ``merge`` when a pull stopped on conflicts."""

    def describe(self) -> str:
        where = self.branch or f"detached at {self.detached_at}"
        if self.operation:
            return f"{where} · pull in progress ({self.operation} stopped on conflicts): continue or abort it"
        if self.remote is None:
            return f"{where} · no remote"
        if self.upstream is None:
            return f"{where} · no upstream"
        state = f"{where} ↑{self.ahead} ↓{self.behind} ({self.upstream})"
        return f"{state} · {self.operation} in progress" if self.operation else state


class CommitInfo(NamedTuple):
    sha: str
    author_name: str
    author_email: str
    when: datetime
    subject: str
    refs: tuple[int, ...] = ()
    closes: tuple[int, ...] = ()

    @property
    def short(self) -> str:
        return self.sha[:10]


class FileStates:
    """Git state by path (relative to the repository root, ``/`` separators)."""

    def __init__(self) -> None:
        self.states: dict[str, str] = {}

    def of(self, path: str) -> str:
        return self.states.get(path, "")


_BINARY: dict[str, str] = {}


def _git_binary() -> str:
    """The git executable, looked up once per PATH."""
    path = os.environ.get("PATH", "")
    if path not in _BINARY:
        found = shutil.which("git")
        if found is None:
            raise GitUnavailable("git not found: install git to commit, pull and push runbooks")
        _BINARY[path] = found
    return _BINARY[path]


def _git_module() -> ModuleType:
    os.environ.setdefault("GIT_PYTHON_REFRESH", "quiet")
    if shutil.which("git") is None:
        raise GitUnavailable("git not found: install git to commit, pull and push runbooks")
    import git

    return git


@contextmanager
def open_repo(path: Path) -> Iterator[Repo]:
    """The repository holding ``path``, locked and closed after use."""
    git = _git_module()
    with _LOCK:
        try:
            repo = git.Repo(path, search_parent_directories=True)
        except (git.InvalidGitRepositoryError, git.NoSuchPathError):
            raise GitUnavailable(f"{path}: not inside a git repository (git init, or clone one)") from None
        with repo:
            yield repo


def _work_tree(repo: Repo) -> Path:
    """The repository's work tree, where the runbooks live; a bare repository has none."""
    if repo.working_tree_dir is None:
        raise GitUnavailable(f"{repo.git_dir}: a bare repository has no work tree for runbooks")
    return Path(repo.working_tree_dir)


def _run(repo: Repo, *args: str, timeout: float = LOCAL_TIMEOUT, check: bool = True) -> tuple[int, str, str]:
    """Run ``git args`` in the repository's work tree; returns (status, stdout, stderr).

    GitPython finds the repository and reads its state; the commands themselves run as plain
    subprocesses (GitPython's own wrapper costs a few milliseconds more per call).
    """
    binary = _git_binary()
    try:
        done = subprocess.run(
            [binary, *args], cwd=repo.working_tree_dir, capture_output=True, text=True, errors="replace",
            timeout=timeout, env={**os.environ, **GIT_ENV}, stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired:
        raise GitError(f"git {args[0]} took longer than {timeout:.0f} s and was stopped") from None
    except (OSError, ValueError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "an argument holds a NUL character"
        raise GitError(f"git {args[0]} could not run ({reason})") from None
    if check and done.returncode != 0:
        raise GitError(f"git {args[0]} failed: {reasons(done.stderr or done.stdout, done.returncode)}")
    return done.returncode, done.stdout, done.stderr


_REASON = re.compile(r"^(?:remote: )?(?:fatal|error|ssh):", re.IGNORECASE)
_REASONS_MAX = 600


def reasons(output: str, status: int = 1) -> str:
    """git's own reasons for a failure, on one line: its ``fatal:``/``error:`` lines, without the hints and advice.

    When git printed no such line, its last line that is not a hint; control characters are made visible.
    """
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    picked = [line for line in lines if _REASON.match(line)]
    if not picked:
        picked = [line for line in lines if not line.lower().startswith("hint:")][-1:]
    return _one_line("; ".join(picked) or f"exit {status}")


def _one_line(text: str) -> str:
    """Text from git (or from a remote through it) fit for a one-line error: no control characters, bounded."""
    text = re.sub(r"[\x00-\x1f\x7f-\x9f]", "?", text)
    return text if len(text) <= _REASONS_MAX else text[:_REASONS_MAX] + "..."


def repo_root(path: Path) -> Path:
    with open_repo(path) as repo:
        return _work_tree(repo)


def identity(path: Path) -> tuple[str, str]:
    """(name, email) from git config; NoIdentity with the fix when either is missing."""
    with open_repo(path) as repo:
        return _identity(repo)


def _identity(repo: Repo) -> tuple[str, str]:
    reader = repo.config_reader()
    name = reader.get_value("user", "name", default="")
    email = reader.get_value("user", "email", default="")
    if not str(name).strip() or not str(email).strip():
        raise NoIdentity(
            'git has no identity here: set it with git config --global user.name "Your Name" '
            'and git config --global user.email "you@example.com"'
        )
    return str(name), str(email)


def state(path: Path) -> RepoState:
    with open_repo(path) as repo:
        root = _work_tree(repo)
        operation = _operation(repo)
        detached = repo.head.is_detached
        branch = None if detached else repo.head.ref.name
        if detached and operation == "rebase":
            branch = _rebasing_branch(repo)
        detached_at = repo.head.commit.hexsha[:10] if detached and branch is None else None
        remotes = [r.name for r in repo.remotes]
        remote = "origin" if "origin" in remotes else (remotes[0] if remotes else None)
        upstream = None
        ahead = behind = 0
        if branch and remote and not detached:
            status, out, _ = _run(repo, "rev-parse", "--abbrev-ref", "--symbolic-full-name", "@{upstream}",
                                  check=False)
            if status == 0:
                upstream = out.strip()
                status, out, _ = _run(repo, "rev-list", "--left-right", "--count", "HEAD...@{upstream}",
                                      check=False)
                if status == 0 and out.strip():
                    ahead, behind = (int(x) for x in out.split())
        return RepoState(root, branch, detached_at, remote, upstream, ahead, behind, operation)


def _operation(repo: Repo) -> str | None:
    """``rebase`` or ``merge`` while a pull that stopped on conflicts is not finished."""
    git_dir = Path(repo.git_dir)
    if (git_dir / "rebase-merge").exists() or (git_dir / "rebase-apply").exists():
        return "rebase"
    if (git_dir / "MERGE_HEAD").exists():
        return "merge"
    return None


def _rebasing_branch(repo: Repo) -> str | None:
    """The branch a stopped rebase rewrites (HEAD is detached meanwhile), from git's notes; shown, never run."""
    for folder in ("rebase-merge", "rebase-apply"):
        try:
            name = (Path(repo.git_dir) / folder / "head-name").read_text(encoding="utf-8", errors="replace").strip()
        except OSError:
            continue
        if name.startswith("refs/heads/"):
            return name[len("refs/heads/"):]
    return None


def file_states(path: Path, folder: str) -> FileStates:
    """modified / untracked / staged / conflicted / added / deleted for files under ``folder``."""
    with open_repo(path) as repo:
        _, out, _ = _run(repo, "status", "--porcelain=v1", "-z", "--untracked-files=all", "--", folder)
    result = FileStates()
    entries = out.split("\0")
    index = 0
    while index < len(entries):
        entry = entries[index]
        index += 1
        if len(entry) < 4:
            continue
        x, y, name = entry[0], entry[1], entry[3:]
        if x in "RC":
            index += 1  # the source path of a rename follows
        if x == "?":
            label = "untracked"
        elif "U" in (x, y) or (x, y) in (("A", "A"), ("D", "D")):
            label = "conflicted"
        elif x != " " and y != " ":
            label = "staged+modified"
        elif x == "A":
            label = "added"
        elif x == "D" or y == "D":
            label = "deleted"
        elif x != " ":
            label = "staged"
        else:
            label = "modified"
        result.states[name] = label
    return result


def diff(path: Path, paths: Sequence[str]) -> str:
    """Pending changes (staged and not) of these files against HEAD; new files shown whole."""
    with open_repo(path) as repo:
        has_head = repo.head.is_valid()
        _, out, _ = _run(repo, "diff", "--no-color", *(["HEAD"] if has_head else []), "--", *paths, check=False)
        _, untracked, _ = _run(repo, "ls-files", "--others", "--exclude-standard", "-z", "--", *paths)
        root = _work_tree(repo)
    extra = []
    for name in filter(None, untracked.split("\0")):
        try:
            text = (root / name).read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        lines = text.splitlines()
        extra.append(f"new file {name}\n--- /dev/null\n+++ b/{name}\n" + "\n".join("+" + line for line in lines))
    return "\n".join(filter(None, [out, *extra]))


def _require_branch(repo: Repo) -> str:
    operation = _operation(repo)
    if operation is not None:
        raise PullInProgress(_conflicted(repo), operation)
    if repo.head.is_valid() and repo.head.is_detached:
        raise DetachedHead(
            f"detached HEAD at {repo.head.commit.hexsha[:10]}: check out a branch first (git switch <branch>)"
        )
    return repo.active_branch.name


def commit_files(path: Path, paths: Sequence[str], message: str, *, refs: Sequence[int] = (),
                 closes: Sequence[int] = (), when: datetime) -> CommitInfo:
    """Stage exactly ``paths`` and commit only them, with ``Refs:``/``Closes:`` trailers.

    ``when`` (the caller's clock) is the time reported in the result; git stamps the commit itself.
    """
    if not paths:
        raise GitError("nothing to commit: choose at least one runbook")
    if not message.strip():
        raise GitError("the commit message is empty")
    from tracker.core.validate import clean_text

    body = clean_text(message.strip(), "commit message", limit=20_000)
    trailers = []
    if refs:
        trailers.append("Refs: " + ", ".join(action_key(n) for n in refs))
    if closes:
        trailers.append("Closes: " + ", ".join(action_key(n) for n in closes))
    if trailers:
        body += "\n\n" + "\n".join(trailers)
    with open_repo(path) as repo:
        name, email = _identity(repo)
        _require_branch(repo)
        # A pathspec commit takes tracked files as they are in the work tree, so the usual case
        # (an edited runbook) is one git process; new files must be added first.
        status, out, err = _run(repo, "commit", "--no-verify", "-m", body, "--", *paths, check=False)
        if status != 0 and "did not match any file" in err:
            _run(repo, "add", "--", *paths)
            status, out, err = _run(repo, "commit", "--no-verify", "-m", body, "--", *paths, check=False)
        if status != 0:
            text = (err or out).strip()
            if "nothing to commit" in text or "no changes added" in text:
                raise GitError("nothing to commit: the chosen runbooks have no changes")
            raise GitError(f"git commit failed: {reasons(text, status)}")
        sha = _head_hexsha(repo, out)
    refs_found, closes_found = parse_trailers(body)
    return CommitInfo(
        sha=sha,
        author_name=name,
        author_email=email,
        when=when,
        subject=body.splitlines()[0],
        refs=refs_found,
        closes=closes_found,
    )


def _head_hexsha(repo: Repo, commit_output: str) -> str:
    """The sha HEAD points to, read from the refs (no object lookup, no extra process)."""
    from git.refs.symbolic import SymbolicReference

    try:
        return str(SymbolicReference.dereference_recursive(repo, "HEAD"))
    except (ValueError, OSError):
        # git's summary line names the new commit: "[main 1a2b3c4] subject".
        match = re.search(r"^\[[^\]]*?([0-9a-f]{7,40})\]", commit_output, re.MULTILINE)
        return match.group(1) if match else ""


def _commit_id(repo: Repo, value: str, what: str) -> str:
    """``value`` (read from the database, a file or a remote) checked to be the full id of a commit here.

    Anything else could reach git as an option (``--output=...``) or as a revision expression.
    """
    if not OBJECT_ID.fullmatch(value):
        raise GitError(f"{what} {shown(value)} is not a full commit id")
    status, out, _ = _run(repo, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{value}^{{commit}}",
                          check=False)
    if status != 0 or out.strip() != value:
        raise GitError(f"{what} {value[:10]} is not a commit in this repository")
    return value


def parse_trailers(message: str) -> tuple[tuple[int, ...], tuple[int, ...]]:
    refs: list[int] = []
    closes: list[int] = []
    for kind, value in TRAILER.findall(message):
        numbers = [provisional_number(n) if n.startswith("~") else int(n) for n in ACTION_KEY.findall(value)]
        (closes if kind.lower() == "closes" else refs).extend(numbers)
    return tuple(dict.fromkeys(refs)), tuple(dict.fromkeys(closes))


def commits_with_trailers(path: Path, since: str | None = None, limit: int = 5000) -> list[CommitInfo]:
    """Commits (newest first) whose message has Refs:/Closes: trailers naming actions."""
    with open_repo(path) as repo:
        if not repo.head.is_valid():
            return []
        revision = f"{_commit_id(repo, since, 'the last scanned commit')}..HEAD" if since else "HEAD"
        status, out, _ = _run(
            repo, "log", f"--max-count={limit}", "-i", "--extended-regexp",
            "--grep=^(Refs|Closes):", "--format=%H%x1f%an%x1f%ae%x1f%aI%x1f%s%x1f%B%x1e", "--end-of-options",
            revision, "--", check=False,
        )
    if status != 0:
        return []
    found = []
    for record in filter(None, (r.strip("\n") for r in out.split("\x1e"))):
        sha, name, email, when, subject, message = record.split("\x1f", 5)
        refs, closes = parse_trailers(message)
        if refs or closes:
            found.append(CommitInfo(sha, name, email, datetime.fromisoformat(when), subject, refs, closes))
    return found


def last_commits(path: Path, folder: str) -> dict[str, tuple[str, datetime]]:
    """For each file under ``folder``, its last commit (sha, time), from one ``git log`` walk."""
    with open_repo(path) as repo:
        if not repo.head.is_valid():
            return {}
        status, out, _ = _run(repo, "log", "--format=%x1e%H%x1f%aI", "--name-only", "--no-renames", "HEAD",
                              "--", folder, check=False)
    latest: dict[str, tuple[str, datetime]] = {}
    if status != 0:
        return latest
    for record in filter(None, out.split("\x1e")):
        head, _, names = record.partition("\n")
        sha, when = head.split("\x1f")
        stamp = datetime.fromisoformat(when.strip())
        for name in filter(None, (n.strip() for n in names.splitlines())):
            latest.setdefault(name, (sha, stamp))
    return latest


def head_sha(path: Path) -> str | None:
    with open_repo(path) as repo:
        return repo.head.commit.hexsha if repo.head.is_valid() else None


# -- remote ------------------------------------------------------------------------------------


def _remote_and_branch(repo: Repo) -> tuple[str, str]:
    """The remote and branch to pull or push, both read from files git keeps: checked before git sees them."""
    branch = _require_branch(repo)
    if not BRANCH_NAME.fullmatch(branch) or ".." in branch or "@{" in branch:
        raise GitError(f"branch name {shown(branch)} is not a usable name: switch to another branch")
    if not repo.remotes:
        raise NoRemote("no remote configured: add one with git remote add origin <url>")
    names = [r.name for r in repo.remotes]
    remote = "origin" if "origin" in names else names[0]
    if not REMOTE_NAME.fullmatch(remote) or ".." in remote:
        raise GitError(f"remote name {shown(remote)} is not a plain name (letters, digits, . _ / -):"
                       " rename it in .git/config")
    return remote, branch


def _conflicted(repo: Repo) -> list[str]:
    _, out, _ = _run(repo, "diff", "--name-only", "-z", "--diff-filter=U", check=False)
    return [name for name in out.split("\0") if name]


def pull(path: Path, *, rebase: bool = False) -> str:
    """Pull the current branch: fast-forward only by default, ``rebase`` on request."""
    with open_repo(path) as repo:
        remote, branch = _remote_and_branch(repo)
        mode = "--rebase" if rebase else "--ff-only"
        # --no-autostash: with rebase.autoStash or merge.autoStash set, a pull over uncommitted edits would
        # stash them, report success, and leave conflict markers and a stash behind.
        status, out, err = _run(repo, "pull", "--no-edit", "--no-autostash", mode, remote, f"refs/heads/{branch}",
                                timeout=NETWORK_TIMEOUT, check=False)
        if status == 0:
            return (out.strip().splitlines() or ["Already up to date."])[-1]
        text = f"{out}\n{err}".strip()
        conflicts = _conflicted(repo)
        if conflicts:
            raise PullConflict(conflicts, "rebase" if rebase else "merge")
        if "Not possible to fast-forward" in text or "diverg" in text:
            raise GitError("the branch and its remote have diverged: pull with --rebase, then push")
        if "would be overwritten" in text or "unstaged changes" in text or "uncommitted changes" in text:
            raise GitError("you have uncommitted changes that the pull would touch: commit them first")
        if "Could not read from remote" in text or "unable to access" in text or "timed out" in text.lower():
            raise GitError(f"cannot reach the remote {remote}: {reasons(err or text, status)}")
        raise GitError(f"git pull failed: {reasons(err or text, status)}")


def abort_pull(path: Path) -> None:
    """Go back to the state before a pull that stopped on conflicts."""
    with open_repo(path) as repo:
        operation = _operation(repo)
        if operation is None:
            raise GitError("no pull in progress to abort")
        _run(repo, operation, "--abort")


def continue_pull(path: Path, paths: Sequence[str]) -> None:
    """After the user resolved ``paths``, mark them resolved and finish the rebase or merge."""
    from tracker.core.runbooks.files import conflict_marker

    with open_repo(path) as repo:
        for name in paths:
            text = (_work_tree(repo) / name).read_text(encoding="utf-8", errors="replace")
            line = conflict_marker(text)
            if line is not None:
                raise GitError(f"{name} line {line} still has conflict markers (<<<<<<< / >>>>>>>): edit it first")
        operation = _operation(repo)
        if operation is None:
            raise GitError("no pull in progress to continue")
        _run(repo, "add", "--", *paths)
        if operation == "rebase":
            status, out, err = _run(repo, "-c", "core.editor=true", "rebase", "--continue", check=False)
        else:
            status, out, err = _run(repo, "commit", "--no-edit", "-q", check=False)
        if status != 0:
            left = _conflicted(repo)
            if left:
                raise PullConflict(left, "rebase")
            raise GitError(f"could not continue: {reasons(err or out, status)}")


def push(path: Path) -> str:
    """Push the current branch; a non-fast-forward rejection raises PushRejected."""
    with open_repo(path) as repo:
        remote, branch = _remote_and_branch(repo)
        status, out, err = _run(repo, "push", "--porcelain", remote, f"HEAD:refs/heads/{branch}",
                                timeout=NETWORK_TIMEOUT, check=False)
        text = f"{out}\n{err}"
        if status == 0:
            return f"pushed {branch} to {remote}"
        if "[rejected]" in text or "non-fast-forward" in text or "fetch first" in text:
            raise PushRejected(f"push rejected: {remote} has commits that {branch} lacks; pull, then push (sync)")
        if "[remote rejected]" in text:
            # What the remote's hooks said, and the reason git gives: "(pre-receive hook declined)".
            said = [line[len("remote:"):].strip() for line in text.splitlines() if line.startswith("remote:")]
            why = re.findall(r"\[remote rejected\] \(([^)\n]*)\)", text)
            detail = "; ".join(filter(None, said + why)) or reasons(err or text, status)
            raise GitError(f"the remote refused the push: {_one_line(detail)}")
        if "Could not read from remote" in text or "unable to access" in text or "timed out" in text.lower():
            raise GitError(f"cannot reach the remote {remote}: {reasons(err or text, status)}")
        raise GitError(f"git push failed: {reasons(err or text, status)}")


def configured_email(cwd: Path | None = None) -> str | None:
    """git's ``user.email`` for ``cwd`` (repository, then global config), or None. No GitPython."""
    binary = shutil.which("git")
    if binary is None:
        return None
    try:
        done = subprocess.run(
            [binary, "config", "--get", "user.email"], cwd=cwd, capture_output=True, text=True, timeout=5,
            env={**os.environ, **GIT_ENV}, stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() or None


# -- the team ledger's plumbing ----------------------------------------------------------------
#
# The ledger (``tracker.repo.ledger``) lives on a ref of its own; these run git's plumbing on the
# repository's git folder directly (no work tree, no index of the user's, no GitPython: a command
# that only needs to know whether the ledger moved pays for no import and, when it did not, for no
# process). Refs, remotes and object ids are checked before git sees them.

REF_NAME = re.compile(r"refs/(?:[A-Za-z0-9_][A-Za-z0-9._-]*/)*[A-Za-z0-9_][A-Za-z0-9._-]*")
"""A ref name the ledger may use: under ``refs/``, plain parts (no ``..``, ``@{``, spaces or options)."""


class LedgerRejected(GitError):
    """The remote refused the ledger's ref (a host that takes only branches and tags, a hook)."""


def check_ref(name: str, what: str = "ledger ref") -> str:
    """A ref name from settings or a file, refused unless it is a plain ``refs/...`` name."""
    if not REF_NAME.fullmatch(name) or ".." in name or name.endswith((".lock", ".")) or "/." in name:
        raise GitError(f"{what} {shown(name)} is not a plain ref name (refs/..., letters, digits, . _ - /)")
    return name


def _plumb(git_dir: Path, *args: str, data: bytes | None = None, timeout: float = LOCAL_TIMEOUT,
           check: bool = True, env: dict[str, str] | None = None) -> tuple[int, bytes, str]:
    """Run ``git --git-dir=<git_dir> args`` (bytes in and out); (status, stdout, stderr)."""
    binary = _git_binary()
    try:
        done = subprocess.run(
            [binary, f"--git-dir={git_dir}", *args], input=data if data is not None else b"", capture_output=True,
            timeout=timeout, env={**os.environ, **GIT_ENV, **(env or {})},
        )
    except subprocess.TimeoutExpired:
        raise GitError(f"git {args[0]} took longer than {timeout:.0f} s and was stopped") from None
    except (OSError, ValueError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "an argument holds a NUL character"
        raise GitError(f"git {args[0]} could not run ({reason})") from None
    err = done.stderr.decode("utf-8", errors="replace")
    if check and done.returncode != 0:
        raise GitError(f"git {args[0]} failed: {reasons(err, done.returncode)}")
    return done.returncode, done.stdout, err


def read_ref(git_dir: Path, ref: str) -> str | None:
    """The commit a ref points to, read from git's files when they are plain (no process), else by git."""
    check_ref(ref)
    try:
        text = (git_dir / ref).read_text(encoding="ascii").strip()
        if OBJECT_ID.fullmatch(text):
            return text
    except (OSError, UnicodeDecodeError):
        pass
    if not (git_dir / "reftable").exists():
        try:
            with (git_dir / "packed-refs").open(encoding="ascii", errors="replace") as fh:
                for line in fh:
                    sha, _, name = line.strip().partition(" ")
                    if name == ref and OBJECT_ID.fullmatch(sha):
                        return sha
        except OSError:
            pass
        if not (git_dir / ref).exists():
            return None
    status, out, _ = _plumb(git_dir, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}",
                            check=False)
    sha = out.decode().strip()
    return sha if status == 0 and OBJECT_ID.fullmatch(sha) else None


def _commit(git_dir: Path, value: str, what: str) -> str:
    if not OBJECT_ID.fullmatch(value):
        raise GitError(f"{what} {shown(value)} is not a full commit id")
    return value


def is_ancestor(git_dir: Path, old: str, new: str) -> bool:
    """Whether ``old`` is ``new`` or lies in its history (a fast-forward from one to the other)."""
    status, _, err = _plumb(git_dir, "merge-base", "--is-ancestor", "--end-of-options",
                            _commit(git_dir, old, "commit"), _commit(git_dir, new, "commit"), check=False)
    if status not in (0, 1):
        raise GitError(f"git merge-base failed: {reasons(err, status)}")
    return status == 0


class TreeChange(NamedTuple):
    status: str
    """``A`` added, ``M`` modified, ``D`` deleted (``T``, type changed, counts as modified)."""
    blob: str
    path: str


def tree_changes(git_dir: Path, old: str | None, new: str) -> list[TreeChange]:
    """The files that differ from ``old`` to ``new`` (every file of ``new`` when ``old`` is None)."""
    new = _commit(git_dir, new, "commit")
    if old is None:
        _, out, _ = _plumb(git_dir, "ls-tree", "-r", "-z", "--full-tree", "--end-of-options", new)
        found = []
        for record in filter(None, out.split(b"\0")):
            head, _, path = record.partition(b"\t")
            mode, kind, blob = head.decode().split(" ")
            if kind == "blob":
                found.append(TreeChange("A", blob, path.decode("utf-8", errors="replace")))
        return found
    _, out, _ = _plumb(git_dir, "diff-tree", "-r", "-z", "--no-renames", "--end-of-options",
                       _commit(git_dir, old, "commit"), new)
    parts = out.split(b"\0")
    found = []
    for index in range(0, len(parts) - 1, 2):
        meta, name = parts[index].decode(), parts[index + 1].decode("utf-8", errors="replace")
        if not meta.startswith(":"):
            continue
        _, _, _, object_id, change = meta[1:].split(" ")
        found.append(TreeChange(change[0] if change[0] in "AD" else "M", object_id, name))
    return found


def read_blobs(git_dir: Path, names: Sequence[str]) -> list[bytes | None]:
    """The contents of objects (ids, or ``<commit>:<path>``) in one ``cat-file --batch``; None when missing."""
    if not names:
        return []
    for name in names:
        if "\n" in name:
            raise GitError("an object name holds a newline")
    _, out, _ = _plumb(git_dir, "cat-file", "--batch", data=("\n".join(names) + "\n").encode())
    found: list[bytes | None] = []
    position = 0
    for _ in names:
        end = out.index(b"\n", position)
        header = out[position:end].decode("utf-8", errors="replace")
        position = end + 1
        if header.endswith(" missing") or header.endswith(" ambiguous"):
            found.append(None)
            continue
        size = int(header.rsplit(" ", 1)[1])
        found.append(out[position:position + size])
        position += size + 1
    return found


class LedgerConfig(NamedTuple):
    """What a sync needs from git's configuration, read by one process."""

    remote: str
    fetch: tuple[str, ...]
    """The remote's fetch refspecs."""
    identity: tuple[str, str] | None
    """(user.name, user.email), None when either is missing."""


def ledger_config(git_dir: Path) -> LedgerConfig:
    """The remote the ledger travels through (``origin``, else the first one), its fetch refspecs, who commits."""
    _, out, _ = _plumb(git_dir, "config", "--list", "-z")
    values: dict[str, list[str]] = {}
    remotes: list[str] = []
    for item in out.decode("utf-8", errors="replace").split("\0"):
        key, _, value = item.partition("\n")
        values.setdefault(key, []).append(value)
        if key.startswith("remote.") and key.endswith(".url"):
            name = key[len("remote."):-len(".url")]
            if name not in remotes:
                remotes.append(name)
    if not remotes:
        raise NoRemote("no remote configured: add one with git remote add origin <url>")
    remote = "origin" if "origin" in remotes else remotes[0]
    if not REMOTE_NAME.fullmatch(remote) or ".." in remote:
        raise GitError(f"remote name {shown(remote)} is not a plain name (letters, digits, . _ / -):"
                       " rename it in .git/config")
    name, email = (values.get(k, [""])[-1].strip() for k in ("user.name", "user.email"))
    identity = (name, email) if name and email else None
    if identity is not None and re.search(r"[<>\n\x00]", name + email):
        raise GitError("git's user.name or user.email holds < > or a line break: fix it in git config")
    return LedgerConfig(remote, tuple(values.get(f"remote.{remote}.fetch", [])), identity)


def ledger_remote(git_dir: Path) -> str:
    """The remote the ledger travels through: ``origin``, else the first one (its name checked)."""
    return ledger_config(git_dir).remote


def add_refspec(git_dir: Path, remote: str, spec: str) -> None:
    """Add ``spec`` to the remote's fetch refspecs (so a plain ``git fetch`` brings the ledger too)."""
    _plumb(git_dir, "config", "--add", f"remote.{remote}.fetch", spec)


def fetch_ref(git_dir: Path, remote: str, remote_ref: str, local_ref: str) -> str:
    """Fetch one ref without force: ``updated`` (or already there), ``missing`` on the remote, ``rejected``
    (the remote's ref does not contain the local one: it was rewritten)."""
    spec = f"{check_ref(remote_ref)}:{check_ref(local_ref)}"
    status, out, err = _plumb(git_dir, "fetch", "--no-tags", "--no-write-fetch-head", "--no-progress",
                              "--end-of-options", remote, spec, timeout=NETWORK_TIMEOUT, check=False)
    text = f"{out.decode(errors='replace')}\n{err}"
    if status == 0:
        return "updated"
    if "couldn't find remote ref" in text or "could not find remote ref" in text:
        return "missing"
    if "non-fast-forward" in text or "[rejected]" in text:
        return "rejected"
    if "Could not read from remote" in text or "unable to access" in text or "timed out" in text.lower():
        raise GitError(f"cannot reach the remote {remote}: {reasons(err, status)}")
    raise GitError(f"git fetch failed: {reasons(err, status)}")


def remote_has_ref(git_dir: Path, remote: str, ref: str) -> bool:
    status, out, err = _plumb(git_dir, "ls-remote", "--end-of-options", remote, check_ref(ref),
                              timeout=NETWORK_TIMEOUT, check=False)
    if status != 0:
        raise GitError(f"cannot reach the remote {remote}: {reasons(err, status)}")
    return any(line.split(b"\t")[-1] == ref.encode() for line in out.splitlines())


def plain_identity(git_dir: Path) -> tuple[str, str]:
    """(name, email) from git's config, checked to fit in a commit header; NoIdentity when unset."""
    values = []
    for key in ("user.name", "user.email"):
        _, out, _ = _plumb(git_dir, "config", "--get", key, check=False)
        values.append(out.decode("utf-8", errors="replace").strip())
    name, email = values
    if not name or not email:
        raise NoIdentity(
            'git has no identity here: set it with git config --global user.name "Your Name" '
            'and git config --global user.email "you@example.com"'
        )
    if re.search(r"[<>\n\x00]", name + email):
        raise GitError("git's user.name or user.email holds < > or a line break: fix it in git config")
    return name, email


def write_commit(git_dir: Path, *, parent: str | None, files: Sequence[tuple[str, bytes]], message: str,
                 identity: tuple[str, str], when: datetime, scratch_ref: str, marks: Path) -> str:
    """A commit adding ``files`` to ``parent``'s tree (or a first commit), written by one ``fast-import``.

    No index and no work tree are touched. fast-import needs a ref to write to: ``scratch_ref``, a ref
    of the tracker's own (never the ledger); the commit's id is read back from ``marks``.
    """
    stamp = f"{int(when.timestamp())} +0000"
    body = message.encode()
    chunks = [f"reset {check_ref(scratch_ref)}\ncommit {scratch_ref}\nmark :1\n"
              f"committer {identity[0]} <{identity[1]}> {stamp}\ndata {len(body)}\n".encode(), body, b"\n"]
    if parent is not None:
        chunks.append(f"from {_commit(git_dir, parent, 'parent')}\n".encode())
    for path, data in files:
        if not re.fullmatch(r"[A-Za-z0-9._/-]+", path) or ".." in path:
            raise GitError(f"not a ledger path: {shown(path)}")
        chunks += [f"M 100644 inline {path}\ndata {len(data)}\n".encode(), data, b"\n"]
    chunks.append(b"done\n")
    _plumb(git_dir, "fast-import", "--quiet", "--force", "--done", "--date-format=raw",
           f"--export-marks={marks}", data=b"".join(chunks))
    for line in marks.read_text(encoding="ascii").splitlines():
        mark, _, sha = line.partition(" ")
        if mark == ":1" and OBJECT_ID.fullmatch(sha):
            return sha
    raise GitError("git fast-import wrote no commit")


def push_ref(git_dir: Path, remote: str, commit: str, remote_ref: str) -> bool:
    """Push ``commit`` to the remote's ref, never forced: True when it took, False when someone pushed first."""
    status, out, err = _plumb(git_dir, "push", "--porcelain", "--no-verify", "--end-of-options", remote,
                              f"{_commit(git_dir, commit, 'commit')}:{check_ref(remote_ref)}",
                              timeout=NETWORK_TIMEOUT, check=False)
    text = f"{out.decode(errors='replace')}\n{err}"
    if status == 0:
        return True
    if "cannot lock ref" in text or "but expected" in text or "failed to update ref" in text:
        return False  # another push updated the ref between our check and our write: someone pushed first
    if "[remote rejected]" in text or "hidden ref" in text:
        said = [line[len("remote:"):].strip() for line in text.splitlines() if line.startswith("remote:")]
        why = re.findall(r"\[remote rejected\] \(([^)\n]*)\)", text)
        detail = "; ".join(filter(None, said + why)) or reasons(err, status)
        raise LedgerRejected(f"the remote refused {remote_ref}: {_one_line(detail)}")
    if "[rejected]" in text or "non-fast-forward" in text or "fetch first" in text:
        return False
    if "Could not read from remote" in text or "unable to access" in text or "timed out" in text.lower():
        raise GitError(f"cannot reach the remote {remote}: {reasons(err, status)}")
    raise GitError(f"git push failed: {reasons(err, status)}")


def move_ref(git_dir: Path, ref: str, new: str, old: str | None) -> bool:
    """Move a local ref from ``old`` (None: it must not exist) to ``new``; False when it had moved meanwhile."""
    status, _, _ = _plumb(git_dir, "update-ref", "--end-of-options", check_ref(ref), _commit(git_dir, new, "commit"),
                          "" if old is None else _commit(git_dir, old, "commit"), check=False)
    return status == 0


def count_commits(git_dir: Path, old: str | None, new: str) -> int:
    """Commits in ``new`` and not in ``old``."""
    args = ["rev-list", "--count", "--end-of-options", _commit(git_dir, new, "commit")]
    if old is not None:
        args.append("^" + _commit(git_dir, old, "commit"))
    _, out, _ = _plumb(git_dir, *args)
    return int(out.decode().strip() or 0)


PIPELINED = 500
"""Object names written to ``cat-file --batch`` before reading its answers (about 20 KB of requests, well
under a pipe's buffer, so neither side waits on the other)."""


class _ObjectReader:
    """One ``git cat-file --batch``: object requests answered one at a time (an ancestry walk needs each
    answer before the next), or a batch of them at once."""

    def __init__(self, git_dir: Path) -> None:
        self.proc = subprocess.Popen(
            [_git_binary(), f"--git-dir={git_dir}", "cat-file", "--batch"], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env={**os.environ, **GIT_ENV})

    def read(self, name: str) -> tuple[str, bytes] | None:
        """(type, content) of an object (an id, or ``<commit>:<path>``); None when it does not exist."""
        if "\n" in name:
            raise GitError("an object name holds a newline")
        stdin, stdout = self.proc.stdin, self.proc.stdout
        assert stdin is not None and stdout is not None
        stdin.write(name.encode() + b"\n")
        stdin.flush()
        return self._answer()

    def _answer(self) -> tuple[str, bytes] | None:
        stdout = self.proc.stdout
        assert stdout is not None
        header = stdout.readline().decode("utf-8", errors="replace").rstrip("\n")
        if not header:
            raise GitError("git cat-file stopped answering")
        if header.endswith((" missing", " ambiguous")):
            return None
        _, kind, size = header.rsplit(" ", 2)
        data = stdout.read(int(size) + 1)
        if len(data) != int(size) + 1:
            raise GitError("git cat-file stopped answering")
        return kind, data[:-1]

    def read_all(self, names: Sequence[str]) -> list[bytes | None]:
        """The contents of several objects: all the requests written first, then the answers read (the
        requests must fit in the pipe, ``PIPELINED`` of them at most)."""
        if len(names) > PIPELINED or any("\n" in name for name in names):
            raise GitError("too many object names, or one holding a newline")
        stdin = self.proc.stdin
        assert stdin is not None
        stdin.write("".join(f"{name}\n" for name in names).encode())
        stdin.flush()
        return [None if found is None else found[1] for found in (self._answer() for _ in names)]

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout=LOCAL_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        if self.proc.stdout is not None:
            self.proc.stdout.close()


class LedgerDelta(NamedTuple):
    """What one ledger commit adds to another."""

    descends: bool
    """``new`` contains ``old`` (a fast-forward); when not, nothing else is filled."""
    added: list[tuple[str, bytes]]
    """(path, content) of every file added (the operations, and FORMAT on the first commit)."""
    changed: list[str]
    """Paths modified or removed (never, in a ledger nobody rewrote)."""


ANCESTRY_WALK = 10_000
"""Commits walked back looking for the old tip before asking git's merge-base instead."""


def ledger_delta(git_dir: Path, old: str | None, new: str) -> LedgerDelta:
    """The files ``new`` adds to ``old`` (all of them when ``old`` is None): the ancestry walked back by one
    ``git cat-file``, the two trees compared by ``tree_changes``, the new files read by that same
    ``cat-file`` (one batch of their own when there are many)."""
    new = _commit(git_dir, new, "commit")
    if old is not None:
        old = _commit(git_dir, old, "commit")
    reader = None if old is None else _ObjectReader(git_dir)
    try:
        if reader is not None and old is not None and not _descends(reader, git_dir, old, new):
            return LedgerDelta(False, [], [])
        changes = tree_changes(git_dir, old, new)
        added = [(c.path, c.blob) for c in changes if c.status == "A"]
        changed = [c.path for c in changes if c.status != "A"]
        if reader is not None and len(added) <= PIPELINED:
            blobs = reader.read_all([blob for _, blob in added])
            return LedgerDelta(True, [(path, data or b"") for (path, _), data in zip(added, blobs, strict=True)],
                               changed)
    finally:
        if reader is not None:
            reader.close()
    # Many files (a first sync): one batch read, no request and answer each.
    contents = [(path, data or b"") for (path, _), data in zip(
        added, read_blobs(git_dir, [blob for _, blob in added]), strict=True)]
    return LedgerDelta(True, contents, changed)


def _descends(reader: _ObjectReader, git_dir: Path, old: str, new: str) -> bool:
    """Whether ``new`` contains ``old``: the tracker's linear chain walked back, else git's merge-base."""
    current, steps = new, 0
    while current != old:
        found = reader.read(current)
        parents = [] if found is None else re.findall(rb"^parent ([0-9a-f]+)$", found[1], re.MULTILINE)
        steps += 1
        if not parents:
            return False
        if len(parents) > 1 or steps > ANCESTRY_WALK:  # not the tracker's linear chain: ask git
            return is_ancestor(git_dir, old, new)
        current = parents[0].decode()
    return True
