"""The bundled demo catalog: five public incidents, their causes, timelines and actions."""

from __future__ import annotations

import tomllib
from datetime import date, datetime
from importlib import resources
from typing import Any

from tracker.base.enums import (
    ActionKind,
    ActionStatus,
    CauseRole,
    IncidentKind,
    IncidentStatus,
    Priority,
    Severity,
)
from tracker.base.errors import InputError
from tracker.base.timeutil import to_utc
from tracker.storage.database import Db

DEMO_ACTOR = "demo-catalog"
"""The actor written in the history of the demo's actions."""


def read_catalog() -> dict[str, Any]:
    """The demo catalog as parsed TOML."""
    text = resources.files("tracker.data").joinpath("demo.toml").read_bytes()
    return tomllib.loads(text.decode("utf-8"))


def _stamp(value: Any, where: str) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise InputError(f"demo catalog: {where} must be a date-time with an offset, got {value!r}")
    return to_utc(value)


def load_demo(db: Db) -> dict[str, int]:
    """Insert the demo catalog in one transaction; returns what was created, by kind."""
    catalog = read_catalog()
    counts = {"incidents": 0, "root_causes": 0, "actions": 0, "timeline": 0, "components": 0}
    with db.write():
        cause_ids: dict[str, int] = {}
        for cause in catalog["root_causes"]:
            cause_ids[cause["slug"]] = db.insert(
                "INSERT INTO root_cause (slug, title, category, description)"
                " VALUES (:slug, :title, :category, :description) RETURNING id",
                {k: cause[k] for k in ("slug", "title", "category", "description")},
            )
            counts["root_causes"] += 1
        component_ids: dict[tuple[str, str], int] = {}
        for incident in catalog["incidents"]:
            _load_incident(db, incident, cause_ids, component_ids, counts)
    counts["components"] = len(component_ids)
    return counts


def _load_incident(
    db: Db,
    incident: dict[str, Any],
    cause_ids: dict[str, int],
    component_ids: dict[tuple[str, str], int],
    counts: dict[str, int],
) -> None:
    title = incident["title"]
    started = _stamp(incident["started_at"], f"{title}: started_at")
    incident_id = db.insert(
        "INSERT INTO incident (title, company, kind, severity, status, started_at, detected_at, mitigated_at,"
        " resolved_at, summary, impact, customer_action, source, postmortem, created_at, updated_at)"
        " VALUES (:title, :company, :kind, :severity, :status, :started, :detected, :mitigated, :resolved,"
        " :summary, :impact, :customer_action, :source, :postmortem, :started, :started) RETURNING id",
        {
            "title": title,
            "company": incident.get("company", ""),
            "kind": IncidentKind(incident.get("kind", "incident")).value,
            "severity": Severity(incident["severity"]).value,
            "status": IncidentStatus(incident["status"]).value,
            "started": started,
            "detected": _stamp(incident.get("detected_at"), f"{title}: detected_at"),
            "mitigated": _stamp(incident.get("mitigated_at"), f"{title}: mitigated_at"),
            "resolved": _stamp(incident.get("resolved_at"), f"{title}: resolved_at"),
            **{k: incident.get(k, "") for k in ("summary", "impact", "customer_action", "source", "postmortem")},
        },
    )
    counts["incidents"] += 1
    for position, entry in enumerate(incident.get("timeline", [])):
        db.execute(
            "INSERT INTO timeline_entry (incident_id, position, at, label, body)"
            " VALUES (:incident_id, :position, :at, :label, :body)",
            {
                "incident_id": incident_id,
                "position": position,
                "at": _stamp(entry.get("at"), f"{title}: timeline"),
                "label": entry.get("label", ""),
                "body": entry.get("body", ""),
            },
        )
        counts["timeline"] += 1
    for component in incident.get("components", []):
        ident = (component.get("group", ""), component["name"])
        if ident not in component_ids:
            component_ids[ident] = db.insert(
                "INSERT INTO component (group_name, name) VALUES (:group, :name) RETURNING id",
                {"group": ident[0], "name": ident[1]},
            )
        db.execute(
            "INSERT INTO incident_component (incident_id, component_id) VALUES (:incident_id, :component_id)",
            {"incident_id": incident_id, "component_id": component_ids[ident]},
        )
    for link in incident.get("root_causes", []):
        db.execute(
            "INSERT INTO incident_root_cause (incident_id, root_cause_id, role, note)"
            " VALUES (:incident_id, :cause_id, :role, :note)",
            {
                "incident_id": incident_id,
                "cause_id": cause_ids[link["slug"]],
                "role": CauseRole(link["role"]).value,
                "note": link.get("note", ""),
            },
        )
    for action in incident.get("actions", []):
        _load_action(db, action, incident_id, cause_ids)
        counts["actions"] += 1


def _load_action(db: Db, action: dict[str, Any], incident_id: int, cause_ids: dict[str, int]) -> None:
    status = ActionStatus(action["status"])
    created = _stamp(action["created_at"], f"{action['title']}: created_at")
    completed = _stamp(action.get("completed_at"), f"{action['title']}: completed_at")
    due = action.get("due")
    if due is not None and not isinstance(due, date):
        raise InputError(f"demo catalog: {action['title']}: due must be a date")
    action_id = db.insert(
        "INSERT INTO action (title, description, kind, owner, priority, due_date, status, created_at, updated_at,"
        " completed_at, incident_id, root_cause_id, runbook_path, version)"
        " VALUES (:title, :description, :kind, :owner, :priority, :due, :status, :created, :updated, :completed,"
        " :incident_id, :cause_id, NULL, :version) RETURNING id",
        {
            "title": action["title"],
            "description": action.get("description", ""),
            "kind": ActionKind(action["kind"]).value,
            "owner": action.get("owner"),
            "priority": Priority(action["priority"]).value,
            "due": due,
            "status": status.value,
            "created": created,
            "updated": completed or created,
            "completed": completed,
            "incident_id": incident_id,
            "cause_id": cause_ids[action["root_cause"]] if action.get("root_cause") else None,
            "version": 1 if status in (ActionStatus.OPEN, ActionStatus.PROPOSED) else 2,
        },
    )
    event = (
        "INSERT INTO action_event (action_id, at, actor, field, old_value, new_value, note)"
        " VALUES (:action_id, :at, :actor, :field, :old, :new, :note)"
    )
    db.execute(
        event,
        {"action_id": action_id, "at": created, "actor": DEMO_ACTOR, "field": "created", "old": None,
         "new": action["title"], "note": "From the incident's postmortem."},
    )
    if status not in (ActionStatus.OPEN, ActionStatus.PROPOSED):
        db.execute(
            event,
            {"action_id": action_id, "at": completed or created, "actor": DEMO_ACTOR, "field": "status",
             "old": ActionStatus.OPEN.value, "new": status.value, "note": action.get("note", "")},
        )
