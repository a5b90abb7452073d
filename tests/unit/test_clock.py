"""One clock: nothing but ``tracker.base.clock`` reads the system time, and services follow the clock they get."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from tracker.base.clock import Clock
from tracker.config import load_settings

pytestmark = pytest.mark.date_sensitive

ROOT = Path(__file__).resolve().parents[2]
_READS_TIME = re.compile(r"\b(datetime\.now|datetime\.utcnow|utcnow|date\.today|datetime\.today)\s*\(")


def test_only_the_clock_module_reads_the_system_time() -> None:
    offenders = []
    for path in sorted((ROOT / "tracker").rglob("*.py")):
        if path.relative_to(ROOT).as_posix() == "tracker/base/clock.py":
            continue
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            if _READS_TIME.search(line):
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert offenders == []


_SQL_CLOCK = re.compile(r"\b(CURRENT_DATE|CURRENT_TIMESTAMP|CURRENT_TIME|LOCALTIMESTAMP|LOCALTIME|"
                        r"clock_timestamp|statement_timestamp|transaction_timestamp)\b|\bnow\(\)|date\('now'|"
                        r"datetime\('now'",
                        re.IGNORECASE)


def test_no_query_reads_the_database_servers_clock() -> None:
    """Every date and time in a query is a parameter from the one clock, so a day moves the same way on SQLite and
    on PostgreSQL (CI moves the system clock only on SQLite for that reason)."""
    offenders = []
    for path in sorted((ROOT / "tracker").rglob("*.py")):
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            if _SQL_CLOCK.search(line.replace("clock.now()", "").replace(".now()", "")):
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert offenders == []
    assert _SQL_CLOCK.search("WHERE due < CURRENT_DATE") and _SQL_CLOCK.search("SELECT now()")


def test_the_source_check_would_see_a_direct_read() -> None:
    assert _READS_TIME.search("    stamp = datetime.now(UTC)")
    assert _READS_TIME.search("day = date.today()")
    assert not _READS_TIME.search("day = clock.today()")


def test_settings_fix_today_and_leave_now_to_the_system() -> None:
    settings = load_settings(env={"TRACKER_TODAY": "2027-01-01"})
    assert settings.clock.today() == date(2027, 1, 1) == settings.today_date()
    free = Clock()
    assert abs((free.now() - datetime.now(UTC)).total_seconds()) < 60
    assert free.today() == free.now().date()


class FixedClock(Clock):
    def now(self) -> datetime:
        return datetime(2027, 1, 1, 9, 30, tzinfo=UTC)


def test_services_stamp_with_the_clock_they_are_given(db) -> None:
    from tracker.core.actions import ActionChanges, action_history, add_action, update_action

    clock = FixedClock(date(2027, 1, 1))
    row = add_action(db, title="Clocked", actor="me", today=clock.today(), slo_days={"P1": 1, "P2": 2, "P3": 3},
                     incident="INC-1", clock=clock)
    assert row.created_at == datetime(2027, 1, 1, 9, 30, tzinfo=UTC)
    assert row.due == date(2027, 1, 3)
    update_action(db, row.id, ActionChanges(owner="ana"), actor="me", clock=clock)
    assert [e.at for e in action_history(db, row.id)] == [datetime(2027, 1, 1, 9, 30, tzinfo=UTC)] * 2
