"""Turning the services' writes into operations, inside the transaction that made them.

Triggers mark every row of the tracker's tables that changes (``ledger_dirty``); just before the
transaction commits, each marked entity is compared with its state as the ledger knows it (the last
derived state, kept in ``ledger_entity``), and each difference becomes an operation: a ``create`` for
a new row, a ``set`` per changed field (citing the writes of that field it replaces), ``link`` and
``unlink`` for an incident's components and causes, a ``tombstone`` for a row gone, ``merge_into`` for
a cause that disappeared into another (its slug now an alias there), a ``comment`` for a note alone.
Who and why come from the history lines the services wrote in the same transaction.

Comparing states rather than hooking each service means every way of writing is captured: the
services, imports, merges, ``Closes:`` trailers, even another program writing the file; nothing
needs to know about the ledger.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from tracker.base.timeutil import format_stamp, read_stamp
from tracker.repo.ledger import store
from tracker.repo.ledger.format import Op, make_op, ulid_suffix
from tracker.repo.ledger.hlc import Stamp
from tracker.repo.ledger.model import ACTION, CAUSE, INCIDENT, TIMELINE, stored
from tracker.repo.ledger.taxonomy import Taxonomy
from tracker.storage.database import Db

CLOSES_NOTE = re.compile(r"^Closes: in commit ([0-9a-f]{7,40})\b")
"""The note ``tracker.repo.workspace`` writes when a ``Closes:`` trailer marks an action done."""

Event = tuple[str, str, str, str | None, str | None, str]
"""(at, actor, field, old, new, note) of a history line written in the transaction."""


class Capture:
    """One capture: the marked rows of one transaction, compared and turned into operations."""

    def __init__(self, db: Db, *, replica: str, actor: str, tick: Callable[[], Stamp], now: Callable[[], str],
                 ulid: Callable[[], str], taxonomy: Taxonomy) -> None:
        self.db = db
        self.ulid = ulid
        self.replica = replica
        self.actor = actor
        self.tick = tick
        self.now = now
        self.taxonomy = taxonomy
        self.ops: list[Op] = []
        self.default: tuple[str, str] | None = None
        """(at, actor) for changes no history line explains: the row's own change time, else the
        transaction's first history line, else now and the replica's user."""
        self.merged: dict[str, str] = {}
        """Causes merged in this transaction: source -> target."""
        self.new_causes: set[str] = set()

    # -- helpers -----------------------------------------------------------------------------------

    def uid_of(self, type_: str, row_id: int | None) -> str | None:
        if row_id is None:
            return None
        found = self.db.scalar("SELECT uid FROM ledger_entity WHERE type = :t AND local_id = :id",
                               {"t": type_, "id": row_id})
        return None if found is None else str(found)

    def register(self, uid: str, type_: str, aggregate: str, row_id: int) -> None:
        self.db.execute(
            "INSERT INTO ledger_entity (uid, type, aggregate, local_id, suffix) VALUES (:u, :t, :a, :id, :s)"
            " ON CONFLICT (uid) DO UPDATE SET aggregate = :a, local_id = :id",
            {"u": uid, "t": type_, "a": aggregate, "id": row_id, "s": ulid_suffix(uid)})

    def new_uid(self, type_: str, row_id: int) -> str:
        """The ULID of a new row: the one chosen with its id (``Replica.allocate``), else a fresh one."""
        return self.uid_of(type_, row_id) or self.ulid()

    def resolve(self, uid: str | None) -> str | None:
        """Where a cause leads, counting the merges made in this transaction."""
        seen: set[str] = set()
        while uid is not None and uid in self.merged and uid not in seen:
            seen.add(uid)
            uid = self.merged[uid]
        if uid is None or uid in self.new_causes:
            return uid
        leads = self.taxonomy.resolve(uid)
        if leads in self.merged:
            return self.resolve(leads)
        return leads if leads is not None else uid

    def emit(self, kind: str, type_: str, entity: str, event: Event | None = None, *, field: str | None = None,
             value: Any = None, prev: list[str] | tuple[str, ...] = (), parent: str | None = None,
             note: str | None = None) -> None:
        at, actor = self.default or (self.now(), self.actor)
        given_note = ""
        if event is not None:
            at, actor, given_note = event[0], event[1], event[5]
        text = given_note if note is None else note
        source = ""
        match = CLOSES_NOTE.match(text)
        if match and kind == "set" and field == "status":
            source = f"commit:{match.group(1)}"
        self.ops.append(make_op(kind, type_, entity, clock=self.tick(), replica=self.replica, field=field,
                                value=value, prev=tuple(prev), parent=parent, actor=actor, wall=at, note=text,
                                source=source))

    def events(self, table: str, ids: set[int], owner: str) -> dict[int, list[Event]]:
        found: dict[int, list[Event]] = defaultdict(list)
        items = sorted(ids)
        for start in range(0, len(items), 500):
            chunk = items[start:start + 500]
            marks = ", ".join(f":e{n}" for n in range(len(chunk)))
            for row in self.db.rows(
                    f"SELECT {owner}, at, actor, field, old_value, new_value, note FROM {table}"
                    f" WHERE id IN ({marks}) ORDER BY id", {f"e{n}": i for n, i in enumerate(chunk)}):
                found[int(row[0])].append((format_stamp(read_stamp(row[1])), row[2], row[3], row[4], row[5], row[6]))
        return found

    @staticmethod
    def event(events: list[Event], field: str, entry: int | None = None) -> Event | None:
        """The history line a service wrote for this change, if any (the last one for the field)."""
        for item in reversed(events):
            if item[2] != field:
                continue
            if entry is not None and not any(v and v.startswith(f"#{entry} ") for v in (item[3], item[4])):
                continue
            return item
        return None

    # -- the run -----------------------------------------------------------------------------------

    def run(self, marks: list[tuple[str, int]]) -> list[Op]:
        marked: dict[str, set[int]] = defaultdict(set)
        for table, row_id in marks:
            marked[table].add(int(row_id))
        action_events = self.events("action_event", marked["action_event"], "action_id")
        incident_events = self.events("incident_event", marked["incident_event"], "incident_id")
        first = min((e for events in (*action_events.values(), *incident_events.values()) for e in events),
                    default=None)
        transaction = (first[0], first[1]) if first is not None else None
        self.default = transaction
        for row_id in sorted(marked["cause"]):
            self.cause(row_id)
        entries: dict[int, set[int]] = defaultdict(set)
        for entry_id in marked["timeline"]:
            parent = self.db.scalar("SELECT incident_id FROM timeline_entry WHERE id = :id", {"id": entry_id})
            if parent is None:
                uid = self.uid_of("timeline", entry_id)
                aggregate = self.db.scalar("SELECT aggregate FROM ledger_entity WHERE uid = :u", {"u": uid})
                parent = self.db.scalar("SELECT local_id FROM ledger_entity WHERE uid = :u", {"u": aggregate})
            if parent is not None:
                entries[int(parent)].add(entry_id)
        for row_id in sorted(marked["incident"] | set(incident_events) | set(entries)):
            self.default = self.changed_at("incident", row_id, transaction)
            self.incident(row_id, incident_events.get(row_id, []), entries.get(row_id, set()))
        for row_id in sorted(marked["action"] | set(action_events)):
            self.default = self.changed_at("action", row_id, transaction)
            self.action(row_id, action_events.get(row_id, []))
        return self.ops

    def changed_at(self, table: str, row_id: int, transaction: tuple[str, str] | None) -> tuple[str, str] | None:
        """The row's own change time (``updated_at``, set by the service), with the transaction's actor."""
        found = self.db.scalar(f"SELECT updated_at FROM {table} WHERE id = :id", {"id": row_id})
        if found is None:
            return transaction
        return format_stamp(read_stamp(found)), transaction[1] if transaction else self.actor

    # -- causes ------------------------------------------------------------------------------------

    def cause(self, row_id: int) -> None:
        db = self.db
        uid = self.uid_of("cause", row_id)
        row = db.row("SELECT slug, title, category, description, retired_at FROM root_cause WHERE id = :id",
                     {"id": row_id})
        if row is None:
            if uid is None:
                return
            shadow = store.load_state(db, uid) or {}
            if not shadow.get("live"):
                return
            slug = shadow["fields"]["slug"]["v"]
            target_row = db.scalar("SELECT root_cause_id FROM root_cause_alias WHERE slug = :s", {"s": slug})
            target = self.uid_of("cause", None if target_row is None else int(target_row))
            if target is not None and target != uid:
                self.merged[uid] = target
                into = db.scalar("SELECT slug FROM root_cause WHERE id = :id", {"id": target_row})
                self.emit("merge_into", "cause", uid, value=target, note=f"root cause {slug} merged into {into}")
            else:
                self.emit("tombstone", "cause", uid)
            return
        values = {f.name: stored("cause", f.name, value) for f, value in zip(CAUSE.values(), row, strict=True)}
        if uid is None:
            uid = self.ulid()
            self.register(uid, "cause", uid, row_id)
            self.new_causes.add(uid)
            self.emit("create", "cause", uid, value=values)
            return
        self.fields("cause", uid, values, [], None)

    def fields(self, type_: str, uid: str, values: dict[str, Any], events: list[Event], parent: str | None,
               shadow: dict[str, Any] | None = None, entry: int | None = None) -> None:
        """A ``set`` for each field whose value differs from the ledger's."""
        if shadow is None:
            shadow = store.load_state(self.db, uid) or {}
        known = shadow.get("fields", {})
        for name, value in values.items():
            before = known.get(name, {"v": None, "h": []})
            if self.same(type_, name, before["v"], value):
                continue
            history = "timeline" if type_ == "timeline" else name
            self.emit("set", type_, uid, self.event(events, history, entry), field=name, value=value,
                      prev=before["h"], parent=parent)

    def same(self, type_: str, name: str, old: Any, new: Any) -> bool:
        if type_ == "action" and name == "root_cause":
            return bool(self.resolve(old) == new)
        return bool(old == new)

    # -- incidents ---------------------------------------------------------------------------------

    def incident(self, row_id: int, events: list[Event], entries: set[int]) -> None:
        db = self.db
        uid = self.uid_of("incident", row_id)
        columns = [f.column for f in INCIDENT.values()]
        row = db.row(f"SELECT {', '.join(columns)}, created_at FROM incident WHERE id = :id", {"id": row_id})
        if row is None:
            if uid is not None and (store.load_state(db, uid) or {}).get("live"):
                self.emit("tombstone", "incident", uid, self.event(events, "deleted"))
            return
        values = {f.name: stored("incident", f.name, value)
                  for f, value in zip(INCIDENT.values(), row[:-1], strict=True)}
        shadow: dict[str, Any] = {}
        if uid is None or not (shadow := store.load_state(db, uid) or {}).get("fields"):
            uid = uid or self.new_uid("incident", row_id)
            self.register(uid, "incident", uid, row_id)
            self.emit("create", "incident", uid, self.event(events, "created"),
                      value={**values, "created_at": format_stamp(read_stamp(row[-1]))})
            shadow = {}
        else:
            self.fields("incident", uid, values, events, None, shadow)
        self.components(uid, row_id, shadow, events)
        self.causes(uid, row_id, shadow, events)
        self.timeline(uid, row_id, shadow, events, entries)
        for item in events:
            if item[2] == "note":
                self.emit("comment", "incident", uid, item)

    def components(self, uid: str, row_id: int, shadow: dict[str, Any], events: list[Event]) -> None:
        known: dict[str, Any] = shadow.get("sets", {}).get("components", {})
        current = {f"{g} / {n}" if g else n for g, n in self.db.rows(
            "SELECT c.group_name, c.name FROM incident_component x JOIN component c ON c.id = x.component_id"
            " WHERE x.incident_id = :id", {"id": row_id})}
        for name in sorted(current - set(known)):
            self.emit("link", "incident", uid, self.event(events, "component"), field="components", value=name)
        for name in sorted(set(known) - current):
            self.emit("unlink", "incident", uid, self.event(events, "component"), field="components", value=name,
                      prev=known[name]["links"])

    def causes(self, uid: str, row_id: int, shadow: dict[str, Any], events: list[Event]) -> None:
        known: dict[str, Any] = shadow.get("sets", {}).get("causes", {})
        by_target: dict[str, list[tuple[str, dict[str, Any]]]] = defaultdict(list)
        for member, info in known.items():
            target = self.resolve(member)
            if target is not None:
                by_target[target].append((member, info))
        current: dict[str, tuple[str, str]] = {}
        for cause_id, role, note in self.db.rows(
                "SELECT root_cause_id, role, note FROM incident_root_cause WHERE incident_id = :id", {"id": row_id}):
            cause = self.uid_of("cause", int(cause_id))
            if cause is not None:
                current[cause] = (role, note)
        event = self.event(events, "cause")
        for target, (role, note) in sorted(current.items()):
            members = by_target.get(target, [])
            own = [info for member, info in members if member == target] or [info for _, info in members]
            if not own or (own[0]["role"], own[0]["note"]) != (role, note):
                previous: list[str] = next((info["links"] for member, info in members if member == target), [])
                self.emit("link", "incident", uid, event, field="causes",
                          value={"cause": target, "role": role, "note": note}, prev=previous)
        for target, members in sorted(by_target.items()):
            if target not in current:
                for member, info in members:
                    self.emit("unlink", "incident", uid, event, field="causes", value={"cause": member},
                              prev=info["links"])

    def timeline(self, uid: str, row_id: int, shadow: dict[str, Any], events: list[Event], marked: set[int]) -> None:
        db = self.db
        known: dict[str, Any] = shadow.get("entries", {})
        for entry_id in sorted(marked):
            entry = self.uid_of("timeline", entry_id)
            row = db.row("SELECT at, label, body FROM timeline_entry WHERE id = :id AND incident_id = :i",
                         {"id": entry_id, "i": row_id})
            if row is None:
                if entry is not None and known.get(entry, {}).get("live"):
                    self.emit("tombstone", "timeline", entry, self.event(events, "timeline", entry_id), parent=uid)
                continue
            values = {f.name: stored("timeline", f.name, value) for f, value in zip(TIMELINE.values(), row,
                                                                                   strict=True)}
            if entry is None or entry not in known:
                entry = entry or self.new_uid("timeline", entry_id)
                self.register(entry, "timeline", uid, entry_id)
                self.emit("create", "timeline", entry, self.event(events, "timeline", entry_id), value=values,
                          parent=uid)
            else:
                self.fields("timeline", entry, values, events, uid, known[entry], entry_id)

    # -- actions -----------------------------------------------------------------------------------

    def action(self, row_id: int, events: list[Event]) -> None:
        db = self.db
        uid = self.uid_of("action", row_id)
        columns = [f.column for f in ACTION.values()]
        row = db.row(f"SELECT {', '.join(columns)}, created_at, completed_at FROM action WHERE id = :id",
                     {"id": row_id})
        if row is None:
            if uid is not None and (store.load_state(db, uid) or {}).get("live"):
                self.emit("tombstone", "action", uid)
            return
        values: dict[str, Any] = {}
        for spec, value in zip(ACTION.values(), row[:-2], strict=True):
            if spec.name == "incident":
                values["incident"] = self.uid_of("incident", value)
            elif spec.name == "root_cause":
                values["root_cause"] = self.uid_of("cause", value)
            else:
                values[spec.name] = stored("action", spec.name, value)
        shadow = store.load_state(db, uid) if uid is not None else None
        if uid is None or not (shadow or {}).get("fields"):
            uid = uid or self.new_uid("action", row_id)
            self.register(uid, "action", uid, row_id)
            extra = {"created_at": format_stamp(read_stamp(row[-2]))}
            if row[-1] is not None:
                extra["completed_at"] = format_stamp(read_stamp(row[-1]))
            self.emit("create", "action", uid, self.event(events, "created"), value={**values, **extra})
        else:
            self.fields("action", uid, values, events, None, shadow)
        for item in events:
            if item[2] == "note":
                self.emit("comment", "action", uid, item)
