"""What the ledger shares of each kind of entity: its fields, how a value is checked, where it is stored.

Values travel in their stored form: texts as they are, dates as ``YYYY-MM-DD``, moments as the
fixed-width UTC text the database keeps (``2026-11-23T10:02:00.000000+00:00``), references to other
entities as their ULIDs. A value read from the ledger is checked here before it reaches a table
(another replica's operations are input like any other); one that fails makes its operation ignored.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from tracker.base.enums import ActionKind, ActionStatus, CauseRole, IncidentKind, IncidentStatus, Priority, Severity
from tracker.base.errors import InputError
from tracker.base.text import first_control
from tracker.base.timeutil import format_stamp, read_date, read_stamp, to_utc
from tracker.core.validate import clean_owner, clean_path
from tracker.repo.ledger.format import ULID

Check = Callable[[Any], Any]


def _text(limit: int, one_line: bool = False, empty: bool = True) -> Check:
    def check(value: Any) -> str:
        if not isinstance(value, str) or len(value) > limit:
            raise ValueError(f"not a text of at most {limit} characters")
        if first_control(value, allow_newlines=not one_line) is not None:
            raise ValueError("a control character")
        if not empty and not value.strip():
            raise ValueError("empty")
        return value
    return check


def _enum(enum: type[StrEnum]) -> Check:
    values = {m.value for m in enum}

    def check(value: Any) -> str:
        if value not in values:
            raise ValueError(f"not one of {sorted(values)}")
        return str(value)
    return check


def _optional(check: Check) -> Check:
    def optional(value: Any) -> Any:
        return None if value is None else check(value)
    return optional


def stamp_text(value: Any) -> str:
    """A moment in its stored (and shared) form; ValueError when it is not one."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str) and len(value) <= 40:
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            raise ValueError(f"not a moment: {value[:40]!r}") from None
    else:
        raise ValueError("not a moment")
    if moment.tzinfo is None:
        raise ValueError("a moment without an offset")
    try:
        return format_stamp(to_utc(moment))
    except (OverflowError, ValueError):
        raise ValueError("a moment out of range") from None


def date_text(value: Any) -> str:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value.isoformat()
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise ValueError("not a date")
    return date.fromisoformat(value).isoformat()


def _ref(value: Any) -> str:
    if not isinstance(value, str) or not ULID.fullmatch(value):
        raise ValueError("not an entity id")
    return value


def _owner(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError("not a handle")
    try:
        return clean_owner(value)
    except InputError as exc:
        raise ValueError(str(exc)) from None


def _path(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("not a path")
    try:
        text = clean_path(value)
    except InputError as exc:
        raise ValueError(str(exc)) from None
    if text.startswith("/") or "\\" in text or any(p in ("", ".", "..") for p in text.split("/")):
        raise ValueError("not a plain relative path")
    return text


_SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,79}")


def _slug(value: Any) -> str:
    if not isinstance(value, str) or not _SLUG.fullmatch(value):
        raise ValueError("not a slug")
    return value


@dataclass(frozen=True, slots=True)
class Field:
    """One shared field: its name in operations and histories, its column, its check, how a history shows it."""

    name: str
    column: str
    check: Check
    render: str | None = None
    """``stamp``, ``incident`` or ``cause`` when a history line shows the value other than as it is."""


def _fields(*items: Field) -> dict[str, Field]:
    return {item.name: item for item in items}


ACTION = _fields(
    Field("status", "status", _enum(ActionStatus)),
    Field("kind", "kind", _enum(ActionKind)),
    Field("priority", "priority", _enum(Priority)),
    Field("due", "due_date", date_text),
    Field("owner", "owner", _owner),
    Field("title", "title", _text(300, one_line=True, empty=False)),
    Field("description", "description", _text(200_000)),
    Field("incident", "incident_id", _optional(_ref), "incident"),
    Field("root_cause", "root_cause_id", _optional(_ref), "cause"),
    Field("runbook", "runbook_path", _optional(_path)),
)
"""An action's fields, in the order its history lists the changes of one edit."""

INCIDENT = _fields(
    Field("title", "title", _text(300, one_line=True, empty=False)),
    Field("company", "company", _text(200, one_line=True)),
    Field("severity", "severity", _enum(Severity)),
    Field("kind", "kind", _enum(IncidentKind)),
    Field("status", "status", _enum(IncidentStatus)),
    Field("started_at", "started_at", stamp_text, "stamp"),
    Field("detected_at", "detected_at", _optional(stamp_text), "stamp"),
    Field("mitigated_at", "mitigated_at", _optional(stamp_text), "stamp"),
    Field("resolved_at", "resolved_at", _optional(stamp_text), "stamp"),
    Field("summary", "summary", _text(200_000)),
    Field("impact", "impact", _text(200_000)),
    Field("customer_action", "customer_action", _text(200_000)),
    Field("source", "source", _text(2000)),
    Field("postmortem", "postmortem", _text(200_000)),
)

TIMELINE = _fields(
    Field("at", "at", _optional(stamp_text), "stamp"),
    Field("label", "label", _text(100, one_line=True)),
    Field("body", "body", _text(20_000)),
)

CAUSE = _fields(
    Field("slug", "slug", _slug),
    Field("title", "title", _text(300, one_line=True, empty=False)),
    Field("category", "category", _text(80, one_line=True)),
    Field("description", "description", _text(200_000)),
    Field("retired_at", "retired_at", _optional(stamp_text), "stamp"),
)

FIELDS: dict[str, dict[str, Field]] = {"action": ACTION, "incident": INCIDENT, "timeline": TIMELINE, "cause": CAUSE}
TABLES = {"action": "action", "incident": "incident", "timeline": "timeline_entry", "cause": "root_cause"}
NUMBERED = ("incident", "action", "timeline")
"""Entities whose key is a number handed out by a sync (``INC-n``, ``ACT-n``, a timeline entry's ``#n``)."""

SETS = {"components", "causes"}
"""An incident's add-wins sets: the components it affected, the causes linked to it."""

ROLES = {m.value for m in CauseRole}


def check_value(type_: str, name: str, value: Any) -> Any:
    """``value`` checked for the field (ValueError when bad, KeyError for a field this tracker does not know)."""
    return FIELDS[type_][name].check(value)


def component_name(value: Any) -> str:
    """A component as an incident's set holds it: ``Group / Name`` or ``Name``."""
    return str(_text(401, one_line=True, empty=False)(value))


def cause_link(value: Any) -> tuple[str, str, str]:
    """A cause link's (cause, role, note)."""
    if not isinstance(value, dict):
        raise ValueError("not a cause link")
    role = value.get("role", "contributing")
    if role not in ROLES:
        raise ValueError("bad role")
    return _ref(value.get("cause")), role, _text(20_000)(value.get("note", ""))


def stored(type_: str, name: str, value: Any) -> Any:
    """A column's value (as the database gives it) in the shared form, for comparing with the ledger's."""
    kind = FIELDS[type_][name]
    if value is None:
        return None
    if kind.check is stamp_text or kind.render == "stamp":
        return format_stamp(read_stamp(value))
    if name == "due":
        date_value = read_date(value)
        return date_value.isoformat() if date_value else None
    return value
