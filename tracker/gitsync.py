"""The only module that talks to git.

GitPython is imported lazily inside the functions that need it, so commands that never touch
git do not pay for it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

GIT_ENV = {
    "GIT_TERMINAL_PROMPT": "0",
    "GIT_ASKPASS": "",
    "SSH_ASKPASS": "",
    "GIT_SSH_COMMAND": "ssh -oBatchMode=yes",
}
"""Environment for every git call: no prompt may ever wait for a person."""


def configured_email(cwd: Path | None = None) -> str | None:
    """git's ``user.email`` for ``cwd`` (repository, then global config), or None."""
    git = shutil.which("git")
    if git is None:
        return None
    try:
        done = subprocess.run(
            [git, "config", "--get", "user.email"],
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=5,
            env={**os.environ, **GIT_ENV},
        )
    except (OSError, subprocess.SubprocessError):
        return None
    email = done.stdout.strip()
    return email or None
