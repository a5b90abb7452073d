"""An incident's timeline, written as it happens: append, correct and remove entries, each in the history.

Entries stay in time order whatever order they are written in; an entry's id (``#12``) is what
``incidents log-edit`` and ``log-rm`` take. Each change raises the incident's version.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tracker.base.clock import SYSTEM_CLOCK, Clock
from tracker.base.errors import InputError, NotFoundError
from tracker.base.timeutil import iso, read_stamp
from tracker.core.history import bump_incident, record_incident_event
from tracker.core.incidents.changes import (
    CLOCK_SKEW,
    UNSET,
    insert_timeline_entry,
    lock_incident,
)
from tracker.core.incidents.queries import TimelineItem
from tracker.core.keys import incident_key
from tracker.core.validate import NOTE_MAX, clean_text
from tracker.storage.database import Db

LABEL_MAX = 100
"""At most this many characters in an entry's label (``Investigating``, ``Update``, ``Resolved``...)."""

ENTRY_MAX = 20_000


def parse_entry_id(text: str | int) -> int:
    """``#12``, ``12`` -> 12 (ASCII digits only)."""
    if isinstance(text, int):
        return text
    raw = text.strip().removeprefix("#")
    # 13 digits: an entry not numbered by a team ledger's sync yet has a provisional id (tracker.core.keys).
    if not raw.isascii() or not raw.isdigit() or int(raw) == 0 or len(raw) > 13:
        raise InputError(f"bad timeline entry id {text!r}: expected a number, e.g. 12 or #12")
    return int(raw)


def _describe(at: datetime | None, label: str, body: str) -> str:
    """An entry as the history shows it: ``2026-11-23T10:02:00+00:00 [Update] text``."""
    head = iso(at) or "undated"
    return f"{head} [{label}] {body}" if label else f"{head} {body}"


def _check(at: datetime | None, label: str, body: str, now: datetime) -> tuple[str, str]:
    body = clean_text(body, "timeline text", ENTRY_MAX).strip()
    if not body:
        raise InputError("timeline text is empty: say what happened")
    label = clean_text(label, "label", LABEL_MAX).strip()
    if "\n" in label:
        raise InputError("label must be one line")
    if at is not None and at > now + CLOCK_SKEW:
        raise InputError(f"at: {iso(at)} is in the future")
    return label, body


def log_entry(
    db: Db,
    key: str | int,
    text: str,
    *,
    actor: str,
    at: datetime | None = None,
    label: str = "",
    expected_version: int | None = None,
    clock: Clock = SYSTEM_CLOCK,
) -> TimelineItem:
    """Append an entry (stamped now unless ``at`` is given); returns it with its id."""
    now = clock.now()
    when = now if at is None else at
    label, body = _check(when, label, text, now)
    with db.write():
        incident_id, version = lock_incident(db, key, expected_version)
        entry_id = insert_timeline_entry(db, incident_id, when, label, body)
        bump_incident(db, incident_id, version, now, expected=expected_version)
        record_incident_event(db, incident_id, now, actor, "timeline", None,
                              f"#{entry_id} {_describe(when, label, body)}")
    return TimelineItem(when, label, body, entry_id)


def _entry(db: Db, incident_id: int, entry_id: int) -> tuple[datetime | None, str, str]:
    found = db.row("SELECT incident_id, at, label, body FROM timeline_entry WHERE id = :id", {"id": entry_id})
    if found is None or int(found[0]) != incident_id:
        raise NotFoundError(f"no timeline entry #{entry_id} on {incident_key(incident_id)}")
    return read_stamp(found[1]), found[2], found[3]


def edit_entry(
    db: Db,
    key: str | int,
    entry: str | int,
    *,
    actor: str,
    text: Any = UNSET,
    at: Any = UNSET,
    label: Any = UNSET,
    note: str = "",
    expected_version: int | None = None,
    clock: Clock = SYSTEM_CLOCK,
) -> TimelineItem:
    """Correct an entry's text, time or label; the history keeps what it said before."""
    entry_id = parse_entry_id(entry)
    note = clean_text(note, "note", NOTE_MAX)
    if text is UNSET and at is UNSET and label is UNSET:
        raise InputError("nothing to change: give --text, --at or --label")
    now = clock.now()
    with db.write():
        incident_id, version = lock_incident(db, key, expected_version)
        old_at, old_label, old_body = _entry(db, incident_id, entry_id)
        new_at = old_at if at is UNSET else at
        new_label, new_body = _check(new_at, old_label if label is UNSET else label,
                                     old_body if text is UNSET else text, now)
        if (new_at, new_label, new_body) == (old_at, old_label, old_body):
            raise InputError(f"nothing to change on #{entry_id}: it already says so")
        db.execute("UPDATE timeline_entry SET at = :at, label = :label, body = :body WHERE id = :id",
                   {"at": new_at, "label": new_label, "body": new_body, "id": entry_id})
        bump_incident(db, incident_id, version, now, expected=expected_version)
        record_incident_event(db, incident_id, now, actor, "timeline",
                              f"#{entry_id} {_describe(old_at, old_label, old_body)}",
                              f"#{entry_id} {_describe(new_at, new_label, new_body)}", note)
    return TimelineItem(new_at, new_label, new_body, entry_id)


def remove_entry(
    db: Db,
    key: str | int,
    entry: str | int,
    *,
    actor: str,
    note: str = "",
    expected_version: int | None = None,
    clock: Clock = SYSTEM_CLOCK,
) -> None:
    """Remove an entry; the history keeps what it said."""
    entry_id = parse_entry_id(entry)
    note = clean_text(note, "note", NOTE_MAX)
    now = clock.now()
    with db.write():
        incident_id, version = lock_incident(db, key, expected_version)
        old_at, old_label, old_body = _entry(db, incident_id, entry_id)
        db.execute("DELETE FROM timeline_entry WHERE id = :id", {"id": entry_id})
        bump_incident(db, incident_id, version, now, expected=expected_version)
        record_incident_event(db, incident_id, now, actor, "timeline",
                              f"#{entry_id} {_describe(old_at, old_label, old_body)}", None, note)
