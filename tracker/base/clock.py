"""The one clock of the program: "now" and "today" come from here and nowhere else.

Entry points make one ``Clock`` from the settings (``TRACKER_TODAY`` fixes the day) and hand it, or
the values read from it, to the services, as they hand in the settings. Nothing else in the package
calls ``datetime.now()``, ``utcnow()`` or ``date.today()`` (a test reads the sources for them), so
tests move the clock by giving another one, and CI also runs the date-sensitive tests under
libfaketime.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime


@dataclass(frozen=True, slots=True)
class Clock:
    """Tells the time. ``fixed_today`` pins the calendar day (reports, reviews, due dates)."""

    fixed_today: date | None = None
    """A fixed "today" (``TRACKER_TODAY``); None follows the system clock."""

    def now(self) -> datetime:
        """The current moment, timezone-aware, in UTC, to the microsecond."""
        return datetime.now(UTC)

    def today(self) -> date:
        """Today's date: the fixed one if set, else today in UTC."""
        return self.fixed_today or self.now().date()


SYSTEM_CLOCK = Clock()
"""The system clock, for callers that were handed no clock (library use, defaults)."""
