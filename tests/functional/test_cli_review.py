"""``tracker review`` end to end: the three formats, bad weeks, the written record, and --commit in a real repo."""

from __future__ import annotations

import json
import sqlite3
import tomllib
from pathlib import Path

import pytest

from tests.gitfixtures import RUNBOOK, clone, git

pytestmark = pytest.mark.date_sensitive


def front_matter(text: str) -> dict:
    assert text.startswith("+++\n")
    return tomllib.loads(text.split("+++\n")[1])


def test_text_is_a_plain_summary(cli, db_path: Path) -> None:
    result = cli("--db", str(db_path), "review")
    assert result.code == 0, result.err
    out = result.out
    assert out.startswith("Weekly action review 2026-W48 (2026-11-23 to 2026-11-29")
    for heading in ("Overdue: 4", "Root causes with no prevent action: 3", "Recurring root causes: 2",
                    "Load per owner:", "Trend:", "Decisions: 0"):
        assert heading in out
    assert "hosting-provider-outage" in out and "\x1b[" not in out


def test_json_has_the_documented_keys(cli, db_path: Path) -> None:
    result = cli("--db", str(db_path), "review", "--format", "json", "--week", "2026-W48")
    assert result.code == 0, result.err
    data = json.loads(result.out)
    assert data["week"] == "2026-W48" and data["reference_day"] == "2026-11-23"
    assert "hosting-provider-outage" in [c["slug"] for c in data["coverage"]["causes_without_prevent"]]
    assert {"message-queue-change", "single-host-blast-radius"} <= {c["slug"] for c in data["recurrence"]}
    assert len(data["trend"]) == 12 and data["counts"]["overdue"] == 4


@pytest.mark.both_backends
def test_json_on_each_backend(cli, db_url: str) -> None:
    result = cli("--db", db_url, "review", "--format", "json")
    assert result.code == 0, result.err
    data = json.loads(result.out)
    assert data["counts"]["causes_without_prevent"] == 3 and data["counts"]["recurrence"] == 2
    assert [w["week"] for w in data["trend"]][-1] == "2026-W48"


def test_md_is_the_report_with_front_matter(cli, db_path: Path) -> None:
    result = cli("--db", str(db_path), "review", "--format", "md")
    assert result.code == 0, result.err
    front = front_matter(result.out)
    assert front["week"] == "2026-W48" and front["counts"]["stale_runbooks"] >= 0
    assert "## Coverage gaps" in result.out and "| action | title |" in result.out
    assert not (Path.cwd() / "runbooks").exists()  # printing writes nothing


@pytest.mark.parametrize("week", ["2026-W54", "2025-W53", "2026-53", "W12"])
def test_bad_week_is_one_line_exit_1(cli, db_path: Path, week: str) -> None:
    result = cli("--db", str(db_path), "review", "--week", week)
    assert result.code == 1 and result.out == ""
    assert result.err.count("\n") == 1 and repr(week) in result.err


def test_bad_week_changes_nothing(cli, tmp_path: Path) -> None:
    target = tmp_path / "never.db"
    assert cli("--db", str(target), "review", "--week", "2026-W54").code == 1
    assert not target.exists()


def test_write_twice_keeps_one_file(cli, db_path: Path, tmp_path: Path) -> None:
    first = cli("--db", str(db_path), "review", "--write", "--format", "json")
    assert first.code == 0, first.err
    assert "Wrote runbooks/reviews/2026-W48.md" in first.err
    report = tmp_path / "runbooks" / "reviews" / "2026-W48.md"
    counts = json.loads(first.out)["counts"]
    assert front_matter(report.read_text())["counts"] == counts
    second = cli("--db", str(db_path), "review", "--write")
    assert second.code == 0, second.err
    assert sorted(p.name for p in report.parent.iterdir()) == ["2026-W48.md"]
    assert front_matter(report.read_text())["counts"] == counts


def test_commit_records_only_the_review_with_refs(cli, remote: Path, tmp_path: Path, db_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    work = clone(remote, tmp_path / "clone")
    monkeypatch.setenv("TRACKER_DB", str(db_path))
    monkeypatch.chdir(work)
    assert cli("actions", "update", "ACT-6", "--owner", "sre-team", "--note", "Review 2026-W48: sre takes it").code == 0
    assert cli("actions", "update", "ACT-2", "--status", "wont_do", "--note", "Review 2026-W48: obsolete").code == 0
    assert cli("actions", "update", "ACT-5", "--priority", "P1", "--note", "raised in standup").code == 0
    with sqlite3.connect(db_path) as conn:  # the decisions happened during the review week
        conn.execute("UPDATE action_event SET at = '2026-11-23T15:00:00.000000+00:00' WHERE note LIKE 'Review%'")
    (work / "runbooks" / "widget.md").write_text(RUNBOOK + "\nhalf-done edit\n")
    (work / "runbooks" / "draft.md").write_text(RUNBOOK)
    monkeypatch.chdir(work)
    result = cli("review", "--commit")
    assert result.code == 0, result.err
    assert "Committed" in result.err and "Refs: ACT-2, ACT-6" in result.err
    assert git(work, "show", "--name-only", "--format=", "HEAD").split() == ["runbooks/reviews/2026-W48.md"]
    message = git(work, "log", "-1", "--format=%B")
    assert message.startswith("Weekly action review 2026-W48") and "Refs: ACT-2, ACT-6" in message
    status = git(work, "status", "--porcelain")
    assert " M runbooks/widget.md" in status and "?? runbooks/draft.md" in status and "reviews" not in status
    report = (work / "runbooks" / "reviews" / "2026-W48.md").read_text()
    assert front_matter(report)["counts"]["decisions"] == 2 and "Review 2026-W48: obsolete" in report


def test_commit_outside_a_repository_is_one_line(cli, db_path: Path, tmp_path: Path) -> None:
    result = cli("--db", str(db_path), "review", "--commit")
    assert result.code == 1 and result.err.count("\n") == 1
    assert not (tmp_path / "runbooks" / "reviews").exists()
