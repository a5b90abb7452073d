"""Pages of a listing equal the same rows of the whole listing: word searches (common words walk the
listing and match it in batches on SQLite, rare ones go through the index), several statuses merged
from one index range each, keyset continuation; a stoppable count stops when asked."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from tests.conftest import TODAY
from tracker.config import load_settings
from tracker.core.actions import ActionFilter, iter_actions, page_actions
from tracker.core.actions.queries import WALK_BATCH
from tracker.core.actions.rows import SORTS
from tracker.storage.database import Db
from tracker.tui.services.shared import Shared

pytestmark = [pytest.mark.both_backends, pytest.mark.date_sensitive]

WORDS = ("Rotate", "rotate", "Canary", "queue depth", "Café", "naïve", "ledger", "Zürich", "dns-failover")


def fill(db: Db, count: int) -> None:
    """``count`` actions whose titles mix common and rare words (accents, hyphens, brackets included)."""
    rows = []
    for i in range(count):
        words = [WORDS[i % 3], WORDS[3 + i % 5] if i % 7 else WORDS[(i // 7) % len(WORDS)]]
        if i % 97 == 0:
            words.append("Zebra crossing [rare]")
        rows.append({"title": f"{' '.join(words)} #{i}", "description": "see the café runbook" if i % 11 == 0 else "",
                     "owner": f"team-{i % 5}" if i % 9 else None, "due": TODAY.toordinal() + (i % 41) - 20,
                     "status": ("open", "in_progress", "blocked", "proposed", "done", "wont_do")[i % 6]})
    with db.write():
        db.execute_many(
            "INSERT INTO action (title, description, kind, owner, priority, due_date, status, created_at, updated_at,"
            " incident_id, version) VALUES (:title, :description, 'prevent', :owner, 'P2', :due_date, :status,"
            " :stamp, :stamp, 1, 1)",
            [{**r, "due_date": TODAY.fromordinal(r["due"]), "stamp": "2026-11-01T09:00:00.000000+00:00"}
             for r in rows])


SEARCHES = ("r", "rot", "rotate", "ROTATE c", "queue", "queue dep", "cafe", "café", "naive", "zebra", "zebra cross",
            "rare", "dns failover", "nothing-like-this")
"""Short prefixes and common words (the walk), rare words (the index), accents and punctuation."""


def test_a_search_page_is_the_head_of_the_whole_search(db: Db) -> None:
    fill(db, 3 * WALK_BATCH)
    for text in SEARCHES:
        for overdue in (False, True):
            filt = ActionFilter(text=text, overdue=overdue, today=TODAY)
            whole = list(iter_actions(db, filt))
            first = page_actions(db, filt, limit=40)
            assert [r.id for r in first] == [r.id for r in whole[:40]], (text, overdue)
            if len(first) == 40:
                second = page_actions(db, filt, after=SORTS["due"].key(first[-1]), limit=40)
                assert [r.id for r in second] == [r.id for r in whole[40:80]], (text, overdue)


def test_a_page_over_several_statuses_is_the_head_of_the_listing(db: Db) -> None:
    fill(db, 3000)
    for sort in SORTS:
        for statuses in (("open", "blocked"), ("proposed", "open", "in_progress", "blocked"), ("done",)):
            filt = ActionFilter(statuses=statuses, owner="team-1", today=TODAY)
            whole = list(iter_actions(db, filt, sort=sort))
            assert len(whole) > 80
            assert [r.id for r in iter_actions(db, filt, sort=sort, limit=25)] == [r.id for r in whole[:25]]
            page = page_actions(db, filt, sort, offset=30, limit=25)
            assert [r.id for r in page] == [r.id for r in whole[30:55]]
            after = page_actions(db, filt, sort, after=SORTS[sort].key(whole[54]), limit=25)
            assert [r.id for r in after] == [r.id for r in whole[55:80]], (sort, statuses)


@pytest.mark.sqlite_only
def test_a_stoppable_job_stops_when_asked(db_path: Path) -> None:
    shared = Shared(Db.connect_sqlite(db_path), load_settings(db=str(db_path)), "tester@example.com")
    endless = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT COUNT(*) FROM n"
    failed: list[BaseException] = []

    def count() -> None:
        try:
            shared.run_stoppable(lambda db: db.scalar(endless))
        except BaseException as exc:  # noqa: BLE001 - the stop is what is expected
            failed.append(exc)

    worker = threading.Thread(target=count)
    worker.start()
    while not shared._stoppable_running:  # noqa: ASYNC110 - a plain thread, not a coroutine
        time.sleep(0.01)
    # Meanwhile the main connection serves other work at once.
    assert shared.run(lambda db: db.scalar("SELECT COUNT(*) FROM incident")) == 5
    shared.stop()
    worker.join(10)
    assert not worker.is_alive()
    assert failed and "interrupt" in str(failed[0])
    shared.close()
