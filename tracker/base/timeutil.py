"""Dates and times: everything is stored in UTC, parsed strictly, shown in ISO 8601."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import overload

from tracker.base.errors import InputError
from tracker.base.text import shown

_RELATIVE = re.compile(r"^\+([0-9]{1,4})([dw])$")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_DATE_TIME = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?(Z|[+-][0-9]{2}:?[0-9]{2})?")
# ASCII digits only, here and wherever a number is read: \d also matches Arabic-Indic and full-width digits.


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


FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2999, 12, 31)
"""The calendar the tracker takes dates and times from (UTC days), bounds included.

Python's own ends (year 1, year 9999) overflow as soon as a review period, a due offset, a week
or a time zone is added: ``9999-12-31T23:59-12:00`` is already past them in UTC. Every date that
comes in (options, the app's fields, runbook front matter, imports, ``TRACKER_TODAY``) is checked
against these bounds where it is parsed, so the arithmetic done on it later cannot overflow.
"""

CALENDAR = f"dates from {FIRST_DAY.isoformat()} to {LAST_DAY.isoformat()}"
"""The bounds as an error message says them."""


def in_calendar(day: date) -> bool:
    """Whether ``day`` (a date, or the UTC day of a moment) is inside the tracker's calendar."""
    return FIRST_DAY <= (day.date() if isinstance(day, datetime) else day) <= LAST_DAY


def check_day(day: date, what: str) -> date:
    """``day`` if it is inside the calendar; else an InputError naming ``what`` (a field, a file and line)."""
    if not in_calendar(day):
        raise InputError(f"{what}: {day.isoformat()} is out of range ({CALENDAR})")
    return day


def check_moment(value: datetime, what: str) -> datetime:
    """An aware moment in UTC if its UTC day is inside the calendar; else an InputError naming ``what``."""
    try:
        moment = to_utc(value)
    except OverflowError:
        moment = None
    if moment is None or not in_calendar(moment):
        raise InputError(f"{what}: {value.isoformat()} is out of range (UTC {CALENDAR})")
    return moment


def add_days(day: date, days: int) -> date | None:
    """``day`` plus ``days``, or None when that leaves the calendar (instead of overflowing)."""
    try:
        later = day + timedelta(days=days)
    except (OverflowError, ValueError):
        return None
    return later if in_calendar(later) else None


def _named(what: str) -> str:
    return f"{what}: " if what else ""


def parse_due(text: str, today: date, what: str = "") -> date:
    """Parse a due date: ``YYYY-MM-DD``, ``today``, ``tomorrow``, ``+3d`` or ``+2w``, inside the calendar.

    ``what`` (an option such as ``--due``) starts the error message when given.
    """
    raw = text.strip().lower()
    match = _RELATIVE.match(raw)
    if raw in ("today", "tomorrow") or match:
        if match:
            days = int(match.group(1)) * (7 if match.group(2) == "w" else 1)
        else:
            days = 1 if raw == "tomorrow" else 0
        due = add_days(today, days)
        if due is None:
            raise InputError(f"{_named(what)}bad date {shown(text)}: out of range ({CALENDAR})")
        return due
    if not _DATE.fullmatch(raw):
        raise InputError(f"{_named(what)}bad date {shown(text)}: use YYYY-MM-DD, today, tomorrow, +Nd or +Nw")
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        raise InputError(f"{_named(what)}bad date {shown(text)}: no such day") from None
    if not in_calendar(day):
        raise InputError(f"{_named(what)}bad date {shown(text)}: out of range ({CALENDAR})")
    return day


def parse_datetime(text: str, what: str = "") -> datetime:
    """Parse an ISO 8601 date-time; without an offset it is taken as UTC. Returns UTC, inside the calendar."""
    raw = text.strip()
    if not _DATE_TIME.fullmatch(raw):
        raise InputError(
            f"{_named(what)}bad date-time {shown(text)}: use ISO 8601, e.g. 2026-11-23T09:30Z or"
            " 2026-11-23T10:30+01:00"
        )
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        raise InputError(f"{_named(what)}bad date-time {shown(text)}: no such moment") from None
    try:
        return check_moment(value, "")
    except InputError:
        raise InputError(f"{_named(what)}bad date-time {shown(text)}: out of range (UTC {CALENDAR})") from None


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
    return parse_datetime(text, what)
