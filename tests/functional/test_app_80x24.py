"""Issue 13, "80x24 and the keyboard": one Pilot test per item, each driving the real app at 80x24."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from textual.widgets import Button, DataTable, Input, OptionList, Select, Static

from tests.functional.conftest import settle
from tracker.core.actions import action_history, get_action
from tracker.storage.database import Db
from tracker.tui.dialogs.action_form import ActionFormDialog
from tracker.tui.dialogs.confirm import ConfirmDialog
from tracker.tui.dialogs.filters import FilterDialog
from tracker.tui.dialogs.headings import HeadingsDialog
from tracker.tui.screens.action_detail import ActionScreen
from tracker.tui.screens.actions import ActionsScreen
from tracker.tui.screens.causes import CausesScreen
from tracker.tui.screens.help import HelpScreen
from tracker.tui.screens.review import ReviewScreen
from tracker.tui.screens.runbook_reader import RunbookReaderScreen
from tracker.tui.screens.runbooks import RunbooksScreen
from tracker.tui.widgets.footer import KeyHint, TrackerFooter
from tracker.tui.widgets.hanging import HangingText
from tracker.tui.widgets.lazy_table import LazyTable
from tracker.tui.widgets.reader import DocumentView

SMALL = (80, 24)
SHIPPED = Path(__file__).resolve().parents[2] / "runbooks"


@pytest.fixture
def shipped(tmp_path: Path) -> Path:
    """A folder holding the runbooks the project ships (no git: nothing in it changes from run to run)."""
    folder = tmp_path / "shipped"
    shutil.copytree(SHIPPED, folder / "runbooks")
    return folder


async def wait_for(pilot, condition, tries: int = 100) -> None:  # type: ignore[no-untyped-def]
    """Let the app run until ``condition()`` holds (the palette searches in a thread)."""
    for _ in range(tries):
        await pilot.pause()
        if condition():
            return
    raise AssertionError("the app never got there")


def footer_text(screen) -> str:  # type: ignore[no-untyped-def]
    return " | ".join(str(hint.render()) for hint in screen.query_one(TrackerFooter).query(KeyHint))


# -- 1. the runbook reader -------------------------------------------------------------------


async def test_1_enter_reads_a_runbook_full_screen_and_y_copies_its_first_command(app_for, shipped: Path) -> None:
    app = app_for("runbooks", cwd=shipped)
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, RunbooksScreen) and screen.has_class("-narrow")
        assert not screen.query_one("#runbook-preview-box").display  # no 20-column preview at 80x24
        table = screen.query_one(DataTable)
        table.move_cursor(row=[str(k.value) for k in table.rows].index("runbooks/kafka-cluster-migration.md"))
        await pilot.press("enter")
        await settle(pilot)
        reader = app.screen
        assert isinstance(reader, RunbookReaderScreen)
        view = reader.query_one(DocumentView)
        assert view.size.width == 80
        await pilot.press("right_square_bracket", "y")
        await settle(pilot)
        assert app.clipboard.startswith("kafka-metadata-quorum.sh --bootstrap-server <broker>:9092 describe --status\n")
        await pilot.press("Y")
        assert app.clipboard == "kafka-metadata-quorum.sh --bootstrap-server <broker>:9092 describe --status"
        # Long code lines wrap whole (never cut at the edge), or scroll sideways after W.
        code = [line.text for line in view.lines if line.kind == "code"]
        assert "".join(code).count("kafka-metadata-quorum.sh") >= 2 and all(len(t) <= 78 for t in code)
        await pilot.press("W")
        assert any(line.more for line in view.lines)
        await pilot.press("W")
        # Headings (t): type to narrow, enter jumps there.
        await pilot.press("t")
        await settle(pilot)
        assert isinstance(app.screen, HeadingsDialog)
        await pilot.press(*"mitig", "enter")
        await settle(pilot)
        assert app.screen is reader and view.lines[view.cursor].text.startswith("Mitigation")
        # Search (/), next (n), previous (N); g goes to the top.
        await pilot.press("g", "slash", *"quorum", "enter")
        first = view.cursor
        assert "quorum" in view.lines[first].text.lower()
        await pilot.press("n")
        assert view.cursor > first
        await pilot.press("N")
        assert view.cursor == first
        assert "y Copy code" in footer_text(reader)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, RunbooksScreen)


async def test_1_wide_runbooks_screen_keeps_its_preview_with_whole_commands(app_for, shipped: Path) -> None:
    app = app_for("runbooks", cwd=shipped)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = app.screen
        table = screen.query_one(DataTable)
        table.move_cursor(row=[str(k.value) for k in table.rows].index("runbooks/kafka-cluster-migration.md"))
        await settle(pilot)
        assert not screen.has_class("-narrow") and screen.query_one("#runbook-preview-box").display
        preview = screen.query_one("#runbook-preview", DocumentView)
        assert "--describe --under-replicated-partitions" in "".join(line.text for line in preview.lines)


# -- 2. dialogs fit 80x24 --------------------------------------------------------------------


async def test_2_filters_fit_and_enter_applies_them(app_for) -> None:
    app = app_for("actions")
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await pilot.press("f")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, FilterDialog)
        save = dialog.query_one("#form-save", Button)
        assert save.region.bottom <= 23 and save.region.area
        assert "^s Apply" in footer_text(dialog) and "Filters" not in footer_text(dialog)  # its own, as the button
        dialog.query_one("#filter-owner", Input).focus()
        await pilot.press(*"sre-team", "enter")
        await settle(pilot)
        assert isinstance(app.screen, ActionsScreen) and app.screen.filter.owner == "sre-team"


# -- 3. number keys and the palette ----------------------------------------------------------


async def test_3_number_keys_open_the_section_and_the_palette_uses_its_own_section(app_for) -> None:
    app = app_for("review")
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        app.jump_to_action("ACT-5")  # what choosing ACT-5 in the palette does
        await settle(pilot)
        assert isinstance(app.screen, ActionScreen) and app.current_mode == "actions"
        await pilot.press("5")
        await settle(pilot)
        assert isinstance(app.screen, ReviewScreen)  # the review, not ACT-5 again
        await pilot.press("3")
        await settle(pilot)
        assert isinstance(app.screen, ActionsScreen)  # the list, not ACT-5
        table = app.screen.query_one(LazyTable)
        await pilot.press("j", "j", "k")
        assert table.cursor_row == 1  # k is up in every list
        await pilot.press("G")
        assert table.cursor_row == table.total - 1
        await pilot.press("g")
        assert table.cursor_row == 0


# -- 4. forms keep labels and pre-filled text ------------------------------------------------


async def test_4_a_new_action_starts_with_the_incident_and_its_root_cause(app_for) -> None:
    app = app_for()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        app.open_incident("INC-5")  # two causes: cooling-failure (root), single-host-blast-radius
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, ActionFormDialog)
        assert form.query_one("#form-root-cause", Select).value == "cooling-failure"
        form.query_one("#form-status", Select).focus()
        await pilot.press("tab")  # onto the pre-filled incident
        await pilot.press("0")
        assert form.query_one("#form-incident", Input).value == "INC-50"  # typed after it, not over it
        incident = form.query_one("#form-incident", Input)
        label = form.query_one("#field-incident").query_one(".field-label")
        assert label.region.y == incident.region.y  # the label stays beside its field, scrolled or not


# -- 5. the causes screen --------------------------------------------------------------------


async def test_5_causes_move_with_j_k_sort_and_mark_recurrence(app_for) -> None:
    app = app_for("causes")
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, CausesScreen)
        table = screen.query_one(DataTable)
        assert [str(c.label) for c in table.columns.values()] == ["SLUG", "INC", "LAST SEEN", "PREVENT", "!"]
        first = screen.selected_slug()
        assert screen.causes[first][0].incident_count > 1  # most incidents first
        assert "↻" in str(table.get_row_at(0)[1])
        await pilot.press("j")
        assert screen.selected_slug() != first
        await pilot.press("k")
        assert screen.selected_slug() == first
        await pilot.press("s", "s", "s")  # incidents → last seen → fewest prevent → slug
        await settle(pilot)
        slugs = [str(table.get_row_at(i)[0]) for i in range(table.row_count)]
        assert slugs == sorted(slugs) and "sorted by slug" in str(screen.query_one("#causes-title", Static).render())
        row = screen.causes["single-host-blast-radius"][0]
        assert str(table.get_row_at(slugs.index(row.slug))[3]) == f"{row.prevent_open} open/{row.prevent_done} done"


# -- 6. the palette --------------------------------------------------------------------------


@pytest.mark.parametrize(("words", "expected", "also"), [
    ("config validation", ("runbook", "runbooks/restart-with-config-validation.md"), []),
    ("safe apply", ("runbook", "runbooks/safe-iac-apply.md"), []),
    ("host hypervisor", ("runbook", "runbooks/hypervisor-host-loss.md"), [("cause", "cooling-failure")]),
    ("kafka migration", ("cause", "kafka-migration"), [("runbook", "runbooks/kafka-cluster-migration.md")]),
    ("migration kafka", ("runbook", "runbooks/kafka-cluster-migration.md"), [("cause", "kafka-migration")]),
    ("edge-case kafka", ("cause", "kafka-migration"), []),
    ("escalation kafka", ("runbook", "runbooks/kafka-cluster-migration.md"), []),  # "Escalation": a heading
])
async def test_6_the_palette_finds_every_word_in_any_order(app_for, shipped: Path, words: str,
                                                          expected: tuple[str, str], also: list) -> None:
    app = app_for(cwd=shipped)
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        found = [(kind, key) for kind, key, _ in app.store.search(words, 15)]
        assert found[0] == expected, found
        assert all(hit in found for hit in also), found
        await pilot.press("ctrl+p")
        await pilot.press(*words)
        await wait_for(pilot, lambda: app.screen.query_one(OptionList).option_count > 0)
        await pilot.press("enter")
        await settle(pilot)
        if expected[0] == "runbook":
            assert isinstance(app.screen, RunbookReaderScreen) and app.screen.path == expected[1]
        else:
            assert isinstance(app.screen, CausesScreen) and app.screen.selected_slug() == expected[1]


# -- 7. confirmation and undo ----------------------------------------------------------------


async def test_7_done_asks_first_u_undoes_and_escape_asks_before_dropping_a_form(app_for, db_path: Path) -> None:
    app = app_for()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        app.open_action("ACT-8")  # in progress: a marks it done
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("n")
        await settle(pilot)
        await pilot.press("w", *"ana", "enter")  # a change to undo
        await settle(pilot)
        assert app.screen.row.owner == "ana"
        await pilot.press("u")
        await settle(pilot)
        assert app.screen.row.owner == "db-team"
        await pilot.press("e")
        await settle(pilot)
        await pilot.press(*" again")
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)  # something was typed: it asks
        await pilot.press("y")
        await settle(pilot)
        assert isinstance(app.screen, ActionScreen)
    with Db.connect_sqlite(db_path) as db:
        row = get_action(db, 8)
        history = action_history(db, 8)
    assert (row.status, row.owner) == ("in_progress", "db-team")
    assert history[-1].field == "owner" and history[-1].new_value == "db-team" and "undo" in history[-1].note


async def test_7_the_walkthrough_keeps_on_enter_not_k_and_undoes_its_last_decision(app_for, db_path: Path) -> None:
    from tracker.tui.screens.walkthrough import WalkthroughScreen

    app = app_for("review")
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await pilot.press("w")
        await settle(pilot)
        walk = app.screen
        assert isinstance(walk, WalkthroughScreen)
        first = walk.current
        await pilot.press("k")  # up, as in every list: never a decision
        await settle(pilot)
        assert walk.position == 0 and walk.decisions == []
        await pilot.press("d")  # done
        await settle(pilot)
        assert walk.position == 1 and len(walk.decisions) == 1
        await pilot.press("u")
        await settle(pilot)
        assert walk.position == 0 and walk.decisions == []
        assert walk.current.id == first.id and walk.current.status == first.status
        await pilot.press("enter")  # keep
        await settle(pilot)
        assert walk.position == 1 and walk.decisions[-1].endswith("kept as it is")
    with Db.connect_sqlite(db_path) as db:
        row = get_action(db, first.id)
        notes = [event.note for event in action_history(db, first.id)]
    assert row.status == first.status
    assert any(note == "Review 2026-W48: undo (done)" for note in notes)


# -- 8. tables and wrapped text --------------------------------------------------------------


async def test_8_titles_get_the_room_and_wrapped_lines_hang(app_for) -> None:
    app = app_for("actions")
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        table = app.screen.query_one(LazyTable)
        widths = dict(zip([c.title for c in table.columns], table._widths(table.size.width), strict=True))
        assert widths["KIND"] == 0 and widths["INCIDENT"] == 0  # left out below 100 columns
        assert widths["TITLE"] >= 24 and sum(w + 1 for w in widths.values() if w) - 1 <= table.size.width
        app.open_incident("INC-5")
        await settle(pilot)
        timeline = app.screen.query_one("#incident-timeline", HangingText)
        lines = str(timeline.render()).splitlines()
        body_start = lines[1].index("Detected")
        wrapped = [line for line in lines[1:] if not line.startswith("#")]
        assert wrapped and all(line[:body_start].strip() == "" for line in wrapped)


# -- 9. footer and help ----------------------------------------------------------------------


async def test_9_compact_footer_and_help_at_the_current_screen(app_for) -> None:
    app = app_for("actions")
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        footer = app.screen.query_one(TrackerFooter)
        hints = list(footer.query(KeyHint))
        assert str(hints[-1].render()) == "? Help"
        assert all(hint.region.right <= 80 for hint in hints)  # whole keys only, nothing cut
        assert str(hints[0].render()).startswith("⏎ Open")  # the screen's keys first
        assert not any(str(h.render()).startswith("3 ") for h in hints)
        await pilot.press("question_mark")
        await settle(pilot)
        help_screen = app.screen
        assert isinstance(help_screen, HelpScreen)
        text = str(help_screen.query_one("#help-text", Static).render())
        assert text.splitlines()[2].startswith("Actions")
        assert "^p" in text and "Palette" in text and "set-clipboard on" in text


# -- 10 is the command line: tests/functional/test_cli_terminal.py ---------------------------

