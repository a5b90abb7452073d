"""The app's door to the services: one database connection, used by one worker thread at a time.

Screens never build queries; they call these methods from thread workers and get plain rows.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from tracker.base.enums import ActionKind, ActionStatus, Priority
from tracker.config import Settings
from tracker.core import actions as action_service
from tracker.core import incidents as incident_service
from tracker.core import rootcauses as cause_service
from tracker.core.actions import ActionEventRow, ActionFilter, ActionRow
from tracker.core.incidents import IncidentDetail, IncidentRow
from tracker.core.rootcauses import RootCauseRow
from tracker.storage.database import Db

if TYPE_CHECKING:
    from tracker.core.runbooks.index import RunbookRow
    from tracker.repo.gitsync import CommitInfo, FileStates, RepoState
    from tracker.repo.workspace import RunbookWorkspace

T = TypeVar("T")


class Store:
    """Thread-safe access to the tracker database for the app."""

    def __init__(self, db: Db, settings: Settings, actor: str, cwd: Path | None = None) -> None:
        self._db = db
        self._lock = threading.RLock()
        self.settings = settings
        self.actor = actor
        self.cwd = cwd
        self._workspace: RunbookWorkspace | None = None
        self._indexed = False

    def ensure_indexed(self) -> None:
        """Index the runbooks once per session before anything shows which runbooks apply."""
        if not self._indexed:
            self._indexed = True
            self._run(lambda db: self.workspace().refresh())

    def workspace(self) -> RunbookWorkspace:
        """The runbooks folder and its repository (found on first use, in a worker)."""
        if self._workspace is None:
            from tracker.repo.workspace import RunbookWorkspace

            self._workspace = RunbookWorkspace(self._db, self.settings, self.cwd)
        return self._workspace

    @property
    def today(self) -> date:
        return self.settings.today_date()

    def _run(self, job: Callable[[Db], T]) -> T:
        with self._lock:
            return job(self._db)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # -- reading ---------------------------------------------------------------------------

    def data_stamp(self) -> tuple[Any, ...]:
        """A cheap fingerprint of what other people may have changed (indexed maxima and counts)."""
        return self._run(lambda db: db.row(
            "SELECT (SELECT MAX(id) FROM action_event), (SELECT COUNT(*) FROM action),"
            " (SELECT MAX(updated_at) FROM action), (SELECT COUNT(*) FROM incident),"
            " (SELECT MAX(updated_at) FROM incident), (SELECT COUNT(*) FROM incident_root_cause)"
        ) or ())

    def count_actions(self, filt: ActionFilter) -> int:
        return self._run(lambda db: action_service.count_actions(db, filt))

    def page_actions(
        self, filt: ActionFilter, sort: str, after: tuple[Any, ...] | None, offset: int, limit: int
    ) -> list[ActionRow]:
        return self._run(
            lambda db: action_service.page_actions(db, filt, sort, after=after, offset=offset, limit=limit)
        )

    def action(self, key: str | int) -> tuple[ActionRow, list[ActionEventRow]]:
        def job(db: Db) -> tuple[ActionRow, list[ActionEventRow]]:
            row = action_service.get_action(db, key)
            return row, action_service.action_history(db, row.id)

        return self._run(job)

    def count_incidents(self) -> int:
        return self._run(incident_service.count_incidents)

    def page_incidents(self, after: tuple[Any, ...] | None, offset: int, limit: int) -> list[IncidentRow]:
        return self._run(lambda db: incident_service.page_incidents(db, after=after, offset=offset, limit=limit))

    def incident(self, key: str | int) -> tuple[IncidentDetail, list[str]]:
        self.ensure_indexed()

        def job(db: Db) -> tuple[IncidentDetail, list[str]]:
            detail = incident_service.get_incident(db, key)
            return detail, detail.runbooks

        return self._run(job)

    def root_causes(self) -> list[RootCauseRow]:
        return self._run(cause_service.list_root_causes)

    def root_causes_with_runbooks(self) -> list[tuple[RootCauseRow, list[str]]]:
        self.ensure_indexed()

        def job(db: Db) -> list[tuple[RootCauseRow, list[str]]]:
            return [(c, c.runbooks) for c in cause_service.list_root_causes(db)]

        return self._run(job)

    def owners(self) -> list[str]:
        return self._run(action_service.known_owners)

    def search_everything(self, words: str, limit: int = 20) -> list[tuple[str, str, str]]:
        """(kind, key, title) hits for the command palette: incidents, actions, causes, runbooks."""
        from tracker.core.search import jump_targets

        return self._run(lambda db: jump_targets(db, words, limit))

    # -- writing ---------------------------------------------------------------------------

    def add_action(self, **fields: Any) -> ActionRow:
        fields.setdefault("kind", ActionKind.PREVENT)
        fields.setdefault("priority", Priority.P2)
        fields.setdefault("status", ActionStatus.OPEN)
        return self._run(
            lambda db: action_service.add_action(
                db, actor=self.actor, today=self.today, slo_days=self.settings.slo_days,
                clock=self.settings.clock, **fields
            )
        )

    def update_action(
        self, key: int, changes: Mapping[str, Any], *, expected_version: int, note: str = ""
    ) -> ActionRow:
        return self._run(
            lambda db: action_service.update_action(
                db, key, changes, actor=self.actor, expected_version=expected_version, note=note,
                clock=self.settings.clock,
            )
        )

    # -- runbooks ----------------------------------------------------------------------------

    def runbooks(self, text: str = "", refresh: bool = False) -> list[RunbookRow]:
        from tracker.core.runbooks.index import list_runbooks

        def job(db: Db) -> list[RunbookRow]:
            if refresh:
                self._indexed = True
                self.workspace().refresh()
            return list_runbooks(db, self.today, text=text)

        return self._run(job)

    def git_overview(self) -> tuple[RepoState | None, FileStates | None, str | None]:
        """Repository state and per-file states; the third item says why git is unavailable."""
        from tracker.repo import gitsync

        space = self._run(lambda db: self.workspace())
        if space.git_error is not None:
            return None, None, str(space.git_error)
        try:
            return gitsync.state(space.root), space.file_states(), None
        except gitsync.GitError as error:
            return None, None, str(error)

    def runbook_text(self, path: str) -> tuple[str, str, int]:
        """(text, newline, size) of a runbook, decoded leniently for showing and editing."""
        from tracker.core.runbooks.files import detect_newline

        space = self._run(lambda db: self.workspace())
        target = space.root / space.path(path)
        data = target.read_bytes()
        text = data.decode("utf-8", errors="replace")
        return text, detect_newline(text), len(data)

    def save_runbook(self, path: str, text: str, newline: str) -> None:
        from tracker.core.runbooks.files import save_runbook

        def job(db: Db) -> None:
            space = self.workspace()
            save_runbook(space.root, space.path(path), text, newline)
            space.refresh()

        self._run(job)

    def save_runbook_unchecked(self, path: str, text: str, newline: str) -> None:
        """Save without the front matter check (resolving a conflict may pass through odd states)."""
        from tracker.core.runbooks.files import save_runbook

        space = self._run(lambda db: self.workspace())
        save_runbook(space.root, space.path(path), text, newline, check=False)

    def runbook_file(self, path: str) -> Path:
        space = self._run(lambda db: self.workspace())
        return space.root / space.path(path)

    def diff(self, paths: list[str]) -> str:
        from tracker.repo import gitsync

        space = self._run(lambda db: self.workspace())
        return gitsync.diff(space._git(), [space.path(p) for p in paths] or [space.runbooks_dir])

    def changed_runbooks(self) -> list[str]:
        return self._run(lambda db: self.workspace().changed_paths())

    def commit_runbooks(self, paths: list[str], message: str, refs: list[str], closes: list[str],
                        allow_secrets: bool) -> CommitInfo:
        return self._run(lambda db: self.workspace().commit(paths, message, refs=refs, closes=closes,
                                                            allow_secrets=allow_secrets))

    def pull(self, rebase: bool = False) -> str:
        """Pull without holding the database (the network may be slow), then index what came."""
        from tracker.repo import gitsync

        space = self._run(lambda db: self.workspace())
        message = gitsync.pull(space._git(), rebase=rebase)
        self._run(lambda db: (space.apply_trailers(), space.refresh()))
        return message

    def push(self) -> str:
        from tracker.repo import gitsync

        space = self._run(lambda db: self.workspace())
        return gitsync.push(space._git())

    def sync(self) -> str:
        return f"{self.pull(rebase=True)}; {self.push()}"

    def abort_pull(self) -> None:
        self._run(lambda db: self.workspace().abort_pull())

    def continue_pull(self, paths: list[str]) -> None:
        self._run(lambda db: self.workspace().continue_pull(paths))

    def commits_for(self, key: str) -> list[CommitInfo]:
        from tracker.repo import gitsync

        space = self._run(lambda db: self.workspace())
        if space.git_error is not None:
            return []
        try:
            return space.commits_for(key)
        except gitsync.GitError:
            return []

    # -- import ------------------------------------------------------------------------------

    def plan_import(self, data: bytes, source: str) -> list[Any]:
        """Parse a report and say what importing it would do; writes nothing."""
        from tracker.exchange.apply import plan_report
        from tracker.exchange.statuspage import cause_rules, parse

        reports = parse(data, source)
        rules = cause_rules(self.settings.cause_rules)
        return self._run(lambda db: [plan_report(db, report, rules) for report in reports])

    def apply_import(self, plans: list[Any], causes: list[str], actions: list[int]) -> tuple[int, str]:
        """Write the previewed reports; causes and actions as accepted (they apply to a single report)."""
        from tracker.exchange.apply import apply_plan

        def job(db: Db) -> tuple[int, str]:
            done = []
            for plan in plans:
                single = len(plans) == 1
                incident_id, counts = apply_plan(
                    db, plan, actor=self.actor, today=self.today, slo_days=self.settings.slo_days,
                    causes=causes if single else [], actions=actions if single else None, clock=self.settings.clock,
                )
                done.append((incident_id, counts))
            first = done[0][0]
            summary = ", ".join(f"INC-{i} ({c['timeline']} updates, {c['actions']} actions)" for i, c in done)
            return first, f"Imported {summary}"

        return self._run(job)

    # -- review ------------------------------------------------------------------------------

    def review(self, week: str | None) -> Any:
        """The week's review (the current week when None), with the runbook index refreshed once."""
        from tracker.repo.review_record import make_review, normal_week

        self.ensure_indexed()
        name = normal_week(week, self.settings)
        return self._run(lambda db: make_review(db, self.settings, name))

    def write_review(self, week: str, commit: bool) -> Any:
        from tracker.repo.review_record import write_record

        return self._run(lambda db: write_record(db, self.settings, week, commit=commit, cwd=self.cwd))
