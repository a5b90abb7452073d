"""Linking incidents to the root causes of the taxonomy, with the part each cause played.

One role per cause per incident: linking again changes the role (recorded). A retired cause is not
offered for new links; a renamed or merged one is found under its old slug too.
"""

from __future__ import annotations

from tracker.base.clock import SYSTEM_CLOCK, Clock
from tracker.base.enums import CauseRole
from tracker.base.errors import InputError
from tracker.base.text import shown
from tracker.core.history import bump_incident, record_incident_event
from tracker.core.incidents.changes import insert_cause_link, lock_incident
from tracker.core.incidents.queries import IncidentRow, get_incident_row
from tracker.core.keys import incident_key
from tracker.core.rootcauses.names import resolve_cause
from tracker.core.validate import NOTE_MAX, clean_text
from tracker.storage.database import Db


def link_cause(
    db: Db,
    key: str | int,
    slug: str,
    role: CauseRole,
    *,
    actor: str,
    note: str = "",
    expected_version: int | None = None,
    clock: Clock = SYSTEM_CLOCK,
) -> IncidentRow:
    """Link a cause to the incident, or change the role it plays there."""
    note = clean_text(note, "note", NOTE_MAX)
    now = clock.now()
    with db.write():
        incident_id, version = lock_incident(db, key, expected_version)
        cause = resolve_cause(db, slug)
        existing = db.row("SELECT role, note FROM incident_root_cause WHERE incident_id = :i AND root_cause_id = :c",
                          {"i": incident_id, "c": cause.id})
        if existing is None:
            if cause.retired:
                raise InputError(f"root cause {shown(cause.slug)} is retired: link a current cause"
                                 " (tracker rootcauses list), or bring it back with: tracker rootcauses retire"
                                 f" {cause.slug} --undo")
            insert_cause_link(db, incident_id, cause.id, role, note)
            old, new = None, f"{cause.slug} ({role.value})"
        else:
            if existing[0] == role.value and (not note or note == existing[1]):
                raise InputError(f"{cause.slug} is already linked to {incident_key(incident_id)} as {role.value}")
            db.execute("UPDATE incident_root_cause SET role = :role, note = :note"
                       " WHERE incident_id = :i AND root_cause_id = :c",
                       {"role": role.value, "note": note or existing[1], "i": incident_id, "c": cause.id})
            old, new = f"{cause.slug} ({existing[0]})", f"{cause.slug} ({role.value})"
        bump_incident(db, incident_id, version, now, expected=expected_version)
        record_incident_event(db, incident_id, now, actor, "cause", old, new, note)
    return get_incident_row(db, incident_id)


def unlink_cause(
    db: Db,
    key: str | int,
    slug: str,
    *,
    actor: str,
    note: str = "",
    expected_version: int | None = None,
    clock: Clock = SYSTEM_CLOCK,
) -> IncidentRow:
    """Remove a cause from the incident; it must be linked."""
    note = clean_text(note, "note", NOTE_MAX)
    now = clock.now()
    with db.write():
        incident_id, version = lock_incident(db, key, expected_version)
        cause = resolve_cause(db, slug)
        existing = db.scalar("SELECT role FROM incident_root_cause WHERE incident_id = :i AND root_cause_id = :c",
                             {"i": incident_id, "c": cause.id})
        if existing is None:
            raise InputError(f"{cause.slug} is not linked to {incident_key(incident_id)}")
        db.execute("DELETE FROM incident_root_cause WHERE incident_id = :i AND root_cause_id = :c",
                   {"i": incident_id, "c": cause.id})
        bump_incident(db, incident_id, version, now, expected=expected_version)
        record_incident_event(db, incident_id, now, actor, "cause", f"{cause.slug} ({existing})", None, note)
    return get_incident_row(db, incident_id)
