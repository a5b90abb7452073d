"""Runbook files: front matter, line endings, atomic saves, staleness; and the shipped runbooks."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from tracker.core.runbooks.files import (
    FrontMatter,
    FrontMatterError,
    parse_front_matter,
    read_runbook,
    render_front_matter,
    save_runbook,
    stale_reasons,
)

ROOT = Path(__file__).resolve().parents[2]
GOOD = '+++\ntitle = "T"\nowner = "o"\nroot_causes = ["a"]\nservices = []\nlast_reviewed = 2026-01-01\n' \
       'review_every_days = 30\n+++\nBody [bold] text\n'


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("no fence\n", "x.md line 1: a runbook starts with a line '+++'"),
        ("+++\ntitle = \"T\"\n", "x.md line 1: the front matter opened here is never closed"),
        ("+++\ntitle = \"T\"\nowner = \n+++\n", "x.md line 3: front matter is not valid TOML"),
        ("+++\ntitle = \"\"\n+++\n", "x.md line 2: 'title' must be a non-empty string"),
        ("+++\ntitle = \"T\"\nroot_causes = \"a\"\n+++\n", "x.md line 3: 'root_causes' must be a list of strings"),
        ("+++\ntitle = \"T\"\nlast_reviewed = \"2026-01-01\"\n+++\n", "x.md line 3: 'last_reviewed' must be a date"),
        ("+++\ntitle = \"T\"\nreview_every_days = 0\n+++\n", "x.md line 3: 'review_every_days' must be"),
    ],
)
def test_front_matter_errors_name_file_and_line(text: str, message: str) -> None:
    with pytest.raises(FrontMatterError) as info:
        parse_front_matter(text, "x.md")
    assert str(info.value).startswith(message)
    assert "\n" not in str(info.value)


def test_bom_and_crlf_are_accepted_and_body_kept() -> None:
    front, body = parse_front_matter("\ufeff" + GOOD.replace("\n", "\r\n"), "x.md")
    assert front.title == "T" and front.last_reviewed == date(2026, 1, 1)
    assert body == "Body [bold] text\r\n"


def test_render_round_trips_through_tomli_w() -> None:
    front, _ = parse_front_matter(GOOD, "x.md")
    again, body = parse_front_matter(render_front_matter(front) + "b", "x.md")
    assert again == front and body == "b"


def test_save_keeps_crlf_and_refuses_broken_front_matter(tmp_path: Path) -> None:
    folder = tmp_path / "runbooks"
    folder.mkdir()
    path = folder / "a.md"
    original = GOOD.replace("\n", "\r\n").encode()
    path.write_bytes(original)
    runbook = read_runbook(tmp_path, "runbooks/a.md")
    assert runbook.newline == "\r\n"
    edited = GOOD.replace("Body", "New body")  # a text widget hands back LF
    save_runbook(tmp_path, "runbooks/a.md", edited, runbook.newline)
    assert path.read_bytes() == edited.replace("\n", "\r\n").encode()
    before = path.read_bytes()
    with pytest.raises(FrontMatterError):
        save_runbook(tmp_path, "runbooks/a.md", "+++\ntitle = \n+++\n", runbook.newline)
    assert path.read_bytes() == before
    assert [p.name for p in folder.iterdir()] == ["a.md"]  # no temporary file left behind


@pytest.mark.date_sensitive
def test_staleness_rules() -> None:
    front = FrontMatter("T", root_causes=("kafka-migration",), last_reviewed=date(2026, 1, 1), review_every_days=30)
    assert stale_reasons(front, date(2026, 1, 31), date(2026, 1, 1), {}) == []
    assert stale_reasons(front, date(2026, 2, 1), date(2026, 1, 1), {}) == ["review overdue since 2026-01-31"]
    struck = stale_reasons(front, date(2026, 1, 5), date(2026, 1, 1), {"kafka-migration": date(2026, 1, 3)})
    assert struck == ["kafka-migration caused an incident on 2026-01-03, after this runbook last changed"]
    assert stale_reasons(front, date(2026, 1, 5), date(2026, 1, 4), {"kafka-migration": date(2026, 1, 3)}) == []


def test_shipped_runbooks_parse_and_cover_the_demo_causes() -> None:
    from tracker.core.demo import read_catalog

    slugs = {c["slug"] for c in read_catalog()["root_causes"]}
    covered: set[str] = set()
    paths = sorted((ROOT / "runbooks").glob("*.md"))
    assert len(paths) == 5
    for path in paths:
        runbook = read_runbook(ROOT, path.relative_to(ROOT).as_posix())
        assert set(runbook.front.root_causes) <= slugs
        assert runbook.front.owner and runbook.front.last_reviewed and runbook.front.review_every_days
        for section in ("## Symptoms", "## First checks", "## Mitigation", "## Verification", "## Escalation",
                        "## Follow-ups"):
            assert section in runbook.body, (path.name, section)
        covered |= set(runbook.front.root_causes)
    assert {"cooling-failure", "iac-reimage", "kafka-migration", "stale-config", "hosting-provider-outage"} <= covered


def test_a_save_sweeps_old_leftovers_of_killed_saves(tmp_path: Path) -> None:
    import os
    import time

    from tracker.core.runbooks.files import atomic_write

    target = tmp_path / "a.md"
    old = tmp_path / ".a.md.abc123.tmp"
    recent = tmp_path / ".a.md.def456.tmp"
    for leftover in (old, recent):
        leftover.write_text("half a save")
    past = time.time() - 3600
    os.utime(old, (past, past))
    atomic_write(target, b"new text")
    assert target.read_bytes() == b"new text"
    assert not old.exists() and recent.exists()  # a recent one may belong to a save still running


def test_save_refuses_a_file_changed_since_it_was_loaded(tmp_path: Path) -> None:
    from tracker.core.runbooks.files import RunbookChangedError, content_hash

    folder = tmp_path / "runbooks"
    folder.mkdir()
    path = folder / "a.md"
    path.write_bytes(GOOD.encode())
    loaded = content_hash(path.read_bytes())
    theirs = GOOD.replace("Body", "Their body").encode()
    path.write_bytes(theirs)  # another editor, a pull
    with pytest.raises(RunbookChangedError) as info:
        save_runbook(tmp_path, "runbooks/a.md", GOOD.replace("Body", "My body"), expected=loaded)
    assert info.value.theirs == theirs and info.value.theirs_hash == content_hash(theirs)
    assert "runbooks/a.md was changed on disk" in str(info.value)
    assert path.read_bytes() == theirs
    assert [p.name for p in folder.iterdir()] == ["a.md"]
    saved = save_runbook(tmp_path, "runbooks/a.md", GOOD.replace("Body", "My body"), expected=content_hash(theirs))
    assert path.read_bytes() == GOOD.replace("Body", "My body").encode() and saved == content_hash(path.read_bytes())


def test_save_compares_again_right_before_the_rename(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A change landing while the new text is being written to its temporary file is caught too."""
    import os

    from tracker.core.runbooks.files import RunbookChangedError, content_hash

    folder = tmp_path / "runbooks"
    folder.mkdir()
    path = folder / "a.md"
    path.write_bytes(GOOD.encode())
    loaded = content_hash(path.read_bytes())
    real_fsync = os.fsync

    def someone_writes_meanwhile(fd: int) -> None:
        real_fsync(fd)
        path.write_bytes(b"theirs, written during the save")

    monkeypatch.setattr(os, "fsync", someone_writes_meanwhile)
    with pytest.raises(RunbookChangedError):
        save_runbook(tmp_path, "runbooks/a.md", GOOD.replace("Body", "Mine"), expected=loaded)
    assert path.read_bytes() == b"theirs, written during the save"
    assert [p.name for p in folder.iterdir()] == ["a.md"]


def test_save_expecting_a_deleted_file(tmp_path: Path) -> None:
    from tracker.core.runbooks.files import ABSENT, RunbookChangedError, content_hash

    folder = tmp_path / "runbooks"
    folder.mkdir()
    path = folder / "a.md"
    path.write_bytes(GOOD.encode())
    loaded = content_hash(path.read_bytes())
    path.unlink()
    with pytest.raises(RunbookChangedError) as info:
        save_runbook(tmp_path, "runbooks/a.md", GOOD, expected=loaded)
    assert info.value.theirs is None and "was deleted" in str(info.value) and not path.exists()
    save_runbook(tmp_path, "runbooks/a.md", GOOD, expected=info.value.theirs_hash)
    assert info.value.theirs_hash == ABSENT and path.read_bytes() == GOOD.encode()


def test_keep_copy_writes_beside_never_over_and_is_not_indexed(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from tracker.core.runbooks.files import keep_copy, list_runbook_paths

    folder = tmp_path / "runbooks"
    folder.mkdir()
    (folder / "a.md").write_bytes(GOOD.encode())
    stamp = datetime(2026, 11, 23, 10, 15, 0, tzinfo=UTC)
    (folder / "a.md.mine-20261123-101500").write_bytes(b"an earlier copy")
    mine = "+++\ntitle = \n+++\nmy broken front matter\n"
    copy = keep_copy(tmp_path, "runbooks/a.md", mine, "\r\n", stamp)
    assert copy == "runbooks/a.md.mine-20261123-101500-2"
    assert (tmp_path / copy).read_bytes() == mine.replace("\n", "\r\n").encode()
    assert (folder / "a.md.mine-20261123-101500").read_bytes() == b"an earlier copy"
    assert (folder / "a.md").read_bytes() == GOOD.encode()
    assert list_runbook_paths(tmp_path, "runbooks") == ["runbooks/a.md"]
    assert not list(folder.glob(".*.tmp"))
