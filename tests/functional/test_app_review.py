"""The weekly review in the app: the summary, the walk-through's decisions as events, the record."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from textual.widgets import Input

from tests.functional.conftest import SIZE, settle
from tests.gitfixtures import clone, git
from tracker.core.actions import action_history, get_action
from tracker.storage.database import Db
from tracker.tui.dialogs.confirm import ConfirmDialog
from tracker.tui.dialogs.prompt import PromptDialog
from tracker.tui.screens.review import ReviewScreen
from tracker.tui.screens.walkthrough import WalkthroughScreen
from tracker.tui.widgets.review_sections import RecurrenceTree, SectionTable

pytestmark = pytest.mark.date_sensitive


async def test_review_screen_shows_the_week(app_for) -> None:
    app = app_for("review")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ReviewScreen)
        assert "2026-W48" in screen.sub_title
        gaps = screen.query_one("#section-causes_without_prevent", SectionTable).rows
        assert "hosting-provider-outage" in [g.slug for g in gaps]
        assert "message-queue-change" in [str(n.data.key) for n in screen.query_one(RecurrenceTree).root.children]
        await pilot.press("left_square_bracket")
        await settle(pilot)
        assert screen.review.week == "2026-W47" and "2026-W47" in screen.sub_title


async def test_walkthrough_decisions_land_as_events_and_the_record_is_written(app_for, db_path: Path,
                                                                              tmp_path: Path) -> None:
    app = app_for("review", cwd=tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("w")
        await settle(pilot)
        walk = app.screen
        assert isinstance(walk, WalkthroughScreen)
        first, second, third = (walk.items[i][0].action for i in range(3))
        await pilot.press("K")  # keep
        await settle(pilot)
        await pilot.press("s")  # reschedule
        await pilot.pause()
        assert isinstance(app.screen, PromptDialog)
        app.screen.query_one(Input).value = "+2w"
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("x")  # won't do, with a reason
        await pilot.pause()
        await pilot.press("enter")  # an empty reason is refused
        await pilot.pause()
        assert isinstance(app.screen, PromptDialog)
        app.screen.query_one(Input).value = "superseded by the new platform"
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("escape")  # finish early
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("y")
        await settle(pilot)
        assert any("not committed" in n.message for n in app._notifications)  # no git repository here
    with Db.connect_sqlite(db_path) as db:
        kept = action_history(db, first.id)[-1]
        assert (kept.field, kept.note) == ("note", "Review 2026-W48: kept as it is")
        moved = get_action(db, second.id)
        assert moved.due.isoformat() == "2026-12-07"
        assert action_history(db, second.id)[-1].note == "Review 2026-W48: rescheduled to 2026-12-07"
        dropped = get_action(db, third.id)
        assert dropped.status == "wont_do"
        assert action_history(db, third.id)[-1].note == "Review 2026-W48: won't do (superseded by the new platform)"
    report = tmp_path / "runbooks" / "reviews" / "2026-W48.md"
    text = report.read_text()
    front = tomllib.loads(text.split("+++\n")[1])
    assert front["week"] == "2026-W48" and front["counts"]["decisions"] == 3
    assert "superseded by the new platform" in text


async def test_record_is_committed_alone_with_refs(app_for, remote: Path, tmp_path: Path) -> None:
    work = clone(remote, tmp_path / "work")
    (work / "notes.txt").write_text("dirty and not ours to commit\n")
    app = app_for("review", cwd=work)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("w")
        await settle(pilot)
        await pilot.press("d")  # done
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
    assert git(work, "show", "--name-only", "--format=", "HEAD").split() == ["runbooks/reviews/2026-W48.md"]
    assert "Refs: ACT-" in git(work, "log", "-1", "--format=%B")
    assert "notes.txt" in git(work, "status", "--porcelain")
