"""SVG snapshots of the weekly review and the insights, at 80x24 and 160x50, in both themes (regenerate on
purpose only: ``pytest tests/functional/test_snapshots_review.py --snapshot-update``, then look at each)."""

from __future__ import annotations

import pytest

from tests.functional.conftest import settle

pytestmark = pytest.mark.date_sensitive

SIZES = {"80x24": (80, 24), "160x50": (160, 50)}
THEMES = {"dark": "textual-dark", "light": "textual-light"}


@pytest.mark.parametrize("theme", THEMES)
@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("screen", ["review", "insights"])
def test_screen(snap_compare, app_for, screen: str, size: str, theme: str) -> None:
    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        await settle(pilot)
        pilot.app.theme = THEMES[theme]
        await settle(pilot)

    assert snap_compare(app_for(screen), terminal_size=SIZES[size], run_before=run_before)
