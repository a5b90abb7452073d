"""An entity's state computed from its operations: pure, and the same whatever order they came in.

Operations are sorted by (clock, replica, id) and folded:

- a field is a register: the last write in that order wins (last-writer-wins on the hybrid clock,
  never on wall time alone); writes that did not see each other (neither cites the other in
  ``prev``) and disagree are a *conflict*: the winner applies, the others are kept and listed until
  someone writes a value citing them all;
- an incident's components and causes are add-wins sets: an element is in while some ``link`` of it
  was not seen by an ``unlink`` (a link made concurrently with an unlink survives);
- a ``tombstone`` ends an entity for good: later writes are kept but change nothing;
- an incident's status is checked as it moves in that order, and a move the rules forbid (back without
  a note, resolved without a resolve time, times out of order) is flagged, not dropped;
- the history is rebuilt from the operations in that order, one line per change.

An incident's aggregate holds its timeline entries; a cause's state lists the slugs it had and the
causes it was merged into, resolved for the whole taxonomy by ``taxonomy``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from tracker.base.enums import IncidentStatus
from tracker.repo.ledger.format import ULID, Op, canonical
from tracker.repo.ledger.model import (
    FIELDS,
    NUMBERED,
    SETS,
    cause_link,
    component_name,
    stamp_text,
)

Order = tuple[str, str, str]

STATUS_ORDER = [s.value for s in IncidentStatus]
NEEDS_RESOLVE = {IncidentStatus.RESOLVED.value, IncidentStatus.POSTMORTEM.value, IncidentStatus.CLOSED.value}
TIMES = ("started_at", "detected_at", "mitigated_at", "resolved_at")
KEY_MAX = 10**12
INIT_SOURCE = "ledger-init"
"""The source of the operations ``ledger init`` writes for a database's existing content: they bring their
history with them (in the ``create``), so they add no history lines of their own."""


@dataclass(slots=True)
class Line:
    """One line of a history, before references are turned into keys and slugs (``render``)."""

    order: tuple[Any, ...]
    at: str
    actor: str
    field: str
    old: Any
    new: Any
    note: str
    render: str | None = None
    """How old and new are shown: as they are, ``stamp``, ``incident``, ``cause``, ``cause_link`` or ``entry``."""


@dataclass(slots=True)
class Conflict:
    """Writes of one field that did not see each other and disagree; ``winner`` is the one applied."""

    entity: str
    type: str
    field: str
    winner: str
    heads: list[dict[str, Any]]
    """``{op, value, actor, wall}`` for each write still standing, the winner included."""


@dataclass(slots=True)
class _Write:
    id: str
    order: Order
    value: Any
    prev: tuple[str, ...]
    actor: str
    wall: str


@dataclass
class State:
    """One entity as its operations make it."""

    uid: str
    type: str
    created: bool = False
    create_order: Order | None = None
    created_at: str | None = None
    deleted: bool = False
    values: dict[str, Any] = field(default_factory=dict)
    writes: dict[str, list[_Write]] = field(default_factory=dict)
    status_wall: str | None = None
    """When the current status was set (an action's completion time)."""
    links: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    """Set name -> element -> link op id -> ``{order, role, note}`` of every link made."""
    removed: set[str] = field(default_factory=set)
    """Link ops seen by an unlink."""
    key: int | None = None
    key_order: Order | None = None
    parent: str | None = None
    updated: str = ""
    history: list[Line] = field(default_factory=list)
    entries: dict[str, State] = field(default_factory=dict)
    slugs: list[str] = field(default_factory=list)
    merges: list[tuple[Order, str, str, str, str]] = field(default_factory=list)
    """(order, target, wall, actor, note) of each ``merge_into`` of this cause."""
    flags: list[str] = field(default_factory=list)
    ignored: int = 0
    """Operations that were not applied: unknown fields, values that fail their check, duplicates."""
    sources: set[str] = field(default_factory=set)
    last: Order | None = None
    """The latest operation folded in (applied or not)."""

    @property
    def live(self) -> bool:
        return self.created and not self.deleted

    def heads(self, name: str) -> list[str]:
        """The writes of a field that no later write cites: what a new write of it must cite."""
        writes = self.writes.get(name, [])
        if len(writes) == 1:
            return [writes[0].id]
        cited = {p for w in writes for p in w.prev}
        return sorted(w.id for w in writes if w.id not in cited)

    def members(self, name: str) -> dict[str, dict[str, Any]]:
        """The elements of a set that are in, each with its live link ops and the last link's role and note."""
        out: dict[str, dict[str, Any]] = {}
        for element, links in self.links.get(name, {}).items():
            live = {i: info for i, info in links.items() if i not in self.removed}
            if live:
                last = max(live.values(), key=lambda info: info["order"])
                out[element] = {"links": sorted(live), "role": last["role"], "note": last["note"]}
        return out

    def conflicts(self) -> list[Conflict]:
        found: list[Conflict] = []
        if not self.live:
            return found
        for name, writes in sorted(self.writes.items()):
            if len(writes) < 2:
                continue
            heads = set(self.heads(name))
            standing = [w for w in writes if w.id in heads]
            if len({canonical(w.value) for w in standing}) > 1:
                winner = max(standing, key=lambda w: w.order)
                found.append(Conflict(self.uid, self.type, name, winner.id, [
                    {"op": w.id, "value": w.value, "actor": w.actor, "wall": w.wall}
                    for w in sorted(standing, key=lambda w: w.order)]))
        for entry in self.entries.values():
            found += entry.conflicts()
        return found

    def shadow(self) -> dict[str, Any]:
        """What capture compares the tables with: values, heads, set elements, entries."""
        data: dict[str, Any] = {
            "live": self.live, "key": self.key,
            "fields": {name: {"v": self.values.get(name), "h": self.heads(name)} for name in sorted(self.values)},
        }
        if self.type == "incident":
            data["sets"] = {name: self.members(name) for name in sorted(SETS)}
            data["entries"] = {uid: entry.shadow() for uid, entry in sorted(self.entries.items())}
        return data

    def resume_point(self) -> dict[str, Any] | None:
        """What ``resume`` needs besides the shadow to fold later operations onto this state: kept for a live
        action with no conflict and no flag (anything else is derived again from all its operations)."""
        if self.type != "action" or not self.live or self.flags or self.last is None or self.conflicts():
            return None
        causes = self.writes.get("root_cause")
        return {"last": self.last, "create_order": self.create_order, "created_at": self.created_at,
                "status_wall": self.status_wall, "updated": self.updated, "sources": sorted(self.sources),
                "cause_since": max(w.order for w in causes) if causes else None}


RESUMABLE = {"set", "comment"}
"""The kinds ``resume`` folds onto a saved state (a ``set`` of an action's incident or cause excepted)."""


def _order(value: Any) -> Order:
    first, second, third = value
    return str(first), str(second), str(third)


def resume(uid: str, shadow: dict[str, Any], ops: Iterable[Op]) -> State | None:
    """An action's state from what its last refresh kept (its shadow, with ``resume_point``) and operations
    that all come after everything it folded, ``history`` holding only their lines. None when that does not
    hold, or they are not plain edits, or they make a conflict or a flag: derive from all operations then."""
    ops = sorted(ops, key=lambda o: o.order)
    if not ops or any(op.kind not in RESUMABLE or op.type != "action" or op.entity != uid
                      or op.field in ("incident", "root_cause") for op in ops):
        return None
    try:
        state = _saved(uid, shadow)
    except (KeyError, TypeError, ValueError, AttributeError):  # not as this tracker keeps it: derive again
        return None
    if state is None or state.last is None or ops[0].order <= state.last:
        return None
    folder = _Folder(state)
    for op in ops:
        folder.fold(op)
    state.last = ops[-1].order
    state.history.sort(key=lambda line: line.order)
    if not state.live or state.flags or state.conflicts():
        return None
    return state


def _saved(uid: str, shadow: dict[str, Any]) -> State | None:
    """The state ``resume`` starts from, as the shadow and its resume point keep it."""
    point = shadow.get("resume")
    if not point or shadow.get("live") is not True:
        return None
    last = _order(point["last"])
    fields = shadow["fields"]
    state = State(uid, "action", created=True, create_order=_order(point["create_order"]),
                  created_at=point["created_at"], values={str(name): f["v"] for name, f in fields.items()},
                  status_wall=point["status_wall"], key=shadow["key"], updated=str(point["updated"]),
                  sources={str(s) for s in point["sources"]}, last=last)
    since = _order(point["cause_since"]) if point["cause_since"] else last
    # The writes no later write cites stand for all of them: a write that is not a head never becomes one.
    state.writes = {name: [_Write(str(head), since if name == "root_cause" else last, f["v"], (), "", "")
                           for head in f["h"]] for name, f in fields.items()}
    return state


def _entry_value(entry: State) -> list[Any]:
    return [entry.uid, entry.values.get("at"), entry.values.get("label", ""), entry.values.get("body", "")]


class _Folder:
    """Folds the sorted operations of one aggregate into its state."""

    def __init__(self, root: State) -> None:
        self.root = root

    def target(self, op: Op) -> State | None:
        root = self.root
        if op.type == root.type and op.entity == root.uid:
            return root
        if root.type == "incident" and op.type == "timeline" and op.parent == root.uid:
            return root.entries.setdefault(op.entity, State(op.entity, "timeline", parent=root.uid))
        return None

    def line(self, op: Op, name: str, old: Any, new: Any, render: str | None = None, sub: int = 0,
             note: str | None = None) -> None:
        if op.source == INIT_SOURCE:
            return
        self.root.history.append(Line((op.order, sub), op.wall, op.actor, name, old, new,
                                      op.note if note is None else note, render))

    def fold(self, op: Op) -> None:
        state = self.target(op)
        if state is None or not op.known:
            if state is not None:
                state.ignored += 1
            return
        handler = getattr(self, f"_{op.kind}")
        try:
            changed = handler(state, op)
        except (ValueError, KeyError, TypeError):
            state.ignored += 1
            return
        if changed and op.source != INIT_SOURCE and not (op.kind == "create" and "updated_at" in op.value):
            for touched in (state, self.root):
                touched.updated = max(touched.updated, op.wall)

    # -- kinds -------------------------------------------------------------------------------

    def _create(self, state: State, op: Op) -> bool:
        if state.created or not isinstance(op.value, dict):
            raise ValueError("a second create, or no values")
        spec = FIELDS[state.type]
        values = {name: spec[name].check(op.value[name]) for name in spec if name in op.value}
        required = {"action": ("title", "status", "kind", "priority", "due"), "incident": (
            "title", "status", "kind", "severity", "started_at"), "cause": ("slug", "title"), "timeline": ("body",)}
        if any(name not in values for name in required[state.type]):
            raise ValueError("a required field is missing")
        created_at = op.value.get("created_at")
        state.created_at = stamp_text(created_at) if created_at is not None else (op.wall or None)
        state.created, state.create_order = True, op.order
        for name, value in values.items():
            state.values[name] = value
            state.writes.setdefault(name, []).append(_Write(op.id, op.order, value, (), op.actor, op.wall))
        if "status" in values:
            state.status_wall = stamp_text(op.value["completed_at"]) if op.value.get("completed_at") else op.wall
        if state.type == "cause":
            aliases = op.value.get("aliases", [])
            if isinstance(aliases, list):
                state.slugs += [spec["slug"].check(a) for a in aliases[:1000]]
            state.slugs.append(values["slug"])
        if isinstance(op.value.get("updated_at"), str):
            state.updated = stamp_text(op.value["updated_at"])
        history = op.value.get("history")
        if isinstance(history, list) and state is self.root:
            for number, item in enumerate(history[:100_000]):
                if (isinstance(item, list) and len(item) == 6 and all(isinstance(v, str) for v in item[:3])
                        and all(v is None or isinstance(v, str) for v in item[3:5]) and isinstance(item[5], str)):
                    self.root.history.append(Line((op.order, number), item[0], item[1], item[2], item[3],
                                                  item[4], item[5]))
        elif state.type == "timeline":
            self.line(op, "timeline", None, _entry_value(state), "entry")
        elif state.type in ("action", "incident"):
            self.line(op, "created", None, values["title"])
        return True

    def _set(self, state: State, op: Op) -> bool:
        if op.field is None:
            raise ValueError("no field")
        spec = FIELDS[state.type][op.field]
        value = spec.check(op.value)
        if op.source:
            seen = f"{op.field}\0{canonical(value).decode()}\0{op.source}"
            if seen in state.sources:
                raise ValueError("the same change from the same source")
            state.sources.add(seen)
        if state.deleted:
            raise ValueError("a write after the entity was deleted")
        old = state.values.get(op.field)
        before = _entry_value(state) if state.type == "timeline" else None
        state.values[op.field] = value
        state.writes.setdefault(op.field, []).append(_Write(op.id, op.order, value, op.prev, op.actor, op.wall))
        if op.field == "slug":
            state.slugs.append(value)
        if op.field == "status":
            state.status_wall = op.wall
            if state.type == "incident" and old in STATUS_ORDER and value in STATUS_ORDER \
                    and STATUS_ORDER.index(value) < STATUS_ORDER.index(old) and not op.note.strip():
                state.flags.append(f"status went back from {old} to {value} without a note (edits made apart)")
        if old == value and not op.note.strip():
            return True
        if state.type == "timeline":
            if state.created:
                self.line(op, "timeline", before, _entry_value(state), "entry")
        elif state.type != "cause":
            self.line(op, op.field, old, value, spec.render)
        return True

    def _link(self, state: State, op: Op) -> bool:
        element, role, note = self._element(state, op)
        before = state.members(op.field or "")
        state.links.setdefault(op.field or "", {}).setdefault(element, {})[op.id] = {
            "order": op.order, "role": role, "note": note}
        after = state.members(op.field or "")
        if element not in before:
            self.line(op, self._set_name(op), None, self._shown(op, element, after), self.render(op))
        elif before[element]["role"] != after[element]["role"] or before[element]["note"] != after[element]["note"]:
            self.line(op, self._set_name(op), self._shown(op, element, before), self._shown(op, element, after),
                      self.render(op))
        return True

    def _unlink(self, state: State, op: Op) -> bool:
        element, _, _ = self._element(state, op)
        known = state.links.get(op.field or "", {}).get(element, {})
        before = state.members(op.field or "")
        state.removed.update(p for p in op.prev if p in known)
        after = state.members(op.field or "")
        if element in before and element not in after:
            self.line(op, self._set_name(op), self._shown(op, element, before), None, self.render(op))
        return True

    def _element(self, state: State, op: Op) -> tuple[str, str, str]:
        if state.type != "incident" or op.field not in SETS:
            raise ValueError("not a set of this entity")
        if op.field == "components":
            return component_name(op.value), "", ""
        if op.kind == "unlink":
            cause = op.value.get("cause") if isinstance(op.value, dict) else None
            if not isinstance(cause, str) or not ULID.fullmatch(cause):
                raise ValueError("no cause")
            return cause, "", ""
        return cause_link(op.value)

    @staticmethod
    def _set_name(op: Op) -> str:
        return "component" if op.field == "components" else "cause"

    def _shown(self, op: Op, element: str, members: dict[str, dict[str, Any]]) -> Any:
        if op.field == "components":
            return element
        return [element, members[element]["role"]]

    @staticmethod
    def render(op: Op) -> str | None:
        return None if op.field == "components" else "cause_link"

    def _comment(self, state: State, op: Op) -> bool:
        if not op.note.strip() or state is not self.root:
            raise ValueError("an empty comment")
        self.line(op, "note", None, None)
        return True

    def _tombstone(self, state: State, op: Op) -> bool:
        if state.deleted:
            raise ValueError("already deleted")
        state.deleted = True
        if state.type == "timeline" and state.created:
            self.line(op, "timeline", _entry_value(state), None, "entry")
        return True

    def _assign_key(self, state: State, op: Op) -> bool:
        value = op.value
        if state.type not in NUMBERED or not isinstance(value, int) or isinstance(value, bool) \
                or not 0 < value < KEY_MAX:
            raise ValueError("not a key")
        if state.key is None:
            state.key, state.key_order = value, op.order
            return False
        if state.key != value:
            state.flags.append(f"numbered twice ({state.key}, then {value}): the first number stays")
        return False

    def _merge_into(self, state: State, op: Op) -> bool:
        if state.type != "cause" or not isinstance(op.value, str) or not ULID.fullmatch(op.value) \
                or op.value == state.uid:
            raise ValueError("not a merge")
        state.merges.append((op.order, op.value, op.wall, op.actor, op.note))
        return True


def _check(state: State) -> None:
    """An incident's status and times as the rules want them; what is off is flagged."""
    if state.type != "incident" or not state.live:
        return
    values = state.values
    if values.get("status") in NEEDS_RESOLVE and values.get("resolved_at") is None:
        state.flags.append(f"status {values.get('status')} without a resolve time (edits made apart)")
    previous = None
    for name in TIMES:
        value = values.get(name)
        if value is None:
            continue
        if previous is not None and value < previous[1]:
            state.flags.append(f"{name.removesuffix('_at')} is before {previous[0].removesuffix('_at')}"
                               " (edits made apart)")
        previous = (name, value)


def derive(uid: str, type_: str, ops: Iterable[Op]) -> State:
    """The state of one aggregate (an entity; an incident with its timeline entries) from its operations."""
    state = State(uid, type_)
    folder = _Folder(state)
    for op in sorted(ops, key=lambda o: o.order):
        folder.fold(op)
        state.last = op.order
    state.history.sort(key=lambda line: line.order)
    _check(state)
    return state
