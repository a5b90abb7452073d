"""The values action services take and return: an action, one event of its history, the changes
to make to one, a filter, a sort order.

Plain values with no session attached; enums are the domain's StrEnums.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, datetime
from enum import Enum, StrEnum
from typing import Any, Final, NamedTuple

from tracker.base.enums import OPEN_STATUSES, ActionKind, ActionStatus, Priority, parse_enum
from tracker.base.errors import InputError
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


class Unset(Enum):
    """The type of ``UNSET``."""

    UNSET = "unset"

    def __repr__(self) -> str:
        return "UNSET"


UNSET: Final = Unset.UNSET
"""A field of ActionChanges that was not given: left as it is (``None`` means "clear it")."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ActionChanges:
    """What to change on one action; every field left ``UNSET`` stays as it is.

    ``owner=None`` unassigns, ``incident=None`` and ``root_cause=None`` unlink, ``runbook=None``
    clears. Kinds, priorities and statuses are checked when the changes are made, so a bad
    one is an InputError naming it before anything reaches the database. The fields are in
    the order their history events are written.
    """

    status: ActionStatus | Unset = UNSET
    kind: ActionKind | Unset = UNSET
    priority: Priority | Unset = UNSET
    due: date | Unset = UNSET
    owner: str | None | Unset = UNSET
    title: str | Unset = UNSET
    description: str | Unset = UNSET
    incident: str | None | Unset = UNSET
    """An incident key (``INC-3``)."""
    root_cause: str | None | Unset = UNSET
    """A root cause's slug."""
    runbook: str | None | Unset = UNSET
    """A runbook's path inside the runbooks folder."""

    def __post_init__(self) -> None:
        for name, enum in (("status", ActionStatus), ("kind", ActionKind), ("priority", Priority)):
            object.__setattr__(self, name, _member(enum, getattr(self, name), name))

    def given(self) -> dict[str, object]:
        """The fields that were given, by name, in event order."""
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) is not UNSET}


def _member(enum: type[StrEnum], value: object, what: str) -> object:
    """``value`` as a member of ``enum``; a string is read as its value, anything else refused."""
    if value is UNSET or isinstance(value, enum):
        return value
    if isinstance(value, str):
        return parse_enum(enum, value, what)
    raise InputError(f"unknown {what} {value!r} (choose from: {', '.join(m.value for m in enum)})")


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
