"""Fixtures for driving the real app with Pilot on a real database file."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tracker.config import load_settings
from tracker.storage.database import Db
from tracker.tui.app import TrackerApp, make_app
from tracker.tui.store import Store

SIZE = (140, 44)


@pytest.fixture
def app_for(db_path: Path) -> Callable[..., TrackerApp]:
    """Build the app on the test's demo database (or another file), as ``tracker`` would."""

    def build(start: str = "incidents", path: Path | None = None, cwd: Path | None = None,
              refresh_seconds: int = 0) -> TrackerApp:
        target = path or db_path
        settings = load_settings(db=str(target))._replace(refresh_seconds=refresh_seconds)
        store = Store(Db.connect_sqlite(target), settings, "tester@example.com", cwd=cwd or db_path.parent)
        return make_app(store, start=start)

    return build


async def settle(pilot) -> None:  # type: ignore[no-untyped-def]
    """Let workers finish and their results land (a count starts a page load), and the footer rebuild."""
    from tracker.tui.widgets.footer import TrackerFooter

    for _ in range(3):
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
    for _ in range(50):
        await pilot.pause()
        if not any(f._rebuild_pending for f in pilot.app.screen.query(TrackerFooter)):
            break
    await pilot.pause()
