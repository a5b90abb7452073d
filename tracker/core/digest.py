"""The digest ``tracker notify`` sends: what needs someone's attention today, grouped by owner.

Per owner (``None``: no owner), three lists of open actions (proposed, open, in progress, blocked), each
action in one list only, the first it meets, so a message names it once:

- ``overdue``: due before today, most overdue first;
- ``due_soon``: due from today to ``DUE_SOON_DAYS`` days after it, soonest first;
- ``breaching``: the others past their SLO's deadline (``tracker.core.slo``): their due date was moved
  beyond it; oldest first. Overdue and due-soon actions past their SLO say so (``Digest.past_slo``).

and the stale runbooks, grouped by the runbook's owner. Each list holds at most ``limit`` items per owner
(picked and counted in SQL); ``totals`` are the true counts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from tracker.base.enums import OPEN_STATUSES, Priority
from tracker.core.actions.queries import COLUMNS, action_row
from tracker.core.actions.rows import ActionRow
from tracker.core.runbooks.index import RunbookRow
from tracker.core.slo import deadline
from tracker.storage.database import Db

DUE_SOON_DAYS = 7
SECTIONS = ("overdue", "due_soon", "breaching")
_OPEN = ", ".join(f"'{s}'" for s in OPEN_STATUSES)


@dataclass
class OwnerDigest:
    owner: str | None
    actions: dict[str, list[ActionRow]] = field(default_factory=lambda: {s: [] for s in SECTIONS})
    """The shown actions of each section (at most the limit)."""
    totals: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SECTIONS, 0))


@dataclass
class Digest:
    today: date
    targets: dict[str, int]
    owners: list[OwnerDigest]
    """Owners with anything to see, by name, no owner last."""
    stale_runbooks: dict[str, list[RunbookRow]]
    """Stale runbooks by the runbook's owner ("" when it names none)."""

    def past_slo(self, action: ActionRow) -> bool:
        """Whether an open action is past its SLO's deadline today."""
        return deadline(action.created_at, action.priority, self.targets) < self.today

    @property
    def counts(self) -> dict[str, int]:
        counts = {s: sum(o.totals[s] for o in self.owners) for s in SECTIONS}
        counts["stale_runbooks"] = sum(len(books) for books in self.stale_runbooks.values())
        return counts

    @property
    def empty(self) -> bool:
        return not any(self.counts.values())

    def to_json(self) -> dict[str, Any]:
        def item(action: ActionRow) -> dict[str, Any]:
            data = action.to_json(self.today)
            keys = ("id", "title", "kind", "owner", "priority", "status", "due", "incident", "root_cause")
            return {**{k: data[k] for k in keys}, "created_at": data["created_at"], "past_slo": self.past_slo(action)}

        return {
            "date": self.today.isoformat(),
            "counts": self.counts,
            "owners": [{"owner": o.owner, "totals": dict(o.totals),
                        **{s: [item(a) for a in o.actions[s]] for s in SECTIONS}} for o in self.owners],
            "stale_runbooks": [{"owner": owner or None, "runbooks": [
                {"path": b.path, "title": b.title, "reasons": list(b.stale)} for b in books]}
                for owner, books in self.stale_runbooks.items()],
        }


def build_digest(db: Db, *, today: date, targets: Mapping[str, int], runbooks: list[RunbookRow],
                 limit: int = 10) -> Digest:
    """The digest of ``today``; ``runbooks`` are the indexed runbooks with their staleness."""
    soon = today + timedelta(days=DUE_SOON_DAYS)
    cuts = " ".join(f"WHEN '{p.value}' THEN :cut_{p.value}" for p in Priority)
    params: dict[str, Any] = {"today": today, "soon": soon, "limit": limit}
    params.update({f"cut_{p.value}": datetime.combine(today - timedelta(days=targets[p.value]), time(), tzinfo=UTC)
                   for p in Priority})
    sections = {
        "overdue": ("a.due_date < :today", "a.due_date, a.id"),
        "due_soon": ("a.due_date >= :today AND a.due_date <= :soon", "a.due_date, a.id"),
        "breaching": (f"a.due_date > :soon AND a.created_at < (CASE a.priority {cuts} END)", "a.created_at, a.id"),
    }
    owners: dict[str | None, OwnerDigest] = {}
    for name, (where, order) in sections.items():
        # Each owner's first ``limit`` (numbered per owner) and the owner's true total, in one query.
        for values in db.cursor(
            f"SELECT {COLUMNS}, w.total FROM (SELECT a.id, COUNT(*) OVER (PARTITION BY a.owner) AS total,"
            f" ROW_NUMBER() OVER (PARTITION BY a.owner ORDER BY {order}) AS n FROM action a"
            f" WHERE a.status IN ({_OPEN}) AND {where}) w JOIN action a ON a.id = w.id"
            f" LEFT JOIN root_cause rc ON rc.id = a.root_cause_id WHERE w.n <= :limit ORDER BY {order}", params
        ):
            action = action_row(values[:15])
            mine = owners.setdefault(action.owner, OwnerDigest(action.owner))
            mine.actions[name].append(action)
            mine.totals[name] = int(values[15])
    stale: dict[str, list[RunbookRow]] = {}
    for book in runbooks:
        if book.stale:
            stale.setdefault(book.owner, []).append(book)
    ordered = sorted(owners.values(), key=lambda o: (o.owner is None, o.owner or ""))
    return Digest(today, dict(targets), ordered, dict(sorted(stale.items(), key=lambda kv: (kv[0] == "", kv[0]))))
