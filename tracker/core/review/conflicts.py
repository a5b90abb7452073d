"""The review's ``conflicts`` section: what a team ledger replica could not settle alone.

The ledger (``tracker.repo.ledger``) keeps them in its ``ledger_conflict`` table, with the values each
write left and the entity named as people name it; a database that is no replica has none.
"""

from __future__ import annotations

import json

from tracker.core.review.queries import Query
from tracker.core.review.types import LedgerConflict, Review


def ledger_conflicts(q: Query, review: Review) -> None:
    db = q.db
    if db.dialect != "sqlite" or db.scalar(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'ledger_conflict'") is None:
        review.counts["conflicts"], review.sections["conflicts"] = 0, []
        return
    review.counts["conflicts"] = int(db.scalar("SELECT COUNT(*) FROM ledger_conflict"))
    items = []
    for label, field, kind, detail in db.rows(
            "SELECT label, field, kind, detail FROM ledger_conflict ORDER BY kind, label, field LIMIT :limit",
            q.params()):
        data = json.loads(detail)
        values = [{"value": head.get("shown"), "actor": head.get("actor", ""), "at": head.get("wall", "")}
                  for head in data.get("heads", [])]
        named = f"'{label}'" if " " in label else label
        resolve = f"tracker ledger resolve {named} {field} --pick N" if kind == "conflict" else ""
        items.append(LedgerConflict(label, field, kind, values, list(data.get("flags", [])), resolve))
    review.sections["conflicts"] = items
