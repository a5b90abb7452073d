"""The runbooks screen driven with Pilot on a real clone with a bare remote."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Button, DataTable, Input, SelectionList, Static, TextArea

from tests.functional.conftest import SIZE, settle
from tests.gitfixtures import RUNBOOK, clone, git
from tracker.core.actions import get_action
from tracker.storage.database import Db
from tracker.tui.dialogs.commit import CommitDialog
from tracker.tui.dialogs.confirm import ConfirmDialog
from tracker.tui.dialogs.pull_conflict import PullConflictDialog
from tracker.tui.dialogs.runbook_changed import RunbookChangedDialog
from tracker.tui.screens.action_detail import ActionScreen
from tracker.tui.screens.runbook_diff import RunbookDiffScreen
from tracker.tui.screens.runbook_edit import RunbookEditScreen
from tracker.tui.screens.runbook_reader import RunbookReaderScreen
from tracker.tui.screens.runbooks import RunbooksScreen
from tracker.tui.widgets.reader import DocumentView


@pytest.fixture
def work(remote: Path, tmp_path: Path) -> Path:
    return clone(remote, tmp_path / "work")


def cells(screen: RunbooksScreen) -> dict[str, list[str]]:
    table = screen.query_one(DataTable)
    return {str(key.value): [str(c) for c in table.get_row(key)] for key in table.rows}


def text_of(screen, selector: str) -> str:  # type: ignore[no-untyped-def]
    return str(screen.query_one(selector, Static).render())


async def test_list_git_state_and_preview(app_for, work: Path) -> None:
    (work / "runbooks" / "widget.md").write_text(RUNBOOK + "\nedited\n")
    (work / "runbooks" / "fresh.md").write_text(RUNBOOK.replace("Restart the widget", "Fresh one"))
    app = app_for("runbooks", cwd=work)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, RunbooksScreen)
        rows = cells(screen)
        assert rows["runbooks/widget.md"][1] == "modified"
        assert rows["runbooks/fresh.md"][1] == "untracked"
        assert rows["runbooks/gadget.md"][1] == ""
        assert "main" in text_of(screen, "#runbook-git") and "origin/main" in text_of(screen, "#runbook-git")
        assert "runbooks/fresh.md" in text_of(screen, "#runbook-facts")
        await pilot.press("slash", *"gadget")
        await settle(pilot)
        assert list(cells(screen)) == ["runbooks/gadget.md"]


async def test_edit_in_place_keeps_crlf(app_for, work: Path) -> None:
    path = work / "runbooks" / "widget.md"
    path.write_bytes(RUNBOOK.replace("\n", "\r\n").encode())
    git(work, "commit", "-q", "-am", "CRLF")
    app = app_for("runbooks", cwd=work)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.screen.query_one(DataTable).move_cursor(row=1)
        await pilot.press("e")
        await settle(pilot)
        editor_screen = app.screen
        assert isinstance(editor_screen, RunbookEditScreen)
        editor = editor_screen.query_one(TextArea)
        editor.text = editor.text.replace("The widget is slow.", "The widget is slow [bold] and odd.")
        await pilot.press("ctrl+s")
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, RunbooksScreen)
        assert cells(app.screen)["runbooks/widget.md"][1] == "modified"
    assert path.read_bytes() == RUNBOOK.replace("The widget is slow.", "The widget is slow [bold] and odd.") \
        .replace("\n", "\r\n").encode()


async def test_bad_front_matter_is_not_saved(app_for, work: Path) -> None:
    path = work / "runbooks" / "gadget.md"
    before = path.read_bytes()
    app = app_for("runbooks", cwd=work)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("e")
        await settle(pilot)
        app.screen.query_one(TextArea).text = "+++\ntitle = \n+++\nbody\n"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert any("line 2" in n.message for n in app._notifications)
        await pilot.press("escape")
        assert isinstance(app.screen, RunbookEditScreen)  # unsaved edits: a second escape is needed
        await pilot.press("escape")
    assert path.read_bytes() == before


async def test_diff_then_commit_with_closes(app_for, work: Path, db_path: Path) -> None:
    (work / "runbooks" / "widget.md").write_text(RUNBOOK + "\nNew step.\n")
    (work / "runbooks" / "gadget.md").write_text(RUNBOOK + "\nNot this one.\n")
    app = app_for("runbooks", cwd=work)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("D")
        await settle(pilot)
        assert isinstance(app.screen, RunbookDiffScreen)
        assert "+New step." in text_of(app.screen, "#diff-text")
        await pilot.press("c")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, CommitDialog)
        files = dialog.query_one(SelectionList)
        assert set(files.selected) == {"runbooks/widget.md", "runbooks/gadget.md"}
        files.deselect("runbooks/gadget.md")
        dialog.query_one("#commit-message", Input).value = "Add the new step"
        dialog.query_one("#commit-closes", Input).value = "ACT-9"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not isinstance(app.screen, CommitDialog)
        app.open_action("ACT-9")
        await settle(pilot)
        assert isinstance(app.screen, ActionScreen)
        assert "Add the new step" in text_of(app.screen, "#action-commits")
    assert git(work, "show", "--name-only", "--format=", "HEAD").split() == ["runbooks/widget.md"]
    with Db.connect_sqlite(db_path) as db:
        assert get_action(db, 9).status == "done"


async def test_commit_dialog_shows_the_secret_line(app_for, work: Path) -> None:
    (work / "runbooks" / "widget.md").write_text(RUNBOOK + "\naws AKIAIOSFODNN7EXAMPLE\n")
    app = app_for("runbooks", cwd=work)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("c")
        await settle(pilot)
        app.screen.query_one("#commit-message", Input).value = "oops"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, CommitDialog)
        line = RUNBOOK.count("\n") + 2
        assert f"runbooks/widget.md line {line}: looks like an AWS access key" in text_of(app.screen, "#form-error")
    assert git(work, "log", "--format=%s") == "Seed runbooks\n"


async def test_pull_conflict_abort_from_the_app(app_for, work: Path, remote: Path, tmp_path: Path) -> None:
    other = clone(remote, tmp_path / "other")
    (other / "runbooks" / "widget.md").write_text(RUNBOOK.replace("slow", "THEIRS"))
    git(other, "commit", "-q", "-am", "Theirs")
    git(other, "push", "-q")
    mine = RUNBOOK.replace("slow", "MINE")
    (work / "runbooks" / "widget.md").write_text(mine)
    git(work, "commit", "-q", "-am", "Mine")
    app = app_for("runbooks", cwd=work)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("B")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, PullConflictDialog) and dialog.files == ["runbooks/widget.md"]
        await pilot.press("a")
        await settle(pilot)
        assert isinstance(app.screen, RunbooksScreen)
    assert (work / "runbooks" / "widget.md").read_text() == mine
    assert git(work, "log", "-1", "--format=%s").strip() == "Mine"


async def test_pull_conflict_resolve_from_the_app(app_for, work: Path, remote: Path, tmp_path: Path) -> None:
    other = clone(remote, tmp_path / "other")
    (other / "runbooks" / "widget.md").write_text(RUNBOOK.replace("slow", "THEIRS"))
    git(other, "commit", "-q", "-am", "Theirs")
    git(other, "push", "-q")
    (work / "runbooks" / "widget.md").write_text(RUNBOOK.replace("slow", "MINE"))
    git(work, "commit", "-q", "-am", "Mine")
    app = app_for("runbooks", cwd=work)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("B")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        editor_screen = app.screen
        assert isinstance(editor_screen, RunbookEditScreen) and editor_screen.resolving
        assert "<<<<<<<" in editor_screen.query_one(TextArea).text
        editor_screen.query_one(TextArea).text = RUNBOOK.replace("slow", "MINE and THEIRS")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, RunbooksScreen)
    assert git(work, "log", "--format=%s", "-2").split("\n")[:2] == ["Mine", "Theirs"]
    assert "MINE and THEIRS" in (work / "runbooks" / "widget.md").read_text()


async def test_rejected_push_offers_pull_then_push(app_for, work: Path, remote: Path, tmp_path: Path) -> None:
    other = clone(remote, tmp_path / "other")
    (other / "runbooks" / "gadget.md").write_text(RUNBOOK + "\ntheirs\n")
    git(other, "commit", "-q", "-am", "Theirs")
    git(other, "push", "-q")
    (work / "runbooks" / "widget.md").write_text(RUNBOOK + "\nmine\n")
    git(work, "commit", "-q", "-am", "Mine")
    app = app_for("runbooks", cwd=work)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("P")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("y")
        await settle(pilot)
    assert git(remote, "log", "--format=%s", "main").split("\n")[:2] == ["Mine", "Theirs"]


async def test_large_runbook_does_not_freeze_the_app(app_for, work: Path) -> None:
    big = RUNBOOK + ("A line of a very long runbook with `code` and **bold**.\n" * 95_000)
    (work / "runbooks" / "huge.md").write_text(big)
    assert (work / "runbooks" / "huge.md").stat().st_size > 5_000_000
    app = app_for("runbooks", cwd=work)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        table = screen.query_one(DataTable)
        table.move_cursor(row=list(cells(screen)).index("runbooks/huge.md"))
        await settle(pilot)
        assert "Large runbook (5." in text_of(screen, "#runbook-facts")
        await pilot.press("down", "up")  # still responsive
        await pilot.press("enter")  # the reader shows its start
        await settle(pilot)
        reader = app.screen
        assert isinstance(reader, RunbookReaderScreen)
        assert "A line of a very long runbook" in reader.query_one(DocumentView).source
        assert "Large runbook (5." in reader.query_one(DocumentView).source


async def test_external_editor_without_a_terminal_says_so(app_for, work: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EDITOR", "true")
    app = app_for("runbooks", cwd=work)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("E")
        await settle(pilot)  # the runbook is read in a worker before the terminal is handed over
        assert any("cannot hand over to an editor" in n.message for n in app._notifications)


async def test_outside_a_repository_the_screen_still_works(app_for, tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    (plain / "runbooks").mkdir(parents=True)
    (plain / "runbooks" / "a.md").write_text(RUNBOOK)
    app = app_for("runbooks", cwd=plain)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "not inside a git repository" in text_of(app.screen, "#runbook-git")
        assert list(cells(app.screen)) == ["runbooks/a.md"]
        await pilot.press("c")
        await settle(pilot)
        assert "not inside a git repository" in text_of(app.screen, "#form-error")


async def test_a_stopped_pull_is_named_in_the_header(app_for, work: Path, remote: Path, tmp_path: Path) -> None:
    other = clone(remote, tmp_path / "other")
    (other / "runbooks" / "widget.md").write_text(RUNBOOK.replace("slow", "THEIRS"))
    git(other, "commit", "-q", "-am", "Theirs")
    git(other, "push", "-q")
    (work / "runbooks" / "widget.md").write_text(RUNBOOK.replace("slow", "MINE"))
    git(work, "commit", "-q", "-am", "Mine")
    app = app_for("runbooks", cwd=work)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("B")
        await settle(pilot)
        assert isinstance(app.screen, PullConflictDialog)
        await pilot.press("escape")
        await settle(pilot)
        header = text_of(app.screen, "#runbook-git")
        assert "main · pull in progress" in header and "detached" not in header, header
        await pilot.press("P")
        await settle(pilot)
        assert any("a pull is in progress" in str(n.message) for n in app._notifications)


# -- a runbook changed on disk while it was being edited ------------------------------------------


THEIRS = RUNBOOK.replace("The widget is slow.", "The widget is slow: THEIRS.")


async def edit_widget(app, pilot) -> RunbookEditScreen:  # type: ignore[no-untyped-def]
    """Open runbooks/widget.md in the app's editor and change a line in it (not saved)."""
    await settle(pilot)
    app.screen.query_one(DataTable).move_cursor(row=list(cells(app.screen)).index("runbooks/widget.md"))
    await pilot.press("e")
    await settle(pilot)
    editor = app.screen
    assert isinstance(editor, RunbookEditScreen)
    area = editor.query_one(TextArea)
    area.text = area.text.replace("The widget is slow.", "The widget is slow: MINE.")
    return editor


async def test_save_over_a_file_changed_on_disk_asks_and_overwrites_only_on_purpose(app_for, work: Path) -> None:
    path = work / "runbooks" / "widget.md"
    app = app_for("runbooks", cwd=work)
    async with app.run_test(size=(80, 24)) as pilot:
        editor = await edit_widget(app, pilot)
        mine = editor.query_one(TextArea).text
        path.write_text(THEIRS)  # another editor, a pull
        await pilot.press("ctrl+s")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, RunbookChangedDialog)
        assert path.read_text() == THEIRS
        await pilot.press("D")
        await settle(pilot)
        diff = text_of(dialog, "#changed-diff")
        assert "-The widget is slow: THEIRS." in diff and "+The widget is slow: MINE." in diff
        assert all(b.region.right <= 80 and b.region.bottom <= 24 for b in dialog.query(Button))  # fits 80x24
        await pilot.press("escape")  # back: nothing written, mine still in the editor
        await settle(pilot)
        assert app.screen is editor and editor.query_one(TextArea).text == mine
        assert path.read_text() == THEIRS
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, RunbookChangedDialog)
        await pilot.press("o")
        await settle(pilot)
        assert app.screen is editor and path.read_text() == mine
        area = editor.query_one(TextArea)
        area.text = area.text + "\nOne more line.\n"
        await pilot.press("ctrl+s")  # saved over what this editor wrote: no question
        await settle(pilot)
        assert app.screen is editor and path.read_text() == area.text
    assert sorted(p.name for p in path.parent.iterdir()) == ["gadget.md", "widget.md"]


async def test_reloading_theirs_drops_mine_only_after_yes(app_for, work: Path) -> None:
    path = work / "runbooks" / "widget.md"
    app = app_for("runbooks", cwd=work)
    async with app.run_test(size=(80, 24)) as pilot:
        editor = await edit_widget(app, pilot)
        mine = editor.query_one(TextArea).text
        path.write_text(THEIRS)
        await pilot.press("ctrl+s")
        await settle(pilot)
        await pilot.press("r")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("n")
        await settle(pilot)
        assert app.screen is editor and editor.query_one(TextArea).text == mine
        await pilot.press("ctrl+s")
        await settle(pilot)
        await pilot.press("r")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert app.screen is editor and editor.query_one(TextArea).text == THEIRS
        assert not editor.dirty
    assert path.read_text() == THEIRS
    assert sorted(p.name for p in path.parent.iterdir()) == ["gadget.md", "widget.md"]


async def test_keeping_mine_as_a_copy_writes_beside_and_is_not_a_runbook(app_for, work: Path) -> None:
    path = work / "runbooks" / "widget.md"
    app = app_for("runbooks", cwd=work)
    async with app.run_test(size=(80, 24)) as pilot:
        editor = await edit_widget(app, pilot)
        area = editor.query_one(TextArea)
        area.text = area.text.replace('title = "Restart the widget"', 'title = "Restart the widget, mine"')
        mine = area.text
        path.write_text(THEIRS)
        await pilot.press("ctrl+s")
        await settle(pilot)
        await pilot.press("c")
        await settle(pilot)
        assert app.screen is editor and editor.query_one(TextArea).text == THEIRS
        copies = list(path.parent.glob("widget.md.mine-*"))
        assert len(copies) == 1 and copies[0].read_text() == mine
        assert any(copies[0].name in n.message for n in app._notifications)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, RunbooksScreen)
        await pilot.press("r")
        await settle(pilot)
        assert sorted(cells(app.screen)) == ["runbooks/gadget.md", "runbooks/widget.md"]
    assert path.read_text() == THEIRS


def fake_editor(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, theirs: str | None = None,
                real: Path | None = None) -> Path:
    """$EDITOR as a script: it writes MINE into the file it is given (and, with ``theirs``, the real
    file changes meanwhile, as a pull would); returns where it records the path it was given."""
    import shlex
    import sys

    seen = tmp_path / "editor-was-given"
    script = tmp_path / "editor.py"
    script.write_text(
        "import pathlib, sys\n"
        "target = pathlib.Path(sys.argv[1])\n"
        f"pathlib.Path({str(seen)!r}).write_text(str(target))\n"
        "target.write_bytes(target.read_bytes().replace(b'The widget is slow.', b'The widget is slow: MINE.'))\n"
        + (f"pathlib.Path({str(real)!r}).write_text({theirs!r})\n" if theirs is not None else "")
    )
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.setenv("EDITOR", f"{shlex.quote(sys.executable)} {shlex.quote(str(script))}")
    return seen


def can_suspend(app, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    """The headless test driver cannot hand the terminal over; a real one can."""
    import contextlib

    monkeypatch.setattr(app, "suspend", contextlib.nullcontext)


async def test_external_editor_works_on_a_copy_then_saves_it(app_for, work: Path, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    path = work / "runbooks" / "widget.md"
    original = RUNBOOK.replace("\n", "\r\n").encode()
    path.write_bytes(original)
    seen = fake_editor(tmp_path, monkeypatch)
    app = app_for("runbooks", cwd=work)
    can_suspend(app, monkeypatch)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.screen.query_one(DataTable).move_cursor(row=list(cells(app.screen)).index("runbooks/widget.md"))
        await pilot.press("E")
        await settle(pilot)
        assert isinstance(app.screen, RunbooksScreen)
        assert cells(app.screen)["runbooks/widget.md"][1] == "modified"
    given = Path(seen.read_text())
    assert given.name == "widget.md" and given.resolve() != path.resolve()
    assert not given.parent.exists()  # the temporary copy is gone once saved
    assert path.read_bytes() == original.replace(b"The widget is slow.", b"The widget is slow: MINE.")


async def test_external_editor_does_not_write_over_a_change_made_meanwhile(app_for, work: Path, tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    path = work / "runbooks" / "widget.md"
    seen = fake_editor(tmp_path, monkeypatch, theirs=THEIRS, real=path)
    app = app_for("runbooks", cwd=work)
    can_suspend(app, monkeypatch)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.screen.query_one(DataTable).move_cursor(row=list(cells(app.screen)).index("runbooks/widget.md"))
        await pilot.press("E")
        await settle(pilot)
        assert isinstance(app.screen, RunbookChangedDialog)
        assert path.read_text() == THEIRS
        await pilot.press("r")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("n")  # not dropped: asked again
        await settle(pilot)
        assert isinstance(app.screen, RunbookChangedDialog)
        await pilot.press("escape")  # later: mine goes beside the runbook, not lost in a temporary folder
        await settle(pilot)
        assert isinstance(app.screen, RunbooksScreen)
        assert sorted(cells(app.screen)) == ["runbooks/gadget.md", "runbooks/widget.md"]
    copies = list(path.parent.glob("widget.md.mine-*"))
    assert len(copies) == 1 and copies[0].read_text() == RUNBOOK.replace("slow.", "slow: MINE.")
    assert path.read_text() == THEIRS
    assert not Path(seen.read_text()).parent.exists()
