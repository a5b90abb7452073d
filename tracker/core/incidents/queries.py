"""Reading incidents: listing with their causes and components, full detail with timeline and history."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from tracker.base.enums import OPEN_STATUSES, CauseRole, IncidentKind, IncidentStatus, Severity, by_value
from tracker.base.errors import NotFoundError
from tracker.base.timeutil import iso, read_stamp
from tracker.core.actions import ActionFilter, ActionRow, iter_actions
from tracker.core.keys import incident_key, parse_key
from tracker.core.runbooks.index import runbooks_for_causes
from tracker.storage.database import Db


@dataclass(frozen=True, slots=True)
class CauseLink:
    slug: str
    title: str
    role: CauseRole
    note: str


@dataclass(frozen=True, slots=True)
class TimelineItem:
    """One dated entry of an incident's timeline; ``id`` is what ``incidents log-edit`` and ``log-rm`` take."""

    at: datetime | None
    label: str
    body: str
    id: int = 0

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "at": iso(self.at), "label": self.label, "text": self.body, "body": self.body}


@dataclass(frozen=True, slots=True)
class IncidentEventRow:
    """One change to an incident: who changed which field from what to what, and why."""

    at: datetime
    actor: str
    field: str
    old_value: str | None
    new_value: str | None
    note: str

    def to_json(self) -> dict[str, Any]:
        return {"at": iso(self.at), "actor": self.actor, "field": self.field, "old": self.old_value,
                "new": self.new_value, "note": self.note}


@dataclass(frozen=True)
class IncidentRow:
    id: int
    title: str
    severity: Severity
    status: IncidentStatus
    kind: IncidentKind
    started_at: datetime | None
    detected_at: datetime | None
    mitigated_at: datetime | None
    resolved_at: datetime | None
    open_actions: int = 0
    root_causes: list[CauseLink] = field(default_factory=list)
    components: list[str] = field(default_factory=list)
    version: int = 1
    """Raised by every change; a write made from an older version is refused."""

    @property
    def key(self) -> str:
        return incident_key(self.id)

    @property
    def duration_minutes(self) -> int | None:
        if self.started_at is None or self.resolved_at is None:
            return None
        return int((self.resolved_at - self.started_at).total_seconds() // 60)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.key,
            "title": self.title,
            "severity": self.severity,
            "status": self.status,
            "started_at": iso(self.started_at),
            "resolved_at": iso(self.resolved_at),
            "root_causes": [{"slug": c.slug, "role": c.role} for c in self.root_causes],
            "components": list(self.components),
            "kind": self.kind,
            "detected_at": iso(self.detected_at),
            "mitigated_at": iso(self.mitigated_at),
            "open_actions": self.open_actions,
            "version": self.version,
        }


@dataclass(frozen=True)
class IncidentDetail:
    row: IncidentRow
    company: str
    summary: str
    impact: str
    customer_action: str
    source: str
    postmortem: str
    timeline: list[TimelineItem]
    actions: list[ActionRow]
    runbooks: list[str] = field(default_factory=list)
    """Runbooks covering the incident's root causes."""
    history: list[IncidentEventRow] = field(default_factory=list)
    """Every change, oldest first."""

    def to_json(self) -> dict[str, Any]:
        data = self.row.to_json()
        data["root_causes"] = [
            {"slug": c.slug, "role": c.role, "title": c.title, "note": c.note} for c in self.row.root_causes
        ]
        data.update(
            company=self.company,
            summary=self.summary,
            impact=self.impact,
            customer_action=self.customer_action,
            source=self.source,
            postmortem=self.postmortem,
            timeline=[t.to_json() for t in self.timeline],
            actions=[a.to_json() for a in self.actions],
            runbooks=list(self.runbooks),
            history=[e.to_json() for e in self.history],
        )
        return data


def component_name(group: str, name: str) -> str:
    """How a component is shown: ``Group / Member``, or the bare name when it has no group."""
    return f"{group} / {name}" if group else name


_SEVERITIES = by_value(Severity)
_STATUSES = by_value(IncidentStatus)
_KINDS = by_value(IncidentKind)
_ROLES = by_value(CauseRole)

_INCIDENT_COLUMNS = (
    "i.id, i.title, i.severity, i.status, i.kind, i.started_at, i.detected_at, i.mitigated_at, i.resolved_at,"
    " i.version"
)


def _incident_rows(
    db: Db, where: str = "", params: dict[str, Any] | None = None, order: str = "i.id", limit: int | None = None
) -> list[IncidentRow]:
    sql = f"SELECT {_INCIDENT_COLUMNS} FROM incident i {where} ORDER BY {order}"
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    base = db.rows(sql, params)
    if not base:
        return []
    ids = [r[0] for r in base]
    scope = "" if not where else f" WHERE x.incident_id IN ({', '.join(str(i) for i in ids)})"
    causes: dict[int, list[CauseLink]] = defaultdict(list)
    for incident_id, slug, title, role, note in db.cursor(
        "SELECT x.incident_id, rc.slug, rc.title, x.role, x.note FROM incident_root_cause x"
        f" JOIN root_cause rc ON rc.id = x.root_cause_id{scope}"
        " ORDER BY x.incident_id, CASE x.role WHEN 'root' THEN 0 WHEN 'trigger' THEN 1 ELSE 2 END, rc.slug"
    ):
        causes[incident_id].append(CauseLink(slug, title, _ROLES[role], note))
    components: dict[int, list[str]] = defaultdict(list)
    for incident_id, group, name in db.cursor(
        "SELECT x.incident_id, c.group_name, c.name FROM incident_component x"
        f" JOIN component c ON c.id = x.component_id{scope} ORDER BY x.incident_id, c.group_name, c.name"
    ):
        components[incident_id].append(component_name(group, name))
    status_list = ", ".join(f"'{s}'" for s in OPEN_STATUSES)
    open_counts = dict(
        db.rows(
            "SELECT incident_id, COUNT(*) FROM action x"
            f" WHERE status IN ({status_list}) AND incident_id IS NOT NULL"
            + (f" AND x.incident_id IN ({', '.join(str(i) for i in ids)})" if where else "")
            + " GROUP BY incident_id"
        )
    )
    return [
        IncidentRow(
            id=r[0],
            title=r[1],
            severity=_SEVERITIES[r[2]],
            status=_STATUSES[r[3]],
            kind=_KINDS[r[4]],
            started_at=read_stamp(r[5]),
            detected_at=read_stamp(r[6]),
            mitigated_at=read_stamp(r[7]),
            resolved_at=read_stamp(r[8]),
            open_actions=int(open_counts.get(r[0], 0)),
            root_causes=causes[r[0]],
            components=components[r[0]],
            version=int(r[9]),
        )
        for r in base
    ]


def list_incidents(db: Db, limit: int | None = None) -> list[IncidentRow]:
    """Every incident with its causes, components and open-action count (oldest key first); with
    ``limit``, the first ``limit`` of them, read through the key's index."""
    if limit is None:
        return _incident_rows(db)
    return _incident_rows(db, "WHERE i.id IN (SELECT id FROM incident ORDER BY id LIMIT :limit)", {"limit": limit})


def last_incidents(db: Db, count: int) -> list[IncidentRow]:
    """The ``count`` newest keys, oldest first (the tail of ``list_incidents``), read through the key's index."""
    return _incident_rows(db, "WHERE i.id IN (SELECT id FROM incident ORDER BY id DESC LIMIT :count)",
                          {"count": count})


def count_incidents(db: Db) -> int:
    """How many incidents there are, from the count kept by triggers."""
    return int(db.scalar("SELECT n FROM row_tally WHERE name = 'incident'"))


def page_incidents(
    db: Db, *, after: tuple[Any, ...] | None = None, offset: int = 0, limit: int = 100
) -> list[IncidentRow]:
    """One page of incidents, newest key first: after the key ``after`` (keyset), else from ``offset``."""
    if after is not None:
        return _incident_rows(db, "WHERE i.id < :after", {"after": after[0]}, "i.id DESC", limit)
    return _incident_rows(db, f"WHERE i.id IN (SELECT id FROM incident ORDER BY id DESC LIMIT {int(limit)}"
                          f" OFFSET {int(offset)})", None, "i.id DESC")


def get_incident(db: Db, key: str | int) -> IncidentDetail:
    incident_id = key if isinstance(key, int) else parse_key(key, "INC")
    rows = _incident_rows(db, "WHERE i.id = :id", {"id": incident_id})
    if not rows:
        raise NotFoundError(f"no incident {incident_key(incident_id)}")
    texts = db.row(
        "SELECT company, summary, impact, customer_action, source, postmortem FROM incident WHERE id = :id",
        {"id": incident_id},
    )
    if texts is None:
        raise NotFoundError(f"no incident {incident_key(incident_id)}")
    company, summary, impact, customer_action, source, postmortem = texts
    timeline = timeline_of(db, incident_id)
    actions = list(iter_actions(db, ActionFilter(incident_id=incident_id), sort="id"))
    runbooks = runbooks_for_causes(db, [c.slug for c in rows[0].root_causes])
    return IncidentDetail(
        rows[0], company, summary, impact, customer_action, source, postmortem, timeline, actions, runbooks,
        incident_history(db, incident_id),
    )


def get_incident_row(db: Db, key: str | int) -> IncidentRow:
    """The incident's list row (status, times, causes, components, version) without its texts."""
    incident_id = key if isinstance(key, int) else parse_key(key, "INC")
    rows = _incident_rows(db, "WHERE i.id = :id", {"id": incident_id})
    if not rows:
        raise NotFoundError(f"no incident {incident_key(incident_id)}")
    return rows[0]


def timeline_of(db: Db, incident_id: int) -> list[TimelineItem]:
    """The incident's timeline in time order (undated entries last, in the order they were written)."""
    return [
        TimelineItem(read_stamp(at), label, body, entry_id)
        for entry_id, at, label, body in db.cursor(
            "SELECT id, at, label, body FROM timeline_entry WHERE incident_id = :id"
            " ORDER BY CASE WHEN at IS NULL THEN 1 ELSE 0 END, at, position, id",
            {"id": incident_id},
        )
    ]


def incident_history(db: Db, incident_id: int) -> list[IncidentEventRow]:
    """Every change to the incident, oldest first."""
    return [
        IncidentEventRow(read_stamp(at) or datetime.min, actor, fld, old, new, note)
        for at, actor, fld, old, new, note in db.cursor(
            "SELECT at, actor, field, old_value, new_value, note FROM incident_event"
            " WHERE incident_id = :id ORDER BY at, id",
            {"id": incident_id},
        )
    ]
