"""Runbooks in their git repository: index, commit with action trailers, pull, push, sync.

Joins three parts without mixing them: files (``tracker.core.runbooks.files``), the index and actions
in the database (``tracker.core``), and git (``tracker.repo.gitsync``, the only door to git).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from contextlib import AbstractContextManager, nullcontext
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Any

from tracker.base.enums import ActionStatus
from tracker.base.errors import InputError, NotFoundError, TrackerError
from tracker.config import Settings
from tracker.core.actions import ActionChanges, get_action, update_action
from tracker.core.keys import parse_key
from tracker.core.rootcauses.names import canonical_slug
from tracker.core.runbooks.files import FrontMatter, commit_problem, create_runbook, safe_runbook_path
from tracker.core.runbooks.index import IndexReport, get_meta, refresh_index, set_meta
from tracker.core.validate import clean_owner, clean_title
from tracker.repo import gitsync
from tracker.storage.database import Db

SCANNED_KEY = "trailers_scanned_to"
"""tracker_meta key: the newest commit whose Closes: trailers were applied."""


class RunbookWorkspace:
    """The runbooks folder of one repository, bound to one database."""

    def __init__(self, db: Db, settings: Settings, cwd: Path | None = None, *,
                 db_lock: AbstractContextManager[Any] | None = None) -> None:
        self.db = db
        self.db_lock = db_lock or nullcontext()
        """Held around a pull's database work, not its network part, when threads share ``db``."""
        self.settings = settings
        self.clock = settings.clock
        base = (cwd or Path.cwd()).resolve()
        self.folder = (base / settings.runbooks_dir).resolve()
        self.git_error: TrackerError | None = None
        """Why git cannot be used here (no git, not a repository); the rest still works."""
        try:
            self.root = gitsync.repo_root(self.folder if self.folder.exists() else base)
        except gitsync.GitError as error:
            self.git_error = error
            self.root = base
        self.runbooks_dir = os.path.relpath(self.folder, self.root).replace(os.sep, "/")

    def _git(self) -> Path:
        if self.git_error is not None:
            raise self.git_error
        return self.root

    # -- index -------------------------------------------------------------------------------

    def refresh(self, only: list[str] | None = None,
                commit: tuple[str, datetime] | None = None) -> IndexReport:
        """Re-index the folder; ``only`` re-indexes just those paths, ``commit`` being their last commit."""
        if only is not None:
            return refresh_index(self.db, self.root, self.runbooks_dir,
                                 {p: commit for p in only} if commit else {}, only=only, clock=self.clock)
        commits = {}
        if self.git_error is None:
            try:
                commits = gitsync.last_commits(self.root, self.runbooks_dir)
            except gitsync.GitError:
                commits = {}
        return refresh_index(self.db, self.root, self.runbooks_dir, commits, clock=self.clock)

    def path(self, given: str) -> str:
        """A user-given runbook path, checked, relative to the repository root."""
        relative_dir = self.runbooks_dir
        return safe_runbook_path(self.root, relative_dir, given)

    def state(self) -> gitsync.RepoState:
        """Where the repository stands: branch, ahead of / behind its upstream, a pull stopped on conflicts."""
        return gitsync.state(self._git())

    def new_runbook(self, given: str, *, title: str, causes: Sequence[str] = (), owner: str = "",
                    services: Sequence[str] = ()) -> str:
        """Write a runbook from the template (not committed); the index knows it at once. Returns its path."""
        slugs = tuple(dict.fromkeys(canonical_slug(self.db, slug) for slug in causes))
        front = FrontMatter(clean_title(title), clean_owner(owner) or "", slugs,
                            tuple(s.strip() for s in services if s.strip()), self.clock.today(), 180)
        relative = create_runbook(self.root, self.runbooks_dir, given, front)
        self.refresh(only=[relative])
        return relative

    def file_states(self) -> gitsync.FileStates:
        return gitsync.file_states(self._git(), self.runbooks_dir)

    def changed_paths(self) -> list[str]:
        states = self.file_states()
        return sorted(p for p, s in states.states.items() if s != "conflicted" and p.endswith(".md"))

    def diff(self, paths: Sequence[str] = ()) -> str:
        """Pending changes of these runbooks (all of them when none is given)."""
        return gitsync.diff(self._git(), [self.path(p) for p in paths] or [self.runbooks_dir])

    # -- commit ------------------------------------------------------------------------------

    def commit(
        self,
        paths: Sequence[str],
        message: str,
        *,
        refs: Sequence[str] = (),
        closes: Sequence[str] = (),
        allow_secrets: bool = False,
        allow_invalid: bool = False,
    ) -> gitsync.CommitInfo:
        """Commit exactly these runbooks (checked first for what they hold) and apply the Closes: trailers."""
        root = self._git()
        # The implicit set (every modified runbook) obeys the same rules as named paths: an untracked
        # symlink out of the folder is refused, not committed.
        chosen = [self.path(p) for p in (paths or self.changed_paths())]
        if not chosen:
            raise InputError("no runbook has changes to commit")
        ref_ids = [self._action_id(k) for k in refs]
        close_ids = [self._action_id(k) for k in closes]
        self._check(chosen, allow_secrets=allow_secrets, allow_invalid=allow_invalid)
        info = gitsync.commit_files(root, chosen, message, refs=ref_ids, closes=close_ids, when=self.clock.now())
        self._close(info)
        self.refresh(only=chosen, commit=(info.sha, info.when))
        return info

    def _check(self, chosen: Sequence[str], *, allow_secrets: bool, allow_invalid: bool) -> None:
        """Refuse what should not be committed (each check with its override): files that are not valid
        runbooks (binary, not UTF-8, empty, bad front matter, conflict markers), then secrets."""
        from tracker.core.runbooks.secrets import find_secrets  # its rules compile on the first commit

        reviews = PurePosixPath(self.runbooks_dir) / "reviews"
        problems: list[str] = []
        findings = []
        for path in chosen:
            try:
                data = (self.root / path).read_bytes()
            except FileNotFoundError:
                continue  # a deleted runbook: nothing to check
            except OSError as exc:
                raise InputError(f"{path}: cannot read ({exc.strerror})") from None
            if not allow_invalid:
                # The weekly review record is the tracker's own file, with front matter of its own.
                problem = commit_problem(path, data, runbook=reviews not in PurePosixPath(path).parents)
                if problem is not None:
                    problems.append(problem)
            if not allow_secrets:
                findings += find_secrets(path, data.decode("utf-8", errors="replace"))
        if problems:
            more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
            raise InputError(f"{problems[0]}{more}: not committed; fix it, or commit with --allow-invalid")
        if findings:
            raise gitsync.SecretsFound(findings)

    def _close(self, commit: gitsync.CommitInfo) -> list[str]:
        """Apply one commit's ``Closes:`` trailers: each action done, the author as actor."""
        changed = []
        for action_id in commit.closes:
            note = f"Closes: in commit {commit.short} ({commit.subject})"
            if self.db.scalar("SELECT 1 FROM action_event WHERE action_id = :id AND note LIKE :n",
                              {"id": action_id, "n": f"Closes: in commit {commit.short[:7]}%"}):
                continue
            try:
                action = get_action(self.db, action_id)
            except NotFoundError:
                continue
            if action.status in (ActionStatus.DONE.value, ActionStatus.WONT_DO.value):
                continue
            update_action(self.db, action_id, ActionChanges(status=ActionStatus.DONE), actor=commit.author_email,
                          note=note[:500], clock=self.clock)
            changed.append(f"ACT-{action_id}")
        return changed

    def _action_id(self, key: str) -> int:
        action_id = parse_key(key, "ACT")
        get_action(self.db, action_id)
        return action_id

    def apply_trailers(self) -> list[str]:
        """Mark actions named by ``Closes:`` in commits not seen yet as done; returns what changed."""
        root = self._git()
        since = get_meta(self.db, SCANNED_KEY)
        try:
            commits = gitsync.commits_with_trailers(root, since)
        except gitsync.GitError:
            commits = gitsync.commits_with_trailers(root)
        changed = []
        for commit in reversed(commits):
            changed += self._close(commit)
        head = gitsync.head_sha(root)
        if head:
            set_meta(self.db, SCANNED_KEY, head)
        return changed

    def commits_for(self, action_key: str) -> list[gitsync.CommitInfo]:
        """Commits whose trailers name this action (made in the app or not), newest first."""
        action_id = parse_key(action_key, "ACT")
        return [c for c in gitsync.commits_with_trailers(self._git()) if action_id in c.refs + c.closes]

    # -- remote ------------------------------------------------------------------------------

    def pull(self, rebase: bool = False) -> str:
        message = gitsync.pull(self._git(), rebase=rebase)
        with self.db_lock:
            self.apply_trailers()
            self.refresh()
        return message

    def push(self) -> str:
        return gitsync.push(self._git())

    def sync(self, rebase: bool = True) -> str:
        pulled = self.pull(rebase=rebase)
        return f"{pulled}; {self.push()}"

    def abort_pull(self) -> None:
        gitsync.abort_pull(self._git())

    def continue_pull(self, paths: Sequence[str]) -> None:
        gitsync.continue_pull(self._git(), [self.path(p) for p in paths])
        self.apply_trailers()
        self.refresh()
