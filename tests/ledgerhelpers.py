"""Team ledgers for tests: clones of a bare remote, each with its replica, driven through the services."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from tests.gitfixtures import clone, git
from tracker.base.clock import Clock
from tracker.config import Settings
from tracker.repo.ledger.maintenance import snapshot
from tracker.repo.ledger.replica import Replica
from tracker.repo.ledger.service import TeamLedger
from tracker.storage.database import Db
from tracker.storage.tally import recount, tally_rows

SLO_DAYS = {"P1": 15, "P2": 30, "P3": 60}
TODAY = date(2026, 11, 23)


@dataclass(frozen=True, slots=True)
class SkewedClock(Clock):
    """The system clock moved by ``skew`` (a machine whose clock is wrong)."""

    skew: timedelta = timedelta(0)

    def now(self) -> datetime:
        return datetime.now(UTC) + self.skew


@dataclass
class Clone:
    """One person's clone of the team repository and its ledger."""

    path: Path
    actor: str
    clock: Clock = field(default_factory=Clock)
    settings: Settings = field(default_factory=Settings)

    @property
    def ledger(self) -> TeamLedger:
        return TeamLedger(self.settings, self.actor, self.path, clock=self.clock, sleep=lambda _: None)

    def open(self) -> tuple[Db, Replica]:
        return self.ledger.open()

    def sync(self) -> object:
        return self.ledger.sync()

    def snapshot(self) -> dict[str, object]:
        db, _ = self.open()
        with db:
            return snapshot(db)

    def tallies_and_recount(self) -> tuple[dict[str, set[tuple[object, ...]]], dict[str, set[tuple[object, ...]]]]:
        """The kept counts as the ledger's writes left them, then the same counted again from the rows."""
        db, _ = self.open()
        with db:
            kept = tally_rows(db)
            recount(db)
            return kept, tally_rows(db)


def make_clone(remote: Path, where: Path, actor: str, *, clock: Clock | None = None,
               settings: Settings | None = None) -> Clone:
    clone(remote, where)
    git(where, "config", "user.email", actor)
    return Clone(where, actor, clock or Clock(), settings or Settings())
