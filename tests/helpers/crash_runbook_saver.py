"""A child that saves one runbook over and over until it is killed (for tests/functional/test_crash.py).

``python -m tests.helpers.crash_runbook_saver ROOT RELATIVE TEXT_A TEXT_B``: reads the two full
texts from the files TEXT_A and TEXT_B, prints ``ready``, then saves them in turn with
``tracker.core.runbooks.save_runbook`` (the app's own save: checked, atomic).
"""

from __future__ import annotations

import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    from tracker.core.runbooks.files import save_runbook

    root, relative = Path(argv[0]), argv[1]
    texts = [Path(argv[2]).read_text(encoding="utf-8"), Path(argv[3]).read_text(encoding="utf-8")]
    print("ready", flush=True)
    turn = 0
    while True:
        turn += 1
        save_runbook(root, relative, texts[turn % 2])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
