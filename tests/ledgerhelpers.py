"""Team ledgers for tests: clones of a bare remote, each with its replica, driven through the services."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from tests.gitfixtures import clone, git
from tracker.base.clock import Clock
from tracker.config import Settings
from tracker.core.opening import open_database
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


def team_template(factory: pytest.TempPathFactory, names: tuple[str, ...]) -> Path:
    """A bare remote and clones of it, the first of which started the ledger from the demo database and the
    others joined, made in a home and git identity of their own; ``copy_team`` gives each test its copy
    (making them is most of a test's time, and proves nothing new each time)."""
    folder = factory.mktemp("ledger-team")
    home = factory.mktemp("ledger-team-home")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HOME", str(home))
        patch.setenv("GIT_CONFIG_GLOBAL", str(home / ".gitconfig"))
        patch.setenv("GIT_CONFIG_NOSYSTEM", "1")
        for key, value in (("user.name", "Ana Oncall"), ("user.email", "ana@example.com"),
                           ("init.defaultBranch", "main")):
            git(home, "config", "--global", key, value)
        bare = folder / "remote.git"
        git(folder, "init", "--bare", "-q", str(bare))
        seed = folder / "seed"
        git(folder, "clone", "-q", str(bare), str(seed))
        (seed / "README").write_text("team\n")
        git(seed, "add", "README")
        git(seed, "commit", "-q", "-m", "seed")
        git(seed, "push", "-q", "origin", "main")
        source = folder / "actions.db"
        open_database(str(source), create="demo").close()
        clones = [make_clone(bare, folder / name, f"{name}@example.com") for name in names]
        clones[0].ledger.init(str(source))
        for other in clones[1:]:
            other.sync()
    return folder


def copy_team(template: Path, remote: Path, where: Path, names: tuple[str, ...]) -> list[Clone]:
    """A test's own copy of a ``team_template``: its remote in place of ``remote``, its clones in ``where``."""
    shutil.rmtree(remote)
    shutil.copytree(template / "remote.git", remote)
    clones = []
    for name in names:
        shutil.copytree(template / name, where / name)
        git(where / name, "remote", "set-url", "origin", str(remote))
        clones.append(Clone(where / name, f"{name}@example.com"))
    return clones
