"""One stress worker: random edits to the same actions as the other workers, with reads between.

Run as ``python -m tests.helpers.stress_worker '<json>'`` from the repository root. The JSON holds
``url`` (a SQLite path or a SQLAlchemy URL), ``worker`` (its number), ``ids`` (the actions to edit),
``edits``, ``seed`` and ``go`` (a file whose appearance starts the edits, so every worker starts
together). It prints ``ready`` once connected, then one JSON line with its counts at the end.
"""

from __future__ import annotations

import json
import os
import random
import re
import sys
import time
import traceback
from datetime import date, timedelta
from pathlib import Path
from typing import Any

OWNERS = ("team-red", "team-blue", "team-green", "team-gold")
TODAY = date(2026, 11, 23)
_SUFFIX = re.compile(r" \(w\d+\.\d+\)$")


def connect(url: str) -> Any:
    from tracker.storage.database import Db

    return Db.connect_url(url) if "://" in url else Db.connect_sqlite(Path(url))


def pick_change(rng: random.Random, row: Any, worker: int, step: int) -> tuple[str, Any]:
    """One field and a new value that differs from the row's (so the update always changes something)."""
    from tracker.base.enums import ActionStatus, Priority

    field = rng.choice(("owner", "priority", "due", "status", "title"))
    if field == "owner":
        return field, rng.choice([o for o in OWNERS if o != row.owner])
    if field == "priority":
        return field, Priority(rng.choice([p for p in ("P1", "P2", "P3") if p != row.priority]))
    if field == "due":
        due = row.due
        while due == row.due:
            due = TODAY + timedelta(days=rng.randint(1, 365))
        return field, due
    if field == "status":
        return field, ActionStatus.OPEN if row.status != "open" else ActionStatus.IN_PROGRESS
    base = _SUFFIX.sub("", row.title)[:180]
    return field, f"{base} (w{worker}.{step})"


def work(url: str, worker: int, ids: list[int], edits: int, seed: int, go: str | None) -> dict[str, Any]:
    from tracker.base.errors import StaleWriteError
    from tracker.core.actions import (
        ActionChanges,
        ActionFilter,
        action_history,
        count_actions,
        get_action,
        page_actions,
        update_action,
    )

    rng = random.Random(seed)
    db = connect(url)
    print("ready", flush=True)
    if go:
        deadline = time.monotonic() + 120
        while not os.path.exists(go) and time.monotonic() < deadline:
            time.sleep(0.001)
    result: dict[str, Any] = {"worker": worker, "attempted": 0, "accepted": [], "stale": 0, "stale_as_deleted": 0,
                              "stale_messages": [], "errors": [], "reads": 0}
    started = time.perf_counter()
    for step in range(edits):
        action_id = rng.choice(ids)
        result["attempted"] += 1
        try:
            row = get_action(db, action_id)
            if rng.random() < 0.5:
                time.sleep(rng.uniform(0, 0.004))
            field, value = pick_change(rng, row, worker, step)
            saved = update_action(db, action_id, ActionChanges(**{field: value}), actor=f"stress-{worker}",
                                  expected_version=row.version)
            result["accepted"].append([action_id, saved.version, saved.updated_at.isoformat(), row.version])
        except StaleWriteError as error:
            result["stale"] += 1
            if error.current is None:
                result["stale_as_deleted"] += 1
                if len(result["stale_messages"]) < 3:
                    result["stale_messages"].append(str(error))
        except Exception as error:  # noqa: BLE001 - every other failure is counted and reported
            result["errors"].append(f"{type(error).__name__}: {error}")
        try:
            kind = step % 3
            if kind == 0:
                page_actions(db, ActionFilter(owner=rng.choice(OWNERS)), "due", limit=20)
            elif kind == 1:
                count_actions(db, ActionFilter(statuses=("open", "in_progress")))
            else:
                action_history(db, action_id)
            result["reads"] += 1
        except Exception as error:  # noqa: BLE001
            result["errors"].append(f"read {type(error).__name__}: {error}")
    result["seconds"] = time.perf_counter() - started
    result["retries"] = db.retries
    db.close()
    return result


def main(argv: list[str]) -> int:
    args = json.loads(argv[0])
    try:
        result = work(args["url"], args["worker"], args["ids"], args["edits"], args["seed"], args.get("go"))
    except Exception:  # noqa: BLE001 - the parent reports a crash with this text
        traceback.print_exc()
        return 3
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
