"""The iCalendar export, parsed back: all-day events on due dates, stable UIDs, DTSTAMP everywhere, clean text."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from icalendar import Calendar

from tests.conftest import TODAY
from tracker.base.enums import ActionStatus
from tracker.core.actions import ActionChanges, add_action, update_action
from tracker.core.slo import DEFAULT_SLO_DAYS
from tracker.exchange.calendar_ics import action_uid, export_ics
from tracker.storage.database import Db

pytestmark = [pytest.mark.both_backends, pytest.mark.date_sensitive]

NOW = datetime(2026, 11, 23, 9, 30, 15, 123456, tzinfo=UTC)
OPEN_DEMO = ["ACT-1", "ACT-2", "ACT-3", "ACT-4", "ACT-5", "ACT-6", "ACT-8", "ACT-9"]


def events(data: bytes) -> dict[str, object]:
    calendar = Calendar.from_ical(data)
    assert calendar["VERSION"] == "2.0" and calendar["PRODID"]
    found = {}
    for event in calendar.walk("VEVENT"):
        found[str(event["SUMMARY"]).split()[0]] = event
    return found


def test_each_open_action_is_an_all_day_event_on_its_due_date(db: Db) -> None:
    data, count = export_ics(db, now=NOW)
    found = events(data)
    assert sorted(found, key=lambda k: int(k[4:])) == OPEN_DEMO and count == 8
    act3 = found["ACT-3"]
    assert act3.get("DTSTART").dt == date(2025, 3, 31) and act3.get("DTSTART").params["VALUE"] == "DATE"
    assert act3.get("DTEND").dt == date(2025, 4, 1) and act3.get("DTEND").params["VALUE"] == "DATE"
    assert not isinstance(act3.get("DTSTART").dt, datetime)
    assert str(act3["SUMMARY"]) == "ACT-3 P1: Finish the multi-datacenter message-queue migration"
    assert "Owner: platform-data" in str(act3["DESCRIPTION"]) and "Root cause: kafka-migration" in str(
        act3["DESCRIPTION"])
    assert str(act3["TRANSP"]) == "TRANSPARENT" and int(act3["SEQUENCE"]) == 2
    for event in found.values():
        assert event.get("DTSTAMP").dt == NOW.replace(microsecond=0)  # on every component, in UTC
        assert str(event["UID"]).endswith("@tracker")
    assert data.count(b"\r\n") > 20  # RFC 5545 line breaks


def test_uids_are_stable_across_exports(db: Db) -> None:
    first = events(export_ics(db, now=NOW)[0])
    update_action(db, "ACT-2", ActionChanges(title="Renamed", due=TODAY + timedelta(days=3)), actor="t")
    later = events(export_ics(db, now=NOW + timedelta(days=2))[0])
    assert {k: str(e["UID"]) for k, e in first.items()} == {k: str(e["UID"]) for k, e in later.items()}
    assert str(first["ACT-1"]["UID"]) == "c7af2555-7e75-5f86-9046-7f76769a4f86@tracker"  # fixed for good
    assert action_uid("ACT-1") == str(first["ACT-1"]["UID"]) != action_uid("ACT-10")
    # The change shows as a newer sequence on the same event, on its new day.
    assert int(later["ACT-2"]["SEQUENCE"]) == int(first["ACT-2"]["SEQUENCE"]) + 1
    assert later["ACT-2"].get("DTSTART").dt == TODAY + timedelta(days=3)
    assert later["ACT-2"].get("DTSTAMP").dt == (NOW + timedelta(days=2)).replace(microsecond=0)


def test_closed_actions_leave_and_owner_filters(db: Db) -> None:
    update_action(db, "ACT-5", ActionChanges(status=ActionStatus.DONE), actor="t")
    found = events(export_ics(db, now=NOW)[0])
    assert "ACT-5" not in found and len(found) == 7
    mine, count = export_ics(db, now=NOW, owner="sre-team")
    assert sorted(events(mine)) == ["ACT-1", "ACT-9"] and count == 2
    assert b"X-WR-CALNAME:tracker actions (sre-team)" in mine


def test_control_characters_never_reach_the_file(db: Db) -> None:
    row = add_action(db, title="Rotate keys", actor="t", today=TODAY, slo_days=DEFAULT_SLO_DAYS, incident="INC-1")
    with db.write():  # rows written by something that did not validate them (an old import, another tool)
        db.execute("UPDATE action SET title = :t, description = :d WHERE id = :id",
                   {"t": "Rotate \x1b]8;;http://x\x07keys\x1b[0m; now, please", "d": "line one\nline two\x9b2J",
                    "id": row.id})
    data, _ = export_ics(db, now=NOW)
    assert b"\x1b" not in data and b"\x07" not in data and "\x9b".encode() not in data
    event = events(data)[row.key]
    assert str(event["SUMMARY"]) == f"{row.key} P2: Rotate ]8;;http://xkeys[0m; now, please"
    assert str(event["DESCRIPTION"]).endswith("line one\nline two2J")


def test_no_open_action_is_an_empty_calendar(empty_db: Db) -> None:
    data, count = export_ics(empty_db, now=NOW)
    assert count == 0 and Calendar.from_ical(data).walk("VEVENT") == []
