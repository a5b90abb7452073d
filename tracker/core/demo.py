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
from tracker.core.actions.changes import insert_action
from tracker.core.history import record_action_event
from tracker.core.incidents.changes import attach_component, insert_cause_link, insert_incident, insert_timeline_entry
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
    """Insert the demo catalog in one transaction; returns what was created, by kind.

    Rows go in through the same inserts as everything else (``tracker.core.incidents.changes``,
    ``tracker.core.actions.changes``), with the catalog's own times and history.
    """
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
        components: set[tuple[str, str]] = set()
        for incident in catalog["incidents"]:
            _load_incident(db, incident, cause_ids, components, counts)
    counts["components"] = len(components)
    return counts


def _load_incident(
    db: Db,
    incident: dict[str, Any],
    cause_ids: dict[str, int],
    components: set[tuple[str, str]],
    counts: dict[str, int],
) -> None:
    title = incident["title"]
    started = _stamp(incident["started_at"], f"{title}: started_at")
    incident_id = insert_incident(db, {
        "title": title,
        "company": incident.get("company", ""),
        "kind": IncidentKind(incident.get("kind", "incident")).value,
        "severity": Severity(incident["severity"]).value,
        "status": IncidentStatus(incident["status"]).value,
        "started_at": started,
        "detected_at": _stamp(incident.get("detected_at"), f"{title}: detected_at"),
        "mitigated_at": _stamp(incident.get("mitigated_at"), f"{title}: mitigated_at"),
        "resolved_at": _stamp(incident.get("resolved_at"), f"{title}: resolved_at"),
        **{k: incident.get(k, "") for k in ("summary", "impact", "customer_action", "source", "postmortem")},
        "created_at": started,
    })
    counts["incidents"] += 1
    for position, entry in enumerate(incident.get("timeline", [])):
        insert_timeline_entry(db, incident_id, _stamp(entry.get("at"), f"{title}: timeline"),
                              entry.get("label", ""), entry.get("body", ""), position)
        counts["timeline"] += 1
    for component in incident.get("components", []):
        ident = (component.get("group", ""), component["name"])
        attach_component(db, incident_id, *ident)
        components.add(ident)
    for link in incident.get("root_causes", []):
        insert_cause_link(db, incident_id, cause_ids[link["slug"]], CauseRole(link["role"]), link.get("note", ""))
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
    assert created is not None
    action_id = insert_action(db, {
        "title": action["title"],
        "description": action.get("description", ""),
        "kind": ActionKind(action["kind"]).value,
        "owner": action.get("owner"),
        "priority": Priority(action["priority"]).value,
        "due_date": due,
        "status": status.value,
        "created_at": created,
        "updated_at": completed or created,
        "completed_at": completed,
        "incident_id": incident_id,
        "root_cause_id": cause_ids[action["root_cause"]] if action.get("root_cause") else None,
        "version": 1 if status in (ActionStatus.OPEN, ActionStatus.PROPOSED) else 2,
    })
    record_action_event(db, action_id, created, DEMO_ACTOR, "created", None, action["title"],
                        "From the incident's postmortem.")
    if status not in (ActionStatus.OPEN, ActionStatus.PROPOSED):
        record_action_event(db, action_id, completed or created, DEMO_ACTOR, "status", ActionStatus.OPEN.value,
                            status.value, action.get("note", ""))
