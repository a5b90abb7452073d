"""``tracker export ics`` and ``tracker metrics`` end to end: files written whole, never over the database."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from icalendar import Calendar

from tests.conftest import file_digest

pytestmark = pytest.mark.date_sensitive


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(".") or p.suffix == ".tmp")


def test_ics_to_stdout_and_to_a_file(cli, db_path: Path, tmp_path: Path) -> None:
    shown = cli("--db", str(db_path), "export", "ics")
    assert shown.code == 0, shown.err
    assert len(Calendar.from_ical(shown.out).walk("VEVENT")) == 8
    result = cli("--db", str(db_path), "export", "ics", "-o", "actions.ics", "--owner", "sre-team")
    assert result.code == 0, result.err
    assert result.err == "Wrote actions.ics (3 open actions)\n" and result.out == ""
    calendar = Calendar.from_ical((tmp_path / "actions.ics").read_bytes())
    assert sorted(str(e["SUMMARY"])[:5] for e in calendar.walk("VEVENT")) == ["ACT-1", "ACT-5", "ACT-9"]
    assert leftovers(tmp_path) == []


def test_ics_refuses_to_replace_a_file_without_force(cli, db_path: Path, tmp_path: Path) -> None:
    target = tmp_path / "mine.ics"
    target.write_text("keep me")
    result = cli("--db", str(db_path), "export", "ics", "-o", str(target))
    assert result.code == 1 and result.err == f"tracker: error: {target}: already exists: give --force to replace it\n"
    assert target.read_text() == "keep me"
    forced = cli("--db", str(db_path), "export", "ics", "-o", str(target), "--force")
    assert forced.code == 0, forced.err
    assert target.read_bytes().startswith(b"BEGIN:VCALENDAR\r\n") and leftovers(tmp_path) == []


@pytest.mark.parametrize("suffix", ["", "-wal", "-shm"])
def test_ics_refuses_the_database_even_with_force(cli, db_path: Path, tmp_path: Path, suffix: str) -> None:
    assert cli("--db", str(db_path), "summary").code == 0  # the WAL files exist while it is open
    side = Path(f"{db_path}{suffix}")
    side.touch()
    before = file_digest(db_path)
    for name in (str(side), f"./{side.name}", f"../{db_path.parent.name}/{side.name}"):
        result = cli("--db", str(db_path), "export", "ics", "-o", name, "--force")
        assert result.code == 1 and "is the database" in result.err and result.err.count("\n") == 1
    assert file_digest(db_path) == before


def test_ics_refuses_a_hard_link_to_the_database(cli, db_path: Path, tmp_path: Path) -> None:
    os.link(db_path, tmp_path / "alias.ics")
    result = cli("--db", str(db_path), "export", "ics", "-o", "alias.ics", "--force")
    assert result.code == 1 and "is the database" in result.err


@pytest.mark.parametrize(("name", "says"), [(".", "is a directory"),
                                           ("nowhere/x.ics", "folder nowhere does not exist")])
def test_ics_bad_outputs_are_one_line(cli, db_path: Path, name: str, says: str) -> None:
    result = cli("--db", str(db_path), "export", "ics", "-o", name)
    assert result.code == 1 and says in result.err and result.err.count("\n") == 1 and result.out == ""


def test_everyday_commands_load_no_feed_library(tmp_path: Path) -> None:
    """icalendar, prometheus_client and textual-serve (aiohttp) load only in the commands that use them."""
    import subprocess
    import sys

    db = tmp_path / "a.db"
    subprocess.run([sys.executable, "-m", "tracker", "--db", str(db), "init", "--demo"], check=True, cwd=tmp_path,
                   capture_output=True)
    code = (f"from tracker.cli import main\n"
            f"main(['--db', {str(db)!r}, 'actions', 'list'])\nmain(['--db', {str(db)!r}, 'insights'])\n"
            f"main(['--db', {str(db)!r}, 'actions', 'next'])\n"
            "import sys\nprint('\\n'.join(sorted(sys.modules)))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=tmp_path)
    loaded = {m.split(".")[0] for m in done.stdout.split()}
    assert not loaded & {"icalendar", "prometheus_client", "textual_serve", "aiohttp", "urllib3", "sqlalchemy"}


def _families(text: str) -> dict[str, list]:
    from prometheus_client.parser import text_string_to_metric_families

    return {f.name: f.samples for f in text_string_to_metric_families(text)}


def test_metrics_to_stdout(cli, db_path: Path) -> None:
    result = cli("--db", str(db_path), "metrics")
    assert result.code == 0, result.err
    families = _families(result.out)
    assert sorted(families) == ["tracker_actions_breaching_slo", "tracker_actions_open", "tracker_actions_overdue",
                                "tracker_cause_incidents", "tracker_incidents", "tracker_runbooks_stale"]
    assert sum(s.value for s in families["tracker_actions_open"]) == 8  # the demo's open actions
    assert {s.labels["cause"]: s.value for s in families["tracker_cause_incidents"]}["message-queue-change"] == 2


def test_metrics_file_is_replaced_whole_on_every_run(cli, db_path: Path, tmp_path: Path) -> None:
    target = tmp_path / "tracker.prom"
    for _ in range(2):  # a cron job rewrites the same file: no --force needed
        result = cli("--db", str(db_path), "metrics", "-o", str(target))
        assert result.code == 0 and result.out == "" and result.err == "", result.err
        assert "tracker_actions_overdue" in _families(target.read_text())
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != "actions.db" and "actions.db" not in p.name) == [
        "tracker.prom"]
    other = cli("--db", str(db_path), "metrics", "-o", str(tmp_path / "tracker.txt"))
    assert other.code == 0 and "textfile collector reads only *.prom files" in other.err


def test_metrics_refuse_the_database(cli, db_path: Path) -> None:
    before = file_digest(db_path)
    result = cli("--db", str(db_path), "metrics", "-o", str(db_path))
    assert result.code == 1 and "is the database" in result.err and result.err.count("\n") == 1
    assert file_digest(db_path) == before


def test_metrics_unwritable_folder_is_one_line(cli, db_path: Path) -> None:
    # /proc takes no new files, even from root (tests run as root in CI, where permissions would not stop it).
    result = cli("--db", str(db_path), "metrics", "-o", "/proc/tracker.prom")
    assert result.code == 1 and result.err == "tracker: error: /proc/tracker.prom: cannot write (No such file or" \
        " directory)\n"
