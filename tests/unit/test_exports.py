"""Postmortem Markdown and CSV exports: the sections, tables that stay tables, cells that stay inert."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime

import pytest
from markdown_it import MarkdownIt

from tests.unit.test_toml_io import CORPUS, PIECES, fill_raw
from tracker.core.actions import ActionFilter, iter_actions
from tracker.exchange.csv_io import (
    HEADER,
    action_cells,
    export_actions_csv,
    neutralise,
)
from tracker.exchange.postmortem_md import code, export_postmortem, table_cell
from tracker.storage.database import Db

SECTIONS = (
    "## Summary", "## Impact", "## Root Causes", "## Trigger", "## Resolution", "## Detection",
    "## Action Items", "## Timeline", "## Customer Action",
)

HOSTILE_TITLES = (
    "a | b", "pipe at end |", "| pipe at start", "escaped \\| already", "double \\\\| backslash",
    "trailing \\",
    "line one\nline two", "crlf\r\nend", "cr\ronly", "`code | span`", "[bold]x[/", "=1+1", "||||",
)

_SEPARATOR = re.compile(r"(?<!\\)(?:\\\\)*\|")
"""A pipe that splits cells under GFM's rule: preceded by an even number of backslashes."""

pytestmark = pytest.mark.both_backends


def _separators(line: str) -> int:
    return len(_SEPARATOR.findall(line))


def _table_bodies(markdown: str) -> list[list[list[str]]]:
    """Each table's body rows as lists of cell contents, as markdown-it parses them."""
    tables: list[list[list[str]]] = []
    in_body = False
    for token in MarkdownIt("commonmark").enable("table").parse(markdown):
        if token.type == "tbody_open":
            tables.append([])
            in_body = True
        elif token.type == "tbody_close":
            in_body = False
        elif in_body and token.type == "tr_open":
            tables[-1].append([])
        elif in_body and token.type == "inline":
            tables[-1][-1].append(token.content)
    return tables


def _hostile_incident(db: Db) -> None:
    """INC-1 with hostile text everywhere, and one action per hostile title."""
    now = datetime(2026, 1, 2, 3, 4, tzinfo=UTC)
    with db.write():
        db.execute(
            "INSERT INTO incident (id, title, company, kind, severity, status, started_at, detected_at,"
            " summary, impact, customer_action, source, postmortem, created_at, updated_at)"
            " VALUES (1, 'bad | title\nsecond line', 'ACME | Co', 'incident', 'SEV2', 'resolved', :s, :d,"
            " 'summary | with\nlines', '', 'Resend | retry', '', '', :s, :s)",
            {"s": now, "d": datetime(2026, 1, 2, 4, 30, tzinfo=UTC)},
        )
        db.execute("INSERT INTO root_cause (id, slug, title, category, description)"
                   " VALUES (1, 'odd`slug', 'Cause | title', '', '')")
        db.execute("INSERT INTO incident_root_cause VALUES (1, 1, 'trigger', 'note\nwith | pipe')")
        db.execute("INSERT INTO timeline_entry (incident_id, position, at, label, body)"
                   " VALUES (1, 0, :s, 'Label | x', 'body\r\nwith | pipes || and \\| escapes')", {"s": now})
        for n, title in enumerate(HOSTILE_TITLES, start=1):
            db.execute(
                "INSERT INTO action (id, title, description, kind, owner, priority, due_date, status,"
                " created_at, updated_at, incident_id, version)"
                " VALUES (:id, :t, '', 'prevent', :o, 'P2', :due, 'open', :s, :s, 1, 1)",
                {"id": n, "t": title, "o": None if n % 2 else "own|er", "due": date(2026, 2, n), "s": now},
            )


# -- postmortem ---------------------------------------------------------------------------------


def test_postmortem_of_the_demo_incident(db: Db) -> None:
    text = export_postmortem(db, "INC-5")
    assert text.startswith("# Postmortem: CEP Campaign Delivery Degradation (Email, Push & SMS) (INC-5)\n")
    positions = [text.index(s + "\n") for s in SECTIONS]
    assert positions == sorted(positions)
    assert "- **Date:** 2025-12-22" in text and "- **Status:** postmortem" in text
    assert "- `cooling-failure` (root): Cooling failure on a hypervisor host" in text
    assert "- Mitigated: 2025-12-22 11:30 UTC (1 h 13 min after the start)" in text
    assert "- Resolved: 2025-12-22 13:40 UTC (3 h 23 min after the start)" in text
    assert "- Time to detect: 0 min" in text
    assert "| 2025-12-22 10:20 | Investigating | Engineers started investigating. |" in text
    assert "Resend any campaign that was scheduled during the disruption window" in text
    actions = list(iter_actions(db, ActionFilter(incident_id=5), sort="id"))
    assert len(actions) == 4
    for a in actions:
        row = f"| {a.title} | {a.kind} | {a.owner} | {a.status} | {a.due.isoformat()} | {a.key} |"
        assert row in text.splitlines()
    action_table, timeline = _table_bodies(text)
    assert [r[-1] for r in action_table] == [a.key for a in actions]
    assert len(timeline) == 8


def test_hostile_text_keeps_the_tables_valid(empty_db: Db) -> None:
    _hostile_incident(empty_db)
    text = export_postmortem(empty_db, "INC-1")
    lines = text.splitlines()
    assert lines[0] == "# Postmortem: bad | title second line (INC-1)"
    header = lines.index("| Action | Type | Owner | Status | Due | Key |")
    rows = lines[header + 2 : header + 2 + len(HOSTILE_TITLES)]
    assert all(_separators(line) == 7 for line in rows), rows
    action_table, timeline = _table_bodies(text)
    assert [r[-1] for r in action_table] == [f"ACT-{n}" for n in range(1, len(HOSTILE_TITLES) + 1)]
    assert [r[4] for r in action_table] == [f"2026-02-{n:02d}" for n in range(1, len(HOSTILE_TITLES) + 1)]
    assert action_table[0][0] == "a | b" and action_table[1][2] == "own|er"
    assert timeline == [["2026-01-02 03:04", "Label | x", r"body with | pipes || and \\| escapes"]]
    assert "summary | with\nlines" in text  # free text is written as it is
    assert "- ``odd`slug`` (trigger): Cause | title — note with | pipe" in text
    assert "- Time to detect: 1 h 26 min" in text


@pytest.mark.parametrize("value", [*HOSTILE_TITLES, *CORPUS[:-1]])
def test_table_cell_is_one_line_and_never_splits(value: str) -> None:
    cell = table_cell(value)
    assert "\n" not in cell and "\r" not in cell
    assert _separators(f"| {cell} |") == 2


def test_code_span_fences_backticks() -> None:
    assert code("plain") == "`plain`"
    assert code("a`b") == "``a`b``"
    assert code("`x") == "`` `x ``"


# -- CSV ----------------------------------------------------------------------------------------


def test_csv_has_every_action_and_reads_back(db: Db) -> None:
    out = io.StringIO(newline="")
    count = export_actions_csv(db, out)
    assert count == db.scalar("SELECT COUNT(*) FROM action") == 13
    rows = list(csv.reader(io.StringIO(out.getvalue(), newline="")))
    assert rows[0] == list(HEADER)
    assert ",".join(rows[0]) == ("id,title,kind,owner,priority,status,due,incident,root_cause,version,"
                                 "created_at,updated_at,completed_at,description")
    expected = [action_cells(r) for r in iter_actions(db, ActionFilter(), sort="id")]
    assert rows[1:] == expected
    first = dict(zip(rows[0], rows[1], strict=True))
    assert first["id"] == "ACT-1" and first["incident"].startswith("INC-")


@pytest.mark.sqlite_only  # raw rows in SQLite's storage encoding
def test_csv_neutralises_formulas_and_keeps_hostile_text(empty_db: Db) -> None:
    fill_raw(empty_db, [p for p in PIECES if p])
    titles = ['=HYPERLINK("http://x")', "+1", "-2", "@SUM(A1)", "\tx", 'ok, "quoted"\nnext']
    with empty_db.write():
        for n, title in enumerate(titles, start=100):
            empty_db.execute(
                "INSERT INTO action (id, title, description, kind, priority, due_date, status, created_at,"
                " updated_at, root_cause_id, version) VALUES (:id, :t, :t, 'prevent', 'P2', '2026-01-01',"
                " 'open', '2026-01-01T00:00:00.000000+00:00', '2026-01-01T00:00:00.000000+00:00', 2, 1)",
                {"id": n, "t": title},
            )
    out = io.StringIO(newline="")
    assert export_actions_csv(empty_db, out) == empty_db.scalar("SELECT COUNT(*) FROM action")
    rows = {r[0]: r for r in csv.reader(io.StringIO(out.getvalue(), newline=""))}
    written = [rows[f"ACT-{n}"][1] for n in range(100, 106)]
    assert written == ["'=HYPERLINK(\"http://x\")", "'+1", "'-2", "'@SUM(A1)", "'\tx", "ok, \"quoted\"\nnext"]
    assert rows["ACT-100"][-1] == "'=HYPERLINK(\"http://x\")"  # every cell, description too
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows.values() for cell in row)


def test_neutralise_leaves_ordinary_text_alone() -> None:
    assert neutralise("Add alerts") == "Add alerts"
    assert neutralise("") == ""
    assert neutralise("=1") == "'=1"
    assert neutralise("a=1") == "a=1"
