"""Open actions as an iCalendar file (RFC 5545): one all-day event on each action's due date.

Events, not to-dos. A VTODO would say "task" more exactly, but calendar apps import VEVENTs far more
reliably: Google Calendar ignores VTODOs on import and in subscribed calendars, Outlook imports only
events, and Apple's Calendar hands to-dos to Reminders (or drops them). An all-day VEVENT (``DTSTART``
and ``DTEND`` as ``DATE`` values, transparent, so it blocks no time) shows up on the due day everywhere.

Re-importing or re-subscribing updates instead of duplicating: each event's ``UID`` is derived from the
action's key and a fixed namespace (the same action always has the same UID, across exports and
machines), ``SEQUENCE`` is the action's version and ``LAST-MODIFIED`` its last change. Every event has a
``DTSTAMP`` (when the file was made, in UTC), as RFC 5545 requires. User text loses its control
characters; the library escapes commas, semicolons and newlines.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date, datetime, timedelta

from tracker.base.enums import OPEN_STATUSES
from tracker.core.actions import ActionFilter, ActionRow, iter_actions
from tracker.storage.database import Db

UID_NAMESPACE = uuid.UUID("6f1c2a52-8d0e-4c1b-9a57-3d6b0e7f4a21")
"""Fixed for good: changing it would make every calendar duplicate every action."""

PRODID = "-//tracker//corrective actions//EN"


def action_uid(key: str) -> str:
    """The stable UID of an action's event (``ACT-12`` -> the same UUID on every export)."""
    return f"{uuid.uuid5(UID_NAMESPACE, key)}@tracker"


def _text(value: str) -> str:
    """User text without control characters (ESC, C1, NUL); newlines and tabs stay."""
    return "".join(c for c in value if c in "\n\t" or c.isprintable())


def _description(action: ActionRow) -> str:
    facts = [("Owner", action.owner or "(none)"), ("Priority", action.priority), ("Status", action.status),
             ("Kind", action.kind), ("Incident", action.incident or "-"), ("Root cause", action.root_cause or "-")]
    lines = [f"{name}: {value}" for name, value in facts]
    if action.description:
        lines += ["", action.description]
    return _text("\n".join(lines))


def build_calendar(actions: Iterable[ActionRow], *, now: datetime, name: str = "tracker actions") -> bytes:
    """The calendar of these actions (each on its due date), stamped ``now``."""
    from icalendar import Calendar, Event  # only this command pays for importing it

    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", _text(name))
    for action in actions:
        due: date = action.due
        event = Event()
        event.add("uid", action_uid(action.key))
        event.add("dtstamp", now)
        event.add("dtstart", due)
        event.add("dtend", due + timedelta(days=1))
        event.add("summary", _text(f"{action.key} {action.priority}: {' '.join(action.title.split())}"))
        event.add("description", _description(action))
        event.add("categories", [action.priority, action.kind])
        event.add("transp", "TRANSPARENT")
        event.add("sequence", action.version)
        event.add("created", action.created_at)
        event.add("last-modified", action.updated_at)
        calendar.add_component(event)
    return bytes(calendar.to_ical())


def export_ics(db: Db, *, now: datetime, owner: str | None = None) -> tuple[bytes, int]:
    """The open actions (of ``owner``, if given) as an iCalendar file, and how many it holds."""
    rows = list(iter_actions(db, ActionFilter(statuses=OPEN_STATUSES, owner=owner), sort="due"))
    name = "tracker actions" + (f" ({owner})" if owner else "")
    return build_calendar(rows, now=now.replace(microsecond=0), name=name), len(rows)
