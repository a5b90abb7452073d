"""ISO weeks of UTC days, as the weekly review names and measures them (``2026-W48``)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta

from tracker.base.errors import InputError
from tracker.base.text import shown
from tracker.base.timeutil import FIRST_DAY, LAST_DAY

_WEEK = re.compile(r"([0-9]{4})-[Ww]([0-9]{2})")


def parse_week(text: str) -> tuple[int, int, date, date]:
    """``"2026-W48"`` -> (2026, 48, its Monday, its Sunday); anything else is an InputError naming it as given.

    A week must hold a day of the tracker's calendar (``FIRST_DAY`` to ``LAST_DAY``), so that the
    review's arithmetic on it (the next midnight, the trend's twelve weeks) stays inside Python's.
    """
    match = _WEEK.fullmatch(text.strip())
    if not match:
        raise InputError(f"bad week {shown(text)}: use YYYY-Www, e.g. 2026-W48")
    year, week = int(match.group(1)), int(match.group(2))
    if not FIRST_DAY.year - 1 <= year <= LAST_DAY.year + 1:
        raise _out_of_range(text)
    try:
        monday = date.fromisocalendar(year, week, 1)
    except ValueError:
        weeks = date(year, 12, 28).isocalendar().week  # the week of Dec 28 is always the year's last
        raise InputError(f"bad week {shown(text)}: {year:04d} has ISO weeks 01 to {weeks}") from None
    sunday = monday + timedelta(days=6)
    if sunday < FIRST_DAY or monday > LAST_DAY:
        raise _out_of_range(text)
    return year, week, monday, sunday


def _out_of_range(text: str) -> InputError:
    return InputError(f"bad week {shown(text)}: out of range (weeks {week_name(FIRST_DAY)} to {week_name(LAST_DAY)})")


def week_name(day: date) -> str:
    """The ISO week a day falls in, as ``YYYY-Www`` (the year always four digits)."""
    year, week, _ = day.isocalendar()
    return f"{year:04d}-W{week:02d}"


def current_week(today: date) -> str:
    return week_name(today)


def reference_day(week: str, today: date) -> date:
    """The day due dates are measured from: today inside the week, else the week's nearest end."""
    _, _, monday, sunday = parse_week(week)
    return min(max(today, monday), sunday)


def midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)
