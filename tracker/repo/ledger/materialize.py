"""Writing derived states into the tracker's tables, so every service reads a replica like any database.

Each aggregate is derived again from all its operations and written where it differs (``rows``): the
row, an incident's components, cause links and timeline, the history (rebuilt from the operations, in
clock order, keys and slugs shown as they are now), the conflicts and flags. An action whose new
operations are plain edits made after everything it had (the usual case) is not: they are folded onto
the state its last refresh kept (``derive.resume``), and their history lines added after those there.

Causes are resolved for the whole taxonomy at once (merges, slug clashes, aliases), and whatever a
change of the taxonomy, of a number or of an entity's existence touches is redone too.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from tracker.base.enums import ROLE_STRENGTH, ActionStatus
from tracker.base.timeutil import iso, read_stamp
from tracker.core.keys import action_key, incident_key
from tracker.repo.ledger import store
from tracker.repo.ledger.derive import Line, Order, State, derive, resume
from tracker.repo.ledger.format import Op
from tracker.repo.ledger.model import ACTION, CAUSE, FIELDS, INCIDENT
from tracker.repo.ledger.rows import Entity, RowWriter, stamp_or_epoch
from tracker.repo.ledger.taxonomy import Taxonomy, build
from tracker.storage.database import Db

CLOSED = {s.value for s in ActionStatus if s.is_closed}


def _state_from_summary(uid: str, data: dict[str, Any]) -> State:
    """A cause's state as ``_summary`` kept it (enough for the taxonomy)."""
    state = State(uid, "cause", created=data["created"], deleted=data["deleted"], values=data["values"],
                  slugs=data["slugs"])
    state.create_order = tuple(data["create_order"]) if data["create_order"] else None
    state.merges = [(tuple(m[0]), m[1], m[2], m[3], m[4]) for m in data["merges"]]
    return state


def _summary(state: State) -> dict[str, Any]:
    return {**state.shadow(), "created": state.created, "deleted": state.deleted, "values": state.values,
            "slugs": state.slugs, "create_order": state.create_order, "merges": state.merges}


def _signature(tax: Taxonomy, uid: str) -> tuple[object, ...]:
    """What entities naming a cause show of it: where it leads, and the names along the way."""
    return (tax.resolve(uid), tax.slug(uid), tuple((s.target, tax.slug(s.target), s.order) for s in tax.steps(uid)))


class Materializer(RowWriter):
    """Derives aggregates and writes them; call inside a write transaction."""

    def __init__(self, db: Db) -> None:
        super().__init__(db)
        self._taxonomy: Taxonomy | None = None
        self._resumed: dict[str, tuple[State, str | None]] = {}
        """Actions folded onto their saved states, each with the latest time of its history lines so far."""
        self.resumes = 0
        """How many actions the last refresh folded onto their saved states (not derived again)."""


    # -- the taxonomy ------------------------------------------------------------------------------

    def taxonomy(self) -> Taxonomy:
        if self._taxonomy is None:
            causes = {uid: _state_from_summary(uid, json.loads(raw)) for uid, raw in self.db.rows(
                "SELECT uid, state FROM ledger_entity WHERE type = 'cause' AND state IS NOT NULL")}
            self._taxonomy = build(causes)
        return self._taxonomy

    # -- refreshing --------------------------------------------------------------------------------

    def refresh(self, aggregates: Iterable[str], *, verify: bool = False, new: Iterable[Op] = ()) -> None:
        """Derive and write these aggregates, then whatever their changes touch. ``verify``: the tables were
        just written by a service (a capture): compare with what they hold, not with the digests. ``new``:
        the operations just added; an action whose new operations all come after what it had is folded
        onto its saved state instead of being derived again from all of them."""
        db = self.db
        self._entities.clear()
        self._ops.clear()
        self.verify = verify
        self.resumes = 0
        db.execute("PRAGMA defer_foreign_keys = ON")
        store.capturing(db, False)
        try:
            todo = set(aggregates)
            self._resumed = {} if verify else self._resume(todo, new)
            types = self._prefetch(todo - set(self._resumed))
            types.update(dict.fromkeys(self._resumed, "action"))
            causes = {a for a in todo if types.get(a) == "cause"}
            if causes:
                todo |= self._redo(self._refresh_causes(causes))
                types.update(self._prefetch(todo - set(types)))
            incidents = sorted(a for a in todo if types.get(a) == "incident")
            for uid in incidents:
                todo |= self._redo(self._refresh_incident(uid))
            types.update(self._prefetch(todo - set(types)))
            for uid in sorted(a for a in todo if types.get(a) == "action"):
                self._refresh_action(uid)
        finally:
            store.capturing(db, True)

    def _resume(self, todo: set[str], new: Iterable[Op]) -> dict[str, tuple[State, str | None]]:
        """The actions among ``todo`` whose new operations fold onto their saved states (``derive.resume``);
        their entities, and those their rows name, are loaded with them."""
        fresh: dict[str, list[Op]] = {}
        for op in new:
            if op.aggregate in todo and op.type == "action":
                fresh.setdefault(op.aggregate, []).append(op)
        resumed: dict[str, tuple[State, str | None]] = {}
        for uid, type_, raw in self.load_entities(sorted(fresh), state=True):
            try:
                saved = json.loads(raw) if type_ == "action" and raw else None
            except ValueError:
                saved = None
            entity = self._entities.get(uid)
            state = resume(uid, saved, fresh[uid]) if isinstance(saved, dict) and entity is not None \
                and entity.local_id is not None else None  # its row and history are there to add to
            if state is not None:
                assert saved is not None
                touched = saved["resume"].get("touched")
                resumed[uid] = (state, touched if isinstance(touched, str) else None)
        named = {state.values.get(name) for state, _ in resumed.values() for name in ("incident", "root_cause")}
        self.load_entities(sorted(uid for uid in named if isinstance(uid, str) and uid not in self._entities))
        return resumed

    def _redo(self, aggregates: set[str]) -> set[str]:
        """Aggregates a change elsewhere touches are derived again from all their operations."""
        for uid in aggregates:
            self._resumed.pop(uid, None)
        return aggregates

    def _derive(self, uid: str, type_: str) -> State:
        ops = self._ops.get(uid)
        return derive(uid, type_, ops if ops is not None else store.aggregate_ops(self.db, uid))

    def label(self, uid: str, type_: str, parent: str | None = None) -> str:
        """How people name an entity: ``ACT-12``, ``INC-3``, ``INC-3 #45``, a cause's slug."""
        if type_ == "cause":
            return self.taxonomy().slug(uid)
        if type_ == "timeline":
            return f"{self.label(parent, 'incident') if parent else 'INC-?'} #{self.key_number(uid)}"
        number = self.key_number(uid)
        return action_key(number) if type_ == "action" else incident_key(number)

    def _conflicts(self, state: State, entity: Entity) -> None:
        db = self.db
        rows = []
        for conflict in state.conflicts():
            render = FIELDS[conflict.type][conflict.field].render
            heads = [{**head, "shown": self._render(render, head["value"])} for head in conflict.heads]
            rows.append({"a": state.uid, "e": conflict.entity, "t": conflict.type, "f": conflict.field,
                         "k": "conflict", "l": self.label(conflict.entity, conflict.type, state.uid),
                         "d": json.dumps({"winner": conflict.winner, "heads": heads}, sort_keys=True)})
        for owner in [state, *state.entries.values()]:
            if owner.live and owner.flags:
                rows.append({"a": state.uid, "e": owner.uid, "t": owner.type, "f": "status", "k": "flag",
                             "l": self.label(owner.uid, owner.type, state.uid),
                             "d": json.dumps({"flags": owner.flags})})
        if entity.conflicts or rows:
            db.execute("DELETE FROM ledger_conflict WHERE aggregate = :a", {"a": state.uid})
        if rows:
            db.execute_many("INSERT OR REPLACE INTO ledger_conflict (aggregate, entity, type, field, kind, label,"
                            " detail) VALUES (:a, :e, :t, :f, :k, :l, :d)", rows)
        entity.conflicts = len(rows)

    def _save(self, state: State, data: dict[str, Any]) -> None:
        """The aggregate's derived state, number and conflicts, into the map."""
        entity = self.entity(state.uid, state.type)
        assert entity is not None
        self._conflicts(state, entity)
        if not state.live and state.key is not None:
            entity.number = state.key  # kept, so the number is never handed out again
        self._store(entity, data)

    # -- causes ------------------------------------------------------------------------------------

    def _refresh_causes(self, uids: set[str]) -> set[str]:
        """Derive these causes, rebuild the taxonomy, write it; returns the aggregates to redo."""
        db = self.db
        before = self.taxonomy()
        old = {uid: _signature(before, uid) for uid in before.causes}
        for uid in uids:
            state = self._derive(uid, "cause")
            self._save(state, _summary(state))
        self._taxonomy = None
        tax = self.taxonomy()
        for uid, state in tax.causes.items():
            row_id = self.local_id(uid)
            exists = row_id is not None and db.scalar("SELECT 1 FROM root_cause WHERE id = :id", {"id": row_id})
            if uid in tax.live:
                values = {f.column: state.values.get(f.name, "" if f.name != "retired_at" else None)
                          for f in CAUSE.values()}
                if exists:
                    current = db.row("SELECT slug, title, category, description, retired_at FROM root_cause"
                                     " WHERE id = :id", {"id": row_id})
                    if current is not None and list(current) != [values[c] for c in
                                                                  ("slug", "title", "category", "description",
                                                                   "retired_at")]:
                        # A slug another row still holds moves out of the way first (a rename elsewhere).
                        db.execute("UPDATE root_cause SET slug = slug || '~' || id WHERE slug = :s AND id != :id",
                                   {"s": values["slug"], "id": row_id})
                        db.execute("UPDATE root_cause SET slug = :slug, title = :title, category = :category,"
                                   " description = :description, retired_at = :retired_at WHERE id = :id",
                                   {**values, "id": row_id})
                else:
                    db.execute("UPDATE root_cause SET slug = slug || '~' || id WHERE slug = :s", {"s": values["slug"]})
                    new_id = db.insert("INSERT INTO root_cause (slug, title, category, description, retired_at)"
                                       " VALUES (:slug, :title, :category, :description, :retired_at) RETURNING id",
                                       values)
                    entity = self.entity(uid, "cause")
                    assert entity is not None
                    entity.local_id = new_id
                    self._store(entity)
        for uid in tax.causes:
            row_id = self.local_id(uid)
            if uid not in tax.live and row_id is not None:
                self._drop("root_cause", uid)
        wanted = {slug: self.local_id(target) for slug, target in tax.aliases.items()}
        aliases = {str(s): int(c) for s, c in db.rows("SELECT slug, root_cause_id FROM root_cause_alias")}
        for slug, row_id in aliases.items():
            if wanted.get(slug) != row_id:
                db.execute("DELETE FROM root_cause_alias WHERE slug = :s", {"s": slug})
        for slug, row_id in wanted.items():
            if row_id is not None and aliases.get(slug) != row_id:
                db.execute("INSERT INTO root_cause_alias (slug, root_cause_id) VALUES (:s, :id)",
                           {"s": slug, "id": row_id})
        changed = {uid for uid in tax.causes if old.get(uid) != _signature(tax, uid)}
        return store.referring(db, changed) - set(tax.causes)

    # -- histories ---------------------------------------------------------------------------------

    def _render(self, render: str | None, value: Any) -> str | None:
        if value is None:
            return None
        if render == "stamp":
            return iso(read_stamp(value))
        if render == "incident":
            return incident_key(self.key_number(value))
        if render == "cause":
            return self.taxonomy().slug(value)
        if render == "cause_link":
            return f"{self.taxonomy().slug(value[0])} ({value[1]})"
        if render == "entry":
            uid, at, label, body = value
            head = iso(read_stamp(at)) if at else "undated"
            text = f"{head} [{label}] {body}" if label else f"{head} {body}"
            return f"#{self.key_number(uid)} {text}"
        return value if isinstance(value, str) else json.dumps(value)

    def _history(self, table: str, column: str, row_id: int, lines: list[Line], entity: Entity, *,
                 append: bool = False) -> None:
        """Render the history lines (keys and slugs as they are now) and write them (``append``: only new
        lines, after those there)."""
        rows = [(stamp_or_epoch(line.at), line.actor[:200], line.field[:40], self._render(line.render, line.old),
                 self._render(line.render, line.new), line.note) for line in sorted(lines, key=lambda x: x.order)]
        self.write_history(table, column, row_id, rows, entity, append=append)

    def _merge_lines(self, member: str, since: Order, field: str, role: str | None) -> list[Line]:
        """History lines for the merges that moved ``member`` (linked at ``since``) to where it leads now."""
        tax = self.taxonomy()
        lines = []
        for step in tax.steps(member):
            if step.order <= since:
                continue
            old, new = tax.slug(step.source), tax.slug(step.target)
            if role is not None:
                old, new = f"{old} ({role})", f"{new} ({role})"
            lines.append(Line((step.order, 0), step.wall, step.actor, field, old, new,
                              step.note or f"root cause {tax.slug(step.source)} merged into {tax.slug(step.target)}"))
        return lines

    @staticmethod
    def _touched(state: State, lines: list[Line]) -> str | None:
        """The latest time among history lines after the creation."""
        after = state.create_order or ("",)
        moments = [stamp_or_epoch(line.at) for line in lines if line.order[0] > after]
        return max(moments) if moments else None

    @classmethod
    def _updated(cls, state: State, lines: list[Line], created: str | None, touched: str | None = None) -> str | None:
        """The last change: the latest operation's time, or a merge that moved one of its causes (``touched``:
        the latest line's time among lines not given)."""
        moments = [stamp_or_epoch(state.updated)] if state.updated else []
        moments += [m for m in (cls._touched(state, lines), touched) if m is not None]
        return max(moments) if moments else created

    # -- incidents ---------------------------------------------------------------------------------

    def _refresh_incident(self, uid: str) -> set[str]:
        """Derive and write one incident with its timeline; returns the aggregates to redo (its actions)."""
        db = self.db
        state = self._derive(uid, "incident")
        before = self.local_id(uid)
        for entry_uid in state.entries:
            self.entity(entry_uid, "timeline", uid)
        if not state.live:
            gone = self._drop("incident", uid)
            for entry_uid in state.entries:
                self._drop("timeline_entry", entry_uid)
            self._save(state, state.shadow())
            return store.referring(db, {uid}) if gone else set()
        current, desired = self._place(uid, "incident", uid, "incident", state.key)
        values = {f.column: state.values.get(f.name, "" if f.name not in ("detected_at", "mitigated_at",
                                                                              "resolved_at") else None)
                  for f in INCIDENT.values()}
        lines = list(state.history)
        for element, info in state.members("causes").items():
            since = max(state.links["causes"][element][i]["order"] for i in info["links"])
            lines += self._merge_lines(element, since, "cause", info["role"])
        values["created_at"] = state.created_at or values["started_at"]
        values["updated_at"] = self._updated(state, lines, values["created_at"])
        self._write_row("incident", "incident", uid, current, desired, values)
        row_id = self.local_id(uid) or desired
        self._components(row_id, state)
        self._causes(row_id, state)
        self._timeline(row_id, state)
        entity = self.entity(uid)
        assert entity is not None
        self._history("incident_event", "incident_id", self.local_id(uid) or desired, lines, entity)
        self._save(state, state.shadow())
        return store.referring(db, {uid}) if before != self.local_id(uid) else set()

    def _components(self, incident_id: int, state: State) -> None:
        wanted = set(state.members("components"))
        current = {f"{g} / {n}" if g else n: (g, n) for g, n in self.db.rows(
            "SELECT c.group_name, c.name FROM incident_component x JOIN component c ON c.id = x.component_id"
            " WHERE x.incident_id = :id", {"id": incident_id})}
        for name in sorted(set(current) - wanted):
            self.db.execute("DELETE FROM incident_component WHERE incident_id = :i AND component_id IN"
                            " (SELECT id FROM component WHERE group_name = :g AND name = :n)",
                            {"i": incident_id, "g": current[name][0], "n": current[name][1]})
        for name in sorted(wanted - set(current)):
            group, _, part = name.rpartition(" / ")
            params = {"g": group.strip(), "n": part.strip()}
            found = self.db.scalar("SELECT id FROM component WHERE group_name = :g AND name = :n", params)
            if found is None:
                found = self.db.insert("INSERT INTO component (group_name, name) VALUES (:g, :n) RETURNING id", params)
            self.db.execute("INSERT INTO incident_component (incident_id, component_id) VALUES (:i, :c)",
                            {"i": incident_id, "c": found})

    def _causes(self, incident_id: int, state: State) -> None:
        db = self.db
        tax = self.taxonomy()
        wanted: dict[int, tuple[str, str, bool, Order]] = {}
        for element, info in state.members("causes").items():
            target = tax.resolve(element)
            row_id = self.local_id(target)
            if target is None or row_id is None:
                continue
            since = max(state.links["causes"][element][i]["order"] for i in info["links"])
            candidate = (info["role"], info["note"], element == target, since)
            kept = wanted.get(row_id)
            # Two linked causes now one (a merge): the stronger role stands (as ``merge_causes`` keeps it),
            # then the target's own link, then the first made; the same whatever order the links come in.
            if kept is None or _link_rank(candidate) < _link_rank(kept):
                wanted[row_id] = candidate
        current = {int(c): (r, n) for c, r, n in db.rows(
            "SELECT root_cause_id, role, note FROM incident_root_cause WHERE incident_id = :id", {"id": incident_id})}
        for cause_id in set(current) - set(wanted):
            db.execute("DELETE FROM incident_root_cause WHERE incident_id = :i AND root_cause_id = :c",
                       {"i": incident_id, "c": cause_id})
        for cause_id, (role, note, _, _) in wanted.items():
            if cause_id not in current:
                db.execute("INSERT INTO incident_root_cause (incident_id, root_cause_id, role, note)"
                           " VALUES (:i, :c, :r, :n)", {"i": incident_id, "c": cause_id, "r": role, "n": note})
            elif current[cause_id] != (role, note):
                db.execute("UPDATE incident_root_cause SET role = :r, note = :n WHERE incident_id = :i"
                           " AND root_cause_id = :c", {"i": incident_id, "c": cause_id, "r": role, "n": note})

    def _timeline(self, incident_id: int, state: State) -> None:
        live = sorted((e for e in state.entries.values() if e.live), key=lambda e: e.create_order or ("",))
        for position, entry in enumerate(live):
            current, desired = self._place(entry.uid, "timeline", state.uid, "timeline_entry", entry.key)
            values = {"incident_id": incident_id, "position": position, "at": entry.values.get("at"),
                      "label": entry.values.get("label", ""), "body": entry.values.get("body", "")}
            self._write_row("timeline_entry", "timeline", entry.uid, current, desired, values)
            entity = self.entity(entry.uid)
            assert entity is not None
            self._store(entity)
        for entry in state.entries.values():
            if not entry.live:
                self._drop("timeline_entry", entry.uid)

    # -- actions -----------------------------------------------------------------------------------

    def _refresh_action(self, uid: str) -> None:
        resumed, saved_touched = self._resumed.pop(uid, (None, None))
        state = resumed or self._derive(uid, "action")
        if not state.live:
            self._drop("action", uid)
            self._save(state, state.shadow())
            return
        merges: list[Line] = []
        cause = state.values.get("root_cause")
        if cause is not None:
            merges = self._merge_lines(cause, max(w.order for w in state.writes["root_cause"]), "root_cause", None)
        if resumed is not None and merges and state.history \
                and max(m.order for m in merges) > min(line.order for line in state.history):
            # A merge that came after the new edits: their lines do not simply go at the end.
            resumed, state = None, self._derive(uid, "action")
        tax = self.taxonomy()
        current, desired = self._place(uid, "action", uid, "action", state.key)
        values = {f.column: state.values.get(f.name, "" if f.name == "description" else None)
                  for f in ACTION.values()}
        incident = state.values.get("incident")
        values["incident_id"] = self.local_id(incident)
        values["root_cause_id"] = self.local_id(tax.resolve(cause))
        # The latest time of the lines after the creation: kept, so new lines can be added to it.
        touched = max((m for m in (saved_touched if resumed is not None else None,
                                   self._touched(state, state.history)) if m is not None), default=None)
        values["created_at"] = state.created_at
        values["updated_at"] = self._updated(state, merges, state.created_at, touched)
        values["completed_at"] = stamp_or_epoch(state.status_wall or "") if values["status"] in CLOSED else None
        self._write_row("action", "action", uid, current, desired, values)
        entity = self.entity(uid)
        assert entity is not None
        self._history("action_event", "action_id", self.local_id(uid) or desired,
                      state.history if resumed is not None else [*state.history, *merges], entity,
                      append=resumed is not None)
        point = state.resume_point()
        if point is not None:
            point["touched"] = touched
        self._save(state, {**state.shadow(), "resume": point} if point is not None else state.shadow())
        self.resumes += resumed is not None


def _link_rank(link: tuple[str, str, bool, Order]) -> tuple[int, bool, Order]:
    """How a link ranks when a merge folds two into one: stronger role, then the target's own, then older."""
    role, _, own, since = link
    strength = ROLE_STRENGTH.index(role) if role in ROLE_STRENGTH else len(ROLE_STRENGTH)
    return strength, not own, since
