"""A replica on its own: the services' writes become operations, and the tables stay a view of them."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.ledgerhelpers import SLO_DAYS, TODAY, make_clone
from tracker.base.enums import CauseRole, Severity
from tracker.core.actions import ActionChanges, action_history, add_action, get_action, update_action
from tracker.core.incidents.changes import IncidentChanges, add_incident, update_incident
from tracker.core.incidents.links import link_cause
from tracker.core.incidents.timeline import edit_entry, log_entry, remove_entry
from tracker.core.keys import PROVISIONAL_BASE
from tracker.core.opening import open_database
from tracker.core.rootcauses.changes import add_cause, merge_causes, rename_cause
from tracker.repo.ledger import store
from tracker.repo.ledger.maintenance import rebuild, snapshot
from tracker.storage.database import make_engine


@pytest.fixture
def started(remote: Path, tmp_path: Path):
    """A clone whose empty ledger was just started on the remote."""
    ana = make_clone(remote, tmp_path / "ana", "ana@example.com")
    ana.ledger.init(str(tmp_path / "none.db"))
    return ana


def kinds(db) -> list[tuple[str, str, str | None]]:
    return [(k, t, f) for k, t, f in db.rows("SELECT kind, type, field FROM ledger_op WHERE published = 0"
                                             " ORDER BY clock")]


def test_every_service_write_becomes_operations_and_the_tables_equal_a_rebuild(started) -> None:
    db, _ = started.open()
    with db:
        incident = add_incident(db, title="Disk full", started_at=datetime(2026, 11, 20, tzinfo=UTC), actor="ana",
                                components=["Core / API"])
        assert incident.id >= PROVISIONAL_BASE and incident.key.startswith("INC-~")
        add_cause(db, "disk-full", title="Disk fills up")
        add_cause(db, "no-alert", title="No alert on disk use")
        link_cause(db, incident.id, "disk-full", CauseRole.ROOT, actor="ana", note="the root")
        entry = log_entry(db, incident.id, "Paged", actor="ana", at=datetime(2026, 11, 20, 1, tzinfo=UTC))
        edit_entry(db, incident.id, entry.id, actor="ana", text="Paged the on-call", note="typo")
        update_incident(db, incident.id, IncidentChanges(severity=Severity.SEV1), actor="ana")
        action = add_action(db, title="Alert at 80%", actor="ana", today=TODAY, slo_days=SLO_DAYS,
                            incident=incident.key, root_cause="no-alert")
        update_action(db, action.key, ActionChanges(owner="bob"), actor="ana", note="bob knows disks")
        merge_causes(db, "no-alert", "disk-full", actor="ana")
        rename_cause(db, "disk-full", "disk-space")
        remove_entry(db, incident.id, entry.id, actor="ana", note="duplicate")
        assert ("merge_into", "cause", None) in kinds(db) and ("tombstone", "timeline", None) in kinds(db)
        assert ("set", "action", "owner") in kinds(db)
        assert get_action(db, action.key).root_cause == "disk-space"
        history = [(e.field, e.old_value, e.new_value, e.note) for e in action_history(db, action.id)]
        assert ("root_cause", "no-alert", "disk-space", "root cause no-alert merged into disk-full") in history
        before = snapshot(db)
        assert before["aliases"] == [["disk-full", "disk-space"], ["no-alert", "disk-space"]]
        rebuild(db)
        assert snapshot(db) == before


def test_a_write_by_another_program_is_captured_by_the_next_command(started) -> None:
    db, _ = started.open()
    with db:
        incident = add_incident(db, title="Slow", started_at=datetime(2026, 11, 20, tzinfo=UTC), actor="ana")
        pending = len(kinds(db))
    raw = sqlite3.connect(started.ledger.path)
    raw.execute("UPDATE incident SET title = 'Very slow' WHERE id = ?", (incident.id,))
    raw.commit()
    raw.close()
    db, _ = started.open()
    with db:
        assert kinds(db)[pending:] == [("set", "incident", "title")]
        assert db.scalar("SELECT title FROM incident WHERE id = :id", {"id": incident.id}) == "Very slow"


def test_a_row_deleted_becomes_a_tombstone(started) -> None:
    db, _ = started.open()
    with db:
        add_cause(db, "disk-full", title="Disk fills up")
        action = add_action(db, title="Clean up", actor="ana", today=TODAY, slo_days=SLO_DAYS, root_cause="disk-full")
        with db.write():
            db.execute("DELETE FROM action WHERE id = :id", {"id": action.id})
        assert kinds(db)[-1] == ("tombstone", "action", None)
        state = json.loads(db.scalar("SELECT state FROM ledger_entity WHERE type = 'action'"))
        assert state["live"] is False and db.scalar("SELECT COUNT(*) FROM action_event") == 0


def test_init_keeps_keys_histories_and_times(remote: Path, tmp_path: Path) -> None:
    source = tmp_path / "actions.db"
    open_database(str(source), create="demo").close()
    with open_database(str(source), create=None) as db:
        before = snapshot(db)
    ana = make_clone(remote, tmp_path / "ana", "ana@example.com")
    report = ana.ledger.init(str(source))
    assert report.started and report.pushed > 100
    db, replica = ana.open()
    with db:
        assert snapshot(db) == before
        assert replica.pending() == 0 and store.get_meta(db, "applied") == report.commit



def test_a_replica_made_before_the_kept_counts_upgrades_and_numbering_keeps_them(started) -> None:
    from alembic import command

    from tracker.storage.migrate import _config

    db, _ = started.open()
    with db:
        incident = add_incident(db, title="Slow", started_at=datetime(2026, 11, 20, tzinfo=UTC), actor="ana")
        add_action(db, title="Find out why", actor="ana", today=TODAY, slo_days=SLO_DAYS, incident=incident.key)
    engine = make_engine(str(started.ledger.path))
    with engine.begin() as conn:  # as the release before the kept counts left it
        command.downgrade(_config(conn), "0005_incident_lifecycle")
    engine.dispose()
    db, _ = started.open()  # upgraded in place; the capture of changes into operations still works
    with db:
        assert db.scalar("SELECT n FROM incident_tally WHERE incident_id = :id", {"id": incident.id}) == 1
        pending = len(kinds(db))
        add_action(db, title="Page earlier", actor="ana", today=TODAY, slo_days=SLO_DAYS, incident=incident.key)
        assert ("create", "action", None) in kinds(db)[pending:]
    report = started.sync()
    assert "INC-1" in report.numbered  # the incident and its actions moved to their numbers
    kept, counted = started.tallies_and_recount()
    assert kept == counted and (1, 2) in kept["incident_tally"]
