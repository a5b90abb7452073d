"""Hostile text from the database and from files, on every screen and in every text output.

Markup (``[bold]``) is shown literally; control characters (ESC sequences that clear the screen, OSC 8
links, C1 controls, NUL, bidi overrides) are shown as escapes (``tracker.base.text.visible``) and never
reach the terminal: not on the app's screens, not in the runbook preview or editor, not in the command
line's text output, the CSV and markdown exports or the review. JSON output stays exact.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Static

from tests.functional.conftest import SIZE, settle
from tracker.base.text import visible
from tracker.storage.database import Db
from tracker.tui.screens.action_detail import ActionScreen
from tracker.tui.screens.causes import CausesScreen
from tracker.tui.screens.incident_detail import IncidentScreen
from tracker.tui.widgets.lazy_table import LazyTable
from tracker.tui.widgets.reader import DocumentView

HOSTILE = [
    "[bold]x[/",
    "[0] {\"a\": [1]}",
    "[/]",
    "[link=file:///etc/passwd]click[/link]",
    "$accent [@click=app.quit]quit[/]",
    "\x1b[31mansi\x1b[0m",
    "‮rtl override",
    "emoji 🔥🧯 and tabs\tand\nnewlines",
    "clear \x1b[2J\x1b[H screen",
    "\x1b]8;;https://evil.example\x1b\\click me\x1b]8;;\x1b\\",
    "c1 \x9b31m csi",
    "nul \x00 and del \x7f",
]


def no_controls(text: str) -> bool:
    """Nothing in ``text`` that a terminal would act on: it is its own ``visible`` form (newlines and tabs aside)."""
    return visible(text, keep="\n\t") == text


def poison(path: Path, value: str) -> None:
    """Write ``value`` into every text field, as a database written by someone else might."""
    with Db.connect_sqlite(path) as db, db.write():
        for table, columns in {
            "incident": ("title", "summary", "impact", "customer_action", "source", "postmortem", "company"),
            "timeline_entry": ("label", "body"),
            "component": ("name",),
            "root_cause": ("title", "category", "description"),
            "incident_root_cause": ("note",),
            "action": ("title", "description", "owner", "runbook_path"),
            "action_event": ("actor", "old_value", "new_value", "note"),
        }.items():
            assignments = ", ".join(f"{c} = :v || {c}" if c == "name" else f"{c} = :v" for c in columns)
            db.execute(f"UPDATE {table} SET {assignments}", {"v": value})


def shown(screen) -> str:  # type: ignore[no-untyped-def]
    """Everything the screen's static widgets and lazy tables currently draw."""
    parts = [str(w.render()) for w in screen.query(Static)]
    for table in screen.query(LazyTable):
        parts += [table.render_line(y).text for y in range(table.size.height)]
    return "\n".join(parts)


@pytest.mark.parametrize("value", HOSTILE, ids=range(len(HOSTILE)))
async def test_every_screen_shows_hostile_text_literally(app_for, db_path: Path, value: str) -> None:
    poison(db_path, value)
    expected = visible(value.split("\n")[0].split("\t")[0])
    controls = not no_controls(value)  # then what the terminal gets is checked too (a screenshot is slow)
    app = app_for()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert expected in shown(app.screen)  # incidents list
        assert not controls or no_controls(app.export_screenshot())
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, IncidentScreen)
        assert expected in shown(app.screen)
        assert not controls or no_controls(app.export_screenshot())
        await pilot.press("escape", "2")
        await settle(pilot)
        assert isinstance(app.screen, CausesScreen)
        assert expected in shown(app.screen)
        assert not controls or no_controls(app.export_screenshot())
        await pilot.press("3")
        await settle(pilot)
        assert expected in shown(app.screen)
        assert not controls or no_controls(app.export_screenshot())
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ActionScreen)
        assert expected in shown(app.screen)
        assert not controls or no_controls(app.export_screenshot())
        await pilot.press("e")
        await settle(pilot)
        await pilot.press("escape")
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*(c for c in value[:12] if c.isprintable()))
        await pilot.pause(0.3)
        await pilot.press("escape")
        await pilot.press("question_mark")
        await pilot.pause()
        await pilot.press("escape")
        app.notify(value, markup=False)
        await pilot.pause()
        assert not controls or no_controls(app.export_screenshot())
        assert app.is_running


# -- the command line, the exports and the review -------------------------------------------------

TEXT_COMMANDS = [
    ["incidents", "list"], ["incidents", "show", "INC-5"], ["actions", "list"], ["actions", "show", "ACT-1"],
    ["rootcauses", "list"], ["rootcauses", "show", "cooling-failure"], ["summary"], ["review"],
    ["review", "--format", "md"], ["export", "md", "INC-5"], ["export", "csv", "actions"],
    ["actions", "update", "ACT-2", "--note", "touch"], ["actions", "list", "--status", "\x1b[2J"],
]
"""Commands printing text (or one-line errors) made of what the database holds."""


@pytest.mark.parametrize("value", [v for v in HOSTILE if not no_controls(v)], ids=repr)
def test_cli_text_output_shows_control_characters_as_escapes(cli, db_path: Path, value: str) -> None:
    import json

    poison(db_path, value)
    for args in TEXT_COMMANDS:
        result = cli("--db", str(db_path), *args)
        assert result.code in (0, 1) and "Traceback" not in result.err, (args, result.err)
        assert no_controls(result.out) and no_controls(result.err), (args, result.out[:300], result.err[:300])
    listed = cli("--db", str(db_path), "actions", "list").out
    assert visible(value.split("\n")[0].split("\t")[0]) in listed
    shown_json = json.loads(cli("--db", str(db_path), "actions", "show", "ACT-1", "--json").out)
    assert shown_json["title"] == value  # JSON stays exact: json escapes control characters itself
    for kind, args in (("md", ["export", "md", "INC-5", "-o"]), ("csv", ["export", "csv", "actions", "-o"])):
        target = db_path.parent / f"out.{kind}"
        assert cli("--db", str(db_path), *args, str(target)).code == 0
        assert no_controls(target.read_text())


def test_visible_shows_every_control_character_as_its_escape() -> None:
    """The one placeholder rule (documented in ``tracker.base.text.visible``)."""
    assert visible("a\x1b[2Jb") == "a\\x1b[2Jb"
    assert visible("\x00\x07\x7f\x9b\x85") == "\\x00\\x07\\x7f\\x9b\\x85"
    assert visible("\u202eevil\u2066") == "\\u202eevil\\u2066"
    assert visible("caf\udce9") == "caf\\udce9"
    assert visible("one\ntwo\tthree\r\nfour\rfive") == "one\\x0atwo\\x09three\\x0d\\x0afour\\x0dfive"
    assert visible("one\ntwo\tthree\r\nfour\rfive", keep="\n\t") == "one\ntwo\tthree\r\nfour\\x0dfive"
    assert visible("[bold]émoji 🔥 plain") == "[bold]émoji 🔥 plain"


@pytest.mark.parametrize("title", ["\x1b[2JOutage", "nul\x00 outage", "\x9b31m c1 outage"], ids=repr)
def test_status_page_import_summary_shows_no_raw_control_characters(cli, db_path: Path, tmp_path: Path,
                                                                    title: str) -> None:
    import json

    path = tmp_path / "report.json"
    path.write_text(json.dumps({"incidents": [{"name": title, "impact": "minor", "incident_updates": [
        {"status": "resolved", "body": "b\x1b[2J", "created_at": "2025-12-24T13:51:00Z"}]}]}))
    for args in ([], ["--dry-run"]):
        result = cli("--db", str(db_path), "import", "statuspage", str(path), *args)
        assert result.code == 0, result.err
        assert no_controls(result.out) and no_controls(result.err), (result.out, result.err)
        assert "Outage" in result.out or "outage" in result.out


# -- runbooks: the CLI, the app's preview and editor ----------------------------------------------

ESCAPES_BODY = "\nclear \x1b[2J\x1b[H here, \x1b]8;;https://evil.example\x1b\\a link\x1b]8;;\x1b\\, a C1 \x9b31m csi\n"


@pytest.fixture
def work(remote: Path, tmp_path: Path) -> Path:
    from tests.gitfixtures import RUNBOOK, clone

    folder = clone(remote, tmp_path / "work")
    (folder / "runbooks" / "widget.md").write_text(RUNBOOK + ESCAPES_BODY)
    (folder / "runbooks" / "bom.md").write_bytes(b"\xef\xbb\xbf" + RUNBOOK.replace("widget", "bom").encode())
    return folder


def test_cli_runbooks_show_their_text_with_escapes(cli, db_path: Path, work: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(work)
    assert cli("--db", str(db_path), "runbooks", "list").code == 0
    with Db.connect_sqlite(db_path) as db, db.write():  # an index row written by an older tracker
        db.execute("UPDATE runbook SET title = :t, owner = :t WHERE path = 'runbooks/gadget.md'",
                   {"t": "\x1b[2J\x1b]8;;x\x1b\\"})
    for args in (["runbooks", "list"], ["runbooks", "list", "--stale"], ["runbooks", "show", "runbooks/widget.md"],
                 ["runbooks", "status"]):
        result = cli("--db", str(db_path), *args)
        assert result.code == 0, result.err
        assert no_controls(result.out) and no_controls(result.err), (args, result.out)
    body = cli("--db", str(db_path), "runbooks", "show", "runbooks/widget.md").out
    assert "clear \\x1b[2J\\x1b[H here" in body and "\\x9b31m" in body


async def test_runbook_preview_and_editor_never_send_escapes_to_the_terminal(app_for, work: Path) -> None:
    from textual.widgets import DataTable, TextArea

    from tracker.tui.screens.runbook_edit import RunbookEditScreen

    before = (work / "runbooks" / "widget.md").read_bytes()
    app = app_for("runbooks", cwd=work)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = app.screen.query_one(DataTable)
        table.move_cursor(row=[str(k.value) for k in table.rows].index("runbooks/widget.md"))
        await settle(pilot)
        assert no_controls(app.export_screenshot())
        assert "clear \\x1b[2J" in app.screen.query_one("#runbook-preview", DocumentView).source
        await pilot.press("e")
        await settle(pilot)
        assert isinstance(app.screen, RunbookEditScreen)
        editor = app.screen.query_one(TextArea)
        assert "clear \\x1b[2J\\x1b[H here" in editor.text and editor.read_only
        assert no_controls(app.export_screenshot())
        await pilot.press("ctrl+s")
        await settle(pilot)
    assert (work / "runbooks" / "widget.md").read_bytes() == before  # the escapes were never written back


async def test_runbook_preview_hides_the_front_matter_after_a_bom(app_for, work: Path) -> None:
    from textual.widgets import DataTable

    app = app_for("runbooks", cwd=work)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = app.screen.query_one(DataTable)
        table.move_cursor(row=[str(k.value) for k in table.rows].index("runbooks/bom.md"))
        await settle(pilot)
        source = app.screen.query_one("#runbook-preview", DocumentView).source
        assert "+++" not in source and "review_every_days" not in source and "The bom is slow." in source


# -- the incident and taxonomy dialogs ---------------------------------------------------------

TYPED = ["[bold]x[/", "[0] {\"a\": [1]}", "\x1b[31mansi\x1b[0m"]
"""What a user may type (or paste) into the new forms: markup, brackets, an escape sequence."""


def drawn(screen) -> str:  # type: ignore[no-untyped-def]
    """Everything drawn in the screen's statics, labels, buttons and option lists."""
    from textual.widgets import Button, OptionList

    parts = [str(w.render()) for w in screen.query(Static) if w.display]
    parts += [str(b.label) for b in screen.query(Button)]
    for options in screen.query(OptionList):
        parts += [options.render_line(y).text for y in range(options.size.height)]
    return "\n".join(parts)


def visible_form(value: str) -> str:
    return visible(value, keep="\n\t")


@pytest.mark.parametrize("value", TYPED, ids=range(len(TYPED)))
async def test_incident_dialogs_show_stored_hostile_text_literally(app_for, db_path: Path, value: str) -> None:
    from textual.widgets import Input

    poison(db_path, value)
    with Db.connect_sqlite(db_path) as db, db.write():
        db.execute("INSERT INTO incident_event (incident_id, at, actor, field, old_value, new_value, note)"
                   " VALUES (1, '2026-11-23T09:00:00.000000+00:00', :v, 'title', :v, :v, :v)", {"v": value})
    seen = visible_form(value)
    app = app_for()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.open_incident("INC-1")
        await settle(pilot)
        screen = app.screen
        assert seen in str(screen.query_one("#incident-history", Static).render())
        assert seen in str(screen.query_one("#incident-timeline", Static).render())
        for key in ("l", "u"):  # the link picker and the unlink choice list the causes' titles
            await pilot.press(key)
            await settle(pilot)
            assert seen in drawn(app.screen), key
            await pilot.press("escape")
            await settle(pilot)
        for key in ("e", "s", "t", "n"):
            await pilot.press(key)
            await settle(pilot)
            assert app.screen is not screen, key
            if key == "e":
                assert app.screen.query_one("#incident-title", Input).value == value
            await pilot.press("escape")
            await settle(pilot)
            assert app.screen is screen, key
        await pilot.press("2")
        await settle(pilot)
        for key in ("m", "e", "R"):
            await pilot.press(key)
            await settle(pilot)
            if key == "m":
                assert seen in drawn(app.screen)
            await pilot.press("escape")
            await settle(pilot)
        assert app.is_running


@pytest.mark.parametrize("value", TYPED, ids=range(len(TYPED)))
async def test_hostile_text_typed_into_the_new_forms(app_for, db_path: Path, value: str) -> None:
    from textual.widgets import Input

    from tracker.tui.dialogs.cause_form import CauseFormDialog
    from tracker.tui.dialogs.incident_form import IncidentFormDialog
    from tracker.tui.dialogs.timeline_entry import TimelineEntryDialog

    refused = "\x1b" in value  # titles and timeline lines are text: a control character is refused, named
    app = app_for()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        app.screen.query_one("#incident-title", Input).value = value
        await pilot.press("ctrl+s")
        await settle(pilot)
        if refused:
            assert isinstance(app.screen, IncidentFormDialog)
            error = str(app.screen.query_one("#form-error", Static).render())
            assert "control character" in error and "[31mansi" in error
            app.screen.query_one("#incident-title", Input).value = "Plain title"
            await pilot.press("ctrl+s")
            await settle(pilot)
        else:
            assert value in str(app.screen.query_one("#incident-heading", Static).render())
        assert isinstance(app.screen, IncidentScreen)
        await pilot.press("t")
        await settle(pilot)
        app.screen.query_one("#timeline-text", Input).value = value
        await pilot.press("enter")
        await settle(pilot)
        if refused:
            assert isinstance(app.screen, TimelineEntryDialog)
            assert "[31mansi" in str(app.screen.query_one("#form-error", Static).render())
            await pilot.press("escape", "y")
            await settle(pilot)
        else:
            assert value in str(app.screen.query_one("#incident-timeline", Static).render())
            assert value in str(app.screen.query_one("#incident-history", Static).render())
        await pilot.press("2", "n")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, CauseFormDialog)
        form.query_one("#cause-title", Input).value = value
        form.query_one("#cause-slug", Input).value = "hostile-title"
        form.query_one("#cause-category", Input).value = value
        await pilot.press("ctrl+s")
        await settle(pilot)
        if refused:
            assert app.screen is form and "[31mansi" in str(form.query_one("#form-error", Static).render())
        else:
            assert isinstance(app.screen, CausesScreen)
            assert value in str(app.screen.query_one("#cause-text", Static).render())
        assert app.is_running
