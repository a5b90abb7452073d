"""The command line on both backends: listings, changes, stale writes, bad input, exchange."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import dump, run_process

pytestmark = pytest.mark.both_backends


def test_listings(cli, db_url: str) -> None:
    incidents = json.loads(cli("--db", db_url, "incidents", "list", "--json").out)
    assert [i["id"] for i in incidents] == ["INC-1", "INC-2", "INC-3", "INC-4", "INC-5"]
    assert incidents[4]["started_at"] == "2025-12-22T10:17:00+00:00"
    causes = {c["slug"]: c for c in json.loads(cli("--db", db_url, "rootcauses", "list", "--json").out)}
    assert causes["message-queue-change"]["incident_count"] == 2
    actions = json.loads(cli("--db", db_url, "actions", "list", "--overdue", "--json").out)
    assert [a["id"] for a in actions] == ["ACT-2", "ACT-4", "ACT-3", "ACT-8"]


def test_incidents_list_takes_a_limit_of_the_newest(cli, db_url: str) -> None:
    every = json.loads(cli("--db", db_url, "incidents", "list", "--json").out)
    first = json.loads(cli("--db", db_url, "incidents", "list", "--limit", "2", "--json").out)
    assert first == every[-2:]
    text = cli("--db", db_url, "incidents", "list", "--limit", "3").out.splitlines()
    assert [line.split()[0] for line in text if line.startswith("INC-")] == ["INC-5", "INC-4", "INC-3"]
    refused = cli("--db", db_url, "incidents", "list", "--limit", "0")
    assert refused.code == 1 and "--limit 0: expected a positive number" in refused.err


def test_summary_counts_match_the_listings(cli, db_url: str) -> None:
    summary = cli("--db", db_url, "summary").out.splitlines()
    overdue = json.loads(cli("--db", db_url, "actions", "list", "--overdue", "--json").out)
    assert summary[0].endswith(f"5 incidents, 8 open actions, {len(overdue)} overdue")
    # The newest first, as in the app and in incidents list.
    assert [line.split()[0] for line in summary if line.startswith("INC-")] == [f"INC-{n}" for n in range(5, 0, -1)]


def test_add_update_show(cli, db_url: str) -> None:
    added = json.loads(cli("--db", db_url, "actions", "add", "Drill [bold] failover", "--incident", "INC-2",
                           "--owner", "infra-oncall", "--json").out)
    assert added["id"] == "ACT-14" and added["due"] == "2027-01-18"  # P2: its 56-day SLO
    updated = cli("--db", db_url, "actions", "update", "ACT-14", "--status", "blocked", "--note", "vendor",
                  "--expect-version", "1", "--json")
    assert updated.code == 0, updated.err
    shown = json.loads(cli("--db", db_url, "actions", "show", "ACT-14", "--json").out)
    assert shown["status"] == "blocked" and shown["version"] == 2
    assert [h["field"] for h in shown["history"]] == ["created", "status"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["actions", "add", "  ", "--incident", "INC-1"], "title is empty"),
        (["actions", "update", "ACT-999", "--owner", "x"], "no action ACT-999"),
        (["actions", "update", "ACT-1", "--due", "2026-02-30"], "'2026-02-30'"),
        (["actions", "update", "ACT-1", "--status", "finished"], "unknown status"),
        (["actions", "update", "ACT-1", "--owner", "x", "--expect-version", "9"], "changed by someone else"),
        (["actions", "add", "x", "--incident", "INC-1", "--owner=--x"], "bad owner"),
    ],
)
def test_bad_input_changes_nothing(cli, db_url: str, args: list[str], message: str) -> None:
    before = dump(db_url)
    result = cli("--db", db_url, *args)
    assert result.code == 1 and message in result.err and result.err.count("\n") == 1
    assert dump(db_url) == before


def test_two_processes_from_the_same_version(db_url: str, tmp_path: Path) -> None:
    procs = [run_process(["--db", db_url, "actions", "update", "ACT-5", "--owner", owner, "--expect-version", "1"],
                         tmp_path, {"TRACKER_USER": owner}) for owner in ("alpha-team", "beta-team")]
    results = [(p.wait(timeout=60), p.stderr.read()) for p in procs]
    for p in procs:
        p.stdout.close()
        p.stderr.close()
    assert sorted(code for code, _ in results) == [0, 1], results
    assert "changed by someone else" in next(err for code, err in results if code == 1)


def test_toml_moves_between_backends(cli, db_url: str, empty_url: str, tmp_path: Path) -> None:
    """What a team does to move an actions.db into PostgreSQL (and back): same bytes either way."""
    first, second, third = tmp_path / "a.toml", tmp_path / "b.toml", tmp_path / "c.toml"
    assert cli("--db", db_url, "export", "toml", str(first)).code == 0
    other = str(tmp_path / "other.db")  # this backend -> SQLite
    assert cli("--db", other, "import", "toml", str(first)).code == 0
    assert cli("--db", other, "export", "toml", str(second)).code == 0
    assert first.read_bytes() == second.read_bytes()
    assert cli("--db", empty_url, "import", "toml", str(second)).code == 0  # SQLite -> this backend
    assert cli("--db", empty_url, "export", "toml", str(third)).code == 0
    assert third.read_bytes() == first.read_bytes()
    added = json.loads(cli("--db", empty_url, "actions", "add", "After the move", "--incident", "INC-1",
                           "--json").out)
    assert added["id"] == "ACT-14"  # new ids continue after the imported ones


def test_commands_load_no_orm_on_either_backend(db_url: str) -> None:
    """Listing and adding speak to the database directly (sqlite3, psycopg2): no SQLAlchemy, SQLModel or Alembic,
    which only a migration needs, and not psycopg 3, whose import alone costs more than a whole SQLite command."""
    import subprocess
    import sys

    code = (
        "from tracker.cli import main\n"
        f"assert main(['--db', {db_url!r}, 'actions', 'list', '--overdue']) == 0\n"
        f"assert main(['--db', {db_url!r}, 'actions', 'add', 'x', '--incident', 'INC-1']) == 0\n"
        f"assert main(['--db', {db_url!r}, 'incidents', 'list', '--limit', '2']) == 0\n"
        "import sys\nprint('MODULES', ' '.join(sorted(sys.modules)))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          cwd=Path(__file__).resolve().parents[2])
    assert done.returncode == 0, done.stderr
    loaded = set(done.stdout.split("MODULES", 1)[1].split())
    assert "tracker.core.actions" in loaded
    assert "psycopg2" in loaded if "://" in db_url else "sqlite3" in loaded
    assert "psycopg" not in loaded
    assert not {m for m in loaded if m.split(".")[0] in ("sqlalchemy", "sqlmodel", "alembic")}
