"""Layering and start-up cost: domain code imports no UI, listings import no SQLAlchemy."""

from __future__ import annotations

import os
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
     "tracker.storage.schema", "tracker.storage.lifecycle", "tracker.storage.migrate", "tracker.repo.gitsync"],
)
def test_domain_layers_import_no_ui(module: str) -> None:
    loaded = _modules_after(f"import {module}")
    assert not {m for m in loaded if m.split(".")[0] in ("textual", "rich")}


_LINT = "import sys; from importlinter.cli import lint_imports_command; sys.exit(lint_imports_command())"


def _lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    """Run import-linter's contracts (``[tool.importlinter]`` in pyproject.toml) on the package under ``root``."""
    return subprocess.run(
        [sys.executable, "-c", _LINT, "--config", str(root / "pyproject.toml"), "--no-cache"],
        capture_output=True, text=True, cwd=root, env={**os.environ, "PYTHONPATH": str(root)}, timeout=300,
    )


def test_import_contracts_hold() -> None:
    """The layers, "no UI below the front ends", "only gitsync imports git" and no cycles (pyproject.toml)."""
    done = _lint_imports(ROOT)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "0 broken" in done.stdout


@pytest.mark.parametrize(
    ("module", "line", "contract"),
    [
        ("tracker/core/keys.py", "import textual.app", "Nothing below the front ends imports textual or rich"),
        ("tracker/core/keys.py", "import git", "Only the git module talks to git"),
        ("tracker/storage/database.py", "import tracker.core.keys", "Layers"),
    ],
)
def test_import_contracts_catch_a_wrong_import(tmp_path: Path, module: str, line: str, contract: str) -> None:
    """The contracts can fail: one wrong import in a copy of the sources breaks the contract it names."""
    import shutil

    copy = tmp_path / "src"
    shutil.copytree(ROOT / "tracker", copy / "tracker", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", copy / "pyproject.toml")
    target = copy / module
    target.write_text(target.read_text() + f"\n{line}\n")
    done = _lint_imports(copy)
    assert done.returncode != 0
    assert f"{contract}" in done.stdout and "BROKEN" in done.stdout


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


def test_every_data_file_is_packaged() -> None:
    """A non-Python file the package needs at run time must be in package-data (a wheel leaves it out else)."""
    import fnmatch
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    missing = []
    for path in (ROOT / "tracker").rglob("*"):
        if path.is_dir() or path.suffix in (".py", ".pyc") or "__pycache__" in path.parts:
            continue
        package = ".".join(path.parent.relative_to(ROOT).parts)
        if not any(fnmatch.fnmatch(path.name, pattern) for pattern in config.get(package, [])):
            missing.append(str(path.relative_to(ROOT)))
    assert missing == []


def test_installed_wheel_runs_the_app(tmp_path: Path) -> None:
    """README's first command installs a wheel, not this folder: the app must start from it."""
    import shutil

    # From a clean copy of the sources: a build/ folder left by an earlier build would hide a missing file.
    source = tmp_path / "source"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(
        ".venv", ".git", "build", "dist", "*.egg-info", "__pycache__", ".pytest_cache", ".hypothesis", "*.db"))
    target = tmp_path / "site"
    built = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "--no-build-isolation", "--quiet", "--target",
         str(target), str(source)], capture_output=True, text=True, timeout=300,
    )
    assert built.returncode == 0, built.stderr[-2000:]
    for needed in ("tracker/tui/app.tcss", "tracker/data/demo.toml", "tracker/storage/migrations/script.py.mako",
                   "tracker/storage/migrations/versions/0001_initial.py"):
        assert (target / needed).exists(), needed
    script = (
        "import asyncio\n"
        "from tracker.config import load_settings\n"
        "from tracker.core.opening import open_database\n"
        "from tracker.tui.app import make_app\n"
        "from tracker.tui.store import Store\n"
        "async def main():\n"
        "    app = make_app(Store(open_database('x.db', create='demo'), load_settings(db='x.db'), 'me'))\n"
        "    async with app.run_test() as pilot:\n"
        "        await pilot.pause()\n"
        "    import tracker, pathlib\n"
        "    print(pathlib.Path(tracker.__file__).parent)\n"
        "asyncio.run(main())\n"
    )
    app = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=tmp_path,
                         env={**os.environ, "PYTHONPATH": str(target)}, timeout=120)
    assert app.returncode == 0 and app.stdout.strip() == str(target / "tracker"), app.stderr[-2000:]
