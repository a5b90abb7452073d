"""The runbooks' repository for the app: its state, diff, commit, pull, push and sync, through the workspace."""

from __future__ import annotations

from typing import NamedTuple

from tracker.repo import gitsync
from tracker.repo.gitsync import CommitInfo, FileStates, RepoState
from tracker.tui.services.shared import Shared


class GitOverview(NamedTuple):
    state: RepoState | None
    """None when git cannot be used here; ``problem`` says why."""
    files: FileStates
    """Each changed runbook's git state (modified, untracked, conflicted, ...)."""
    problem: str = ""


class GitService:
    def __init__(self, shared: Shared) -> None:
        self._shared = shared

    def overview(self) -> GitOverview:
        space = self._shared.workspace()
        if space.git_error is not None:
            return GitOverview(None, FileStates(), str(space.git_error))
        try:
            return GitOverview(space.state(), space.file_states())
        except gitsync.GitError as error:
            return GitOverview(None, FileStates(), str(error))

    def changed(self) -> list[str]:
        """The runbooks with changes to commit."""
        return self._shared.run(lambda db: self._shared.workspace().changed_paths())

    def diff(self, paths: list[str]) -> str:
        return self._shared.workspace().diff(paths)

    def commit(self, paths: list[str], message: str, refs: list[str], closes: list[str],
               allow_secrets: bool) -> CommitInfo:
        return self._shared.run(lambda db: self._shared.workspace().commit(
            paths, message, refs=refs, closes=closes, allow_secrets=allow_secrets))

    def commits_for(self, key: str) -> list[CommitInfo]:
        """Commits whose trailers name this action; none when git cannot be used."""
        space = self._shared.workspace()
        if space.git_error is not None:
            return []
        try:
            return space.commits_for(key)
        except gitsync.GitError:
            return []

    def pull(self, rebase: bool = False) -> str:
        """Pull without holding the database (the network may be slow), then index what came."""
        return self._shared.workspace().pull(rebase=rebase)

    def push(self) -> str:
        return self._shared.workspace().push()

    def sync(self) -> str:
        """Pull with rebase, then push."""
        return self._shared.workspace().sync(rebase=True)

    def abort_pull(self) -> None:
        self._shared.run(lambda db: self._shared.workspace().abort_pull())

    def continue_pull(self, paths: list[str]) -> None:
        self._shared.run(lambda db: self._shared.workspace().continue_pull(paths))
