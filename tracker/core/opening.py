"""Opening the database as the entry points do: created on first run with the demo catalog, else as it is.

``tracker.storage.lifecycle`` does the work (create, recognise, upgrade, refuse); this module hands it
the demo loader, which lives up here in the domain layer.
"""

from __future__ import annotations

from tracker.storage.database import Db
from tracker.storage.lifecycle import Notify
from tracker.storage.lifecycle import init_database as _init
from tracker.storage.lifecycle import open_database as _open


def seed_demo(db: Db) -> str:
    """Fill a new database with the demo catalog; say what it holds."""
    from tracker.core.demo import load_demo  # only on a first run: commands open without loading it

    counts = load_demo(db)
    return f"the demo catalog ({counts['incidents']} incidents)"


def open_database(url: str, *, create: str | None = "demo", notify: Notify | None = None) -> Db:
    """Open the database at ``url``; a missing one is created (``demo`` or ``empty``), ``None`` refuses to."""
    return _open(url, create=create is not None, seed=seed_demo if create == "demo" else None, notify=notify)


def init_database(url: str, *, demo: bool, notify: Notify | None = None) -> Db:
    """Create a new database (with the demo catalog or empty); refuses to touch one that exists."""
    return _init(url, seed=seed_demo if demo else None, notify=notify)
