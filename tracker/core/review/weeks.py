"""ISO weeks of UTC days, as the weekly review names and measures them (``2026-W48``)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta

from tracker.base.errors import InputError

_WEEK = re.compile(r"([0-9]{4})-[Ww]([0-9]{2})")


def parse_week(text: str) -> tuple[int, int, date, date]:
    """``"2026-W48"`` -> (2026, 48, its Monday, its Sunday); anything else is an InputError naming it."""
    match = _WEEK.fullmatch(text.strip())
    if not match:
        raise InputError(f"bad week {text!r}: use YYYY-Www, e.g. 2026-W48")
    year, week = int(match.group(1)), int(match.group(2))
    if year < 1:
        raise InputError(f"bad week {text!r}: no year {year}")
    try:
        monday = date.fromisocalendar(year, week, 1)
    except ValueError:
        weeks = date(year, 12, 28).isocalendar().week  # the week of Dec 28 is always the year's last
        raise InputError(f"bad week {text!r}: {year} has ISO weeks 01 to {weeks}") from None
    return year, week, monday, monday + timedelta(days=6)


def week_name(day: date) -> str:
    """The ISO week a day falls in, as ``YYYY-Www``."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def current_week(today: date) -> str:
    return week_name(today)


def reference_day(week: str, today: date) -> date:
    """The day due dates are measured from: today inside the week, else the week's nearest end."""
    _, _, monday, sunday = parse_week(week)
    return min(max(today, monday), sunday)


def midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)
