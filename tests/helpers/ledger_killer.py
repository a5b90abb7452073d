"""A sync that dies by SIGKILL at one step (for tests/functional/test_ledger_faults.py).

``python -m tests.helpers.ledger_killer CLONE STEP``: runs the clone's ledger sync, killing itself
right after the named step of the sync has happened: ``fetch`` (the remote's ledger fetched),
``apply`` (fetched operations applied), ``commit`` (the commit written), ``push`` (the remote has it),
``move`` (the local ref moved), or ``lock`` (the lock taken, nothing else done).
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path
from typing import Any


def main(argv: list[str]) -> int:
    from tracker.config import Settings
    from tracker.repo import gitsync
    from tracker.repo.ledger import replica, sync
    from tracker.repo.ledger.service import TeamLedger

    clone, step = Path(argv[0]), argv[1]

    def die() -> None:
        os.kill(os.getpid(), signal.SIGKILL)

    targets = {"fetch": (gitsync, "fetch_ref"), "commit": (gitsync, "write_commit"), "push": (gitsync, "push_ref"),
               "move": (gitsync, "move_ref"), "apply": (replica.Replica, "apply_commit"),
               "lock": (sync.Syncer, "_run")}
    owner, name = targets[step]
    real = getattr(owner, name)

    def after(*args: Any, **kwargs: Any) -> Any:
        if step == "lock":
            die()
        result = real(*args, **kwargs)
        die()
        return result

    setattr(owner, name, after)
    TeamLedger(Settings(), "killed@example.com", clone).sync()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
