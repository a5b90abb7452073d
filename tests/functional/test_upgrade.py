"""Upgrading an older SQLite file while other processes use it: one upgrade, in place, nothing lost.

The commands are the real ``tracker`` in processes of their own; the database comes from the first
release (schema 0001_initial, the demo catalog); "another process" is ``tests.helpers.sqlite_holder``.
"""

from __future__ import annotations

import re
import sqlite3
import subprocess
from pathlib import Path

import pytest

from tests.conftest import file_digest, fingerprint, run_process
from tests.helpers.sqlite_holder import Holder
from tracker.storage import filelock
from tracker.storage.revisions import HEAD, REVISIONS

pytestmark = pytest.mark.sqlite_only


def _finish(proc) -> tuple[int, str, str]:  # type: ignore[no-untyped-def]
    out, err = proc.communicate(timeout=120)
    return proc.returncode, out, err


def _sql(path: Path, query: str) -> list[tuple]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(query).fetchall()
    finally:
        conn.close()


def _revision(path: Path) -> str:
    return _sql(path, "SELECT version_num FROM alembic_version")[0][0]


def _leftovers(folder: Path) -> list[str]:
    """Files an upgrade may not leave behind: its lock, temporary backups, working copies."""
    return sorted(p.name for p in folder.iterdir() if re.search(r"\.lock$|\.tmp-|\.upgrade-|\.new-", p.name))


@pytest.mark.slow
@pytest.mark.parametrize("round_", [1, 2])
def test_three_commands_meeting_an_older_file_upgrade_it_once_and_lose_nothing(old_db_path: Path, round_: int) -> None:
    folder = old_db_path.parent
    procs = [run_process(["--db", str(old_db_path), "actions", "add", f"Race {n}", "--incident", "INC-1"], folder)
             for n in range(3)]
    results = [_finish(p) for p in procs]
    assert [code for code, _, _ in results] == [0, 0, 0], [err for _, _, err in results]
    added = {}
    for n, (_, out, _) in enumerate(results):
        found = re.search(r"Added (ACT-\d+) .*: Race (\d)", out)
        assert found and int(found[2]) == n, out
        added[found[1]] = f"Race {n}"
    assert len(added) == 3, f"two commands were told the same key: {added}"
    stored = dict(_sql(old_db_path, "SELECT 'ACT-' || id, title FROM action WHERE title LIKE 'Race %'"))
    assert stored == added, "an acknowledged write is gone"
    notices = [err for _, _, err in results if "Upgraded" in err]
    assert len(notices) == 1, notices
    assert len(list(folder.glob("actions.db.bak-*"))) == 1
    assert _revision(old_db_path) == HEAD and _sql(old_db_path, "PRAGMA integrity_check") == [("ok",)]
    assert _leftovers(folder) == []


@pytest.mark.slow
@pytest.mark.parametrize("round_", [1, 2])
def test_three_commands_meeting_a_missing_file_create_it_once_and_lose_nothing(tmp_path: Path, round_: int) -> None:
    """The same race when there is no database yet: one creates it, the others wait and use it."""
    path = tmp_path / "fresh.db"
    procs = [run_process(["--db", str(path), "actions", "add", f"Race {n}", "--incident", "INC-1"], tmp_path)
             for n in range(3)]
    results = [_finish(p) for p in procs]
    assert [code for code, _, _ in results] == [0, 0, 0], [err for _, _, err in results]
    added = {re.search(r"Added (ACT-\d+)", out)[1]: f"Race {n}" for n, (_, out, _) in enumerate(results)}
    assert len(added) == 3, f"two commands were told the same key: {added}"
    assert dict(_sql(path, "SELECT 'ACT-' || id, title FROM action WHERE title LIKE 'Race %'")) == added
    assert sum("Created" in err for _, _, err in results) == 1
    assert _leftovers(tmp_path) == []


@pytest.mark.slow
def test_a_command_waits_for_an_upgrade_in_progress_and_finds_it_done(old_db_path: Path) -> None:
    with Holder(old_db_path) as upgrader:
        assert upgrader("hold-upgrade-lock") == "ok"
        proc = run_process(["--db", str(old_db_path), "actions", "add", "Waited", "--incident", "INC-1"],
                           old_db_path.parent)
        with pytest.raises(subprocess.TimeoutExpired):
            proc.wait(timeout=1.5)  # it waits for the lock rather than upgrading a second time
        assert upgrader("upgrade") == "ok"
        assert upgrader("release") == "ok"
        code, out, err = _finish(proc)
        upgrader.close()
    assert code == 0, err
    assert "Upgraded" not in err and "Added ACT-14" in out
    assert _sql(old_db_path, "SELECT title FROM action WHERE id = 14") == [("Waited",)]
    assert [p.name for p in old_db_path.parent.glob("actions.db.bak-*")] == ["actions.db.bak-20261123T000000Z"]
    assert _leftovers(old_db_path.parent) == []


def test_waiting_for_an_upgrade_in_progress_is_bounded(cli, old_db_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(filelock, "WAIT_SECONDS", 0.5)
    before = fingerprint(old_db_path)
    with Holder(old_db_path) as upgrader:
        assert upgrader("hold-upgrade-lock") == "ok"
        result = cli("--db", str(old_db_path), "actions", "add", "Impatient", "--incident", "INC-1")
        upgrader.close()
    assert result.code == 1 and result.err.count("\n") == 1, result.err
    assert "another tracker process is creating or upgrading the database" in result.err
    assert "try again" in result.err
    assert fingerprint(old_db_path) == before and _revision(old_db_path) == REVISIONS[0]


@pytest.mark.slow
def test_upgrade_is_refused_while_another_process_has_the_file_open(old_db_path: Path) -> None:
    """The other process keeps writes in its WAL: nothing is swapped under it, nothing of it is lost."""
    folder = old_db_path.parent
    with Holder(old_db_path) as other:
        assert other("write Written before the upgrade") == "ok"
        assert Path(f"{old_db_path}-wal").stat().st_size > 0
        code, out, err = _finish(run_process(["--db", str(old_db_path), "actions", "add", "Refused", "--incident",
                                              "INC-1"], folder))
        assert code == 1, (out, err)
        assert err.count("\n") == 1 and err.startswith("tracker: error: ")
        assert "close the other tracker processes first" in err
        assert other("write Written after the refusal") == "ok"  # its connection is as good as before
        other.close()
    assert _revision(old_db_path) == REVISIONS[0]
    assert _sql(old_db_path, "PRAGMA integrity_check") == [("ok",)]
    assert _sql(old_db_path, "SELECT title FROM action WHERE id = 1") == [("Written after the refusal",)]
    assert list(folder.glob("actions.db.bak-*")) == [] and _leftovers(folder) == []

    code, out, err = _finish(run_process(["--db", str(old_db_path), "actions", "add", "Now", "--incident", "INC-1"],
                                         folder))
    assert code == 0 and "Upgraded" in err, err
    (backup,) = folder.glob("actions.db.bak-*")
    assert _sql(backup, "SELECT title FROM action WHERE id = 1") == [("Written after the refusal",)]
    assert _revision(backup) == REVISIONS[0] and _revision(old_db_path) == HEAD


@pytest.mark.slow
def test_the_backup_holds_a_write_a_killed_process_left_in_the_wal(old_db_path: Path) -> None:
    other = Holder(old_db_path)
    assert other("write Committed, then killed") == "ok"
    other.kill()
    assert Path(f"{old_db_path}-wal").stat().st_size > 0
    code, _, err = _finish(run_process(["--db", str(old_db_path), "actions", "list"], old_db_path.parent))
    assert code == 0 and "Upgraded" in err, err
    (backup,) = old_db_path.parent.glob("actions.db.bak-*")
    for path in (backup, old_db_path):
        assert _sql(path, "SELECT title FROM action WHERE id = 1") == [("Committed, then killed",)], path
        assert _sql(path, "PRAGMA integrity_check") == [("ok",)]


@pytest.mark.slow
def test_a_failed_upgrade_leaves_the_database_usable_and_unchanged(old_db_path: Path) -> None:
    """A table of the user's own in the way of a migration: the upgrade fails half-way and rolls back."""
    conn = sqlite3.connect(old_db_path)
    conn.execute("CREATE TABLE runbook_cause (note TEXT)")  # revision 0002 creates two tables, then this one
    conn.commit()
    conn.close()
    before = fingerprint(old_db_path), file_digest(old_db_path)
    code, out, err = _finish(run_process(["--db", str(old_db_path), "actions", "add", "Never", "--incident",
                                          "INC-1"], old_db_path.parent))
    assert code == 1 and err.count("\n") == 1, err
    assert "upgrade failed" in err and "the database is unchanged" in err and "Traceback" not in err
    assert (fingerprint(old_db_path), file_digest(old_db_path)) == before
    assert _revision(old_db_path) == REVISIONS[0]
    assert not _sql(old_db_path, "SELECT name FROM sqlite_master WHERE name IN ('runbook', 'tracker_meta')")
    (backup,) = old_db_path.parent.glob("actions.db.bak-*")
    assert fingerprint(backup) == before[0] and backup.name in err
    assert _leftovers(old_db_path.parent) == []
    # Usable: nothing holds it or its lock, and a writer gets in at once.
    conn = sqlite3.connect(old_db_path, timeout=0)
    conn.execute("UPDATE action SET owner = 'still-usable' WHERE id = 2")
    conn.commit()
    conn.close()
    assert _sql(old_db_path, "PRAGMA integrity_check") == [("ok",)]
