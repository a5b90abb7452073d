"""The closed vocabularies of the domain, stored in the database by value."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import TypeVar

from tracker.base.errors import InputError
from tracker.base.text import shown

E = TypeVar("E", bound=StrEnum)


class Severity(StrEnum):
    SEV1 = "SEV1"
    SEV2 = "SEV2"
    SEV3 = "SEV3"
    SEV4 = "SEV4"


class IncidentStatus(StrEnum):
    INVESTIGATING = "investigating"
    IDENTIFIED = "identified"
    MONITORING = "monitoring"
    RESOLVED = "resolved"
    POSTMORTEM = "postmortem"
    CLOSED = "closed"

    @property
    def needs_resolve_time(self) -> bool:
        """Resolved, postmortem and closed incidents must say when they were resolved."""
        return self in (IncidentStatus.RESOLVED, IncidentStatus.POSTMORTEM, IncidentStatus.CLOSED)


class IncidentKind(StrEnum):
    INCIDENT = "incident"
    MAINTENANCE = "maintenance"


class CauseRole(StrEnum):
    TRIGGER = "trigger"
    ROOT = "root"
    CONTRIBUTING = "contributing"


ROLE_STRENGTH = (CauseRole.ROOT.value, CauseRole.TRIGGER.value, CauseRole.CONTRIBUTING.value)
"""Roles from the strongest: when a merge leaves an incident linked twice to one cause, the stronger stays."""


class ActionKind(StrEnum):
    PREVENT = "prevent"
    MITIGATE = "mitigate"
    DETECT = "detect"
    REPAIR = "repair"
    PROCESS = "process"


class Priority(StrEnum):
    P1 = "P1"
    P2 = "P2"
    P3 = "P3"


class ActionStatus(StrEnum):
    PROPOSED = "proposed"
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    BLOCKED = "blocked"
    DONE = "done"
    WONT_DO = "wont_do"

    @property
    def is_closed(self) -> bool:
        return self in (ActionStatus.DONE, ActionStatus.WONT_DO)


OPEN_STATUSES: tuple[str, ...] = tuple(s.value for s in ActionStatus if not s.is_closed)
"""Statuses of actions that still need work (used by overdue and load queries)."""

STATUS_FLOW: dict[ActionStatus, ActionStatus] = {
    ActionStatus.PROPOSED: ActionStatus.OPEN,
    ActionStatus.OPEN: ActionStatus.IN_PROGRESS,
    ActionStatus.IN_PROGRESS: ActionStatus.DONE,
    ActionStatus.BLOCKED: ActionStatus.IN_PROGRESS,
}
"""The next status when an action is advanced one step."""


def by_value(enum: type[E]) -> Mapping[str, E]:
    """The members of ``enum`` keyed by their stored value.

    Reading rows back looks members up here: a dict look-up costs a twentieth of calling
    the enum, which counts when a listing reads 100,000 rows.
    """
    return {member.value: member for member in enum}


def parse_enum(enum: type[E], value: str, what: str) -> E:
    """Return the member of ``enum`` named by ``value`` (case-insensitive, ``-`` or ``_``)."""
    wanted = value.strip().lower().replace("-", "_").replace("'", "")
    for member in enum:
        if member.value.lower() == wanted:
            return member
    choices = ", ".join(m.value for m in enum)
    raise InputError(f"unknown {what} {shown(value)} (choose from: {choices})")
