"""What action services return: an action, one event of its history, a filter, a sort order.

Plain values with no session attached; enums are the domain's StrEnums.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, NamedTuple

from tracker.base.enums import OPEN_STATUSES, ActionKind, ActionStatus, Priority
from tracker.base.timeutil import iso
from tracker.core.keys import action_key, incident_key


class ActionRow(NamedTuple):
    """An action as services return it: plain values, no session attached."""

    id: int
    title: str
    description: str
    kind: ActionKind
    owner: str | None
    priority: Priority
    due: date
    status: ActionStatus
    created_at: datetime
    updated_at: datetime
    completed_at: datetime | None
    incident_id: int | None
    root_cause: str | None
    runbook_path: str | None
    version: int

    @property
    def key(self) -> str:
        return action_key(self.id)

    @property
    def incident(self) -> str | None:
        return None if self.incident_id is None else incident_key(self.incident_id)

    def is_overdue(self, today: date) -> bool:
        return self.due < today and self.status in OPEN_STATUSES

    def to_json(self, today: date | None = None) -> dict[str, Any]:
        """The documented JSON shape; the first ten keys are a stable interface."""
        data: dict[str, Any] = {
            "id": self.key,
            "title": self.title,
            "kind": self.kind,
            "owner": self.owner,
            "priority": self.priority,
            "status": self.status,
            "due": self.due.isoformat(),
            "incident": self.incident,
            "root_cause": self.root_cause,
            "version": self.version,
            "description": self.description,
            "runbook": self.runbook_path,
            "created_at": iso(self.created_at),
            "updated_at": iso(self.updated_at),
            "completed_at": iso(self.completed_at),
        }
        if today is not None:
            data["overdue"] = self.is_overdue(today)
        return data


class ActionEventRow(NamedTuple):
    at: datetime
    actor: str
    field: str
    old_value: str | None
    new_value: str | None
    note: str

    def to_json(self) -> dict[str, Any]:
        return {
            "at": iso(self.at),
            "actor": self.actor,
            "field": self.field,
            "old": self.old_value,
            "new": self.new_value,
            "note": self.note,
        }


class ActionFilter(NamedTuple):
    """Filters that combine (all given conditions must hold). ``today`` anchors overdue and due-within."""

    statuses: tuple[str, ...] = ()
    owner: str | None = None
    unowned: bool = False
    kinds: tuple[str, ...] = ()
    priorities: tuple[str, ...] = ()
    overdue: bool = False
    due_within_days: int | None = None
    incident_id: int | None = None
    root_cause: str | None = None
    text: str = ""
    today: date = date.min


class SortSpec(NamedTuple):
    """An order for listings: key columns ending on the primary key, so it is total (keyset-safe)."""

    columns: tuple[str, ...]
    fields: tuple[str, ...]
    descending: bool = False

    @property
    def order_by(self) -> str:
        direction = " DESC" if self.descending else ""
        return ", ".join(f"{c}{direction}" for c in self.columns)

    def key(self, row: ActionRow) -> tuple[Any, ...]:
        return tuple(getattr(row, f) for f in self.fields)


SORTS: dict[str, SortSpec] = {
    "due": SortSpec(("a.due_date", "a.id"), ("due", "id")),
    "priority": SortSpec(("a.priority", "a.due_date", "a.id"), ("priority", "due", "id")),
    "updated": SortSpec(("a.updated_at", "a.id"), ("updated_at", "id"), descending=True),
    "id": SortSpec(("a.id",), ("id",)),
}
"""The orders a listing can take, each served by an index."""
