"""Every dialog of the incident and cause work is usable at 80x24: its primary button lies on screen, uncovered."""

from __future__ import annotations

from pathlib import Path

from textual.geometry import Region
from textual.widgets import Button, Input

from tests.functional.conftest import settle
from tracker.config import load_settings
from tracker.core.incidents.changes import IncidentChanges
from tracker.storage.database import Db
from tracker.tui.dialogs.action_form import ActionFormDialog
from tracker.tui.dialogs.cause_form import CauseFormDialog
from tracker.tui.dialogs.cause_link import CauseLinkDialog
from tracker.tui.dialogs.cause_pick import CausePickDialog
from tracker.tui.dialogs.cause_unlink import UnlinkDialog
from tracker.tui.dialogs.confirm import ConfirmDialog
from tracker.tui.dialogs.conflict import ConflictDialog
from tracker.tui.dialogs.incident_form import IncidentFormDialog
from tracker.tui.dialogs.incident_status import IncidentStatusDialog
from tracker.tui.dialogs.new_runbook import NewRunbookDialog
from tracker.tui.dialogs.timeline_entry import TimelineEntryDialog
from tracker.tui.store import Store

SMALL = (80, 24)


def primary_on_screen(screen, selector: str = "#form-save") -> str:  # type: ignore[no-untyped-def]
    """The primary button lies inside 80x24 and nothing covers it; returns the dialog's name."""
    button = screen.query_one(selector, Button)
    region = button.region
    assert region.area and Region(0, 0, *SMALL).contains_region(region), (type(screen).__name__, region)
    widget, _ = screen.get_widget_at(region.x + region.width // 2, region.y + region.height // 2)
    assert widget is button or button in widget.ancestors, (type(screen).__name__, widget)
    return type(screen).__name__


async def test_every_new_dialog_keeps_its_primary_button_on_an_80x24_screen(
    app_for, db_path: Path, tmp_path: Path
) -> None:
    checked: list[str] = []
    app = app_for(cwd=tmp_path)
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)

        async def press(*keys: str) -> None:
            await pilot.press(*keys)
            await settle(pilot)

        await press("n")
        assert isinstance(app.screen, IncidentFormDialog)
        checked.append(primary_on_screen(app.screen))
        await press("escape")

        app.open_incident("INC-3")
        await settle(pilot)
        for key, dialog in (("e", IncidentFormDialog), ("t", TimelineEntryDialog), ("u", UnlinkDialog),
                            ("n", ActionFormDialog), ("R", NewRunbookDialog)):
            await press(key)
            assert isinstance(app.screen, dialog), key
            checked.append(primary_on_screen(app.screen))
            await press("escape")

        await press("s")
        assert isinstance(app.screen, IncidentStatusDialog)
        checked.append(primary_on_screen(app.screen))
        await press("ctrl+s")  # closed is refused: what is missing is listed, and the buttons stay
        assert app.screen.query_one("#status-force", Button).display
        checked.append(primary_on_screen(app.screen))
        primary_on_screen(app.screen, "#status-force")
        await press("escape")

        await press("l")
        assert isinstance(app.screen, CauseLinkDialog)
        checked.append(primary_on_screen(app.screen))
        await press(*"nothing like this", "enter")  # "new cause…"
        assert isinstance(app.screen, CauseFormDialog)
        checked.append(primary_on_screen(app.screen))
        await press("escape")
        await press("escape")  # something typed in the filter: it asks first
        assert isinstance(app.screen, ConfirmDialog)
        checked.append(primary_on_screen(app.screen, "#confirm-yes"))
        await press("y")

        # Someone else changes the incident: the stale-write dialog.
        other = Store(Db.connect_sqlite(db_path), load_settings(db=str(db_path)), "someone@else")
        other.incidents.update(3, IncidentChanges(impact="Everything"), expected_version=app.screen.detail.row.version)
        other.close()
        await press("t", *"Still down", "enter")
        assert isinstance(app.screen, ConflictDialog)
        checked.append(primary_on_screen(app.screen, "#conflict-reload"))
        await press("m")
        await press("enter")  # saved on top of their version
        assert not isinstance(app.screen, TimelineEntryDialog)

        await press("2", "n")
        await pilot.press(*"Cooling failure on a server host")
        await press("ctrl+s")  # "did you mean ...?": the choices and the buttons all fit
        assert isinstance(app.screen, CauseFormDialog)
        checked.append(primary_on_screen(app.screen))
        primary_on_screen(app.screen, "#cause-use-0")
        await press("escape", "y")
        await press("e")
        checked.append(primary_on_screen(app.screen))
        await press("escape")
        app.screen.select("message-queue-change")
        await press("m")
        assert isinstance(app.screen, CausePickDialog)
        checked.append(primary_on_screen(app.screen))
        await press(*"kafka", "enter")
        assert isinstance(app.screen, ConfirmDialog)
        checked.append(primary_on_screen(app.screen, "#confirm-yes"))
        await press("n")
        await press("a")
        checked.append(primary_on_screen(app.screen))
        app.screen.query_one("#form-title", Input).value = "A title"
        await press("escape", "y")
    assert len(checked) == 17


async def test_every_other_dialog_keeps_its_primary_button_and_its_own_keys_on_an_80x24_screen(
    app_for, tmp_path: Path
) -> None:
    """The dialogs moved onto the form layout (issue 13, item 2): filters, import, commit, a question, yes/no,
    a conflict, a pull conflict, a runbook changed on disk, a runbook's headings."""
    from tracker.tui.dialogs.commit import CommitDialog
    from tracker.tui.dialogs.filters import FilterDialog
    from tracker.tui.dialogs.headings import HeadingsDialog
    from tracker.tui.dialogs.import_report import ImportDialog
    from tracker.tui.dialogs.prompt import PromptDialog
    from tracker.tui.dialogs.pull_conflict import PullConflictDialog
    from tracker.tui.dialogs.runbook_changed import RunbookChangedDialog
    from tracker.tui.widgets.footer import KeyHint, TrackerFooter

    app = app_for(cwd=tmp_path)
    checked: list[str] = []
    long = "a question long enough to wrap over several lines of an 80-column screen " * 6
    dialogs = [
        (FilterDialog, lambda: FilterDialog(app.screen.filter), "#form-save"),
        (ImportDialog, ImportDialog, "#form-save"),
        (CommitDialog, CommitDialog, "#form-save"),
        (PromptDialog, lambda: PromptDialog(long, "value"), "#form-save"),
        (ConfirmDialog, lambda: ConfirmDialog(long), "#confirm-yes"),
        (ConflictDialog, lambda: ConflictDialog(long), "#conflict-reload"),
        (PullConflictDialog, lambda: PullConflictDialog([f"runbooks/file-{n}.md" for n in range(30)]),
         "#pull-resolve"),
        (RunbookChangedDialog, lambda: RunbookChangedDialog("runbooks/a.md", "theirs\n" * 50, "mine\n" * 50),
         "#changed-copy"),
        (HeadingsDialog, lambda: HeadingsDialog([(n, 2, f"Heading {n}") for n in range(40)], 0), None),
    ]
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("3")
        await settle(pilot)
        for kind, make, primary in dialogs:
            app.push_screen(make())
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, kind)
            if primary is not None:
                checked.append(primary_on_screen(screen, primary))
            footer = screen.query_one(TrackerFooter)
            shown = [str(hint.render()) for hint in footer.query(KeyHint)]
            assert shown and not any(text.startswith(("f Filters", "n New")) for text in shown), shown
            if isinstance(screen, RunbookChangedDialog):
                await pilot.press("D")  # the diff opens: the buttons stay
                await settle(pilot)
                primary_on_screen(screen, "#changed-copy")
            await pilot.press("escape")
            await settle(pilot)
    assert len(checked) == 8
