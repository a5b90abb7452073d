"""Where a repository's ledger replica lives: ``<git folder>/tracker/``, never in the work tree.

``ledger.db`` is the replica's database (the tracker's tables plus the ledger's own); ``sync.lock``
keeps two syncs apart. Finding it costs a few file lookups, no process and no import of the git
module (``tracker.repo.gitsync``, which runs git for everything else), so every command can ask.
"""

from __future__ import annotations

from pathlib import Path

from tracker.storage.database import Db

FOLDER = "tracker"
DB_NAME = "ledger.db"
LOCAL_REF = "refs/tracker/ledger"
"""The local ref holding the ledger as last fetched or pushed (whatever the remote's ref is called)."""


def git_dirs(start: Path) -> tuple[Path, Path] | None:
    """(git folder, common git folder) of the repository around ``start``, found without running git.

    A linked worktree has its own git folder and shares the common one (refs, objects, config).
    """
    try:
        folder = start.resolve()
    except OSError:
        return None
    for candidate in (folder, *folder.parents):
        dot = candidate / ".git"
        try:
            if dot.is_dir():
                git_dir = dot
            elif dot.is_file():
                text = dot.read_text(encoding="utf-8", errors="replace").strip()
                if not text.startswith("gitdir:"):
                    return None
                git_dir = (candidate / text[len("gitdir:"):].strip()).resolve()
            else:
                continue
            common = git_dir
            if (git_dir / "commondir").is_file():
                common = (git_dir / (git_dir / "commondir").read_text(encoding="utf-8").strip()).resolve()
        except OSError:
            return None
        return git_dir, common
    return None


def home_of(start: Path) -> Path | None:
    """``<common git folder>/tracker`` of the repository around ``start`` (it may not exist yet)."""
    found = git_dirs(start)
    return None if found is None else found[1] / FOLDER


def replica_path(start: Path) -> Path | None:
    """The replica's database in the repository around ``start``, if the repository has one."""
    home = home_of(start)
    if home is None:
        return None
    path = home / DB_NAME
    return path if path.is_file() else None


def git_dir_of(db_path: Path) -> Path | None:
    """The git folder a replica's database belongs to (it lives in ``<git folder>/tracker/``)."""
    folder = db_path.resolve().parent
    if folder.name != FOLDER or not (folder.parent / "objects").is_dir():
        return None
    return folder.parent


def is_replica(db: Db) -> bool:
    """Whether this database is a ledger replica (it has the ledger's tables)."""
    return db.dialect == "sqlite" and db.scalar(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'ledger_meta'") is not None
