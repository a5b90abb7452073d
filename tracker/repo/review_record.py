"""The record of a weekly review: ``runbooks/reviews/YYYY-Www.md``, written atomically, committed on request.

Shared by ``tracker review --write/--commit`` and the app's walk-through.
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path
from typing import NamedTuple

from tracker.config import Settings
from tracker.core.review import Review, build_review, current_week, parse_week, reference_day
from tracker.core.review.build import PARTS
from tracker.core.runbooks.files import atomic_write, safe_runbook_path
from tracker.repo import gitsync
from tracker.storage.database import Db


class Record(NamedTuple):
    review: Review
    path: str
    """The report's path relative to the repository (or working) folder."""
    commit: gitsync.CommitInfo | None


def review_file(root: Path, runbooks_dir: str, week: str) -> tuple[Path, str]:
    """Where a week's report lives: (absolute path, path relative to ``root``), checked to stay in the folder."""
    relative = safe_runbook_path(root, runbooks_dir, f"reviews/{week}.md")
    return root / relative, relative


def normal_week(week: str | None, settings: Settings) -> str:
    year, number, _, _ = parse_week(week if week is not None else current_week(settings.today_date()))
    return f"{year:04d}-W{number:02d}"


def make_review(db: Db, settings: Settings, week: str, *, refresh_from: Path | None = None,
                parts: Collection[str] = PARTS) -> Review:
    """The review of ``week`` with the runbook index as it is (refreshed first from ``refresh_from``);
    only its ``parts`` (``tracker.core.review.build.PARTS``) when given."""
    from tracker.core.runbooks.index import list_runbooks

    if refresh_from is not None:
        from tracker.repo.workspace import RunbookWorkspace

        RunbookWorkspace(db, settings, refresh_from).refresh()
    runbooks = list_runbooks(db, reference_day(week, settings.today_date())) if "causes" in parts else []
    return build_review(db, week=week, today=settings.today_date(), stale_days=settings.stale_days,
                        runbooks=runbooks, clock=settings.clock, parts=parts)


def write_record(db: Db, settings: Settings, week: str, *, commit: bool, cwd: Path | None = None) -> Record:
    """Write (and with ``commit``, commit only) the week's report; re-running replaces the same file."""
    from tracker.core.review.render import report_document
    from tracker.repo.workspace import RunbookWorkspace

    base = (cwd or Path.cwd()).resolve()
    space = None
    if commit:
        space = RunbookWorkspace(db, settings, base)
        if space.git_error is not None:
            raise space.git_error
        space.refresh()
    review = make_review(db, settings, week)
    if space is not None:
        path, relative = review_file(space.root, space.runbooks_dir, week)
    else:
        path, relative = review_file(base, settings.runbooks_dir, week)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, report_document(review).encode("utf-8"))
    info = None
    if space is not None:
        info = space.commit([relative], f"Weekly action review {week}", refs=review.decided)
    return Record(review, relative, info)
