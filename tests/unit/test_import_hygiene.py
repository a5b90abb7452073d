"""Layering and start-up cost: domain code imports no UI, listings import no SQLAlchemy."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _modules_after(code: str) -> set[str]:
    done = subprocess.run(
        [sys.executable, "-c", code + "\nimport sys\nprint('\\n'.join(sorted(sys.modules)))"],
        capture_output=True, text=True, check=True, cwd=ROOT,
    )
    return set(done.stdout.split())


@pytest.mark.parametrize(
    "module",
    ["tracker.core.actions", "tracker.core.incidents", "tracker.core.rootcauses", "tracker.core.demo",
     "tracker.core.models", "tracker.storage.lifecycle", "tracker.storage.migrate", "tracker.gitsync"],
)
def test_domain_layers_import_no_ui(module: str) -> None:
    loaded = _modules_after(f"import {module}")
    assert not {m for m in loaded if m.split(".")[0] in ("textual", "rich")}


def test_domain_sources_never_import_ui_or_git() -> None:
    for folder in ("core", "storage"):
        for path in (ROOT / "tracker" / folder).rglob("*.py"):
            text = path.read_text()
            for banned in ("import textual", "from textual", "import rich", "from rich", "import git\n",
                           "from git "):
                assert banned not in text, f"{path.relative_to(ROOT)} has {banned!r}"


def test_git_is_only_imported_by_gitsync() -> None:
    for path in (ROOT / "tracker").rglob("*.py"):
        if path.name == "gitsync.py":
            continue
        text = path.read_text()
        assert "import git\n" not in text and "from git import" not in text, path


def test_cli_listing_does_not_load_sqlalchemy(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    _modules_after(f"from tracker.cli import main\nmain(['--db', {str(db)!r}, 'init', '--demo'])")
    loaded = _modules_after(
        "from tracker.cli import main\n"
        f"main(['--db', {str(db)!r}, 'actions', 'list', '--overdue'])\n"
        f"main(['--db', {str(db)!r}, 'actions', 'add', 'x', '--incident', 'INC-1'])\n"
        f"main(['--db', {str(db)!r}, 'incidents', 'list'])\n"
    )
    assert "tracker.core.actions" in loaded
    assert not {m for m in loaded if m.split(".")[0] in ("sqlalchemy", "sqlmodel", "alembic", "pydantic", "rich")}
