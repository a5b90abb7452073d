"""A worker that fails says so where its data would be, at 80x24; the screen stays usable and r reads again.

Each case makes one service method raise (an OSError, a RuntimeError: what a bug or a sick disk
raises, not the project's own errors), opens the screen that waits on it, then mends the service
and presses r.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Static

from tests.functional.conftest import settle
from tests.gitfixtures import clone
from tracker.tui.app import TrackerApp
from tracker.tui.screens.help import HelpScreen
from tracker.tui.services.actions import ActionService
from tracker.tui.services.causes import CauseService
from tracker.tui.services.git import GitService
from tracker.tui.services.incidents import IncidentService
from tracker.tui.services.review import ReviewService
from tracker.tui.services.runbooks import RunbookService
from tracker.tui.widgets.lazy_table import LazyTable

SMALL = (80, 24)


class Broken:
    """One service method that raises ``error`` until ``mend()``."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, owner: type, name: str, error: Exception) -> None:
        self.on = True
        original = getattr(owner, name)

        def method(*args: Any, **kwargs: Any) -> Any:
            if self.on:
                raise error
            return original(*args, **kwargs)

        monkeypatch.setattr(owner, name, method)

    def mend(self) -> None:
        self.on = False


def table_text(app: TrackerApp) -> str:
    table = app.screen.query_one(LazyTable)
    return "\n".join(table.render_line(y).text for y in range(table.size.height))


def static(selector: str) -> Callable[[TrackerApp], str]:
    return lambda app: str(app.screen.query_one(selector, Static).render())


@dataclass(frozen=True)
class Case:
    start: str
    owner: type
    method: str
    error: Exception
    shown: Callable[[TrackerApp], str]
    """What the screen shows where its data goes."""
    loaded: str
    """Text the screen shows once the data is read."""
    open: Callable[[TrackerApp], object] | None = None
    """How to reach the screen from ``start``."""
    git: bool = False
    """Needs the runbooks' git repository."""


def _open_diff(app: TrackerApp) -> None:
    from tracker.tui.screens.runbook_diff import RunbookDiffScreen

    app.push_screen(RunbookDiffScreen())


CASES = {
    "incidents-count": Case("incidents", IncidentService, "count", OSError(5, "Input/output error"), table_text,
                            "INC-5"),
    "incidents-page": Case("incidents", IncidentService, "page", RuntimeError("a bug [bold]"), table_text, "INC-5"),
    "actions-page": Case("actions", ActionService, "page", RuntimeError("a bug [bold]"), table_text, "ACT-"),
    "causes": Case("causes", CauseService, "with_runbooks", OSError(5, "Input/output error"),
                   static("#cause-text"), "Incidents ("),
    "incident-detail": Case("incidents", IncidentService, "get", RuntimeError("a bug [bold]"),
                            static("#incident-heading"), "INC-3", open=lambda app: app.open_incident("INC-3")),
    "action-detail": Case("actions", ActionService, "detail", OSError(5, "Input/output error"),
                          static("#action-heading"), "ACT-3", open=lambda app: app.open_action("ACT-3")),
    "action-commits": Case("actions", GitService, "commits_for", RuntimeError("a bug [bold]"),
                           static("#action-commits"), "No commit references", open=lambda app: app.open_action(3)),
    "review": Case("review", ReviewService, "week", RuntimeError("a bug [bold]"), static("#review-counts"),
                   "4 overdue"),
    "runbook-list": Case("runbooks", RunbookService, "rows", OSError(5, "Input/output error"),
                         static("#runbook-facts"), "Restart the gadget", git=True),
    "runbook-preview": Case("runbooks", RunbookService, "text", PermissionError(13, "Permission denied"),
                            static("#runbook-facts"), "Restart the gadget", git=True),
    "runbook-git": Case("runbooks", GitService, "overview", RuntimeError("a bug [bold]"), static("#runbook-git"),
                        "main", git=True),
    "runbook-diff": Case("runbooks", GitService, "diff", OSError(5, "Input/output error"), static("#diff-text"),
                         "No pending changes", open=_open_diff, git=True),
}


@pytest.mark.parametrize("name", list(CASES))
async def test_a_failed_load_says_so_and_r_reads_again(name: str, app_for, remote: Path, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    case = CASES[name]
    cwd = clone(remote, tmp_path / "work") if case.git else None
    broken = Broken(monkeypatch, case.owner, case.method, case.error)
    app = app_for(case.start, cwd=cwd)
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        if case.open is not None:
            case.open(app)
            await settle(pilot)
        screen = app.screen
        shown = case.shown(app)
        detail = f"{type(case.error).__name__}: {case.error}"
        assert f"could not load: {detail}" in shown and "(r to retry)" in shown, shown
        assert "Loading…" not in shown
        assert any(detail in n.message for n in app._notifications)
        await pilot.press("question_mark")  # the keys still work
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen
        broken.mend()
        await pilot.press("r")
        await settle(pilot)
        shown = case.shown(app)
        assert "could not load" not in shown and case.loaded in shown, shown


async def test_a_page_failing_further_down_stops_asking_until_r(app_for, db_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """Only the rows that could not be read say so; the table does not ask again on every redraw."""
    calls: list[int] = []
    original = ActionService.page

    def page(self: ActionService, filt: Any, sort: str, after: Any, offset: int, limit: int) -> Any:
        calls.append(offset)
        if offset:
            raise OSError(5, "Input/output error")
        return original(self, filt, sort, after, offset, limit)

    monkeypatch.setattr(ActionService, "page", page)
    app = app_for("actions")
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        table = app.screen.query_one(LazyTable)
        loader = table._loader
        assert loader is not None
        table.page_size = 5
        table.reset(table.total, loader)
        await settle(pilot)
        await pilot.press("end")
        await settle(pilot)
        lines = table_text(app).splitlines()
        assert sum("could not load: OSError" in line for line in lines) == 1
        asked = len(calls)
        await pilot.press("up", "up")
        await settle(pilot)
        assert len(calls) == asked
        monkeypatch.setattr(ActionService, "page", original)
        await pilot.press("r")
        await settle(pilot)
        assert "could not load" not in table_text(app)


async def test_a_failed_decision_in_the_walk_through_leaves_its_keys_working(app_for, db_path: Path,
                                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    from tracker.core.actions import action_history
    from tracker.storage.database import Db
    from tracker.tui.screens.walkthrough import WalkthroughScreen

    broken = Broken(monkeypatch, ActionService, "update", OSError(5, "Input/output error"))
    app = app_for("review")
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await pilot.press("w")
        await settle(pilot)
        walk = app.screen
        assert isinstance(walk, WalkthroughScreen)
        first = walk.current
        await pilot.press("enter")
        await settle(pilot)
        assert any("Input/output error" in n.message for n in app._notifications)
        assert walk.current.id == first.id
        broken.mend()
        await pilot.press("enter")  # the same key decides again
        await settle(pilot)
        assert walk.current.id != first.id
    with Db.connect_sqlite(db_path) as db:
        assert action_history(db, first.id)[-1].note.endswith(": kept as it is")


async def test_a_failed_count_keeps_the_first_rows_and_says_the_total_is_unknown(
        app_for, db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The actions list shows its first page before counting; a count that fails leaves the rows and says so."""
    from datetime import date

    from tracker.core.actions import add_action
    from tracker.storage.database import Db

    with Db.connect_sqlite(db_path) as db:  # more than a page: the total is counted after the first page
        for n in range(120):
            add_action(db, title=f"Filler {n}", actor="t", today=date(2026, 11, 23),
                       slo_days={"P1": 28, "P2": 56, "P3": 90}, incident="INC-1")
    broken = Broken(monkeypatch, ActionService, "count_up_to", OSError(5, "Input/output error"))
    app = app_for("actions")
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        assert "ACT-" in table_text(app)
        assert "could not count: r to retry" in app.screen.sub_title
        assert any("Input/output error" in n.message for n in app._notifications)
        broken.mend()
        await pilot.press("r")
        await settle(pilot)
        assert "could not count" not in app.screen.sub_title and "action" in app.screen.sub_title
