"""Every action as CSV, for spreadsheets and other tools, streamed row by row.

Columns: ``id,title,kind,owner,priority,status,due,incident,root_cause,version,created_at,
updated_at,completed_at,description``. Keys are written as the CLI shows them (``ACT-12``,
``INC-5``), times as ISO 8601 UTC to the second (as in the JSON output), a missing value as an
empty cell.

Formula injection: a spreadsheet opening the file runs any cell that starts with ``=``, ``+``,
``-`` or ``@`` as a formula (and some also a leading tab or carriage return), so user text such
as ``=HYPERLINK(...)`` would execute. Every such cell is written with a leading apostrophe
(``'=HYPERLINK(...)``), which spreadsheets show as text, as OWASP's "CSV Injection" page
advises. Control characters are shown as escapes (``tracker.base.text.visible``: ESC as ``\x1b``;
newlines and tabs stay), so opening the file in a terminal runs nothing either. The file is
therefore not a lossless copy of such values: use the TOML export for that.
"""

from __future__ import annotations

import csv
from datetime import datetime
from typing import TextIO

from tracker.base.text import visible
from tracker.base.timeutil import iso
from tracker.core.actions import ActionFilter, ActionRow, iter_actions
from tracker.storage.database import Db

HEADER = (
    "id", "title", "kind", "owner", "priority", "status", "due", "incident", "root_cause", "version",
    "created_at", "updated_at", "completed_at", "description",
)
"""The CSV columns, in order."""

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""Leading characters that make a spreadsheet treat a cell as a formula."""


def neutralise(cell: str) -> str:
    """``cell`` made safe to open in a spreadsheet: a formula-like start gets a leading ``'``."""
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell


def _stamp(value: datetime | None) -> str:
    return iso(value) or ""


def action_cells(row: ActionRow) -> list[str]:
    """One action as CSV cells, in ``HEADER`` order, already neutralised."""
    cells = [
        row.key, row.title, row.kind, row.owner or "", row.priority, row.status, row.due.isoformat(),
        row.incident or "", row.root_cause or "", str(row.version), _stamp(row.created_at),
        _stamp(row.updated_at), _stamp(row.completed_at), row.description,
    ]
    return [neutralise(visible(c, keep="\n\t")) for c in cells]


def export_actions_csv(db: Db, out: TextIO) -> int:
    """Write every action (by id) as CSV to ``out``; returns how many rows were written.

    Open ``out`` with ``newline=""`` (the csv module writes its own ``\\r\\n`` line ends).
    """
    writer = csv.writer(out)
    writer.writerow(HEADER)
    count = 0
    for row in iter_actions(db, ActionFilter(), sort="id"):
        writer.writerow(action_cells(row))
        count += 1
    return count
