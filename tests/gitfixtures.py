"""Real git for tests: an isolated identity and a bare remote with two runbooks."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tracker.repo import gitsync

RUNBOOK = """+++
title = "Restart the widget"
owner = "sre-team"
root_causes = ["stale-config"]
services = ["widget"]
last_reviewed = 2026-10-01
review_every_days = 90
+++

## Symptoms

The widget is slow.
"""


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True,
                          env={**os.environ, **gitsync.GIT_ENV})
    return done.stdout


@pytest.fixture
def identity(isolate: Path) -> None:
    git(isolate, "config", "--global", "user.name", "Ana Oncall")
    git(isolate, "config", "--global", "user.email", "ana@example.com")
    git(isolate, "config", "--global", "init.defaultBranch", "main")


@pytest.fixture
def remote(tmp_path: Path, identity: None) -> Path:
    """A bare remote holding one commit with two runbooks."""
    bare = tmp_path / "remote.git"
    git(tmp_path, "init", "--bare", "-q", str(bare))
    seed = tmp_path / "seed"
    git(tmp_path, "clone", "-q", str(bare), str(seed))
    (seed / "runbooks").mkdir()
    (seed / "runbooks" / "widget.md").write_text(RUNBOOK)
    (seed / "runbooks" / "gadget.md").write_text(RUNBOOK.replace("widget", "gadget"))
    (seed / "notes.txt").write_text("not a runbook\n")
    git(seed, "add", "-A")
    git(seed, "commit", "-q", "-m", "Seed runbooks")
    git(seed, "push", "-q", "origin", "main")
    return bare


def clone(remote: Path, where: Path) -> Path:
    git(where.parent, "clone", "-q", str(remote), str(where))
    return where
