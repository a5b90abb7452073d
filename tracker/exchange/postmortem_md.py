"""An incident as a Markdown postmortem, in the shape of the SRE book's postmortem template.

Sections follow the template (Summary, Impact, Root Causes, Trigger, Resolution, Detection,
Action Items, Timeline, then the supporting information), filled from the incident, its cause
links, its timeline and its actions. Free text (summary, impact, notes) is written as it is: it
is the author's Markdown. Only where the structure needs one line (the title, list items and
table cells) are newlines flattened, and in table cells every ``|`` is escaped so a cell never
splits. Control characters anywhere are shown as escapes (``tracker.base.text.visible``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import datetime

from tracker.base.enums import CauseRole
from tracker.base.text import visible
from tracker.core.incidents import IncidentDetail, get_incident
from tracker.storage.database import Db

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_PIPE = re.compile(r"(\\*)\|")

NONE = "_None recorded._"
"""What an empty section says."""


def one_line(text: str) -> str:
    """Text on one line: each line break (LF, CR or CRLF) becomes a space."""
    return _LINE_BREAK.sub(" ", text)


def table_cell(text: str) -> str:
    """Text safe inside a GFM table cell: one line, every ``|`` escaped.

    Backslashes right before a pipe are doubled as well, so ``a\\|b`` stays text: GFM
    (cmark-gfm) reads ``\\\\`` as an escaped backslash and would otherwise split on the pipe.
    """
    return _PIPE.sub(lambda m: m.group(1) * 2 + "\\|", one_line(text))


def _row(cells: Iterable[str]) -> str:
    return "| " + " | ".join(table_cell(c) for c in cells) + " |"


def markdown_table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    """A GFM table as lines: header, delimiter row, one line per row."""
    lines = [_row(header), "|" + "|".join("---" for _ in header) + "|"]
    lines.extend(_row(r) for r in rows)
    return lines


def when(value: datetime | None) -> str:
    """A UTC time as ``2025-12-22 10:17 UTC``, or ``-``."""
    return "-" if value is None else value.strftime("%Y-%m-%d %H:%M UTC")


def span(start: datetime | None, end: datetime | None) -> str | None:
    """The time from ``start`` to ``end`` as ``1 h 13 min`` (``2 d 3 h 5 min`` past a day)."""
    if start is None or end is None:
        return None
    minutes = int((end - start).total_seconds() // 60)
    if minutes < 0:
        return None
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    parts = [f"{days} d"] if days else []
    if days or hours:
        parts.append(f"{hours} h")
    parts.append(f"{mins} min")
    return " ".join(parts)


def _block(text: str) -> str:
    return text if text.strip() else NONE


def _resolution(detail: IncidentDetail) -> list[str]:
    row = detail.row
    lines = []
    for label, stamp in (("Mitigated", row.mitigated_at), ("Resolved", row.resolved_at)):
        took = span(row.started_at, stamp)
        lines.append(f"- {label}: {when(stamp)}" + (f" ({took} after the start)" if took else ""))
    return lines


def _detection(detail: IncidentDetail) -> list[str]:
    row = detail.row
    took = span(row.started_at, row.detected_at)
    return [f"- Detected: {when(row.detected_at)}", f"- Time to detect: {took or '-'}"]


def code(text: str) -> str:
    """``text`` as an inline code span, fenced with more backticks than it contains."""
    fence = "`" * (max((len(run) for run in re.findall(r"`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _causes(detail: IncidentDetail, roles: tuple[str, ...]) -> list[str]:
    lines = []
    for cause in detail.row.root_causes:
        if cause.role in roles:
            note = f" — {one_line(cause.note)}" if cause.note.strip() else ""
            lines.append(f"- {code(one_line(cause.slug))} ({cause.role}): {one_line(cause.title)}{note}")
    return lines or [NONE]


def render_postmortem(detail: IncidentDetail) -> str:
    """The postmortem of an incident already loaded with ``get_incident``."""
    row = detail.row
    started = row.started_at
    meta = [
        f"- **Incident:** {row.key}",
        f"- **Date:** {started.strftime('%Y-%m-%d') if started else '-'} (started {when(started)})",
        f"- **Status:** {row.status}",
        f"- **Severity:** {row.severity}",
        f"- **Kind:** {row.kind}",
    ]
    if detail.company:
        meta.append(f"- **Company:** {one_line(detail.company)}")
    if row.components:
        meta.append(f"- **Components:** {one_line(', '.join(row.components))}")
    duration = span(row.started_at, row.resolved_at)
    if duration:
        meta.append(f"- **Duration:** {duration}")
    actions = markdown_table(
        ("Action", "Type", "Owner", "Status", "Due", "Key"),
        ((a.title, a.kind, a.owner or "-", a.status, a.due.isoformat(), a.key) for a in detail.actions),
    )
    timeline = markdown_table(
        ("Time (UTC)", "Event", "Details"),
        ((when(t.at).removesuffix(" UTC"), t.label, t.body) for t in detail.timeline),
    )
    sections: list[tuple[str, list[str]]] = [
        ("Summary", [_block(detail.summary)]),
        ("Impact", [_block(detail.impact)]),
        ("Root Causes", _causes(detail, tuple(r.value for r in CauseRole))),
        ("Trigger", _causes(detail, (CauseRole.TRIGGER.value,))),
        ("Resolution", _resolution(detail)),
        ("Detection", _detection(detail)),
        ("Action Items", actions if detail.actions else [NONE]),
        ("Timeline", ["All times are UTC.", "", *timeline] if detail.timeline else [NONE]),
        ("Customer Action", [_block(detail.customer_action)]),
    ]
    if detail.postmortem.strip():
        sections.append(("Supporting Information", [detail.postmortem]))
    if detail.source.strip():
        sections.append(("Source", [f"- {one_line(detail.source)}"]))
    lines = [f"# Postmortem: {one_line(row.title)} ({row.key})", "", *meta]
    for title, body in sections:
        lines.extend(["", f"## {title}", "", *body])
    return visible("\n".join(lines) + "\n", keep="\n\t")


def export_postmortem(db: Db, key: str) -> str:
    """The postmortem of incident ``key`` (``INC-5``) as Markdown text."""
    return render_postmortem(get_incident(db, key))
