"""Importing reports from the app: preview first, accept or drop, nothing saved before."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Input, SelectionList, Static, TextArea

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
        await pilot.press("ctrl+s")  # before a preview: refused
        await pilot.pause()
        assert "Preview first" in str(dialog.query_one("#form-error", Static).render())
        assert fingerprint(empty_path) == fingerprint(empty_path)
        await pilot.press("ctrl+r")
        await settle(pilot)
        preview = str(dialog.query_one("#import-preview", Static).render())
        assert "creates a new incident" in preview
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
