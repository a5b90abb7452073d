"""The command line, end to end on real database files: outputs, JSON keys, and bad input."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import fingerprint, run_process
from tracker.base.text import visible

ACTION_KEYS = ["id", "title", "kind", "owner", "priority", "status", "due", "incident", "root_cause", "version"]
INCIDENT_KEYS = ["id", "title", "severity", "status", "started_at", "resolved_at", "root_causes", "components"]


def test_first_run_creates_the_demo_and_says_so(cli, tmp_path: Path) -> None:
    result = cli()
    assert result.code == 0
    assert result.err.count("\n") == 1 and "demo" in result.err
    assert "5 incidents" in result.out
    assert (tmp_path / "actions.db").exists()
    again = cli()
    assert again.code == 0 and again.err == ""


def test_incidents_list_json_has_the_five_incidents_in_utc(cli) -> None:
    result = cli("incidents", "list", "--json")
    assert result.code == 0
    data = json.loads(result.out)
    assert [d["id"] for d in data] == ["INC-1", "INC-2", "INC-3", "INC-4", "INC-5"]
    for item in data:
        assert list(item)[: len(INCIDENT_KEYS)] == INCIDENT_KEYS
        assert item["started_at"].endswith("+00:00") and item["resolved_at"].endswith("+00:00")
    cooling = data[4]
    assert (cooling["started_at"], cooling["resolved_at"]) == ("2025-12-22T10:17:00+00:00",
                                                               "2025-12-22T13:40:00+00:00")
    assert {"slug": "cooling-failure", "role": "root"} in cooling["root_causes"]
    assert "CEP Core Services / Dashboard" in cooling["components"]
    iac = data[3]
    assert iac["started_at"] == "2025-08-14T10:10:00+00:00"  # 12:10 CEST
    kafka = data[2]
    assert kafka["started_at"] == "2024-11-07T16:40:00+00:00"  # 17:40 GMT+1


def test_rootcauses_list_shows_causes_and_their_incidents(cli) -> None:
    text = cli("rootcauses", "list")
    assert text.code == 0
    for slug in ("cooling-failure", "hosting-provider-outage", "iac-reimage", "kafka-migration", "stale-config"):
        assert slug in text.out
    line = next(line for line in text.out.splitlines() if line.startswith("message-queue-change"))
    assert "INC-1" in line and "INC-3" in line
    data = {d["slug"]: d for d in json.loads(cli("rootcauses", "list", "--json").out)}
    assert data["message-queue-change"]["incident_count"] == 2
    assert data["hosting-provider-outage"]["prevent_open"] == 0
    assert data["hosting-provider-outage"]["prevent_done"] == 0


def test_rootcause_show_warns_when_nothing_prevents_it(cli) -> None:
    result = cli("rootcauses", "show", "hosting-provider-outage")
    assert result.code == 0 and "no prevent action" in result.out


def test_actions_list_json_has_every_action_with_its_fields(cli) -> None:
    data = json.loads(cli("actions", "list", "--json").out)
    assert len(data) == 13
    for item in data:
        assert list(item)[: len(ACTION_KEYS)] == ACTION_KEYS
        assert item["id"].startswith("ACT-") and item["kind"] and item["status"] and item["due"]
    assert any(item["owner"] is None for item in data)
    overdue = json.loads(cli("actions", "list", "--overdue", "--json").out)
    assert overdue and all(item["overdue"] for item in overdue)


def test_add_show_update_round_trip(cli) -> None:
    added = json.loads(cli("actions", "add", "Write the colocation runbook", "--root-cause",
                           "single-host-blast-radius", "--owner", "sre-team", "--priority", "P1",
                           "--kind", "process", "--json").out)
    assert added["due"] == "2026-12-21"  # P1: its 28-day SLO from the fixed today
    key = added["id"]
    result = cli("actions", "update", key, "--status", "in_progress", "--due", "+1w", "--note", "started",
                 "--expect-version", "1", "--json")
    assert result.code == 0, result.err
    assert json.loads(result.out)["version"] == 2
    shown = json.loads(cli("actions", "show", key, "--json").out)
    assert [(h["field"], h["new"]) for h in shown["history"]] == [
        ("created", "Write the colocation runbook"),
        ("due", "2026-11-30"),
        ("status", "in_progress"),
    ] or [(h["field"], h["new"]) for h in shown["history"]][1:] == [("status", "in_progress"), ("due", "2026-11-30")]
    assert {h["actor"] for h in shown["history"]} == {"tester@example.com"}
    text = cli("actions", "show", key)
    assert "History" in text.out and "status: open -> in_progress" in text.out


def test_incidents_add_and_show(cli) -> None:
    added = cli("incidents", "add", "--title", "Queue lag [bold]x[/", "--started", "2026-11-20T08:00+01:00",
                "--severity", "sev2", "--json")
    assert added.code == 0, added.err
    data = json.loads(added.out)
    assert data["id"] == "INC-6" and data["started_at"] == "2026-11-20T07:00:00+00:00"
    assert data["title"] == "Queue lag [bold]x[/"
    shown = cli("incidents", "show", "INC-6")
    assert "Queue lag [bold]x[/" in shown.out


def test_actions_belong_somewhere(cli) -> None:
    result = cli("actions", "add", "Orphan")
    assert result.code == 1 and "--incident" in result.err


def test_user_identity_defaults_to_git_email(cli, monkeypatch: pytest.MonkeyPatch, isolate: Path) -> None:
    monkeypatch.delenv("TRACKER_USER")
    subprocess.run(["git", "config", "--global", "user.email", "oncall@example.org"], check=True)
    key = json.loads(cli("actions", "add", "x", "--incident", "INC-2", "--json").out)["id"]
    history = json.loads(cli("actions", "show", key, "--json").out)["history"]
    assert history[0]["actor"] == "oncall@example.org"


# -- bad input: one line naming the value, exit 1, nothing changed ---------------------------

BAD = [
    (["actions", "add", "   ", "--incident", "INC-1"], "title is empty"),
    (["actions", "add", "", "--incident", "INC-1"], "title is empty"),
    (["actions", "add", "x" * 10_000, "--incident", "INC-1"], "too long"),
    (["actions", "add", "tab\there", "--incident", "INC-1"], "control character"),
    (["actions", "show", "ACT-999"], "no action ACT-999"),
    (["actions", "update", "ACT-999", "--owner", "x"], "no action ACT-999"),
    (["incidents", "show", "INC-x"], "bad key 'INC-x'"),
    (["incidents", "show", "INC-42"], "no incident INC-42"),
    (["actions", "add", "x", "--incident", "INC-x"], "bad key 'INC-x'"),
    (["actions", "add", "x", "--incident", "INC-1", "--due", "2026-02-30"], "'2026-02-30'"),
    (["actions", "add", "x", "--incident", "INC-1", "--due", "next week"], "'next week'"),
    (["actions", "update", "ACT-1", "--due", "2026-13-01"], "'2026-13-01'"),
    (["actions", "update", "ACT-1", "--status", "finished"], "unknown status 'finished'"),
    (["actions", "list", "--status", "finished"], "unknown status 'finished'"),
    (["actions", "add", "x", "--incident", "INC-1", "--kind", "pray"], "unknown kind 'pray'"),
    (["actions", "add", "x", "--incident", "INC-1", "--priority", "P9"], "unknown priority 'P9'"),
    (["actions", "add", "x", "--root-cause", "gremlins"], "no root cause 'gremlins'"),
    (["actions", "add", "x", "--incident", "INC-1", "--owner=--oops"], "bad owner '--oops'"),
    (["actions", "update", "ACT-1", "--status", "blocked"], "needs a note"),
    (["actions", "update", "ACT-1", "--owner", "x", "--expect-version", "7"], "changed by someone else"),
    (["incidents", "add", "--title", "t", "--started", "yesterday"], "'yesterday'"),
    (["incidents", "add", "--title", "t", "--started", "2030-01-01T00:00Z"], "in the future"),
    (["incidents", "add", "--title", "t", "--started", "2026-01-01T00:00Z", "--severity", "SEV9"],
     "unknown severity 'SEV9'"),
    (["rootcauses", "show", "Not A Slug"], "bad root-cause slug"),
    (["actions", "list", "--sort", "random"], "unknown sort 'random'"),
]


@pytest.mark.parametrize(("args", "message"), BAD, ids=[" ".join(a)[:40] for a, _ in BAD])
def test_bad_input_is_one_line_exit_1_and_changes_nothing(cli, tmp_path: Path, args: list[str], message: str) -> None:
    assert cli("incidents", "list").code == 0  # creates the database
    before = fingerprint(tmp_path / "actions.db")
    result = cli(*args)
    assert result.code == 1, result
    assert result.err.startswith("tracker: error: ") and result.err.count("\n") == 1, result.err
    assert message in result.err
    assert len(result.err) < 400
    assert fingerprint(tmp_path / "actions.db") == before


@pytest.mark.parametrize(
    "text",
    ["[bold]x[/", "[0] {\"a\": [1]}", "emoji 🔥🧯 fine", "x" * 200, "‮rtl override"],
)
def test_odd_but_valid_titles_are_kept_literally(cli, text: str) -> None:
    result = cli("actions", "add", text, "--incident", "INC-1", "--json")
    assert result.code == 0, result.err
    key = json.loads(result.out)["id"]
    assert json.loads(cli("actions", "show", key, "--json").out)["title"] == text
    assert visible(text) in cli("actions", "show", key).out  # a bidi override shown as its escape, \u202e


def test_usage_errors_exit_2(cli) -> None:
    result = cli("actions", "frobnicate")
    assert result.code == 2 and "invalid choice" in result.err and "Traceback" not in result.err
    assert cli("--no-such-flag").code == 2


def test_db_that_is_a_directory(cli, tmp_path: Path) -> None:
    result = cli("--db", str(tmp_path), "actions", "list")
    assert result.code == 1 and "is a directory" in result.err and result.err.count("\n") == 1


def test_db_that_is_not_sqlite(cli, tmp_path: Path) -> None:
    path = tmp_path / "photo.jpg"
    path.write_bytes(b"\xff\xd8\xff\xe0" + os.urandom(2000))
    data = path.read_bytes()
    result = cli("--db", str(path), "actions", "list")
    assert result.code == 1 and "not a SQLite database" in result.err
    assert path.read_bytes() == data


def test_db_from_a_newer_schema(cli, tmp_path: Path) -> None:
    assert cli("incidents", "list").code == 0
    conn = sqlite3.connect(tmp_path / "actions.db")
    conn.execute("UPDATE alembic_version SET version_num = '0042_later'")
    conn.commit()
    conn.close()
    before = fingerprint(tmp_path / "actions.db")
    result = cli("actions", "list")
    assert result.code == 1 and "newer than this tracker" in result.err
    assert fingerprint(tmp_path / "actions.db") == before


def test_db_flag_after_the_command_and_env(cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert cli("init", "--empty", "--db", str(tmp_path / "e.db")).code == 0
    monkeypatch.setenv("TRACKER_DB", str(tmp_path / "e.db"))
    assert json.loads(cli("incidents", "list", "--json").out) == []


def test_db_unreadable_file(tmp_path: Path) -> None:
    """Permissions only bind an unprivileged user: as root, the check runs as ``nobody``.

    Listing needs nothing beyond the standard library, so the system interpreter can run it
    straight from the source tree as that user.
    """
    db = tmp_path / "locked.db"
    proc = run_process(["--db", str(db), "init", "--demo"], cwd=tmp_path)
    assert proc.wait(timeout=60) == 0
    db.chmod(0o000)
    python, kwargs, env = sys.executable, {}, {}
    if os.geteuid() == 0:
        source = Path(__file__).resolve().parents[2]
        python = "/usr/bin/python3"
        kwargs = {"user": "nobody", "group": "nogroup", "extra_groups": []}
        env = {"PYTHONPATH": str(source), "HOME": "/tmp"}
        try:
            probe = subprocess.run([python, "-c", "import sys, tracker.cli; assert sys.version_info >= (3, 11)"],
                                   capture_output=True, cwd="/", env=env, timeout=60, **kwargs)
        except OSError:
            probe = None
        if probe is None or probe.returncode != 0:
            pytest.skip("no interpreter an unprivileged user can run here")
        # Open the way down to the file (pytest's folders are private to root), not the file itself.
        for folder in [tmp_path, *tmp_path.parents]:
            if folder.stat().st_mode & 0o005 != 0o005:
                folder.chmod(folder.stat().st_mode | 0o005)
            if folder.name.startswith("pytest-of-"):
                break
    done = subprocess.run([python, "-m", "tracker", "--db", str(db), "actions", "list"], cwd="/",  # noqa: S603
                          capture_output=True, text=True, timeout=60, env={**os.environ, **env}, **kwargs)
    assert done.returncode == 1, done.stderr
    assert "permission denied (cannot read" in done.stderr and done.stderr.count("\n") == 1
    db.chmod(0o644)


def test_two_processes_from_the_same_version_one_wins(tmp_path: Path, db_path: Path) -> None:
    """Both load version 1 and update at once: one succeeds, the other is told, history has one change."""
    env = {"TRACKER_DB": str(db_path)}
    procs = [
        run_process(["actions", "update", "ACT-5", "--owner", owner, "--expect-version", "1"], tmp_path,
                    {**env, "TRACKER_USER": owner})
        for owner in ("alpha-team", "beta-team")
    ]
    results = [(p.wait(timeout=60), p.stdout.read(), p.stderr.read()) for p in procs]
    for p in procs:
        p.stdout.close()
        p.stderr.close()
    codes = sorted(code for code, _, _ in results)
    assert codes == [0, 1], results
    loser = next(err for code, _, err in results if code == 1)
    assert "changed by someone else" in loser and loser.count("\n") == 1
    conn = sqlite3.connect(db_path)
    owners = conn.execute("SELECT new_value FROM action_event WHERE action_id = 5 AND field = 'owner'").fetchall()
    version = conn.execute("SELECT version FROM action WHERE id = 5").fetchone()[0]
    conn.close()
    assert len(owners) == 1 and version == 2


def test_python_m_tracker_works(tmp_path: Path) -> None:
    proc = run_process(["--version"], tmp_path)
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0 and out.startswith("tracker ")


def test_console_script_is_installed() -> None:
    script = shutil.which("tracker") or str(Path(sys.executable).with_name("tracker"))
    done = subprocess.run([script, "--help"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "rootcauses" in done.stdout


def test_db_check(cli) -> None:
    cli("incidents", "list")
    result = cli("db", "check", "--json")
    assert result.code == 0 and json.loads(result.out)["ok"] is True
    assert cli("db", "upgrade").code == 0
