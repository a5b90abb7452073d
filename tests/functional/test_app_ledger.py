"""The team ledger in the app: its state in the title, S syncs everything, conflicts reach the review."""

from __future__ import annotations

from pathlib import Path

from tests.functional.conftest import settle
from tests.ledgerhelpers import make_clone
from tracker.config import load_settings
from tracker.core.actions import ActionChanges, get_action, update_action
from tracker.core.opening import open_database
from tracker.core.review import build_review
from tracker.tui.app import make_app
from tracker.tui.store import Store


async def test_sync_key_shares_changes_and_the_title_and_review_show_conflicts(remote: Path, tmp_path: Path) -> None:
    source = tmp_path / "actions.db"
    open_database(str(source), create="demo").close()
    ana = make_clone(remote, tmp_path / "ana", "ana@example.com")
    bob = make_clone(remote, tmp_path / "bob", "bob@example.com")
    ana.ledger.init(str(source))
    bob.sync()
    for clone in (ana, bob):
        db, _ = clone.open()
        with db:
            update_action(db, "ACT-1", ActionChanges(owner=clone.actor.split("@")[0]), actor=clone.actor)
    ana.sync()
    db, _ = bob.open()
    settings = load_settings(db=str(bob.ledger.path))._replace(refresh_seconds=0)
    app = make_app(Store(db, settings, bob.actor, cwd=bob.path), start="actions")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert app.title == "tracker · ledger ↑1 ↓0"  # Bob's change, not synced yet
        await pilot.press("S")
        await settle(pilot)
        assert "conflict" in app.title
        (conflict,) = app.store.ledger.conflicts()
        assert (conflict.label, conflict.field) == ("ACT-1", "owner")
        review = build_review(db, week="2026-W48", today=settings.today_date(), stale_days=14, runbooks=[])
        (item,) = review.sections["conflicts"]
        assert item.key == "ACT-1" and {v["value"] for v in item.values} == {"ana", "bob"}
        assert item.resolve == "tracker ledger resolve ACT-1 owner --pick N"
        picked = [v["value"] for v in item.values].index("ana") + 1
        assert app.store.ledger.settle("ACT-1", "owner", picked) == "ana"
        await pilot.press("S")
        await settle(pilot)
        assert app.title == "tracker · ledger ↑0 ↓0"
    ana.sync()
    for clone in (ana, bob):
        db, _ = clone.open()
        with db:
            assert get_action(db, "ACT-1").owner == "ana"
            assert build_review(db, week="2026-W48", today=settings.today_date(), stale_days=14,
                                runbooks=[]).counts["conflicts"] == 0
