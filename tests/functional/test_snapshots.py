"""A few SVG snapshots at a fixed size and a fixed "today" (regenerate on purpose only:
``pytest tests/functional/test_snapshots.py --snapshot-update``)."""

from __future__ import annotations

from tests.functional.conftest import settle

SNAPSHOT_SIZE = (120, 36)


def test_incident_detail(snap_compare, app_for) -> None:
    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        await settle(pilot)
        pilot.app.open_incident("INC-5")
        await settle(pilot)

    assert snap_compare(app_for(), terminal_size=SNAPSHOT_SIZE, run_before=run_before)


def test_actions_table_with_overdue_rows(snap_compare, app_for) -> None:
    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        await settle(pilot)

    assert snap_compare(app_for("actions"), terminal_size=SNAPSHOT_SIZE, run_before=run_before)


def test_root_cause_with_warnings(snap_compare, app_for) -> None:
    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        await settle(pilot)
        pilot.app.screen.select("hosting-provider-outage")
        await settle(pilot)

    assert snap_compare(app_for("causes"), terminal_size=SNAPSHOT_SIZE, run_before=run_before)
