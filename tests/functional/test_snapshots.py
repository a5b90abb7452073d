"""SVG snapshots of every screen and dialog at 80x24 and at 160x50, in the dark and the light theme, on the
demo catalog and the runbooks the project ships, with a fixed "today".

Regenerate on purpose only, and look at each one before accepting it:
``pytest tests/functional/test_snapshots.py --snapshot-update``.
"""

from __future__ import annotations

import shutil
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from tests.functional.conftest import settle
from tests.gitfixtures import git

SHIPPED = Path(__file__).resolve().parents[2] / "runbooks"
SIZES = {"80x24": (80, 24), "160x50": (160, 50)}
THEMES = {"dark": "textual-dark", "light": "textual-light"}
STAMP = "2026-11-20T10:00:00+00:00"


async def _keys(pilot: Any, *keys: str) -> None:
    for key in keys:
        await pilot.press(key)
        await settle(pilot)


def _review_commit(app: Any) -> Any:
    """The question the review asks when a walk-through ends, over a review that has finished loading (the
    walk-through's own reload behind it would make the picture depend on timing; the flow is tested by Pilot)."""
    from tracker.tui.dialogs.confirm import ConfirmDialog

    return ConfirmDialog("1 decision:\nACT-8: kept as it is\n\nWrite and commit the review?", "Write and commit",
                         "Not now")


def _push(make: Callable[[Any], Any]) -> Callable[[Any], Awaitable[None]]:
    async def run(pilot: Any) -> None:
        pilot.app.push_screen(make(pilot.app))
        await settle(pilot)
    return run


def _conflict(app: Any) -> Any:
    from tracker.tui.dialogs.conflict import ConflictDialog

    return ConflictDialog("ACT-8 was changed by someone else (you loaded version 2, it is now version 3).")


def _pull_conflict(app: Any) -> Any:
    from tracker.tui.dialogs.pull_conflict import PullConflictDialog

    return PullConflictDialog(["runbooks/kafka-cluster-migration.md", "runbooks/safe-iac-apply.md"])


def _changed(app: Any) -> Any:
    from tracker.tui.dialogs.runbook_changed import RunbookChangedDialog

    return RunbookChangedDialog("runbooks/safe-iac-apply.md", "theirs\n", "mine\n")


def _prompt(app: Any) -> Any:
    from tracker.tui.dialogs.prompt import PromptDialog

    return PromptDialog("Owner of ACT-8 (empty: nobody)", "db-team", label="Owner")


def _commit(app: Any) -> Any:
    from tracker.tui.dialogs.commit import CommitDialog

    return CommitDialog()


def _action_edit(app: Any) -> Any:
    from tracker.tui.dialogs.action_form import ActionFormDialog

    return ActionFormDialog(action=app.store.actions.get(8))


async def _incident(pilot: Any, *keys: str) -> None:
    pilot.app.open_incident("INC-5")
    await settle(pilot)
    await _keys(pilot, *keys)


async def _action(pilot: Any, *keys: str) -> None:
    pilot.app.open_action("ACT-8")
    await settle(pilot)
    await _keys(pilot, *keys)


async def _reader(pilot: Any, *keys: str) -> None:
    pilot.app.open_runbook("runbooks/kafka-cluster-migration.md", read=True)
    await settle(pilot)
    await _keys(pilot, *keys)


async def _cause(pilot: Any, *keys: str) -> None:
    pilot.app.open_cause("message-queue-change")
    await settle(pilot)
    await _keys(pilot, *keys)


TARGETS: dict[str, tuple[str, Callable[[Any], Awaitable[None]]]] = {
    # screens
    "incidents": ("incidents", lambda p: _keys(p)),
    "incident": ("incidents", lambda p: _incident(p)),
    "causes": ("causes", lambda p: _cause(p)),
    "actions": ("actions", lambda p: _keys(p)),
    "action": ("actions", lambda p: _action(p)),
    "runbooks": ("runbooks", lambda p: _keys(p, "j", "j")),
    "reader": ("runbooks", lambda p: _reader(p, "right_square_bracket")),
    "runbook-editor": ("runbooks", lambda p: _keys(p, "e")),
    "runbook-diff": ("runbooks", lambda p: _keys(p, "D")),
    "help": ("actions", lambda p: _keys(p, "question_mark")),
    "review": ("review", lambda p: _keys(p)),
    "walkthrough": ("review", lambda p: _keys(p, "w")),
    "insights": ("insights", lambda p: _keys(p)),
    # dialogs
    "new-incident": ("incidents", lambda p: _keys(p, "n")),
    "import": ("incidents", lambda p: _keys(p, "i")),
    "edit-incident": ("incidents", lambda p: _incident(p, "e")),
    "status": ("incidents", lambda p: _incident(p, "s")),
    "timeline": ("incidents", lambda p: _incident(p, "t")),
    "link-cause": ("incidents", lambda p: _incident(p, "l")),
    "unlink-cause": ("incidents", lambda p: _incident(p, "u")),
    "new-action": ("incidents", lambda p: _incident(p, "n")),
    "new-runbook": ("causes", lambda p: _cause(p, "R")),
    "new-cause": ("causes", lambda p: _keys(p, "n")),
    "edit-cause": ("causes", lambda p: _cause(p, "e")),
    "merge-cause": ("causes", lambda p: _cause(p, "m")),
    "filters": ("actions", lambda p: _keys(p, "f")),
    "edit-action": ("actions", _push(_action_edit)),
    "owner": ("actions", _push(_prompt)),
    "mark-done": ("actions", lambda p: _action(p, "a")),
    "review-commit": ("review", _push(_review_commit)),
    "conflict": ("actions", _push(_conflict)),
    "headings": ("runbooks", lambda p: _reader(p, "t")),
    "commit": ("runbooks", _push(_commit)),
    "pull-conflict": ("runbooks", _push(_pull_conflict)),
    "runbook-changed": ("runbooks", _push(_changed)),
}
"""Each screen or dialog: the screen the app starts on, and what brings it up."""


@pytest.fixture
def shipped(tmp_path: Path, identity: None, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The shipped runbooks in a git repository of their own, one of them changed since its commit, so the
    git status, the diff and the commit dialog show what they would at work (and no temporary path)."""
    folder = tmp_path / "shipped"
    shutil.copytree(SHIPPED, folder / "runbooks")
    monkeypatch.setenv("GIT_AUTHOR_DATE", STAMP)
    monkeypatch.setenv("GIT_COMMITTER_DATE", STAMP)
    git(folder, "init", "-q")
    git(folder, "add", "runbooks")
    git(folder, "commit", "-q", "-m", "Runbooks as shipped")
    changed = folder / "runbooks" / "safe-iac-apply.md"
    changed.write_text(changed.read_text() + "\n## After the apply\n\nWatch the error rate for ten minutes.\n")
    return folder


def _steady(app: Any) -> None:
    """Cursors that do not blink, so a snapshot does not depend on when it is taken."""
    from textual.widgets import Input, TextArea

    for widget in app.screen.query(Input):
        widget.cursor_blink = False
    for area in app.screen.query(TextArea):
        area.cursor_blink = False


DATED = {"review", "walkthrough", "insights"}
"""Screens made of weeks, due dates and ages: run again under a moved system clock in CI."""


@pytest.mark.parametrize("theme", list(THEMES))
@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("target", [pytest.param(t, marks=pytest.mark.date_sensitive) if t in DATED else t
                                    for t in TARGETS])
def test_snapshot(snap_compare, app_for, shipped: Path, db_path: Path, target: str, size: str, theme: str) -> None:
    start, bring_up = TARGETS[target]

    async def run_before(pilot: Any) -> None:
        await settle(pilot)
        await bring_up(pilot)
        _steady(pilot.app)
        await settle(pilot)

    app = app_for(start, cwd=shipped)
    app.theme = THEMES[theme]  # before it starts: one styling pass, not two
    assert snap_compare(app, terminal_size=SIZES[size], run_before=run_before)
