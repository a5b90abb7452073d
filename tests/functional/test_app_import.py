"""Importing reports from the app: preview first, accept or drop, nothing saved before."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Input, Label, SelectionList, Static, TextArea

from tests.conftest import fingerprint
from tests.functional.conftest import SIZE, settle
from tracker.core.actions import ActionFilter, count_actions
from tracker.core.incidents import get_incident
from tracker.storage.database import Db
from tracker.tui.dialogs.import_report import ImportDialog
from tracker.tui.screens.incident_detail import IncidentScreen

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT.parent / "shared" / "seeds"
DATA = ROOT / "tests" / "data" / "statuspage"


@pytest.fixture
def empty_path(tmp_path: Path, _templates: dict[str, Path]) -> Path:
    import shutil

    path = tmp_path / "empty.db"
    shutil.copyfile(_templates["empty"], path)
    return path


@pytest.mark.skipif(not SEEDS.is_dir(), reason="the seed reports live in ../shared/seeds")
@pytest.mark.parametrize("seed", sorted(p.name for p in SEEDS.glob("*.txt")) if SEEDS.is_dir() else [])
async def test_each_seed_imports_from_the_app(app_for, empty_path: Path, seed: str) -> None:
    app = app_for(path=empty_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("i")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ImportDialog)
        dialog.query_one("#import-path", Input).value = str(SEEDS / seed)
        before = fingerprint(empty_path)
        await pilot.press("ctrl+s")  # before a preview: refused
        await pilot.pause()
        assert "Preview first" in str(dialog.query_one("#form-error", Static).render())
        assert fingerprint(empty_path) == before
        await pilot.press("ctrl+r")
        await settle(pilot)
        preview = str(dialog.query_one("#import-preview", Static).render())
        assert "Would create a new incident" in preview
        actions = dialog.query_one("#import-actions", SelectionList)
        proposed = actions.option_count
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, IncidentScreen)
    with Db.connect_sqlite(empty_path) as db:
        detail = get_incident(db, 1)
        assert detail.source == seed and detail.row.started_at is not None
        assert len(detail.actions) == proposed


async def test_paste_preview_then_choose(app_for, db_path: Path) -> None:
    report = (DATA / "maintenance.txt").read_text()
    app = app_for(path=db_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        before = fingerprint(db_path)
        await pilot.press("i")
        await pilot.pause()
        dialog = app.screen
        dialog.query_one("#import-text", TextArea).text = report
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert fingerprint(db_path) == before  # the preview wrote nothing
        await pilot.press("escape")
        await pilot.pause()
        assert fingerprint(db_path) == before


@pytest.mark.skipif(not SEEDS.is_dir(), reason="the seed reports live in ../shared/seeds")
async def test_drop_actions_and_accept_a_cause(app_for, empty_path: Path, tmp_path: Path) -> None:
    with Db.connect_sqlite(empty_path) as db, db.write():
        db.execute("INSERT INTO root_cause (slug, title, category, description)"
                   " VALUES ('cooling-failure', 'Cooling', 'hardware', '')")
    app = app_for(path=empty_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("i")
        await pilot.pause()
        dialog = app.screen
        dialog.query_one("#import-path", Input).value = str(SEEDS / "000_fbd976399da5316d.txt")
        await pilot.press("ctrl+r")
        await settle(pilot)
        causes = dialog.query_one("#import-causes", SelectionList)
        assert causes.option_count == 1 and not causes.selected
        causes.select_all()
        actions = dialog.query_one("#import-actions", SelectionList)
        assert actions.option_count == 4
        actions.deselect(0)
        actions.deselect(1)
        await pilot.press("ctrl+s")
        await settle(pilot)
    with Db.connect_sqlite(empty_path) as db:
        detail = get_incident(db, 1)
        assert [c.slug for c in detail.row.root_causes] == ["cooling-failure"]
        assert count_actions(db, ActionFilter(incident_id=1)) == 2


async def test_unreadable_path_says_so(app_for, tmp_path: Path) -> None:
    app = app_for()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("i")
        await pilot.pause()
        app.screen.query_one("#import-path", Input).value = str(tmp_path / "nope.txt")
        await pilot.press("ctrl+r")
        await settle(pilot)  # the file is read in the worker, off the event loop
        assert "cannot read" in str(app.screen.query_one("#form-error", Static).render())


def _label(dialog: ImportDialog, selector: str) -> str:
    return str(dialog.query_one(selector, Label).render())


@pytest.mark.skipif(not SEEDS.is_dir(), reason="the seed reports live in ../shared/seeds")
async def test_rows_say_their_state_in_text_and_space_turns_it_at_once(app_for, empty_path: Path) -> None:
    from tracker.tui.widgets.checklist import CheckList

    app = app_for(path=empty_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("i")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ImportDialog)
        dialog.query_one("#import-path", Input).value = str(SEEDS / "000_fbd976399da5316d.txt")
        await pilot.press("ctrl+r")
        await settle(pilot)
        actions = dialog.query_one("#import-actions", CheckList)
        assert actions.option_count == 4
        assert [actions.row_text(i)[:4] for i in range(4)] == ["[x] "] * 4
        actions.focus()
        actions.highlighted = 1
        await pilot.pause()
        await pilot.press("space")
        await pilot.pause()  # one refresh, no settling: the row changes with the key
        assert actions.row_text(1).startswith("[ ] ") and actions.selected == [0, 2, 3]
        # The mark is drawn on screen, not only kept in the widget.
        screen_text = "\n".join(line.text for line in actions.render_lines(actions.region.reset_offset))
        assert "[ ] " in screen_text and "[x] " in screen_text
        await pilot.press("ctrl+s")
        await settle(pilot)
    with Db.connect_sqlite(empty_path) as db:
        assert count_actions(db, ActionFilter(incident_id=1)) == 3


async def test_a_report_without_postmortem_actions_says_so(app_for, empty_path: Path) -> None:
    app = app_for(path=empty_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("i")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ImportDialog)
        dialog.query_one("#import-path", Input).value = str(DATA / "maintenance.txt")
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert _label(dialog, "#import-actions-label") == "No postmortem actions found in this report"
        assert not dialog.query_one("#import-actions", SelectionList).display


@pytest.mark.skipif(not SEEDS.is_dir(), reason="the seed reports live in ../shared/seeds")
async def test_the_dialog_previews_what_the_dry_run_prints(app_for, cli, empty_path: Path) -> None:
    """A re-import: the dialog shows the CLI's dry-run lines, the kept severity and the update target included."""
    seed = SEEDS / "000_fbd976399da5316d.txt"
    assert cli("--db", str(empty_path), "import", "statuspage", str(seed)).code == 0
    with Db.connect_sqlite(empty_path) as db, db.write():
        db.execute("UPDATE incident SET severity = 'SEV1', version = version + 1 WHERE id = 1")
    dry = cli("--db", str(empty_path), "import", "statuspage", str(seed), "--dry-run")
    assert dry.code == 0 and "Would update INC-1" in dry.out and "SEV1 (kept)" in dry.out
    app = app_for(path=empty_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("i")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ImportDialog)
        dialog.query_one("#import-path", Input).value = str(seed)
        await pilot.press("ctrl+r")
        await settle(pilot)
        preview = str(dialog.query_one("#import-preview", Static).render())
        assert preview.splitlines() == dry.out.splitlines()
        assert _label(dialog, "#import-actions-label") == (
            "Every proposed action of this report is already on the incident")
