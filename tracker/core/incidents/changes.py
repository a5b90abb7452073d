"""Writing incidents: create, change fields and times, move through statuses, close on purpose.

Every write is one transaction that raises the incident's ``version`` and records one event per
change (``incident_event``: at, actor, field, old, new, note). Given ``expected_version`` (the
version the caller loaded), a write over a newer version is refused with StaleWriteError and
nothing is written.

The life of an incident: investigating → identified → monitoring → resolved → postmortem → closed.
Jumps forward are allowed (an incident written down after the fact starts at resolved); going back
needs a note. Times must run in order (started ≤ detected ≤ mitigated ≤ resolved); resolved,
postmortem and closed need a resolve time. ``closed`` is refused while the incident has no cause
linked as root or trigger, or an open action without an owner or a due date, unless forced with a
note saying why.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta
from typing import Any

from tracker.base.clock import SYSTEM_CLOCK, Clock
from tracker.base.enums import OPEN_STATUSES, CauseRole, IncidentKind, IncidentStatus, Severity
from tracker.base.errors import InputError, NotFoundError, StaleWriteError
from tracker.base.text import shown
from tracker.base.timeutil import iso, read_stamp
from tracker.core.history import bump_incident, record_incident_event
from tracker.core.incidents.queries import IncidentRow, get_incident_row
from tracker.core.keys import incident_key, parse_key
from tracker.core.validate import NOTE_MAX, clean_text, clean_title
from tracker.storage.database import Db

STATUS_ORDER: tuple[IncidentStatus, ...] = tuple(IncidentStatus)
"""The statuses in the order an incident lives through them."""

TIMES = ("started_at", "detected_at", "mitigated_at", "resolved_at")
"""The incident's times, in the order they must run."""

TEXTS = ("summary", "impact", "customer_action", "source", "postmortem")
"""Free-text fields (``source`` is the link to the original report; ``postmortem`` its write-up, markdown)."""

CLOCK_SKEW = timedelta(minutes=5)
"""How far in the future a time may lie (another machine's clock running ahead)."""

COMPONENT_MAX = 200


class _Unset:
    """The value of a field that a change leaves as it is."""

    _instance: _Unset | None = None

    def __new__(cls) -> _Unset:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNSET"

    def __bool__(self) -> bool:
        return False


UNSET: Any = _Unset()
"""Marks a field of :class:`IncidentChanges` as not given (``None`` means "clear" for the optional times)."""


@dataclass(frozen=True)
class IncidentChanges:
    """What to change on an incident; fields left at ``UNSET`` stay as they are."""

    title: str = UNSET
    severity: Severity = UNSET
    kind: IncidentKind = UNSET
    status: IncidentStatus = UNSET
    started_at: datetime = UNSET
    detected_at: datetime | None = UNSET
    mitigated_at: datetime | None = UNSET
    resolved_at: datetime | None = UNSET
    summary: str = UNSET
    impact: str = UNSET
    customer_action: str = UNSET
    source: str = UNSET
    postmortem: str = UNSET
    add_components: tuple[str, ...] = field(default=())
    remove_components: tuple[str, ...] = field(default=())

    def given(self) -> dict[str, Any]:
        """The scalar fields this change sets, by column name."""
        return {f.name: getattr(self, f.name) for f in fields(self)
                if f.name not in ("add_components", "remove_components") and getattr(self, f.name) is not UNSET}

    @property
    def empty(self) -> bool:
        return not self.given() and not self.add_components and not self.remove_components


# -- checks -----------------------------------------------------------------------------------


def _label(name: str) -> str:
    return name.removesuffix("_at").replace("_", " ")


def check_times(times: dict[str, datetime | None], status: IncidentStatus, now: datetime) -> None:
    """Times run in order, none lies in the future, and a resolved-like status has a resolve time."""
    if times.get("started_at") is None:
        raise InputError("started: an incident needs a start time (--started ISO|now)")
    for name in TIMES:
        value = times.get(name)
        if value is not None and value > now + CLOCK_SKEW:
            raise InputError(f"{_label(name)}: {iso(value)} is in the future")
    previous: tuple[str, datetime] | None = None
    for name in TIMES:
        value = times.get(name)
        if value is None:
            continue
        if previous is not None and value < previous[1]:
            raise InputError(
                f"{_label(name)}: {iso(value)} is before {_label(previous[0])} ({iso(previous[1])});"
                " times run started ≤ detected ≤ mitigated ≤ resolved"
            )
        previous = (name, value)
    if status.needs_resolve_time and times.get("resolved_at") is None:
        raise InputError(f"status {status.value} needs a resolve time: give --resolved ISO|now")


def check_transition(old: IncidentStatus, new: IncidentStatus, note: str) -> None:
    """Forward moves (jumps included) are free; going back needs a note saying why."""
    if STATUS_ORDER.index(new) < STATUS_ORDER.index(old) and not note.strip():
        raise InputError(
            f"status: going back from {old.value} to {new.value} needs a note saying why (--note)"
        )


def close_blockers(db: Db, incident_id: int) -> list[str]:
    """What stops the incident from closing: no root or trigger cause, open actions without owner or due date."""
    missing: list[str] = []
    roles = {role for (role,) in db.rows(
        "SELECT role FROM incident_root_cause WHERE incident_id = :id", {"id": incident_id})}
    if not roles & {CauseRole.ROOT.value, CauseRole.TRIGGER.value}:
        missing.append("no root cause linked as root or trigger (tracker incidents link INC-n SLUG --role root)")
    status_list = ", ".join(f"'{s}'" for s in OPEN_STATUSES)
    for action_id, owner, due in db.rows(
        f"SELECT id, owner, due_date FROM action WHERE incident_id = :id AND status IN ({status_list})"
        " AND (owner IS NULL OR owner = '' OR due_date IS NULL) ORDER BY id", {"id": incident_id}
    ):
        lacks = " and ".join(w for w, v in (("an owner", owner), ("a due date", due)) if not v)
        missing.append(f"open action ACT-{action_id} lacks {lacks}")
    return missing


def parse_component(text: str) -> tuple[str, str]:
    """``"Group / Name"`` or ``"Name"`` -> (group, name), each trimmed and checked."""
    raw = clean_title(text, "component")
    group, _, name = raw.rpartition(" / ")
    group, name = group.strip(), name.strip()
    if not name:
        raise InputError(f"component {shown(text)} has no name after the group")
    if len(group) > COMPONENT_MAX or len(name) > COMPONENT_MAX:
        raise InputError(f"component {shown(text)} is too long (at most {COMPONENT_MAX} characters a part)")
    return group, name


# -- the one write path for each entity of an incident -------------------------------------------


def insert_incident(db: Db, values: dict[str, Any]) -> int:
    """Insert an incident row (columns by name; texts default to empty) and return its id."""
    row = {"company": "", "kind": IncidentKind.INCIDENT.value, "detected_at": None, "mitigated_at": None,
           "resolved_at": None, "summary": "", "impact": "", "customer_action": "", "source": "",
           "postmortem": "", **values}
    row.setdefault("updated_at", row["created_at"])
    return db.insert(
        "INSERT INTO incident (title, company, kind, severity, status, started_at, detected_at, mitigated_at,"
        " resolved_at, summary, impact, customer_action, source, postmortem, created_at, updated_at)"
        " VALUES (:title, :company, :kind, :severity, :status, :started_at, :detected_at, :mitigated_at,"
        " :resolved_at, :summary, :impact, :customer_action, :source, :postmortem, :created_at, :updated_at)"
        " RETURNING id",
        row,
    )


def component_id(db: Db, group: str, name: str) -> int:
    """The id of a component, created when new."""
    found = db.scalar("SELECT id FROM component WHERE group_name = :group AND name = :name",
                      {"group": group, "name": name})
    if found is not None:
        return int(found)
    return db.insert("INSERT INTO component (group_name, name) VALUES (:group, :name) RETURNING id",
                     {"group": group, "name": name})


def attach_component(db: Db, incident_id: int, group: str, name: str) -> bool:
    """Mark the incident as affecting a component; False when it already did."""
    cid = component_id(db, group, name)
    if db.scalar("SELECT 1 FROM incident_component WHERE incident_id = :i AND component_id = :c",
                 {"i": incident_id, "c": cid}) is not None:
        return False
    db.execute("INSERT INTO incident_component (incident_id, component_id) VALUES (:i, :c)",
               {"i": incident_id, "c": cid})
    return True


def detach_component(db: Db, incident_id: int, group: str, name: str) -> bool:
    """The incident no longer affects a component; False when it did not."""
    return db.execute(
        "DELETE FROM incident_component WHERE incident_id = :i AND component_id IN"
        " (SELECT id FROM component WHERE group_name = :group AND name = :name)",
        {"i": incident_id, "group": group, "name": name},
    ) > 0


def insert_timeline_entry(db: Db, incident_id: int, at: datetime | None, label: str, body: str,
                          position: int | None = None) -> int:
    """Append an entry to an incident's timeline; returns its id."""
    if position is None:
        position = int(db.scalar("SELECT COALESCE(MAX(position) + 1, 0) FROM timeline_entry"
                                 " WHERE incident_id = :i", {"i": incident_id}))
    return db.insert(
        "INSERT INTO timeline_entry (incident_id, position, at, label, body)"
        " VALUES (:incident_id, :position, :at, :label, :body) RETURNING id",
        {"incident_id": incident_id, "position": position, "at": at, "label": label, "body": body},
    )


def insert_cause_link(db: Db, incident_id: int, cause_id: int, role: CauseRole, note: str = "") -> None:
    """Link a cause to an incident with the part it played."""
    db.execute(
        "INSERT INTO incident_root_cause (incident_id, root_cause_id, role, note)"
        " VALUES (:incident_id, :cause_id, :role, :note)",
        {"incident_id": incident_id, "cause_id": cause_id, "role": role.value, "note": note},
    )


def lock_incident(db: Db, key: str | int, expected_version: int | None) -> tuple[int, int]:
    """Inside a write: the incident's (id, version), refusing a stale ``expected_version``."""
    incident_id = key if isinstance(key, int) else parse_key(key, "INC")
    found = db.row("SELECT version FROM incident WHERE id = :id"
                   + ("" if db.dialect == "sqlite" else " FOR UPDATE"), {"id": incident_id})
    if found is None:
        raise NotFoundError(f"no incident {incident_key(incident_id)}")
    version = int(found[0])
    if expected_version is not None and expected_version != version:
        raise StaleWriteError(incident_key(incident_id), expected_version, version)
    return incident_id, version


# -- services ---------------------------------------------------------------------------------


def add_incident(
    db: Db,
    *,
    title: str,
    started_at: datetime,
    actor: str = "",
    severity: Severity = Severity.SEV3,
    status: IncidentStatus = IncidentStatus.INVESTIGATING,
    summary: str = "",
    kind: IncidentKind = IncidentKind.INCIDENT,
    detected_at: datetime | None = None,
    mitigated_at: datetime | None = None,
    resolved_at: datetime | None = None,
    impact: str = "",
    customer_action: str = "",
    source: str = "",
    postmortem: str = "",
    components: tuple[str, ...] | list[str] = (),
    note: str = "",
    clock: Clock = SYSTEM_CLOCK,
) -> IncidentRow:
    """Open a new incident (a ``created`` event in its history); returns it with its key."""
    now = clock.now()
    values: dict[str, Any] = {
        "title": clean_title(title),
        "kind": kind.value,
        "severity": severity.value,
        "status": status.value,
        "started_at": started_at,
        "detected_at": detected_at if detected_at is not None else started_at,
        "mitigated_at": mitigated_at,
        "resolved_at": resolved_at,
        "summary": clean_text(summary, "summary"),
        "impact": clean_text(impact, "impact"),
        "customer_action": clean_text(customer_action, "customer action"),
        "source": clean_text(source, "source", 2000),
        "postmortem": clean_text(postmortem, "postmortem", 200_000),
        "created_at": now,
    }
    if status == IncidentStatus.CLOSED:
        raise InputError("status closed: a new incident cannot be closed at once (link its causes first)")
    check_times({name: values[name] for name in TIMES}, status, now)
    parts = [parse_component(c) for c in components]
    note = clean_text(note, "note", NOTE_MAX)
    with db.write():
        new_id = insert_incident(db, values)
        record_incident_event(db, new_id, now, actor or "unknown", "created", None, values["title"], note)
        for group, name in parts:
            attach_component(db, new_id, group, name)
    return get_incident_row(db, new_id)


def _shown(value: Any) -> Any:
    """How a value is written in the history."""
    if isinstance(value, datetime):
        return iso(value)
    return value


def update_incident(
    db: Db,
    key: str | int,
    changes: IncidentChanges,
    *,
    actor: str,
    expected_version: int | None = None,
    note: str = "",
    force: bool = False,
    clock: Clock = SYSTEM_CLOCK,
) -> IncidentRow:
    """Apply ``changes`` to one incident, all or nothing; returns it as stored afterwards."""
    note = clean_text(note, "note", NOTE_MAX)
    if force and not note.strip():
        raise InputError("--force needs a note saying why (--note), kept in the history")
    wanted = changes.given()
    if "title" in wanted:
        wanted["title"] = clean_title(wanted["title"])
    for name in TEXTS:
        if name in wanted:
            wanted[name] = clean_text(wanted[name], name.replace("_", " "), 2000 if name == "source" else 200_000)
    adds = [parse_component(c) for c in changes.add_components]
    removes = [parse_component(c) for c in changes.remove_components]
    if changes.empty and not note.strip():
        raise InputError("nothing to change: give a field to change, or --note to record a note")
    now = clock.now()
    with db.write():
        incident_id, version = lock_incident(db, key, expected_version)
        current = db.row(
            f"SELECT title, severity, kind, status, {', '.join(TIMES)}, {', '.join(TEXTS)}"
            " FROM incident WHERE id = :id", {"id": incident_id})
        assert current is not None
        before: dict[str, Any] = dict(zip(
            ("title", "severity", "kind", "status", *TIMES, *TEXTS), current, strict=True))
        for name in TIMES:
            before[name] = read_stamp(before[name])
        for name in ("severity", "kind", "status"):
            if name in wanted:
                wanted[name] = wanted[name].value
        changed = {name: value for name, value in wanted.items() if before[name] != value}
        after = {**before, **changed}
        old_status, new_status = IncidentStatus(before["status"]), IncidentStatus(after["status"])
        if "status" in changed:
            check_transition(old_status, new_status, note)
        if any(name in changed for name in (*TIMES, "status")):
            check_times({name: after[name] for name in TIMES}, new_status, now)
        if new_status == IncidentStatus.CLOSED and "status" in changed:
            blockers = close_blockers(db, incident_id)
            if blockers and not force:
                raise InputError(
                    f"{incident_key(incident_id)} cannot be closed yet: " + "; ".join(blockers)
                    + " (or --force --note WHY)"
                )
            if blockers:
                note = f"{note} [closed with: {'; '.join(blockers)}]"
        component_events: list[tuple[str | None, str | None]] = []
        for group, name in adds:
            if attach_component(db, incident_id, group, name):
                component_events.append((None, f"{group} / {name}" if group else name))
        for group, name in removes:
            if not detach_component(db, incident_id, group, name):
                raise InputError(
                    f"component {shown(f'{group} / {name}' if group else name)} is not on {incident_key(incident_id)}"
                )
            component_events.append((f"{group} / {name}" if group else name, None))
        if not changed and not component_events and not note.strip():
            raise InputError(f"nothing to change on {incident_key(incident_id)}: every value is already so")
        bump_incident(db, incident_id, version, now, changed, expected_version)
        for name, value in changed.items():
            record_incident_event(db, incident_id, now, actor, name, _shown(before[name]), _shown(value), note)
        for old, new in component_events:
            record_incident_event(db, incident_id, now, actor, "component", old, new, note)
        if not changed and not component_events:
            record_incident_event(db, incident_id, now, actor, "note", None, None, note)
    return get_incident_row(db, incident_id)


def next_statuses(status: IncidentStatus) -> list[IncidentStatus]:
    """The statuses an incident may move to without a note (forward moves), nearest first."""
    return list(STATUS_ORDER[STATUS_ORDER.index(status) + 1:])
