"""A database as the first release of the tracker left it (schema ``0001_initial``), holding the demo catalog."""

from __future__ import annotations

from pathlib import Path


def make_old_database(path: Path) -> None:
    """Build it at ``path`` through the real migrations, stopping at the first revision."""
    from tracker.core.demo import load_demo
    from tracker.storage.database import Db
    from tracker.storage.migrate import upgrade_url
    from tracker.storage.revisions import REVISIONS

    upgrade_url(str(path), REVISIONS[0])
    with Db.connect_sqlite(path) as db:
        load_demo(db)
