"""Sharing the ledger through the repository's remote: fetch, apply, number, commit, push; again if beaten.

One sync, under a lock of its own (``<git folder>/tracker/sync.lock``):

1. fetch the remote's ledger ref into the local one, never forced (the refspec is added to the remote's
   fetch list when missing, so a plain ``git fetch`` brings the ledger too); a remote ledger that does not
   contain the local one was rewritten: refused;
2. apply the operations it brings;
3. number the entities made here (``ACT-n`` from the highest number in the ledger), as ``assign_key``
   operations beside the pending ones;
4. write one commit adding them as files to the remote's tip, with ``git fast-import`` (no index, no
   work tree: the user's checkout is never touched);
5. push it without force. A rejected push means someone pushed first: that compare-and-swap on the ref
   is what keeps numbers unique. Fetch again, renumber, retry, a few times, with jitter;
6. move the local ref and apply the commit (the numbers land, the pending operations count as synced).

Every step can be interrupted and run again: nothing is marked synced before the remote has it, and
operations already on the remote are recognised by their ids when they come back.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from tracker.base.errors import DatabaseBusyError
from tracker.base.timeutil import format_stamp
from tracker.repo import gitsync
from tracker.repo.ledger import store
from tracker.repo.ledger.format import FORMAT_VERSION, Op, format_file, make_op
from tracker.repo.ledger.home import FOLDER, LOCAL_REF
from tracker.repo.ledger.replica import LedgerError, LedgerRewritten, Replica
from tracker.storage import filelock

SCRATCH_REF = "refs/tracker/build"
"""Where ``git fast-import`` writes the commit being built (a ref of the tracker's own, not the ledger)."""

RETRIES = 8
"""Pushes tried before giving up when others keep pushing first."""

LOCK_WAIT = 120.0
"""Seconds a sync waits for another sync of the same clone."""


@dataclass
class SyncReport:
    """What one sync did."""

    remote: str = ""
    fetched: int = 0
    """Operations that came from the remote."""
    pushed: int = 0
    """Operations that went to the remote (numbers included)."""
    numbered: list[str] = field(default_factory=list)
    """Keys handed out (``ACT-12``)."""
    commit: str | None = None
    started: bool = False
    """This sync made the ledger's first commit."""
    retries: int = 0
    read_only: int | None = None
    """The ledger's format when it is newer than this tracker writes (nothing was pushed)."""
    refspec_added: bool = False

    def describe(self) -> str:
        parts = [f"ledger: {self.fetched} operations in, {self.pushed} out"]
        if self.numbered:
            shown = ", ".join(self.numbered[:8]) + (f" and {len(self.numbered) - 8} more"
                                                   if len(self.numbered) > 8 else "")
            parts.append(f"numbered {shown}")
        if self.started:
            parts.append(f"started the ledger on {self.remote}")
        if self.read_only is not None:
            parts.append(f"the ledger is in format {self.read_only}, newer than this tracker writes: nothing"
                         " pushed (upgrade tracker)")
        return "; ".join(parts)


def _numbering(replica: Replica) -> tuple[list[Op], list[str]]:
    """``assign_key`` operations numbering every entity made here and not numbered yet."""
    from tracker.core.keys import action_key, incident_key

    db = replica.db
    ops: list[Op] = []
    keys: list[str] = []
    for type_ in ("incident", "action", "timeline"):
        highest = int(db.scalar("SELECT COALESCE(MAX(number), 0) FROM ledger_entity WHERE type = :t",
                                {"t": type_}))
        # In the order they were made (a ULID starts with its time).
        waiting = db.rows("SELECT uid, aggregate FROM ledger_entity WHERE type = :t AND number IS NULL"
                          " AND local_id IS NOT NULL ORDER BY uid", {"t": type_})
        for uid, aggregate in waiting:
            highest += 1
            ops.append(make_op("assign_key", type_, uid, clock=replica.tick(), replica=replica.replica_id,
                               value=highest, parent=aggregate if type_ == "timeline" else None,
                               actor=replica.actor, wall=format_stamp(replica.clock.now())))
            if type_ != "timeline":
                keys.append(action_key(highest) if type_ == "action" else incident_key(highest))
    return ops, keys


class Syncer:
    """One replica's sync with its remote."""

    def __init__(self, replica: Replica, remote_ref: str, *, sleep: Callable[[float], None] = time.sleep) -> None:
        self.replica = replica
        self.git_dir = replica.git_dir
        self.remote_ref = gitsync.check_ref(remote_ref, "[ledger] ref")
        self.sleep = sleep

    def run(self, *, start: bool = False) -> SyncReport:
        """Sync; ``start``: make the ledger's first commit (``ledger init``), refused when the remote has one
        by now, and never retried onto someone else's ledger."""
        home = self.git_dir / FOLDER
        home.mkdir(exist_ok=True)
        try:
            with filelock.hold(home / "sync", wait=LOCK_WAIT):
                return self._run(start)
        except DatabaseBusyError:
            raise LedgerError("another tracker sync of this clone is still running; try again when it is done")\
                from None

    def fetch(self, report: SyncReport) -> str | None:
        """Bring the remote's ledger into the local ref and apply it; the tip (None: the remote has none)."""
        outcome = gitsync.fetch_ref(self.git_dir, report.remote, self.remote_ref, LOCAL_REF)
        local = gitsync.read_ref(self.git_dir, LOCAL_REF)
        if outcome == "rejected":
            raise LedgerRewritten(
                f"the ledger on {report.remote} ({self.remote_ref}) does not contain this clone's"
                f" ({(local or '')[:10]}): its history was rewritten (force-pushed); refused. Nothing was"
                " changed here; restore the remote's ledger from a clone that has the whole of it")
        if outcome == "missing":
            if local is not None:
                raise LedgerError(f"{report.remote} has no {self.remote_ref} any more, though this clone synced"
                                  " with it: refused (restore it with git push from a clone that has it)")
            return None
        assert local is not None
        report.fetched += self.replica.apply_commit(local)
        return local

    def _run(self, start: bool) -> SyncReport:
        config = gitsync.ledger_config(self.git_dir)
        report = SyncReport(remote=config.remote)
        spec = f"{self.remote_ref}:{LOCAL_REF}"
        if spec not in config.fetch:
            gitsync.add_refspec(self.git_dir, config.remote, spec)
            report.refspec_added = True
        identity = config.identity or gitsync.plain_identity(self.git_dir)  # the latter says what to set
        for attempt in range(RETRIES + 1):
            tip = self.fetch(report)
            if start and tip is not None:
                raise LedgerError(f"{report.remote} got a team ledger meanwhile: join it with tracker sync")
            if self.replica.format_version() > FORMAT_VERSION:
                report.read_only = self.replica.format_version()
                return report
            pending = store.pending_ops(self.replica.db)
            numbering, keys = _numbering(self.replica)
            ops = pending + numbering
            if not ops and not start:
                return report
            files = [(op.path, op.raw) for op in ops]
            if tip is None:
                files.append(("FORMAT", format_file()))
            commit = gitsync.write_commit(
                self.git_dir, parent=tip, files=files, identity=identity, when=self.replica.clock.now(),
                message=f"tracker ledger: {len(ops)} operations from replica {self.replica.replica_id}\n",
                scratch_ref=SCRATCH_REF, marks=self.git_dir / FOLDER / "build.marks")
            if gitsync.push_ref(self.git_dir, report.remote, commit, self.remote_ref):
                gitsync.move_ref(self.git_dir, LOCAL_REF, commit, tip)
                self.replica.pushed(commit, ops)
                report.pushed, report.numbered, report.commit = len(ops), keys, commit
                report.started = tip is None
                return report
            if start:
                raise LedgerError(f"{report.remote} got a team ledger meanwhile: join it with tracker sync")
            report.retries = attempt + 1
            self.sleep(random.uniform(0.05, 0.25) * (attempt + 1))
        raise LedgerError(f"{report.remote} kept taking other pushes first ({RETRIES + 1} tries): nothing lost;"
                          " run tracker sync again")


def sync(replica: Replica, remote_ref: str) -> SyncReport:
    return Syncer(replica, remote_ref).run()
