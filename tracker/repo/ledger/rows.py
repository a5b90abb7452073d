"""Writing one entity's row and history, and keeping the entity map (``ledger_entity``) in step.

A numbered entity's row id is its number (``ACT-n`` is row ``n``); one not numbered yet sits at its
provisional id (``tracker.core.keys``); when its number comes, the row and everything pointing at it
move. A row is written only where it differs, column by column (an index, the full-text index too, is
rewritten only when one of its columns is set), and ``version`` goes up when it does: versions stay
local. Digests of what was last written let an applied operation skip reading the row and its history
back; after a service wrote them (a capture), they are read.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from tracker.core.keys import PROVISIONAL_BASE
from tracker.repo.ledger.format import Op, stored_op, ulid_suffix
from tracker.repo.ledger.model import stamp_text
from tracker.repo.ledger.store import refs
from tracker.storage.database import Db

_ENTITY_COLUMNS = "uid, type, local_id, number, suffix, conflicts, digest, history"


def _entity(row: tuple[Any, ...]) -> Entity:
    found = Entity(row[0], row[1], row[2], row[3], int(row[4]), int(row[5]), row[6], row[7])
    found.saved = found.columns()
    return found


def _digest(values: Any) -> str:
    return hashlib.sha1(json.dumps(values, default=str).encode(), usedforsecurity=False).hexdigest()


@dataclass(slots=True)
class Entity:
    """An entity's line of the map (``ledger_entity``), as a refresh reads and changes it."""

    uid: str
    type: str
    local_id: int | None
    number: int | None
    suffix: int
    conflicts: int
    digest: str | None = None
    """Of the row's values as last written here (None: unknown, read the row)."""
    history: str | None = None
    """``count:digest`` of the history lines as last written here (None: unknown, read them)."""
    saved: dict[str, Any] | None = None
    """What the map holds for it (``columns``) as last read or written; None: a line just made."""

    def columns(self) -> dict[str, Any]:
        return {"local_id": self.local_id, "number": self.number, "conflicts": self.conflicts,
                "digest": self.digest, "history": self.history}


def stamp_or_epoch(value: str) -> str:
    """A wall time fit for a history line (an operation's ``wall`` is display data: never trusted)."""
    try:
        return stamp_text(value)
    except ValueError:
        return "1970-01-01T00:00:00.000000+00:00"


class RowWriter:
    """The row and history writing a refresh does, with the entity map cached for one refresh."""

    def __init__(self, db: Db) -> None:
        self.db = db
        self._entities: dict[str, Entity] = {}
        self._ops: dict[str, list[Op]] = {}
        self.verify = False
        """Read rows and histories instead of trusting the digests (a service has just written them)."""

    # -- the entity map ----------------------------------------------------------------------------

    def entity(self, uid: str, type_: str | None = None, aggregate: str | None = None) -> Entity | None:
        """An entity known here (made known, with ``type_``, when it is not), from a cache kept for one refresh."""
        found = self._entities.get(uid)
        if found is not None:
            return found
        row = self.db.row(f"SELECT {_ENTITY_COLUMNS} FROM ledger_entity WHERE uid = :u", {"u": uid})
        if row is not None:
            found = _entity(row)
        elif type_ is not None:
            found = Entity(uid, type_, None, None, ulid_suffix(uid), 0)
            self.db.execute("INSERT INTO ledger_entity (uid, type, aggregate, suffix) VALUES (:u, :t, :a, :s)",
                            {"u": uid, "t": type_, "a": aggregate or uid, "s": found.suffix})
        else:
            return None
        self._entities[uid] = found
        return found

    def local_id(self, uid: str | None) -> int | None:
        found = None if uid is None else self.entity(uid)
        return None if found is None else found.local_id

    def key_number(self, uid: str) -> int:
        """The row id an entity has or will have: its number, else its provisional id."""
        found = self.entity(uid)
        if found is not None and found.number is not None:
            return found.number
        return PROVISIONAL_BASE + ulid_suffix(uid)

    def _store(self, entity: Entity, state: dict[str, Any] | None = None) -> None:
        """Write an entity's row id, number, conflicts and digests (and derived state) to the map: only the
        columns that changed, so the map's indexes (row id, number) are rewritten only when those do."""
        columns = entity.columns()
        values = {c: v for c, v in columns.items() if entity.saved is None or entity.saved.get(c) != v}
        if state is not None:
            values["state"] = json.dumps(state, sort_keys=True)
        if values:
            self.db.execute(f"UPDATE ledger_entity SET {', '.join(f'{c} = :{c}' for c in values)} WHERE uid = :uid",
                            {**values, "uid": entity.uid})
        entity.saved = columns

    def load_entities(self, uids: list[str], *, state: bool = False) -> list[tuple[str, str, str | None]]:
        """Load these entities into the cache, in one query per 500; returns (uid, type, derived state if
        ``state``) of each found."""
        found: list[tuple[str, str, str | None]] = []
        extra = ", state" if state else ""
        for start in range(0, len(uids), 500):
            chunk = uids[start:start + 500]
            marks = ", ".join(f":u{n}" for n in range(len(chunk)))
            for row in self.db.rows(f"SELECT {_ENTITY_COLUMNS}{extra} FROM ledger_entity WHERE uid IN ({marks})",
                                    {f"u{n}": uid for n, uid in enumerate(chunk)}):
                self._entities.setdefault(row[0], _entity(row))
                found.append((row[0], row[1], row[8] if state else None))
        return found

    def _prefetch(self, aggregates: set[str]) -> dict[str, str]:
        """Load these aggregates' operations and entities (theirs and their timeline entries') in a few queries;
        returns each aggregate's type."""
        types: dict[str, str] = {}
        items = sorted(aggregates - set(self._ops))
        for start in range(0, len(items), 500):
            chunk = items[start:start + 500]
            marks = ", ".join(f":a{n}" for n in range(len(chunk)))
            params = {f"a{n}": uid for n, uid in enumerate(chunk)}
            for uid in chunk:
                self._ops[uid] = []
            for aggregate, raw, ident in self.db.rows(
                    f"SELECT aggregate, body, id FROM ledger_op WHERE aggregate IN ({marks})"
                    " ORDER BY aggregate, clock, replica, id", params):
                self._ops[aggregate].append(stored_op(bytes(raw), ident))
            for row in self.db.rows(f"SELECT {_ENTITY_COLUMNS} FROM ledger_entity WHERE uid IN ({marks})"
                                    f" OR aggregate IN ({marks})", params):
                self._entities.setdefault(row[0], _entity(row))
        # The entities they name (an action's incident and cause, a linked cause), in one query per 500.
        self.load_entities(sorted({ref for uid in items for op in self._ops[uid] for ref in refs(op)}
                                  - set(self._entities)))
        for uid in aggregates:
            ops = self._ops.get(uid, [])
            if ops:
                types[uid] = "incident" if ops[0].type == "timeline" else ops[0].type
        return types

    # -- rows --------------------------------------------------------------------------------------

    def _place(self, uid: str, type_: str, aggregate: str, table: str, number: int | None) -> tuple[int | None, int]:
        """(the row id it has now, the row id it must have); moves nothing."""
        entity = self.entity(uid, type_, aggregate)
        assert entity is not None
        if number is not None and number != entity.number:
            taken = self.db.scalar("SELECT uid FROM ledger_entity WHERE type = :t AND number = :n AND uid != :u",
                                   {"t": type_, "n": number, "u": uid})
            if taken is not None:
                number = None  # numbered twice (a ledger written by hand): the first holder keeps it
        entity.number = number
        return entity.local_id, number if number is not None else PROVISIONAL_BASE + entity.suffix

    def _move(self, type_: str, old: int, new: int) -> None:
        """Give a row a new id, and everything pointing at it too (a number came)."""
        db = self.db
        params = {"old": old, "new": new}
        if type_ == "action":
            fts = db.row("SELECT title, description FROM action WHERE id = :old", params)
            db.execute("UPDATE action SET id = :new WHERE id = :old", params)
            db.execute("UPDATE action_event SET action_id = :new WHERE action_id = :old", params)
            if fts is not None and db.scalar("SELECT 1 FROM sqlite_master WHERE name = 'action_fts'"):
                db.execute("INSERT INTO action_fts (action_fts, rowid, title, description)"
                           " VALUES ('delete', :old, :t, :d)", {**params, "t": fts[0], "d": fts[1]})
                db.execute("INSERT INTO action_fts (rowid, title, description) VALUES (:new, :t, :d)",
                           {**params, "t": fts[0], "d": fts[1]})
        elif type_ == "incident":
            db.execute("UPDATE incident SET id = :new WHERE id = :old", params)
            for table in ("incident_event", "timeline_entry", "incident_component", "incident_root_cause"):
                db.execute(f"UPDATE {table} SET incident_id = :new WHERE incident_id = :old", params)
            db.execute("UPDATE action SET incident_id = :new WHERE incident_id = :old", params)
            # The kept count of its actions is keyed by the incident's id, and the triggers see an incident
            # made or deleted, never renumbered: count it again under its new id.
            db.execute("DELETE FROM incident_tally WHERE incident_id = :old", params)
            db.execute("INSERT INTO incident_tally (incident_id, n) SELECT :new, COUNT(*) FROM action"
                       " WHERE incident_id = :new ON CONFLICT (incident_id) DO UPDATE SET n = excluded.n", params)
        else:
            db.execute("UPDATE timeline_entry SET id = :new WHERE id = :old", params)

    def _write_row(self, table: str, type_: str, uid: str, current: int | None, desired: int,
                   values: dict[str, Any]) -> bool:
        """Insert or update a row to ``values``; True when anything changed (its id included)."""
        db = self.db
        entity = self.entity(uid)
        assert entity is not None
        columns = list(values)
        digest = _digest([values[c] for c in columns])
        if current is not None and current == desired and entity.digest == digest and not self.verify:
            return False
        row = None if current is None else db.row(f"SELECT {', '.join(columns)} FROM {table} WHERE id = :id",
                                                  {"id": current})
        if row is not None and current is not None and current != desired:
            if db.scalar(f"SELECT 1 FROM {table} WHERE id = :id", {"id": desired}):
                desired = current  # the place is taken (a number given twice): stay
            else:
                self._move(type_, current, desired)
        if row is None:
            if db.scalar(f"SELECT 1 FROM {table} WHERE id = :id", {"id": desired}):
                desired = int(db.scalar(f"SELECT MAX(id) + 1 FROM {table} WHERE id >= :b", {"b": PROVISIONAL_BASE}))
            db.execute(f"INSERT INTO {table} (id, {', '.join(columns)}) VALUES (:id, "
                       f"{', '.join(':' + c for c in columns)})", {**values, "id": desired})
            changed = True
        else:
            # Only the columns that differ: an index (and the full-text index) is rewritten only when one of
            # its columns is set.
            differ = [c for c, old in zip(columns, row, strict=True) if old != values[c]]
            changed = current != desired or bool(differ)
            if differ:
                bump = ", version = version + 1" if table in ("action", "incident") else ""
                db.execute(f"UPDATE {table} SET {', '.join(f'{c} = :{c}' for c in differ)}{bump} WHERE id = :id",
                           {**{c: values[c] for c in differ}, "id": desired})
        entity.local_id, entity.digest = desired, digest
        return changed

    def _drop(self, table: str, uid: str) -> bool:
        entity = self.entity(uid)
        if entity is None or entity.local_id is None:
            return False
        self.db.execute(f"DELETE FROM {table} WHERE id = :id", {"id": entity.local_id})
        entity.local_id = entity.digest = entity.history = None
        self._store(entity)
        return True

    def write_history(self, table: str, column: str, row_id: int, rows: list[tuple[Any, ...]],
                      entity: Entity, *, append: bool = False) -> None:
        """Write an entity's history lines; usually only the new ones at the end (the digest says what is there).
        ``append``: ``rows`` are new lines that go after those there (the digest, of all lines, is forgotten:
        the next full write reads them back)."""
        db = self.db
        kept = 0
        if append:
            if rows:
                entity.history = None
        elif entity.history is not None and not self.verify:
            count, _, digest = entity.history.partition(":")
            if int(count) <= len(rows) and _digest(rows[:int(count)]) == digest:
                kept = int(count)
            else:
                db.execute(f"DELETE FROM {table} WHERE {column} = :id", {"id": row_id})
        else:
            current = [tuple(r) for r in db.rows(f"SELECT at, actor, field, old_value, new_value, note FROM {table}"
                                                 f" WHERE {column} = :id ORDER BY id", {"id": row_id})]
            if rows[:len(current)] == current:
                kept = len(current)  # the usual case: new lines after the ones there
            else:
                db.execute(f"DELETE FROM {table} WHERE {column} = :id", {"id": row_id})
        if rows[kept:]:
            db.execute_many(f"INSERT INTO {table} ({column}, at, actor, field, old_value, new_value, note)"
                            " VALUES (:id, :at, :actor, :field, :old, :new, :note)",
                            [{"id": row_id, "at": r[0], "actor": r[1], "field": r[2], "old": r[3], "new": r[4],
                              "note": r[5]} for r in rows[kept:]])
        if not append:
            entity.history = f"{len(rows)}:{_digest(rows)}"

