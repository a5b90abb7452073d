"""Reading actions: filters that combine, orders served by indexes, keyset pages, search.

Everything here reads; ``tracker.core.actions.changes`` writes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

from tracker.base.clock import SYSTEM_CLOCK
from tracker.base.enums import OPEN_STATUSES, ActionKind, ActionStatus, Priority, by_value
from tracker.base.timeutil import read_date, read_stamp
from tracker.core.actions.rows import SORTS, ActionFilter, ActionRow
from tracker.storage.database import Db


def ts_query(text: str) -> str | None:
    """User words as a PostgreSQL tsquery: every word required, the last one a prefix."""
    words = re.findall(r"\w+", text)
    if not words:
        return None
    return " & ".join([*words[:-1], f"{words[-1]}:*"])


def fts_query(text: str) -> str | None:
    """User words as a safe FTS5 query: each word quoted, the last one a prefix. None if no words."""
    words = re.findall(r"\w+", text)
    if not words:
        return None
    return " ".join(f'"{w}"' for w in words[:-1]) + (" " if len(words) > 1 else "") + f'"{words[-1]}"*'


COLUMNS = (
    "a.id, a.title, a.description, a.kind, a.owner, a.priority, a.due_date, a.status, a.created_at,"
    " a.updated_at, a.completed_at, a.incident_id, rc.slug, a.runbook_path, a.version"
)
FROM_ACTIONS = "FROM action a LEFT JOIN root_cause rc ON rc.id = a.root_cause_id"

_KINDS = by_value(ActionKind)
_PRIORITIES = by_value(Priority)
_STATUSES = by_value(ActionStatus)


def action_row(values: tuple[Any, ...]) -> ActionRow:
    return ActionRow(
        id=values[0],
        title=values[1],
        description=values[2],
        kind=_KINDS[values[3]],
        owner=values[4],
        priority=_PRIORITIES[values[5]],
        due=read_date(values[6]),
        status=_STATUSES[values[7]],
        created_at=read_stamp(values[8]),
        updated_at=read_stamp(values[9]),
        completed_at=read_stamp(values[10]),
        incident_id=values[11],
        root_cause=values[12],
        runbook_path=values[13],
        version=values[14],
    )


def _anchored(filt: ActionFilter) -> ActionFilter:
    if filt.today == date.min and (filt.overdue or filt.due_within_days is not None):
        return filt._replace(today=SYSTEM_CLOCK.today())
    return filt


def _statuses(filt: ActionFilter) -> tuple[str, ...]:
    """The statuses a filter allows, when it limits them (overdue and due-within mean the open ones)."""
    if filt.statuses:
        return filt.statuses
    if filt.overdue or filt.due_within_days is not None:
        return OPEN_STATUSES
    return ()


def _where(filt: ActionFilter, dialect: str = "sqlite", *, statuses: bool = True,
           status_column: str = "a.status") -> tuple[str, dict[str, Any]]:
    """The filter as a WHERE clause over ``action a``; ``statuses=False`` leaves the statuses to the caller."""
    filt = _anchored(filt)
    clauses: list[str] = []
    params: dict[str, Any] = {}

    def any_of(column: str, values: tuple[str, ...], name: str) -> None:
        names = [f"{name}{i}" for i in range(len(values))]
        clauses.append(f"{column} IN ({', '.join(':' + n for n in names)})")
        params.update(zip(names, values, strict=True))

    if filt.statuses and statuses:
        any_of(status_column, filt.statuses, "st")
    if filt.kinds:
        any_of("a.kind", filt.kinds, "kd")
    if filt.priorities:
        any_of("a.priority", filt.priorities, "pr")
    if filt.owner is not None:
        clauses.append("a.owner = :owner")
        params["owner"] = filt.owner
    if filt.unowned:
        clauses.append("a.owner IS NULL")
    if filt.overdue or filt.due_within_days is not None:
        if not filt.statuses and statuses:
            any_of(status_column, OPEN_STATUSES, "os")
        if filt.overdue:
            clauses.append("a.due_date < :today")
            params["today"] = filt.today
        if filt.due_within_days is not None:
            clauses.append("a.due_date >= :today AND a.due_date <= :horizon")
            params["today"] = filt.today
            params["horizon"] = filt.today + timedelta(days=filt.due_within_days)
    if filt.incident_id is not None:
        clauses.append("a.incident_id = :incident_id")
        params["incident_id"] = filt.incident_id
    if filt.root_cause is not None:
        clauses.append("a.root_cause_id = (SELECT id FROM root_cause WHERE slug = :root_cause)")
        params["root_cause"] = filt.root_cause
    query = fts_query(filt.text)
    if query is not None:
        if dialect == "sqlite":
            # Read from the index outward: the statement starts FROM action_fts (see _source).
            clauses.append("action_fts MATCH :fts")
            params["fts"] = query
        elif dialect == "postgresql":
            clauses.append("a.search @@ to_tsquery('simple', :tsq)")
            params["tsq"] = ts_query(filt.text)
        else:
            clauses.append("(lower(a.title) LIKE :like OR lower(a.description) LIKE :like)")
            params["like"] = "%" + filt.text.strip().lower().replace("%", "").replace("_", "") + "%"
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


def _source(filt: ActionFilter, dialect: str, tail: str = "") -> str:
    """``FROM`` for a filter: on SQLite a word search reads the full-text index first and joins each
    match (the planner would otherwise walk an index of ``action`` and test every row)."""
    if dialect == "sqlite" and fts_query(filt.text) is not None:
        return f"FROM action_fts CROSS JOIN action a ON a.id = action_fts.rowid{tail}"
    return f"FROM action a{tail}"


def _page_sql(db: Db, filt: ActionFilter, sort: str, after: tuple[Any, ...] | None,
              limit: int, offset: int, columns: str = COLUMNS) -> tuple[str, dict[str, Any]]:
    """One page of a listing as SQL: a bounded plan whatever the size of the table.

    Sorted by due date with several statuses allowed (``--overdue`` means four), one index range
    per status is read up to the page's end and the pieces merged: a single query would read every
    matching row to sort them. Full-text filters keep the single query (the match is the costly part).
    """
    spec = SORTS[sort]
    statuses = _statuses(filt)
    split = sort == "due" and len(statuses) > 1 and not filt.text.strip()
    # Other orders have no index starting with the status: "+" (SQLite) keeps the planner on the order's
    # own index, read until the page is full, instead of sorting every row of those statuses.
    hint = "+a.status" if db.dialect == "sqlite" and sort != "due" else "a.status"
    where, params = _where(filt, db.dialect, statuses=not split, status_column=hint)
    if after is not None:
        names = [f"k{i}" for i in range(len(after))]
        keyset = f"({', '.join(spec.columns)}) {'<' if spec.descending else '>'} ({', '.join(':' + n for n in names)})"
        where = f"{where} AND {keyset}" if where else f" WHERE {keyset}"
        params.update(zip(names, after, strict=True))
        offset = 0
    params.update(limit=limit, offset=offset)
    if not split:
        source = _source(filt, db.dialect, " LEFT JOIN root_cause rc ON rc.id = a.root_cause_id")
        return f"SELECT {columns} {source}{where} ORDER BY {spec.order_by} LIMIT :limit OFFSET :offset", params
    rest = where.replace(" WHERE ", " AND ", 1)
    branches = []
    for i, status in enumerate(statuses):
        params[f"b{i}"] = status
        branches.append(f"SELECT id FROM (SELECT a.id FROM action a WHERE a.status = :b{i}{rest}"
                        f" ORDER BY {spec.order_by} LIMIT :window) b{i}")
    params["window"] = limit + offset
    return (f"SELECT {columns} {FROM_ACTIONS} WHERE a.id IN ({' UNION ALL '.join(branches)})"
            f" ORDER BY {spec.order_by} LIMIT :limit OFFSET :offset", params)


def iter_actions(db: Db, filt: ActionFilter, sort: str = "due", limit: int | None = None) -> Iterator[ActionRow]:
    """Stream the actions that match, in the given order, without holding them all."""
    if limit is not None:
        sql, params = _page_sql(db, filt, sort, None, limit, 0)
    else:
        where, params = _where(filt, db.dialect)
        source = _source(filt, db.dialect, " LEFT JOIN root_cause rc ON rc.id = a.root_cause_id")
        sql = f"SELECT {COLUMNS} {source}{where} ORDER BY {SORTS[sort].order_by}"
    for values in db.cursor(sql, params):
        yield action_row(values)


def page_actions(
    db: Db,
    filt: ActionFilter,
    sort: str = "due",
    *,
    after: tuple[Any, ...] | None = None,
    offset: int = 0,
    limit: int = 100,
) -> list[ActionRow]:
    """One page of a listing: after the sort key ``after`` (keyset), else from ``offset``."""
    if db.dialect == "sqlite" and offset == 0 and fts_query(filt.text) is not None:
        walked = _walk_for_words(db, filt, sort, after, limit)
        if walked is not None:
            return walked
    sql, params = _page_sql(db, filt, sort, after, limit, offset)
    return [action_row(v) for v in db.cursor(sql, params)]


WALK_BATCH = 500
"""Rows read at a time when a page of a word search walks the listing in order (``_walk_for_words``)."""

WALK_LIMIT = 5000
"""The most rows that walk reads before the search is left to the full-text index."""


def _walk_for_words(db: Db, filt: ActionFilter, sort: str, after: tuple[Any, ...] | None,
                    limit: int) -> list[ActionRow] | None:
    """A page of a word search on SQLite, for words that many actions contain; None when they are rare.

    Matching through the full-text index costs as much as there are matches (all of them are read
    to be sorted): for a common word or a short prefix that is most of the table. So the listing
    without the words is read in order, a batch of keys at a time, and each batch is matched by FTS5
    itself in a small temporary index with the same tokenizer (so a row matches here exactly when it
    matches in ``action_fts``), until the page is full. Once the batches show the words are too rare
    to fill the page within ``WALK_LIMIT`` rows, None: the index answers faster.
    """
    query = fts_query(filt.text)
    spec = SORTS[sort]
    plain = filt._replace(text="")
    db.execute("CREATE VIRTUAL TABLE IF NOT EXISTS temp.action_fts_walk USING fts5("
               "title, description, tokenize='unicode61 remove_diacritics 2')")
    keys = ", ".join(["a.id", *spec.columns])
    found: list[int] = []
    read = 0
    key = after
    while len(found) < limit:
        batch = db.rows(*_page_sql(db, plain, sort, key, WALK_BATCH, 0, columns=keys))
        if not batch:
            break
        ids = json.dumps([row[0] for row in batch])
        db.execute("DELETE FROM temp.action_fts_walk")
        db.execute("INSERT INTO temp.action_fts_walk (rowid, title, description) SELECT id, title, description"
                   " FROM action WHERE id IN (SELECT value FROM json_each(:ids))", {"ids": ids})
        hits = {r[0] for r in db.cursor("SELECT rowid FROM temp.action_fts_walk WHERE action_fts_walk MATCH :q",
                                        {"q": query})}
        found += [row[0] for row in batch if row[0] in hits]
        read += len(batch)
        if len(batch) < WALK_BATCH:
            break
        key = tuple(batch[-1][1:])
        # The rows still needed at the rate seen so far (one more batch when nothing matched yet).
        wanted = (limit - len(found)) * read / len(found) if found else read + WALK_BATCH
        if len(found) < limit and read + wanted > WALK_LIMIT:
            return None
    if not found:
        return []
    return [action_row(v) for v in db.cursor(
        f"SELECT {COLUMNS} {FROM_ACTIONS} WHERE a.id IN (SELECT value FROM json_each(:ids))"
        f" ORDER BY {spec.order_by}", {"ids": json.dumps(found[:limit])})]


def _tally_where(filt: ActionFilter) -> tuple[str, dict[str, Any]] | None:
    """The filter over ``action_tally`` (owner, status, due date), or None when it asks for more."""
    if filt.kinds or filt.priorities or filt.incident_id is not None or filt.root_cause is not None:
        return None
    if fts_query(filt.text) is not None:
        return None
    filt = _anchored(filt)
    clauses: list[str] = []
    params: dict[str, Any] = {}
    statuses = _statuses(filt)
    if statuses:
        names = [f"st{i}" for i in range(len(statuses))]
        clauses.append(f"t.status IN ({', '.join(':' + n for n in names)})")
        params.update(zip(names, statuses, strict=True))
    if filt.owner is not None:
        clauses.append("t.owner = :owner")
        params["owner"] = filt.owner
    if filt.unowned:
        clauses.append("t.owner = ''")
    if filt.overdue:
        clauses.append("t.due_date < :today")
        params["today"] = filt.today
    if filt.due_within_days is not None:
        clauses.append("t.due_date >= :today AND t.due_date <= :horizon")
        params["today"] = filt.today
        params["horizon"] = filt.today + timedelta(days=filt.due_within_days)
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


def count_actions(db: Db, filt: ActionFilter) -> int:
    """How many actions match: from the counts kept by owner, status and due date when the filter
    asks no more than those, else counted."""
    tally = _tally_where(filt)
    if tally is not None:
        return int(db.scalar(f"SELECT COALESCE(SUM(t.n), 0) FROM action_tally t{tally[0]}", tally[1]))
    where, params = _where(filt, db.dialect)
    return int(db.scalar(f"SELECT COUNT(*) {_source(filt, db.dialect)}{where}", params))


def count_actions_up_to(db: Db, filt: ActionFilter, cap: int) -> tuple[int, bool]:
    """How many actions match, counting no further than ``cap``: (count, True) when there are more.

    Exact from the kept counts when the filter allows it; otherwise at most ``cap + 1`` rows are read.
    """
    tally = _tally_where(filt)
    if tally is not None:
        return int(db.scalar(f"SELECT COALESCE(SUM(t.n), 0) FROM action_tally t{tally[0]}", tally[1])), False
    where, params = _where(filt, db.dialect)
    params["cap"] = cap + 1
    found = int(db.scalar(f"SELECT COUNT(*) FROM (SELECT 1 {_source(filt, db.dialect)}{where} LIMIT :cap) c", params))
    return (cap, True) if found > cap else (found, False)


def known_owners(db: Db) -> list[str]:
    """Every owner handle in use, for suggestions."""
    return [r[0] for r in db.cursor("SELECT DISTINCT owner FROM action WHERE owner IS NOT NULL ORDER BY owner")]
