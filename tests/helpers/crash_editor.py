"""A child that edits actions in a loop until it is killed (for tests/functional/test_crash.py).

``python -m tests.helpers.crash_editor DB SEED``: prints ``ready`` once connected, then updates
random actions (one to three fields at a time, with the version it read) as fast as it can.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

from tests.helpers.stress_worker import pick_change


def main(argv: list[str]) -> int:
    from tracker.core.actions import ActionChanges, get_action, update_action
    from tracker.storage.database import Db

    path, seed = Path(argv[0]), int(argv[1])
    rng = random.Random(seed)
    db = Db.connect_sqlite(path)
    ids = [r[0] for r in db.rows("SELECT id FROM action ORDER BY id")]
    print("ready", flush=True)
    step = 0
    while True:
        step += 1
        action_id = rng.choice(ids)
        row = get_action(db, action_id)
        changes = dict(pick_change(rng, row, seed % 1000, step) for _ in range(rng.randint(1, 3)))
        update_action(db, action_id, ActionChanges(**changes), actor="crash-editor", expected_version=row.version,
                      note="burst" if rng.random() < 0.2 else "")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
