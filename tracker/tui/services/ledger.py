"""The team ledger in the app: its state for the header, one sync of everything, conflicts and settling them."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from tracker.base.errors import TrackerError
from tracker.tui.services.shared import Shared

if TYPE_CHECKING:
    from tracker.repo.ledger.service import ConflictRow, TeamLedger
    from tracker.storage.database import Db


class LedgerService:
    def __init__(self, shared: Shared) -> None:
        self._shared = shared

    def _ledger(self, db: Db) -> TeamLedger | None:
        """The team ledger the app's database is a replica of (None: it is not one)."""
        from tracker.repo.ledger.home import is_replica
        from tracker.repo.ledger.service import TeamLedger

        if not is_replica(db):
            return None
        shared = self._shared
        return TeamLedger(shared.settings, shared.actor, Path(db.url).resolve().parent)

    def state(self) -> str | None:
        """Apply what a fetch brought since, then say how the ledger stands (None: no ledger here)."""
        from tracker.repo.ledger.replica import Replica

        def job(db: Db) -> str | None:
            ledger = self._ledger(db)
            if ledger is None:
                return None
            replica = Replica(db, ledger.git_dir, clock=ledger.clock, actor=ledger.actor)
            try:
                replica.catch_up()
            except TrackerError as error:
                return f"ledger: {error}"
            return ledger.state(db, replica).describe()

        return self._shared.run(job)

    def sync(self) -> str:
        """What ``tracker sync`` does: pull the runbooks (their Closes: trailers become operations), sync the
        ledger, push the runbooks. The network parts run without holding the database."""
        shared = self._shared
        ledger = shared.run(self._ledger)
        space = shared.workspace()
        done: list[str] = []
        problems: list[str] = []
        try:
            done.append(f"runbooks: {space.pull(rebase=True)}")
        except TrackerError as error:
            problems.append(f"runbooks: {error}")
        if ledger is None:
            done.append("no team ledger here (tracker sync joins the team's, tracker ledger init starts one)")
        else:
            done.append(ledger.sync().describe())
        if not problems:
            try:
                done.append(f"runbooks: {space.push()}")
            except TrackerError as error:
                problems.append(f"runbooks: {error}")
        if problems:
            raise TrackerError("; ".join([*done, *problems]))
        return "; ".join(done)

    def conflicts(self) -> list[ConflictRow]:
        from tracker.repo.ledger.service import conflict_rows

        return self._shared.run(lambda db: conflict_rows(db) if self._ledger(db) is not None else [])

    def settle(self, key: str, field: str, pick: int) -> str:
        """Keep the ``pick``-th value of a conflict (as the review lists them); shared at the next sync."""
        from tracker.repo.ledger.replica import Replica
        from tracker.repo.ledger.service import resolve_conflict

        def job(db: Db) -> str:
            ledger = self._ledger(db)
            if ledger is None:
                raise TrackerError("this database is not a team ledger's replica")
            replica = Replica(db, ledger.git_dir, clock=ledger.clock, actor=ledger.actor)
            return resolve_conflict(db, replica, key, field, pick=pick)

        return self._shared.run(job)
