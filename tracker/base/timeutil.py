"""Dates and times: everything is stored in UTC, parsed strictly, shown in ISO 8601."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import overload

from tracker.base.errors import InputError
from tracker.base.text import shown

_RELATIVE = re.compile(r"^\+(\d{1,4})([dw])$")


def to_utc(value: datetime) -> datetime:
    """Convert an aware datetime to UTC; a naive one is taken to be UTC already."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def format_stamp(value: datetime) -> str:
    """The storage form of a timestamp: fixed width, UTC, so text order is time order."""
    return to_utc(value).isoformat(timespec="microseconds")


@overload
def read_stamp(value: str | datetime) -> datetime: ...
@overload
def read_stamp(value: None) -> None: ...
@overload
def read_stamp(value: str | datetime | None) -> datetime | None: ...
def read_stamp(value: str | datetime | None) -> datetime | None:
    """Read a stored timestamp back (text from SQLite, a datetime from PostgreSQL)."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return to_utc(value)
    return to_utc(datetime.fromisoformat(value))


@overload
def read_date(value: str | date) -> date: ...
@overload
def read_date(value: None) -> None: ...
@overload
def read_date(value: str | date | None) -> date | None: ...
def read_date(value: str | date | None) -> date | None:
    """Read a stored date back (text from SQLite, a date from PostgreSQL)."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(value)


def iso(value: datetime | None) -> str | None:
    """ISO 8601 with offset, to the second, for output (``2025-12-22T10:17:00+00:00``)."""
    return None if value is None else to_utc(value).isoformat(timespec="seconds")


def parse_due(text: str, today: date) -> date:
    """Parse a due date: ``YYYY-MM-DD``, ``today``, ``tomorrow``, ``+3d`` or ``+2w``."""
    raw = text.strip().lower()
    if raw == "today":
        return today
    if raw == "tomorrow":
        return today + timedelta(days=1)
    match = _RELATIVE.match(raw)
    if match:
        count = int(match.group(1))
        return today + timedelta(days=count * (7 if match.group(2) == "w" else 1))
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw):
        raise InputError(f"bad date {shown(text)}: use YYYY-MM-DD, today, tomorrow, +Nd or +Nw")
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise InputError(f"bad date {shown(text)}: no such day") from None


def parse_datetime(text: str) -> datetime:
    """Parse an ISO 8601 date-time; without an offset it is taken as UTC. Returns UTC."""
    raw = text.strip()
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?", raw):
        raise InputError(
            f"bad date-time {shown(text)}: use ISO 8601, e.g. 2026-11-23T09:30Z or 2026-11-23T10:30+01:00"
        )
    try:
        return to_utc(datetime.fromisoformat(raw))
    except ValueError:
        raise InputError(f"bad date-time {shown(text)}: no such moment") from None


def duration(minutes: int | None) -> str:
    """A length of time for people: ``45m``, ``3h20``; ``-`` when unknown."""
    if minutes is None:
        return "-"
    hours, mins = divmod(minutes, 60)
    return f"{hours}h{mins:02d}" if hours else f"{mins}m"


def parse_moment(text: str, now: datetime, what: str = "time") -> datetime:
    """A moment given by a person: ``now``, or ISO 8601 as ``parse_datetime`` reads it; errors name ``what``."""
    if text.strip().lower() == "now":
        return now
    try:
        return parse_datetime(text)
    except InputError as exc:
        raise InputError(f"{what}: {exc}") from None
