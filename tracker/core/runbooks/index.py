"""The runbook index in the database: which runbooks exist, what they cover, and which are stale.

Refreshing reads only files whose content changed since the last refresh (by hash).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from pathlib import Path
from typing import Any, NamedTuple

from tracker.base.clock import SYSTEM_CLOCK, Clock
from tracker.base.errors import InputError
from tracker.base.files import read_capped
from tracker.base.timeutil import check_moment, read_date, read_stamp
from tracker.core.runbooks.files import FrontMatter, content_hash, list_runbook_paths, read_runbook, stale_reasons
from tracker.core.validate import clean_runbook_path, scrub_title
from tracker.storage.database import Db

RUNBOOK_CAUSES = (
    "(SELECT c.runbook_id, COALESCE(rc.slug, c.slug) AS slug FROM runbook_cause c"
    " LEFT JOIN root_cause_alias al ON al.slug = c.slug LEFT JOIN root_cause rc ON rc.id = al.root_cause_id)"
)
"""The runbook index's cause slugs with aliases resolved: use it in place of ``runbook_cause``."""



class RunbookRow(NamedTuple):
    path: str
    title: str
    owner: str
    services: tuple[str, ...]
    root_causes: tuple[str, ...]
    last_reviewed: date | None
    review_every_days: int | None
    last_commit: str | None
    last_commit_at: datetime | None
    error: str | None
    stale: tuple[str, ...]
    """Why the runbook needs a look; empty when it is current."""

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "title": self.title,
            "owner": self.owner,
            "root_causes": list(self.root_causes),
            "services": list(self.services),
            "last_reviewed": self.last_reviewed.isoformat() if self.last_reviewed else None,
            "review_every_days": self.review_every_days,
            "last_commit": self.last_commit,
            "last_commit_at": self.last_commit_at.isoformat(timespec="seconds") if self.last_commit_at else None,
            "stale": bool(self.stale),
            "stale_reasons": list(self.stale),
            "error": self.error,
        }


class IndexReport(NamedTuple):
    indexed: int
    unchanged: int
    removed: int
    errors: list[str]


def refresh_index(
    db: Db,
    root: Path,
    runbooks_dir: str,
    commits: dict[str, tuple[str, datetime]] | None = None,
    only: list[str] | None = None,
    clock: Clock = SYSTEM_CLOCK,
) -> IndexReport:
    """Bring the index in line with the files under ``runbooks_dir`` (reviews excluded).

    With ``only``, just those paths are looked at (after a commit of them); nothing is removed.
    """
    if only is None:
        paths = [p for p in list_runbook_paths(root, runbooks_dir) if "/reviews/" not in p]
    else:
        paths = [p for p in only if (root / p).is_file() and "/reviews/" not in p]
    known = {path: (rid, digest, sha) for rid, path, digest, sha in
             db.rows("SELECT id, path, content_hash, last_commit FROM runbook")}
    commits = commits or {}
    indexed = unchanged = 0
    errors: list[str] = []
    now = clock.now()
    with db.write():
        for path in paths:
            try:
                clean_runbook_path(path)  # a name no export could bring back (a control character) is not indexed
                data = read_capped(str(root / path), label=path)
            except InputError as exc:
                errors.append(str(exc))
                continue
            digest = content_hash(data)
            sha, when = commits.get(path, (None, None))
            if when is not None and not _in_calendar(when):
                when = None  # a commit dated past the calendar (git takes year 9999): time unknown
            previous = known.get(path)
            if previous and previous[1] == digest and previous[2] == sha:
                unchanged += 1
                continue
            try:
                parsed = read_runbook(root, path)
                front, error = parsed.front, None
            except InputError as exc:
                front, error = FrontMatter(title=scrub_title(Path(path).stem) or "untitled"), str(exc)
                errors.append(error)
            values = {
                "path": path, "title": front.title, "owner": front.owner, "services": ",".join(front.services),
                "reviewed": front.last_reviewed, "every": front.review_every_days, "hash": digest, "sha": sha,
                "when": when, "error": error, "now": now,
            }
            if previous:
                rid = previous[0]
                db.execute(
                    "UPDATE runbook SET title = :title, owner = :owner, services = :services,"
                    " last_reviewed = :reviewed, review_every_days = :every, content_hash = :hash,"
                    " last_commit = :sha, last_commit_at = :when, error = :error, indexed_at = :now"
                    " WHERE id = :id", {**values, "id": rid},
                )
                db.execute("DELETE FROM runbook_cause WHERE runbook_id = :id", {"id": rid})
            else:
                rid = db.insert(
                    "INSERT INTO runbook (path, title, owner, services, last_reviewed, review_every_days,"
                    " content_hash, last_commit, last_commit_at, error, indexed_at) VALUES (:path, :title,"
                    " :owner, :services, :reviewed, :every, :hash, :sha, :when, :error, :now) RETURNING id",
                    values,
                )
            for slug in dict.fromkeys(front.root_causes):
                db.execute("INSERT INTO runbook_cause (runbook_id, slug) VALUES (:id, :slug)",
                           {"id": rid, "slug": slug[:80]})
            indexed += 1
        present = set(paths)
        gone = [] if only is not None else [known[p][0] for p in known if p not in present]
        for rid in gone:
            db.execute("DELETE FROM runbook WHERE id = :id", {"id": rid})
    return IndexReport(indexed, unchanged, len(gone), errors)


def _in_calendar(moment: datetime) -> bool:
    try:
        check_moment(moment, "commit time")
    except InputError:
        return False
    return True


def cause_last_incident(db: Db) -> dict[str, date]:
    """For each root cause, the day of the latest incident it was linked to."""
    latest: dict[str, date] = {}
    for slug, started in db.cursor(
        "SELECT rc.slug, MAX(i.started_at) FROM incident_root_cause x JOIN root_cause rc ON rc.id = x.root_cause_id"
        " JOIN incident i ON i.id = x.incident_id GROUP BY rc.slug"
    ):
        stamp = read_stamp(started)
        if stamp is not None:
            latest[slug] = stamp.date()
    return latest


def list_runbooks(db: Db, today: date, *, stale_only: bool = False, text: str = "") -> list[RunbookRow]:
    """The indexed runbooks with staleness worked out; ``text`` filters on path, title, owner, causes."""
    causes: dict[int, list[str]] = defaultdict(list)
    # Slugs as the taxonomy now names them: a front matter naming a renamed or merged cause still covers it.
    for rid, slug in db.cursor(f"SELECT DISTINCT runbook_id, slug FROM {RUNBOOK_CAUSES} c ORDER BY slug"):
        causes[rid].append(slug)
    struck = cause_last_incident(db)
    rows = []
    wanted = text.strip().lower()
    for rid, path, title, owner, services, reviewed, every, sha, when, error in db.cursor(
        "SELECT id, path, title, owner, services, last_reviewed, review_every_days, last_commit,"
        " last_commit_at, error FROM runbook ORDER BY path"
    ):
        front = FrontMatter(title, owner, tuple(causes[rid]), tuple(filter(None, services.split(","))),
                            read_date(reviewed), every)
        committed = read_stamp(when)
        reasons = tuple(stale_reasons(front, today, committed.date() if committed else None, struck))
        row = RunbookRow(path, title, owner, front.services, front.root_causes, front.last_reviewed, every, sha,
                         committed, error, reasons if not error else ("front matter error",))
        if stale_only and not row.stale:
            continue
        if wanted and wanted not in " ".join([path, title, owner, *row.root_causes, *row.services]).lower():
            continue
        rows.append(row)
    return rows


def runbooks_for_causes(db: Db, slugs: list[str]) -> list[str]:
    """Runbook paths covering any of these causes (from front matter, or named by an action)."""
    if not slugs:
        return []
    names = {f"s{i}": slug for i, slug in enumerate(slugs)}
    marks = ", ".join(":" + n for n in names)
    return [r[0] for r in db.cursor(
        f"SELECT r.path FROM runbook r JOIN {RUNBOOK_CAUSES} c ON c.runbook_id = r.id WHERE c.slug IN ({marks})"
        " UNION SELECT a.runbook_path FROM action a JOIN root_cause rc ON rc.id = a.root_cause_id"
        f" WHERE a.runbook_path IS NOT NULL AND rc.slug IN ({marks}) ORDER BY 1",
        names,
    )]


def get_meta(db: Db, key: str) -> str | None:
    value = db.scalar("SELECT value FROM tracker_meta WHERE key = :key", {"key": key})
    return None if value is None else str(value)


def set_meta(db: Db, key: str, value: str) -> None:
    with db.write():
        if db.execute("UPDATE tracker_meta SET value = :value WHERE key = :key", {"key": key, "value": value}) == 0:
            db.execute("INSERT INTO tracker_meta (key, value) VALUES (:key, :value)", {"key": key, "value": value})
