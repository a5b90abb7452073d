"""Reading the root causes of the shared taxonomy, with the incidents they recur in and their actions."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from tracker.base.enums import OPEN_STATUSES, ActionKind, CauseRole, by_value
from tracker.base.errors import NotFoundError
from tracker.base.timeutil import iso, read_stamp
from tracker.core.keys import incident_key
from tracker.core.rootcauses.names import find_cause
from tracker.core.runbooks.index import RUNBOOK_CAUSES
from tracker.storage.database import Db

_ROLES = by_value(CauseRole)


@dataclass(frozen=True, slots=True)
class CauseIncident:
    id: int
    title: str
    role: CauseRole
    started_at: datetime | None

    @property
    def key(self) -> str:
        return incident_key(self.id)


@dataclass(frozen=True)
class RootCauseRow:
    slug: str
    title: str
    category: str
    description: str
    incidents: list[CauseIncident] = field(default_factory=list)
    open_by_kind: dict[str, int] = field(default_factory=dict)
    done_by_kind: dict[str, int] = field(default_factory=dict)
    runbooks: list[str] = field(default_factory=list)
    aliases: list[str] = field(default_factory=list)
    """Older slugs that still name this cause (after a rename or a merge)."""
    retired_at: datetime | None = None
    """When the cause left the pickers; None while it is current."""

    @property
    def retired(self) -> bool:
        return self.retired_at is not None

    @property
    def incident_count(self) -> int:
        return len(self.incidents)

    @property
    def last_seen(self) -> datetime | None:
        stamps = [i.started_at for i in self.incidents if i.started_at is not None]
        return max(stamps) if stamps else None

    @property
    def prevent_open(self) -> int:
        return self.open_by_kind.get(ActionKind.PREVENT.value, 0)

    @property
    def prevent_done(self) -> int:
        return self.done_by_kind.get(ActionKind.PREVENT.value, 0)

    @property
    def has_prevent_action(self) -> bool:
        """True when a prevent action exists against this cause, open or done (won't-do does not count)."""
        return self.prevent_open + self.prevent_done > 0

    def to_json(self) -> dict[str, Any]:
        return {
            "slug": self.slug,
            "title": self.title,
            "category": self.category,
            "description": self.description,
            "incident_count": self.incident_count,
            "incidents": [
                {"id": i.key, "title": i.title, "role": i.role, "started_at": iso(i.started_at)}
                for i in self.incidents
            ],
            "last_seen": iso(self.last_seen),
            "prevent_open": self.prevent_open,
            "prevent_done": self.prevent_done,
            "open_actions": dict(self.open_by_kind),
            "done_actions": dict(self.done_by_kind),
            "runbooks": list(self.runbooks),
            "aliases": list(self.aliases),
            "retired": self.retired,
        }


def _causes(db: Db, slug: str | None = None) -> list[RootCauseRow]:
    where = " WHERE rc.slug = :slug" if slug else ""
    params = {"slug": slug} if slug else None
    base = db.rows(f"SELECT rc.id, rc.slug, rc.title, rc.category, rc.description, rc.retired_at"
                   f" FROM root_cause rc{where} ORDER BY rc.slug", params)
    if not base:
        return []
    incidents: dict[int, list[CauseIncident]] = defaultdict(list)
    for cause_id, incident_id, title, role, started in db.cursor(
        "SELECT x.root_cause_id, i.id, i.title, x.role, i.started_at FROM incident_root_cause x"
        f" JOIN incident i ON i.id = x.incident_id JOIN root_cause rc ON rc.id = x.root_cause_id{where}"
        " ORDER BY i.started_at, i.id",
        params,
    ):
        incidents[cause_id].append(CauseIncident(incident_id, title, _ROLES[role], read_stamp(started)))
    open_by: dict[int, dict[str, int]] = defaultdict(dict)
    done_by: dict[int, dict[str, int]] = defaultdict(dict)
    status_list = ", ".join(f"'{s}'" for s in OPEN_STATUSES)
    # From the counts kept per cause, kind and status (a few rows per cause, whatever the number of actions).
    for cause_id, kind, is_open, count in db.cursor(
        f"SELECT t.root_cause_id, t.kind, CASE WHEN t.status IN ({status_list}) THEN 1 ELSE 0 END, SUM(t.n)"
        f" FROM cause_tally t JOIN root_cause rc ON rc.id = t.root_cause_id"
        f" WHERE t.status != 'wont_do' AND t.n > 0{where.replace(' WHERE', ' AND')}"
        " GROUP BY t.root_cause_id, t.kind, CASE WHEN t.status IN (" + status_list + ") THEN 1 ELSE 0 END"
        " ORDER BY 1, 2, 3",
        params,
    ):
        (open_by if is_open else done_by)[cause_id][kind] = int(count)
    books: dict[str, list[str]] = defaultdict(list)
    for book_slug, path in db.cursor(
        f"SELECT c.slug, r.path FROM {RUNBOOK_CAUSES} c JOIN runbook r ON r.id = c.runbook_id"
        " UNION SELECT rc.slug, a.runbook_path FROM action a JOIN root_cause rc ON rc.id = a.root_cause_id"
        " WHERE a.runbook_path IS NOT NULL ORDER BY 1, 2"
    ):
        books[book_slug].append(path)
    aliases: dict[int, list[str]] = defaultdict(list)
    for cause_id, alias in db.cursor(
        f"SELECT al.root_cause_id, al.slug FROM root_cause_alias al JOIN root_cause rc ON rc.id = al.root_cause_id"
        f"{where} ORDER BY al.slug", params
    ):
        aliases[cause_id].append(alias)
    return [
        RootCauseRow(r[1], r[2], r[3], r[4], incidents[r[0]], open_by[r[0]], done_by[r[0]], books[r[1]],
                     aliases[r[0]], read_stamp(r[5]))
        for r in base
    ]


def list_root_causes(db: Db) -> list[RootCauseRow]:
    """Every cause with its incidents (recurrence) and its actions counted by kind."""
    return _causes(db)


def get_root_cause(db: Db, slug: str) -> RootCauseRow:
    """One cause by its slug or one of its aliases."""
    cause = find_cause(db, slug)
    found = _causes(db, cause.slug) if cause is not None else []
    if not found:
        raise NotFoundError(f"no root cause {slug.strip()!r} (see: tracker rootcauses list)")
    return found[0]


def cause_choices(db: Db) -> list[tuple[str, str]]:
    """(slug, title) of every current cause, for pickers: retired causes are left out."""
    return [(slug, title) for slug, title in db.rows(
        "SELECT slug, title FROM root_cause WHERE retired_at IS NULL ORDER BY slug")]
