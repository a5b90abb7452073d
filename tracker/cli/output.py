"""Plain-text, coloured and JSON output for the command line.

Every command that can answer in JSON goes through ``emit``. Listings are streamed line by
line (a rich table of 10,000 rows takes seconds); user text is never interpreted, and every text
line goes out through ``tracker.base.text.visible``: a control character in a title, a front matter
value or a file name is shown as its escape (``\x1b``), never sent to the terminal. JSON needs no
such care: json escapes them itself.

On a terminal, listings fit its width (titles shortened with "…") and carry colour: a ``Styled``
line's parts are each made visible first, then painted with Rich's styles. Colour follows
``--color auto|always|never``, then ``NO_COLOR``, then ``FORCE_COLOR``, then whether standard
output is a terminal; Rich is imported only when colour is on.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime
from typing import IO, TYPE_CHECKING, Any, NamedTuple

from tracker.base.text import brief, visible
from tracker.base.timeutil import duration

if TYPE_CHECKING:
    import argparse

    from tracker.core.actions import ActionEventRow, ActionRow, ScoredAction
    from tracker.core.incidents import IncidentDetail, IncidentRow
    from tracker.core.rootcauses import RootCauseRow


def _when(value: datetime | None) -> str:
    return "-" if value is None else value.strftime("%Y-%m-%d %H:%M")


when = _when
"""A moment as the text output shows it (UTC, to the minute)."""

one_line = brief
"""Text flattened to one line and cut with "…" at ``width``."""


STYLES = {
    "header": "bold",
    "muted": "dim",
    "overdue": "bold red",
    "P1": "bold red",
    "P2": "yellow",
    "P3": "",
    "proposed": "magenta",
    "open": "cyan",
    "in_progress": "blue",
    "blocked": "bold yellow",
    "done": "green",
    "wont_do": "dim",
    "SEV1": "bold red",
    "SEV2": "red",
    "SEV3": "yellow",
    "SEV4": "",
    "investigating": "bold red",
    "identified": "red",
    "monitoring": "yellow",
    "resolved": "green",
    "postmortem": "cyan",
    "closed": "dim",
    "alert": "bold yellow",
}
"""The Rich style of each kind of cell; a line names these, never a style of its own."""


class Styled(NamedTuple):
    """A line in parts, each with the name of its style (``""`` for none): plain when piped, painted on a
    terminal with colour on."""

    parts: tuple[tuple[str, str], ...]

    @property
    def plain(self) -> str:
        return "".join(text for text, _ in self.parts)


Line = str | Styled
Painter = Callable[[Styled], str]


def use_color(choice: str | None, stream: IO[str]) -> bool:
    """Whether to colour: ``--color always|never`` wins, then ``NO_COLOR``, then ``FORCE_COLOR``, then a
    terminal."""
    if choice in ("always", "never"):
        return choice == "always"
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return stream.isatty()


def painter(choice: str | None, stream: IO[str]) -> Painter | None:
    """How to paint a ``Styled`` line, or None for plain text (Rich is imported only here, when colour is on)."""
    if not use_color(choice, stream):
        return None
    from rich.color import ColorSystem
    from rich.style import Style

    styles = {name: Style.parse(value) for name, value in STYLES.items() if value}

    def paint(line: Styled) -> str:
        out = []
        for text, name in line.parts:
            shown = visible(text, keep="\t")
            style = styles.get(name)
            out.append(style.render(shown, color_system=ColorSystem.STANDARD) if style else shown)
        return "".join(out)

    return paint


def terminal_width(stream: IO[str]) -> int | None:
    """The terminal's columns when ``stream`` is one (``COLUMNS`` counts), else None: piped output keeps its
    full width, whatever ``COLUMNS`` says (a script reading it wants every character)."""
    if not stream.isatty():
        return None
    import shutil

    return max(shutil.get_terminal_size().columns, 40)


def write_json(out: IO[str], data: object) -> None:
    import json

    json.dump(data, out, ensure_ascii=False, indent=2)
    out.write("\n")


def stream_json_list(out: IO[str], items: Iterable[dict[str, Any]]) -> int:
    """Write a JSON array one element at a time; returns how many were written."""
    import json

    count = 0
    out.write("[")
    for item in items:
        out.write(",\n  " if count else "\n  ")
        out.write(json.dumps(item, ensure_ascii=False))
        count += 1
    out.write("\n]\n" if count else "]\n")
    return count


def emit(args: argparse.Namespace, data: object, lines: Iterable[Line]) -> None:
    """Answer on standard output: ``data`` as JSON with ``--json``, else ``lines`` as text (coloured on a
    terminal, see ``painter``).

    Only the chosen one is read, so both may be generators over the same rows. ``data`` that
    is an iterator (of JSON objects) is streamed as an array, one element per line.
    """
    if args.json:
        if isinstance(data, Iterator):
            stream_json_list(sys.stdout, data)
        else:
            write_json(sys.stdout, data)
    else:
        write_lines(sys.stdout, lines, paint=painter(getattr(args, "color", None), sys.stdout))


def title_room(width: int | None, fixed: int, default: int) -> int:
    """Cells left for a title after ``fixed`` cells on a ``width``-cell terminal (``default`` when piped)."""
    return default if width is None else max(width - fixed, 8)


ACTION_LEGEND = "! overdue: past its due date and still open"


def action_lines(rows: Iterable[ActionRow], today: date, width: int | None = None,
                 empty: str = "no actions match") -> Iterator[Line]:
    """The actions as a table; ``width`` fits it to a terminal, a legend follows when a ``!`` was shown."""
    owner = 20 if width is None or width >= 100 else 14
    title_cells = title_room(width, 10 + 4 + 12 + 12 + owner + 2 + 9, 90)
    shown = overdue_seen = 0
    for row in rows:
        if not shown:
            yield Styled(((f"{'KEY':<10} {'PRI':<3} {'STATUS':<11} {'DUE':<11} {'OWNER':<{owner}} {'KIND':<8} TITLE",
                           "header"),))
        shown += 1
        due = row.due.isoformat() if row.due else "-"
        overdue = row.is_overdue(today)
        if overdue:
            due += "!"
            overdue_seen += 1
        yield Styled((
            (f"{row.key:<10} ", "overdue" if overdue else ""), (f"{row.priority:<3}", row.priority), (" ", ""),
            (f"{row.status:<11}", row.status), (" ", ""), (f"{due:<11}", "overdue" if overdue else ""),
            (f" {brief(row.owner or '-', owner):<{owner}} {row.kind:<8} ", ""),
            (brief(row.title, title_cells), "muted" if row.status in ("done", "wont_do") else ""),
        ))
    if not shown and empty:
        yield Styled(((empty, "muted"),))
    if overdue_seen and width is not None:
        yield ""
        yield Styled(((ACTION_LEGEND, "muted"),))


def scored_lines(items: Iterable[ScoredAction], today: date) -> Iterator[str]:
    """Actions to do next, each with its score and, under it, the parts that made the score."""
    yield f"{'KEY':<10} {'SCORE':>5} {'PRI':<3} {'STATUS':<11} {'DUE':<11} {'OWNER':<20} TITLE"
    for item in items:
        row = item.action
        due = row.due.isoformat() + ("!" if row.is_overdue(today) else "")
        yield (f"{row.key:<10} {item.score:>5} {row.priority:<3} {row.status:<11} {due:<11}"
               f" {brief(row.owner or '-', 20):<20} {brief(row.title, 90)}")
        parts = [f"{brief(p.reason, 60)} {p.points:+d}" for p in item.why if p.points]
        yield f"{'':<16} {' · '.join(parts) or 'nothing stands out'}"


def echo(text: str = "", file: IO[str] | None = None) -> None:
    """``print`` for text that may hold user text (titles, paths, messages): control characters as escapes."""
    print(visible(text, keep="\n\t"), file=file or sys.stdout)


def write_lines(out: IO[str], lines: Iterable[Line], chunk: int = 512, paint: Painter | None = None) -> None:
    """Lines of a listing or a detail view, each made safe to show (a line break inside one is escaped);
    ``Styled`` lines are painted by ``paint`` (which makes each part visible first), else written plain."""
    buffer: list[str] = []
    for line in lines:
        if isinstance(line, Styled):
            buffer.append(paint(line) if paint is not None else visible(line.plain, keep="\t"))
        else:
            buffer.append(visible(line, keep="\t"))
        if len(buffer) >= chunk:
            out.write("\n".join(buffer) + "\n")
            buffer.clear()
    if buffer:
        out.write("\n".join(buffer) + "\n")


def action_detail(row: ActionRow, history: list[ActionEventRow], today: date) -> Iterator[str]:
    yield f"{row.key}  {row.title}"
    yield ""
    overdue = "  (overdue)" if row.is_overdue(today) else ""
    facts = [
        ("status", row.status),
        ("kind", row.kind),
        ("priority", row.priority),
        ("owner", row.owner or "(none)"),
        ("due", (row.due.isoformat() if row.due else "-") + overdue),
        ("incident", row.incident or "-"),
        ("root cause", row.root_cause or "-"),
        ("runbook", row.runbook_path or "-"),
        ("version", str(row.version)),
        ("created", _when(row.created_at)),
        ("updated", _when(row.updated_at)),
        ("completed", _when(row.completed_at)),
    ]
    for name, value in facts:
        yield f"  {name:<11} {value}"
    if row.description:
        yield ""
        yield from ("  " + line for line in row.description.splitlines())
    yield ""
    yield "History"
    for event in history:
        if event.field == "created":
            change = "created"
        elif event.field == "note":
            change = "note"
        else:
            change = f"{event.field}: {event.old_value or '-'} -> {event.new_value or '-'}"
        yield f"  {_when(event.at)}  {event.actor:<24} {change}"
        if event.note:
            yield f"{'':<20}  {brief(event.note, 100)}"


def incident_lines(rows: Iterable[IncidentRow], width: int | None = None) -> Iterator[Line]:
    """Incidents as a table (in the order given: newest first, as the app shows them); ``width`` fits it to
    a terminal."""
    title_cells = title_room(width, 8 + 5 + 17 + 9 + 14 + 6, 80)
    yield Styled(((f"{'KEY':<7} {'SEV':<4} {'STARTED (UTC)':<16} {'DURATION':<8} {'STATUS':<13} {'OPEN':>4}  TITLE",
                   "header"),))
    shown = 0
    for row in rows:
        shown += 1
        yield Styled((
            (f"{row.key:<7} ", ""), (f"{row.severity:<4}", row.severity),
            (f" {_when(row.started_at):<16} {duration(row.duration_minutes):<8} ", ""),
            (f"{row.status:<13}", row.status), (f" {row.open_actions:>4}  ", "alert" if row.open_actions else ""),
            (brief(row.title, title_cells), ""),
        ))
        causes = ", ".join(f"{c.slug} ({c.role})" for c in row.root_causes)
        if causes:
            yield Styled(((f"{'':<7} causes: {brief(causes, title_room(width, 16, 200))}", "muted"),))
    if not shown:
        yield Styled((("no incidents yet", "muted"),))


def incident_detail(detail: IncidentDetail, today: date) -> Iterator[Line]:
    row = detail.row
    yield f"{row.key}  {row.title}"
    yield (f"  {row.severity} · {row.status} · {row.kind}" + (f" · {detail.company}" if detail.company else "")
           + f" · version {row.version}")
    yield ""
    for name, value in (
        ("started", row.started_at),
        ("detected", row.detected_at),
        ("mitigated", row.mitigated_at),
        ("resolved", row.resolved_at),
    ):
        yield f"  {name:<10} {_when(value)} UTC" if value else f"  {name:<10} -"
    yield f"  {'duration':<10} {duration(row.duration_minutes)}"
    if detail.source:
        yield f"  {'source':<10} {detail.source}"
    for title, text in (("Summary", detail.summary), ("Impact", detail.impact),
                        ("Customer action", detail.customer_action), ("Postmortem", detail.postmortem)):
        if text:
            yield ""
            yield title
            yield from ("  " + line for line in text.splitlines())
    if row.components:
        yield ""
        yield "Affected components"
        yield from (f"  - {name}" for name in row.components)
    yield ""
    yield "Root causes"
    if not row.root_causes:
        yield "  (none linked)"
    for cause in row.root_causes:
        yield f"  {cause.slug:<26} {cause.role:<13} {brief(cause.note, 90)}"
    yield ""
    yield "Runbooks"
    yield from (f"  {path}" for path in detail.runbooks) if detail.runbooks else iter(["  (none)"])
    yield ""
    yield "Timeline (UTC)"
    if not detail.timeline:
        yield "  (empty: tracker incidents log INC-n TEXT)"
    for item in detail.timeline:
        yield f"  {'#' + str(item.id):>6} {_when(item.at)}  {item.label:<14} {brief(item.body, 100)}"
    yield ""
    yield "Actions"
    if not detail.actions:
        yield "  (none)"
    else:
        for line in action_lines(detail.actions, today):
            yield "  " + line if isinstance(line, str) else Styled((("  ", ""), *line.parts))
    yield ""
    yield "History"
    for event in detail.history:
        change = event.field if event.old_value is None and event.new_value is None else (
            f"{event.field}: {brief(event.old_value or '-', 40)} → {brief(event.new_value or '-', 60)}")
        yield f"  {_when(event.at)}  {brief(event.actor, 24):<24} {change}"
        if event.note:
            yield f"  {'':<16}  {'':<24} {brief(event.note, 100)}"


CAUSE_LEGEND = "↻ came back (2+ incidents) · PREVENT: prevent actions open/done"


def cause_lines(rows: Iterable[RootCauseRow], width: int | None = None) -> Iterator[Line]:
    """The taxonomy as a table, columns named as the app names them; ``width`` fits it to a terminal (below 100
    columns without the category)."""
    category = width is None or width >= 100
    head = f"{'SLUG':<26} " + (f"{'CATEGORY':<21} " if category else "")
    yield Styled(((f"{head}{'INC':>5} {'LAST SEEN':<10} {'PREVENT':<13} INCIDENTS", "header"),))
    back_seen = shown = 0
    room = title_room(width, 27 + (22 if category else 0) + 6 + 11 + 14, 400)
    for row in rows:
        shown += 1
        seen = row.last_seen.date().isoformat() if row.last_seen else "-"
        prevent = f"{row.prevent_open} open/{row.prevent_done} done"
        incidents = ", ".join(f"{i.key} ({i.role})" for i in row.incidents) or "-"
        if row.retired:
            incidents += "  (retired)"
        back = row.incident_count > 1
        back_seen += back
        count = f"{row.incident_count}{' ↻' if back else ''}"
        lead = f"{row.slug:<26} " + (f"{brief(row.category, 21):<21} " if category else "")
        yield Styled((
            (lead, "muted" if row.retired else ""),
            (f"{count:>5}", "overdue" if back else ""), (f" {seen:<10} ", ""),
            (f"{prevent:<13}", "" if row.prevent_open + row.prevent_done else "alert"),
            (f" {brief(incidents, room)}", ""),
        ))
    if not shown:
        yield Styled((("no root causes yet", "muted"),))
    if back_seen and width is not None:
        yield ""
        yield Styled(((CAUSE_LEGEND, "muted"),))


def cause_detail(row: RootCauseRow) -> Iterator[str]:
    yield f"{row.slug}  {row.title}" + ("  (retired)" if row.retired else "")
    yield f"  category: {row.category or '-'}"
    if row.aliases:
        yield f"  also known as: {', '.join(row.aliases)}"
    if row.description:
        yield ""
        yield from ("  " + line for line in row.description.splitlines())
    yield ""
    yield f"Incidents ({row.incident_count})"
    for incident in row.incidents:
        yield f"  {incident.key:<7} {_when(incident.started_at)}  {incident.role:<13} {brief(incident.title, 80)}"
    yield ""
    yield "Actions by kind (open / done)"
    kinds = sorted(set(row.open_by_kind) | set(row.done_by_kind))
    for kind in kinds:
        yield f"  {kind:<9} {row.open_by_kind.get(kind, 0)} / {row.done_by_kind.get(kind, 0)}"
    if not kinds:
        yield "  (none)"
    yield ""
    yield "Runbooks"
    yield from (f"  {path}" for path in row.runbooks) if row.runbooks else iter(["  (none)"])
    if not row.has_prevent_action:
        yield ""
        yield "  warning: no prevent action against this cause"
    if not row.runbooks:
        yield "  warning: no runbook covers this cause"
