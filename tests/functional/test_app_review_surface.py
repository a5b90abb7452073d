"""The weekly review as a working surface: counts that jump, decisions on the highlighted action (with
undo), a new prevent action from a coverage gap, the recurrence tree, the decisions taken, any extra section."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Input, Static

from tests.functional.conftest import settle
from tracker.core.actions import action_history, get_action
from tracker.core.review import CauseItem
from tracker.storage.database import Db
from tracker.tui.dialogs.action_form import ActionFormDialog
from tracker.tui.dialogs.prompt import PromptDialog
from tracker.tui.messages import ReviewLoaded
from tracker.tui.screens.review import ReviewScreen
from tracker.tui.widgets.review_sections import ActionSection, GroupRow, RecurrenceTree, SectionTable

pytestmark = pytest.mark.date_sensitive

SMALL = (80, 24)


async def _review(pilot) -> ReviewScreen:  # type: ignore[no-untyped-def]
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, ReviewScreen) and screen.complete
    return screen


async def _first_action(pilot, screen: ReviewScreen, section: str = "overdue"):  # type: ignore[no-untyped-def]
    """Focus a section and put the cursor on its first action (below the owner's heading)."""
    await pilot.press(dict(overdue="O", stale="T", unowned="U")[section])
    await pilot.pause()
    table = screen.query_one(f"#section-{section}", ActionSection)
    assert screen.focused is table
    if isinstance(table.cursor_value, GroupRow):
        await pilot.press("j")
        await pilot.pause()
    return table.cursor_value.action


async def _answer(pilot, text: str) -> None:  # type: ignore[no-untyped-def]
    await pilot.pause()
    assert isinstance(pilot.app.screen, PromptDialog)
    pilot.app.screen.query_one(Input).value = text
    await pilot.press("enter")
    await settle(pilot)


async def test_each_decision_lands_as_a_review_event_and_undo_restores(app_for, db_path: Path) -> None:
    app = app_for("review")
    taken = []
    async with app.run_test(size=SMALL) as pilot:
        screen = await _review(pilot)
        for keys, answer, note in (
            ("K", None, "Review 2026-W48: kept as it is"),
            ("s", "2026-12-14", "Review 2026-W48: rescheduled to 2026-12-14"),
            ("o", "sre-team", "Review 2026-W48: reassigned to sre-team"),
            ("b", "waiting on the vendor", "Review 2026-W48: blocked (waiting on the vendor)"),
            ("n", "asked for an estimate", "Review 2026-W48: note (asked for an estimate)"),
            ("x", "superseded", "Review 2026-W48: won't do (superseded)"),
            ("d", None, "Review 2026-W48: done"),
        ):
            row = await _first_action(pilot, screen, "stale" if keys in ("x", "d") else "overdue")
            await pilot.press(keys)
            if answer is None:
                await settle(pilot)
            else:
                await _answer(pilot, answer)
            taken.append((row, note))
        done, _ = taken[-1]
        await pilot.press("u")  # undo the last decision: done
        await settle(pilot)
        decided = screen.query_one("#section-decisions", SectionTable)
        assert len(decided.rows) == screen.review.counts["decisions"] == 8
        assert {r.actor for r in decided.rows} == {"tester@example.com"}
        assert all(r.at is not None for r in decided.rows)
    with Db.connect_sqlite(db_path) as db:
        for row, note in taken[:-1]:
            assert note in [e.note for e in action_history(db, row.id)]
        assert get_action(db, taken[1][0].id).due.isoformat() == "2026-12-14"
        restored = get_action(db, done.id)
        assert restored.status == done.status and restored.completed_at is None
        history = action_history(db, done.id)
        assert [e.note for e in history[-2:]] == ["Review 2026-W48: done", "Review 2026-W48: undo (done)"]


async def test_undo_sets_back_a_reschedule_and_a_reassignment(app_for, db_path: Path) -> None:
    app = app_for("review")
    async with app.run_test(size=SMALL) as pilot:
        screen = await _review(pilot)
        row = await _first_action(pilot, screen)
        await pilot.press("s")
        await _answer(pilot, "+2w")
        row_after = get_action(Db.connect_sqlite(db_path), row.id)
        assert row_after.due != row.due
        await pilot.press("u")
        await settle(pilot)
        assert screen.undo_stack == []
    with Db.connect_sqlite(db_path) as db:
        assert get_action(db, row.id).due == row.due
        assert action_history(db, row.id)[-1].note == "Review 2026-W48: undo (rescheduled to 2026-12-07)"


async def test_counts_at_the_top_jump_to_their_sections_and_groups_fold(app_for) -> None:
    app = app_for("review")
    async with app.run_test(size=SMALL) as pilot:
        screen = await _review(pilot)
        counts = str(screen.query_one("#review-counts", Static).render())
        assert "4 overdue" in counts and "3 no prevent action" in counts and "2 recurring" in counts
        await pilot.press("C")
        await pilot.pause()
        assert screen.focused is screen.query_one("#section-causes_without_prevent")
        body = screen.query_one("#review-body")
        assert screen.query_one("#box-causes_without_prevent").region.y == body.region.y  # its title on top
        await pilot.press("R")
        await pilot.pause()
        tree = screen.focused
        assert isinstance(tree, RecurrenceTree)
        await pilot.press("j")  # the lists' keys move in the tree too
        line = tree.cursor_line
        await pilot.press("j")
        assert tree.cursor_line == line + 1
        await pilot.press("k")
        assert tree.cursor_line == line
        await pilot.press("O")
        await pilot.pause()
        table = screen.query_one("#section-overdue", ActionSection)
        await pilot.press("G")  # bottom, as in every list: it jumps nowhere else
        assert screen.focused is table and table.cursor_row == len(table.rows) - 1
        await pilot.press("g")
        before = len(table.rows)
        heading = table.cursor_value
        assert isinstance(heading, GroupRow) and not heading.folded
        await pilot.press("space")
        await pilot.pause()
        assert len(table.rows) == before - heading.shown and table.cursor_value.folded
        await pilot.press("space")
        await pilot.pause()
        assert len(table.rows) == before


def test_no_jump_key_is_taken_by_a_section_or_the_tree() -> None:
    from textual.binding import Binding

    from tracker.tui.screens.review import HEADLINE
    from tracker.tui.widgets.review_sections import GapSection

    jumps = {key for _, key, _, _ in HEADLINE}
    for widget in (ActionSection, GapSection, RecurrenceTree):
        keys = {key.strip() for cls in widget.__mro__ for b in vars(cls).get("BINDINGS", [])
                if isinstance(b, Binding) for key in b.key.split(",")}
        assert not jumps & keys, widget


async def test_a_gap_fixed_with_n_leaves_the_gap_list(app_for, db_path: Path) -> None:
    app = app_for("review")
    async with app.run_test(size=SMALL) as pilot:
        screen = await _review(pilot)
        await pilot.press("C")
        await pilot.pause()
        gaps = screen.query_one("#section-causes_without_prevent", SectionTable)
        cause = gaps.cursor_value
        assert isinstance(cause, CauseItem)
        await pilot.press("n")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, ActionFormDialog)
        form.query_one("#form-title", Input).value = f"Stop {cause.slug} from striking again"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ReviewScreen)
        assert cause.slug not in [r.slug for r in gaps.rows]
        assert screen.review.counts["causes_without_prevent"] == 2
    with Db.connect_sqlite(db_path) as db:
        made = db.row("SELECT a.kind FROM action a JOIN root_cause rc ON rc.id = a.root_cause_id"
                      " WHERE rc.slug = :s AND a.kind = 'prevent'", {"s": cause.slug})
        assert made is not None


async def test_recurrence_tree_shows_the_cause_its_incidents_and_actions(app_for) -> None:
    app = app_for("review")
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await _review(pilot)
        tree = screen.query_one(RecurrenceTree)
        causes = {str(n.data.key): n for n in tree.root.children if n.data is not None}
        queue = causes["message-queue-change"]
        incidents = [c for c in queue.children if c.data is not None and c.data.kind == "incident"]
        assert [c.data.key for c in incidents] == ["INC-1", "INC-3"]
        assert "2021-04-15" in str(incidents[0].label) and "SEV2" in str(incidents[0].label)
        assert any("no action against this cause" in str(c.label) for c in queue.children)
        labels = [str(leaf.label) for node in causes.values() for leaf in node.children]
        assert any(str(c.data.key).startswith("INC-") for c in incidents)
        assert labels


async def test_a_done_action_against_a_cause_that_came_back_is_marked(app_for, db_path: Path) -> None:
    from datetime import UTC, datetime

    with Db.connect_sqlite(db_path) as db, db.write():
        db.execute("UPDATE action SET status = 'done', completed_at = :at WHERE root_cause_id ="
                   " (SELECT id FROM root_cause WHERE slug = 'stale-config')",
                   {"at": datetime(2020, 1, 1, tzinfo=UTC)})
        db.execute("INSERT INTO incident_root_cause (incident_id, root_cause_id, role, note) SELECT 3, id,"
                   " 'contributing', '' FROM root_cause WHERE slug = 'stale-config'")
    app = app_for("review")
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await _review(pilot)
        tree = screen.query_one(RecurrenceTree)
        found = [str(leaf.label) for cause in tree.root.children for node in [cause, *cause.children]
                 for leaf in node.children if leaf.data is not None and leaf.data.kind == "action"]
        assert any("done, and it happened again" in label for label in found)


async def test_enter_opens_the_action_and_the_cause(app_for) -> None:
    from tracker.tui.screens.action_detail import ActionScreen
    from tracker.tui.screens.causes import CausesScreen

    app = app_for("review")
    async with app.run_test(size=SMALL) as pilot:
        screen = await _review(pilot)
        row = await _first_action(pilot, screen)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ActionScreen) and app.screen.key == row.id
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("C")
        await pilot.pause()
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, CausesScreen)


async def test_an_extra_section_is_shown_as_items_with_a_key(app_for) -> None:
    from typing import NamedTuple

    class Conflict(NamedTuple):
        key: str
        title: str

    app = app_for("review")
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await _review(pilot)
        review = screen.review
        review.sections["late_news"] = [Conflict("ACT-3", "owner changed on both sides [bold]x")]
        review.counts["late_news"] = 1
        screen.post_message(ReviewLoaded(review))
        await settle(pilot)
        table = screen.query_one("#section-late_news", SectionTable)
        assert [r.key for r in table.rows] == ["ACT-3"]
        assert "Late news (1)" in str(screen.query_one("#title-late_news", Static).render())
