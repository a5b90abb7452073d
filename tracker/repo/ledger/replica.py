"""A database that is a ledger replica: its hooks, its clock, and bringing in what the ledger holds.

``Replica.attach`` installs three hooks on the database (``tracker.storage.database.Db``): new incidents,
actions and timeline entries get provisional ids; provisional keys keep naming their entity once it is
numbered; and every write transaction ends by turning its changes into operations (``capture``). The
replica then applies the operations of the local ledger ref it has not applied yet (a ``git fetch``
brings them, or a sync), so every command sees the ledger as it was last fetched.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from tracker.base.clock import Clock
from tracker.base.errors import TrackerError
from tracker.base.timeutil import format_stamp
from tracker.core.keys import PROVISIONAL_BASE
from tracker.repo import gitsync
from tracker.repo.ledger import store
from tracker.repo.ledger.capture import Capture
from tracker.repo.ledger.format import (
    FORMAT_VERSION,
    FormatError,
    Op,
    new_replica_id,
    new_ulid,
    read_format,
    read_op,
    ulid_suffix,
)
from tracker.repo.ledger.hlc import ZERO, HybridClock, Stamp
from tracker.repo.ledger.home import LOCAL_REF, git_dir_of
from tracker.repo.ledger.materialize import Materializer
from tracker.storage.database import Db

_TYPES = {"action": "action", "incident": "incident", "timeline_entry": "timeline"}
_PREFIXES = {"ACT": "action", "INC": "incident"}


class LedgerError(TrackerError):
    """The ledger cannot be used as asked; the message says why and what to do."""


class LedgerReadOnly(LedgerError):
    """The ledger was written by a newer tracker: this one reads it but writes nothing."""


class LedgerRewritten(LedgerError):
    """The ledger's history was rewritten (force-pushed, operations changed or removed): refused."""


def read_only_error(version: int) -> LedgerReadOnly:
    return LedgerReadOnly(f"the team ledger is in format {version}, newer than this tracker writes"
                          f" ({FORMAT_VERSION}): upgrade tracker to change anything; nothing was written")


class Replica:
    """The ledger side of one open replica database."""

    def __init__(self, db: Db, git_dir: Path, *, clock: Clock, actor: str) -> None:
        self.db = db
        self.git_dir = git_dir
        """The repository's (common) git folder."""
        self.clock = clock
        self.actor = actor
        self.replica_id = store.get_meta(db, "replica")
        self.hlc = HybridClock(clock, Stamp.parse(store.get_meta(db, "hlc", ZERO.text)))
        self.unreadable: list[str] = []
        """Files of the ledger that are not operations this tracker reads (kept, reported by doctor)."""
        self.resumed = 0
        """Actions the last ``take`` folded onto their saved states instead of deriving them again."""

    @classmethod
    def attach(cls, db: Db, *, clock: Clock, actor: str, git_dir: Path | None = None) -> Replica:
        """Install the replica's hooks on ``db`` (a replica's database)."""
        found = git_dir or git_dir_of(Path(db.url))
        if found is None:
            raise LedgerError(f"{db.url}: a ledger replica lives in a repository's git folder (.git/tracker/)")
        schema = int(store.get_meta(db, "schema", "0") or 0)
        if schema > store.SCHEMA:
            raise LedgerError(f"{db.url}: this replica was made by a newer tracker (its tables are at {schema});"
                              " upgrade tracker, or remove the folder and run tracker sync to make it again")
        if schema < store.SCHEMA:
            with db.write():
                store.create_tables(db)
        replica = cls(db, found, clock=clock, actor=actor)
        db.before_commit.append(replica.capture)
        db.allocate_id = replica.allocate
        db.resolve_key = replica.resolve
        return replica

    @staticmethod
    def create_tables(db: Db) -> None:
        """Make ``db`` a replica (its tables, triggers and identity), inside the caller's write."""
        store.create_tables(db)
        if not store.get_meta(db, "replica"):
            store.set_meta(db, "replica", new_replica_id())

    # -- hooks -------------------------------------------------------------------------------------

    def allocate(self, table: str) -> int | None:
        """A provisional id for a new row, from a fresh ULID (its last six letters), registered with it."""
        type_ = _TYPES.get(table)
        if type_ is None:
            return None
        while True:
            uid = new_ulid(self.clock)
            row_id = PROVISIONAL_BASE + ulid_suffix(uid)
            taken = self.db.scalar(f"SELECT 1 FROM {table} WHERE id = :id", {"id": row_id}) or self.db.scalar(
                "SELECT 1 FROM ledger_entity WHERE type = :t AND (suffix = :s OR local_id = :id)",
                {"t": type_, "s": ulid_suffix(uid), "id": row_id})
            if not taken:
                break
        self.db.execute("INSERT INTO ledger_entity (uid, type, aggregate, local_id, suffix)"
                        " VALUES (:u, :t, :a, :id, :s)",
                        {"u": uid, "t": type_, "a": uid if type_ != "timeline" else None, "id": row_id,
                         "s": ulid_suffix(uid)})
        return row_id

    def resolve(self, prefix: str, number: int) -> int | None:
        """The row a provisional key names now (its entity may have been numbered since)."""
        type_ = _PREFIXES.get(prefix.upper())
        if type_ is None:
            return None
        found = self.db.scalar("SELECT local_id FROM ledger_entity WHERE type = :t AND suffix = :s"
                               " AND local_id IS NOT NULL ORDER BY uid LIMIT 1",
                               {"t": type_, "s": number - PROVISIONAL_BASE})
        return None if found is None else int(found)

    def format_version(self) -> int:
        return int(store.get_meta(self.db, "format", str(FORMAT_VERSION)) or FORMAT_VERSION)

    def tick(self) -> Stamp:
        return self.hlc.tick()

    def _sync_clock(self) -> None:
        saved = Stamp.parse(store.get_meta(self.db, "hlc", ZERO.text))
        self.hlc.observe(saved)

    def _save_clock(self) -> None:
        store.set_meta(self.db, "hlc", self.hlc.last.text)

    def capture(self, db: Db) -> None:
        """The end of every write: the rows it changed become operations, stored as pending."""
        if db.scalar("SELECT 1 FROM ledger_dirty LIMIT 1") is None:
            return
        marks = [(str(t), int(i)) for t, i in db.rows("SELECT tbl, row_id FROM ledger_dirty")]
        db.execute("DELETE FROM ledger_dirty")
        version = self.format_version()
        materializer = Materializer(db)
        self._sync_clock()
        capture = Capture(db, replica=self.replica_id, actor=self.actor, tick=self.tick,
                          now=lambda: format_stamp(self.clock.now()), ulid=lambda: new_ulid(self.clock),
                          taxonomy=materializer.taxonomy())
        ops = capture.run(marks)
        if not ops:
            return
        if version > FORMAT_VERSION:
            raise read_only_error(version)
        self._save_clock()
        store.add_ops(db, ops, published=False)
        materializer.refresh({op.aggregate for op in ops}, verify=True)

    # -- bringing operations in --------------------------------------------------------------------

    def applied(self) -> str | None:
        return store.get_meta(self.db, "applied") or None

    def local_tip(self) -> str | None:
        return gitsync.read_ref(self.git_dir, LOCAL_REF)

    def catch_up(self) -> int:
        """Capture what another program wrote, then apply what the local ledger ref holds and this database
        has not applied; returns how many operations were new."""
        if self.db.scalar("SELECT 1 FROM ledger_dirty LIMIT 1") is not None:
            with self.db.write():
                pass
        tip = self.local_tip()
        if tip is None or tip == self.applied():
            return 0
        return self.apply_commit(tip)

    def apply_commit(self, tip: str) -> int:
        """Apply the operations ``tip`` adds to the commit applied last (all of them the first time)."""
        applied = self.applied()
        if applied == tip:
            return 0
        delta = gitsync.ledger_delta(self.git_dir, applied, tip)
        if not delta.descends:
            assert applied is not None
            raise LedgerRewritten(
                f"the ledger at {tip[:10]} does not contain {applied[:10]}, the state applied here: its history"
                " was rewritten (force-pushed); refused. Restore it from a clone that has the whole ledger")
        bad = [path for path in delta.changed if path.startswith("ops/")]
        if bad:
            raise LedgerRewritten(f"the ledger at {tip[:10]} changes or removes {bad[0]} (operations are only ever"
                                  " added); refused")
        version = None
        files = dict(delta.added)
        if applied is None or "FORMAT" in delta.changed or "FORMAT" in files:
            raw = files.get("FORMAT")
            if raw is None:
                raw = gitsync.read_blobs(self.git_dir, [f"{tip}:FORMAT"])[0]
            try:
                version = read_format(raw or b"")
            except FormatError:
                raise LedgerError(f"the ledger at {tip[:10]} has no readable FORMAT file; refused") from None
        ops: list[Op] = []
        for path, raw in delta.added:
            if not path.startswith("ops/"):
                continue
            try:
                ops.append(read_op(path, raw))
            except FormatError:
                self.unreadable.append(path)
        # The pages this writes reach the database file on another thread while the command goes on.
        with self.db.deferred_checkpoint(), self.db.write():
            if version is not None:
                store.set_meta(self.db, "format", str(version))
            count = self.take(ops, published=True)
            store.set_meta(self.db, "applied", tip)
        return count

    def pushed(self, commit: str, ops: list[Op]) -> None:
        """The remote took ``commit``, which adds exactly ``ops`` to the commit applied here: apply it without
        reading it back (the numbers land, the pending operations count as synced)."""
        with self.db.write():
            self.take(ops, published=True)
            store.set_meta(self.db, "applied", commit)

    def take(self, ops: Iterable[Op], *, published: bool) -> int:
        """Store operations and bring the tables up to them (inside a write); returns how many were new.
        Operations made here (not ``published``) are refused when the ledger is in a newer format."""
        if not published and self.format_version() > FORMAT_VERSION:
            raise read_only_error(self.format_version())
        new = store.add_ops(self.db, ops, published=published)
        self.resumed = 0
        if new:
            self._sync_clock()
            self.hlc.observe(max(Stamp.parse(op.clock) for op in new))
            self._save_clock()
            materializer = Materializer(self.db)
            materializer.refresh({op.aggregate for op in new}, new=new)
            self.resumed = materializer.resumes
        return len(new)

    # -- state for people --------------------------------------------------------------------------

    def pending(self) -> int:
        return int(self.db.scalar("SELECT COUNT(*) FROM ledger_op WHERE published = 0"))

    def conflicts(self) -> int:
        return int(self.db.scalar("SELECT COUNT(*) FROM ledger_conflict"))
