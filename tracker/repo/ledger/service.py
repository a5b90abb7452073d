"""The team ledger of one repository, as the command line and the app use it.

``TeamLedger(settings, actor)`` finds the repository around the working folder; ``open`` gives the
replica's database with the ledger's hooks on, caught up with the local ledger ref; ``sync`` shares it
(joining the team's ledger on the first sync of a clone); ``init`` starts a ledger from a database.
A database is a ledger replica or a PostgreSQL team database, never both.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tracker.base.clock import Clock
from tracker.base.timeutil import format_stamp
from tracker.config import Settings
from tracker.repo import gitsync
from tracker.repo.ledger.format import make_op
from tracker.repo.ledger.home import DB_NAME, LOCAL_REF, home_of
from tracker.repo.ledger.model import FIELDS
from tracker.repo.ledger.replica import LedgerError, Replica
from tracker.repo.ledger.sync import Syncer, SyncReport
from tracker.storage.database import Db, sqlite_path

POSTGRES_EITHER_OR = ("a PostgreSQL team database is shared through its server and cannot also be a ledger"
                      " replica: use one or the other")


@dataclass(frozen=True)
class LedgerState:
    """What the header and ``ledger status`` show."""

    pending: int
    """Operations made here and not synced yet (ahead)."""
    behind: int
    """Commits fetched and not applied yet."""
    conflicts: int
    flags: int
    applied: str | None
    remote_ref: str

    def describe(self) -> str:
        text = f"ledger ↑{self.pending} ↓{self.behind}"
        if self.conflicts:
            text += f" · {self.conflicts} conflict{'s' if self.conflicts != 1 else ''}"
        if self.flags:
            text += f" · {self.flags} flagged"
        return text

    def to_json(self) -> dict[str, Any]:
        return {"pending": self.pending, "behind": self.behind, "conflicts": self.conflicts, "flags": self.flags,
                "applied": self.applied, "ref": self.remote_ref}


@dataclass(frozen=True)
class ConflictRow:
    """One conflict (writes of a field made apart) or flag (a status the rules forbid), for people."""

    label: str
    field: str
    kind: str
    values: list[dict[str, Any]]
    """``{shown, actor, wall}`` of each write still standing, the one applied last."""
    flags: list[str]

    def to_json(self) -> dict[str, Any]:
        return {"key": self.label, "field": self.field, "kind": self.kind, "values": self.values,
                "flags": self.flags}


def conflict_rows(db: Db) -> list[ConflictRow]:
    found = []
    for label, field, kind, detail in db.rows(
            "SELECT label, field, kind, detail FROM ledger_conflict ORDER BY kind, label, field"):
        data = json.loads(detail)
        values = [{"shown": h.get("shown"), "actor": h.get("actor", ""), "wall": h.get("wall", "")}
                  for h in data.get("heads", [])]
        found.append(ConflictRow(label, field, kind, values, list(data.get("flags", []))))
    return found


class TeamLedger:
    """The ledger of the repository around ``cwd``."""

    def __init__(self, settings: Settings, actor: str, cwd: Path | None = None, *, clock: Clock | None = None,
                 sleep: Callable[[float], None] | None = None) -> None:
        self.settings = settings
        self.actor = actor
        self.clock = clock or settings.clock
        self.sleep = sleep
        self.home = home_of(cwd or Path.cwd())
        self.remote_ref = settings.ledger_ref

    @property
    def git_dir(self) -> Path:
        if self.home is None:
            raise gitsync.GitUnavailable("not inside a git repository: the team ledger lives in one (git clone)")
        return self.home.parent

    @property
    def path(self) -> Path | None:
        return None if self.home is None else self.home / DB_NAME

    def exists(self) -> bool:
        return self.path is not None and self.path.is_file()

    def attach(self, db: Db) -> Replica:
        return Replica.attach(db, clock=self.clock, actor=self.actor, git_dir=self.git_dir)

    def open(self, *, catch_up: bool = True) -> tuple[Db, Replica]:
        """The replica's database with its hooks, after applying what the local ledger ref holds."""
        if not self.exists():
            raise LedgerError("this clone has no team ledger yet: tracker sync joins the team's, tracker ledger"
                              " init starts one")
        from tracker.storage.lifecycle import open_database

        db = open_database(str(self.path), create=False)
        try:
            replica = self.attach(db)
            if catch_up:
                replica.catch_up()
        except BaseException:
            db.close()
            raise
        return db, replica

    def _syncer(self, replica: Replica) -> Syncer:
        return Syncer(replica, self.remote_ref, **({"sleep": self.sleep} if self.sleep else {}))

    def sync(self) -> SyncReport:
        """Share the ledger; a clone's first sync makes its replica from the team's ledger."""
        if not self.exists():
            remote = gitsync.ledger_remote(self.git_dir)
            if not gitsync.remote_has_ref(self.git_dir, remote, self.remote_ref):
                raise LedgerError(f"{remote} has no team ledger ({self.remote_ref}) yet: start one with"
                                  " tracker ledger init")
            from tracker.repo.ledger.setup import create_replica

            assert self.home is not None
            create_replica(self.home)
        db, replica = self.open(catch_up=False)
        with db:
            return self._syncer(replica).run()

    def init(self, source: str) -> SyncReport:
        """Start the team's ledger from the database at ``source`` (kept as it is): its content, keys and
        histories become the ledger's first commit on the remote."""
        path = sqlite_path(source)
        if path is None:
            raise LedgerError(f"ledger init: {POSTGRES_EITHER_OR}")
        if self.exists():
            raise LedgerError(f"{self.path}: this clone already has a team ledger (tracker sync shares it)")
        remote = gitsync.ledger_remote(self.git_dir)
        if gitsync.remote_has_ref(self.git_dir, remote, self.remote_ref):
            raise LedgerError(f"{remote} already has a team ledger ({self.remote_ref}): join it with tracker sync"
                              " (this database is left as it is)")
        gitsync.plain_identity(self.git_dir)
        from tracker.repo.ledger.setup import convert, create_replica

        assert self.home is not None
        created = create_replica(self.home, source=path if path.exists() else None)
        try:
            db, replica = self.open(catch_up=False)
            with db:
                convert(db, replica)
                return self._syncer(replica).run(start=True)
        except BaseException:
            for suffix in ("", "-wal", "-shm"):
                created.with_name(created.name + suffix).unlink(missing_ok=True)
            raise

    def state(self, db: Db, replica: Replica) -> LedgerState:
        tip = gitsync.read_ref(self.git_dir, LOCAL_REF)
        applied = replica.applied()
        behind = 0 if tip is None or tip == applied else gitsync.count_commits(self.git_dir, applied, tip)
        flags = int(db.scalar("SELECT COUNT(*) FROM ledger_conflict WHERE kind = 'flag'"))
        conflicts = int(db.scalar("SELECT COUNT(*) FROM ledger_conflict WHERE kind = 'conflict'"))
        return LedgerState(replica.pending(), behind, conflicts, flags, applied, self.remote_ref)

    @staticmethod
    def rebuild(db: Db) -> int:
        from tracker.repo.ledger.maintenance import rebuild

        return rebuild(db)

    def doctor(self, db: Db) -> list[str]:
        from tracker.repo.ledger.maintenance import doctor

        return doctor(db, self.git_dir)


def resolve_conflict(db: Db, replica: Replica, label: str, field: str, *, pick: int | None = None,
                     value: str | None = None) -> str:
    """Settle a conflict: write the chosen value (the ``pick``-th standing write, or ``value``) citing every
    standing write, so the field has one value again everywhere once synced. Returns what was written."""
    row = db.row("SELECT entity, type, aggregate, detail FROM ledger_conflict WHERE label = :l AND field = :f"
                 " AND kind = 'conflict'", {"l": label.strip(), "f": field.strip()})
    if row is None:
        raise LedgerError(f"no conflict on {label} {field} (see: tracker ledger conflicts)")
    entity, type_, aggregate, detail = row
    heads = json.loads(detail)["heads"]
    if (pick is None) == (value is None):
        raise LedgerError("say which value stays: --pick N (as listed), or --value TEXT")
    if pick is not None:
        if not 1 <= pick <= len(heads):
            raise LedgerError(f"--pick {pick}: choose from 1 to {len(heads)}")
        chosen = heads[pick - 1]["value"]
    else:
        try:
            chosen = FIELDS[type_][field].check(value)
        except ValueError as exc:
            raise LedgerError(f"--value: {exc}") from None
    with db.write():
        op = make_op("set", type_, entity, clock=replica.tick(), replica=replica.replica_id, field=field,
                     value=chosen, prev=[h["op"] for h in heads], parent=aggregate if type_ == "timeline" else None,
                     actor=replica.actor, wall=format_stamp(replica.clock.now()), note="conflict settled")
        replica.take([op], published=False)
    return json.dumps(chosen) if not isinstance(chosen, str) else chosen
