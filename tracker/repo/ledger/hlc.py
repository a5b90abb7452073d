"""A hybrid logical clock: wall time in milliseconds plus a counter, never going backwards.

A stamp is greater than every stamp its replica made or saw before, so an edit made after seeing
another one sorts after it whatever the machines' clocks say (a day of skew included); between
edits that did not see each other, the wall time decides, then the replica id. The wall time comes
from the ``Clock`` handed in, never from the system directly.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from tracker.base.clock import Clock

COUNTER_LIMIT = 1_000_000
"""Stamps made within one millisecond; past it the clock runs a millisecond ahead (still monotonic)."""

STAMP = re.compile(r"(\d{13})\.(\d{6})")
"""A stamp as text: 13 digits of milliseconds since 1970, a dot, 6 digits of counter; text order is time order."""


class Stamp(NamedTuple):
    """One reading of the clock; tuples compare in time order."""

    ms: int
    counter: int

    @property
    def text(self) -> str:
        return f"{self.ms:013d}.{self.counter:06d}"

    @classmethod
    def parse(cls, text: str) -> Stamp:
        match = STAMP.fullmatch(text)
        if match is None:
            raise ValueError(f"not a clock stamp: {text!r}")
        return cls(int(match.group(1)), int(match.group(2)))


ZERO = Stamp(0, 0)


class HybridClock:
    """Hands out increasing stamps; ``observe`` every stamp read from elsewhere."""

    def __init__(self, clock: Clock, last: Stamp = ZERO) -> None:
        self.clock = clock
        self.last = last

    def wall_ms(self) -> int:
        return int(self.clock.now().timestamp() * 1000)

    def tick(self) -> Stamp:
        """A new stamp, after every stamp made or seen so far."""
        wall = self.wall_ms()
        if wall > self.last.ms:
            stamp = Stamp(wall, 0)
        elif self.last.counter + 1 < COUNTER_LIMIT:
            stamp = Stamp(self.last.ms, self.last.counter + 1)
        else:
            stamp = Stamp(self.last.ms + 1, 0)
        self.last = stamp
        return stamp

    def observe(self, stamp: Stamp) -> None:
        """Take in a stamp made elsewhere: later stamps of ours sort after it."""
        if stamp > self.last:
            self.last = stamp
