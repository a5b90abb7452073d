"""The weekly review as text: a plain terminal summary, and the markdown report with TOML front matter.

No colour and no markup library: the output is read in terminals, cron mails and git diffs alike.
User text is flattened to one line and, in markdown, escaped so it cannot break a table or become a link,
a code span or HTML; control characters in it are shown as escapes (``tracker.base.text.visible``).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from tracker.base.text import visible
from tracker.core.review.types import COVERAGE, ActionItem, LedgerConflict, OwnerGroup, Review

BLOCKS = "▁▂▃▄▅▆▇█"
TEXT_ROWS = 10
"""Rows shown per section in the terminal summary (the markdown report shows all the review holds)."""

TITLES = {
    "overdue": "Overdue",
    "due_soon": "Due in the next 7 days",
    "unowned": "No owner",
    "proposed": "Proposed, waiting for triage",
    "blocked": "Blocked",
    "stale": "Stale (no change for {stale_days} days or more)",
    "done_this_week": "Done this week",
    "wont_do_this_week": "Won't do this week",
    "new_incidents": "New incidents this week",
    "causes_without_prevent": "Root causes with no prevent action",
    "incidents_without_actions": "Incidents with no action at all",
    "causes_without_runbook": "Root causes with no runbook",
    "stale_runbooks": "Stale runbooks",
    "recurrence": "Recurring root causes",
    "load": "Load per owner",
    "decisions": "Decisions",
    "conflicts": "Team ledger: conflicts to settle",
}


def sparkline(values: Sequence[int], top: int | None = None) -> str:
    """One block character per value, scaled to ``top`` (default: the largest value)."""
    top = max(values, default=0) if top is None else top
    if top <= 0:
        return BLOCKS[0] * len(values)
    return "".join(BLOCKS[min(len(BLOCKS) - 1, round(v / top * (len(BLOCKS) - 1)))] for v in values)


def _flat(text: str | None, width: int = 0) -> str:
    flat = " ".join((text or "").split())
    return flat[: width - 1] + "…" if width and len(flat) > width else flat


def _day(value: datetime | None) -> str:
    return value.date().isoformat() if value else "-"


def _incidents(count: int) -> str:
    return f"{count} incident{'' if count == 1 else 's'}"


def _title(key: str, review: Review) -> str:
    return TITLES[key].format(stale_days=review.stale_days)


def _fact(item: ActionItem) -> str:
    """The section-specific fact about an action, in words."""
    extra = item.extra
    if "days_overdue" in extra:
        return f"{extra['days_overdue']} d late" if extra["days_overdue"] else ""
    if "days_left" in extra:
        return "due today" if extra["days_left"] == 0 else f"in {extra['days_left']} d"
    if "days_since_change" in extra:
        return f"unchanged {extra['days_since_change']} d"
    if "days_waiting" in extra:
        return f"waiting {extra['days_waiting']} d"
    if "completed_at" in extra:
        return f"closed {str(extra['completed_at'])[:10]}"
    return ""


def _note(item: ActionItem) -> str:
    return _flat(item.extra.get("note"))


def _items(review: Review, key: str) -> list[ActionItem]:
    rows = review.sections[key]
    if rows and isinstance(rows[0], OwnerGroup):
        return [item for group in rows for item in group.actions]
    return rows


# -- terminal summary -----------------------------------------------------------------------------


def _more(shown: int, total: int, indent: str = "  ") -> Iterator[str]:
    if total > shown:
        yield f"{indent}... and {total - shown} more"


def _text_action(item: ActionItem, indent: str) -> Iterator[str]:
    a = item.action
    yield (f"{indent}{a.key:<9} {a.priority:<3} {a.status:<11} due {a.due.isoformat()}  {_fact(item):<16}"
           f" {_flat(a.owner or '-', 20):<20} {_flat(a.title, 70)}")
    if _note(item):
        yield f"{indent}          note: {_flat(_note(item), 100)}"


def _text_section(review: Review, key: str, rows: int) -> Iterator[str]:
    total = review.counts[key]
    yield f"{_title(key, review)}: {total}"
    data = review.sections[key]
    if key in ("overdue", "due_soon"):
        shown = 0
        for group in data:
            if shown >= rows:
                break
            yield f"  {group.owner or '(no owner)'} ({group.total})"
            for item in group.actions[: rows - shown]:
                yield from _text_action(item, "    ")
                shown += 1
        yield from _more(shown, total)
        return
    for row in data[:rows]:
        if isinstance(row, ActionItem):
            yield from _text_action(row, "  ")
        elif key in ("new_incidents", "incidents_without_actions"):
            count = f"{row.actions} action{'' if row.actions == 1 else 's'}"
            yield f"  {row.id:<8} {row.severity:<4} started {_day(row.started_at)}  {count}  {_flat(row.title, 70)}"
        elif key in ("causes_without_prevent", "causes_without_runbook"):
            yield f"  {row.slug:<28} {_incidents(row.incident_count)}, last {_day(row.last_seen)}"
        elif key == "stale_runbooks":
            yield f"  {row.path}: {'; '.join(row.reasons)}"
        elif key == "recurrence":
            dates = ", ".join(_day(i.started_at) for i in row.incidents)
            yield f"  {row.slug:<28} {_incidents(row.incident_count)}: {dates}"
            for done in row.done:
                again = "  -- done, and it happened again" if done.extra["happened_again"] else ""
                yield (f"    done {done.action.key:<9} {_day(done.action.completed_at)}"
                       f"  {_flat(done.action.title, 60)}{again}")
        elif key == "load":
            yield f"  {_flat(row.owner or '(no owner)', 28):<28} {row.open:>6} open {row.overdue:>6} overdue"
        elif key == "decisions":
            yield (f"  {row.action:<9} {row.field}: {row.old or '-'} -> {row.new or '-'}  by {row.actor}"
                   f"  {_flat(row.note, 80)}")
        elif key == "conflicts":
            yield from _text_conflict(row)
    yield from _more(min(rows, len(data)), total)


def _text_conflict(row: LedgerConflict) -> Iterator[str]:
    if row.kind == "flag":
        yield from (f"  {row.key:<9} {_flat(flag, 100)}" for flag in row.flags)
        return
    yield f"  {row.key:<9} {row.field}: changed apart on two clones; keep one with {row.resolve}"
    for number, value in enumerate(row.values, start=1):
        yield f"    {number}. {_flat(str(value['value']), 60)}  by {value['actor']} at {str(value['at'])[:16]}"


def render_text(review: Review, rows: int = TEXT_ROWS) -> str:
    """A readable terminal summary: counts, the first ``rows`` of each section, the trend."""
    lines = [f"Weekly action review {review.week} ({review.start.isoformat()} to {review.end.isoformat()},"
             f" dates from {review.reference_day.isoformat()})", ""]
    for key in review.counts:
        if key == "conflicts" and not review.counts[key]:
            continue  # a team ledger's, shown when there are some
        if key == "causes_without_prevent":
            lines += ["Coverage gaps", ""]
        lines += list(_text_section(review, key, rows)) + [""]
        if key == "load":
            lines += list(_trend_lines(review)) + [""]
    return visible("\n".join(lines), keep="\n")


def _trend_lines(review: Review) -> Iterator[str]:
    opened = [w.opened for w in review.trend]
    closed = [w.closed for w in review.trend]
    top = max(opened + closed, default=0)
    first, last = review.trend[0].week, review.trend[-1].week
    yield f"Trend: actions opened and closed per week, {first} to {last} (scale 0..{top})"
    yield f"  opened {sparkline(opened, top)}  {sum(opened)} in 12 weeks, {opened[-1]} this week"
    yield f"  closed {sparkline(closed, top)}  {sum(closed)} in 12 weeks, {closed[-1]} this week"


# -- markdown report ------------------------------------------------------------------------------


def mermaid_trend(review: Review) -> Iterator[str]:
    """The 12 weeks' opened and closed actions as a Mermaid ``xychart-beta`` (GitHub and GitLab draw it):
    opened as bars, closed as a line, weeks on the x axis by their number (``W48``)."""
    opened = [w.opened for w in review.trend]
    closed = [w.closed for w in review.trend]
    top = max([*opened, *closed, 1])
    weeks = ", ".join(f'"{w.week[-3:]}"' for w in review.trend)
    first, last = (review.trend[0].week, review.trend[-1].week) if review.trend else (review.week, review.week)
    yield "```mermaid"
    yield "xychart-beta"
    yield f'    title "Actions opened (bars) and closed (line) per week, {first} to {last}"'
    yield f"    x-axis [{weeks}]"
    yield f'    y-axis "Actions" 0 --> {top}'
    yield f"    bar [{', '.join(map(str, opened))}]"
    yield f"    line [{', '.join(map(str, closed))}]"
    yield "```"


_MD_ESCAPES = str.maketrans({"\\": "\\\\", "|": "\\|", "[": "\\[", "]": "\\]", "`": "\\`", "<": "&lt;"})
"""User text in the report stays text: no table breaks, links, code spans or HTML."""


def _cell(value: Any) -> str:
    return _flat("-" if value is None or value == "" else str(value)).translate(_MD_ESCAPES)


def _table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> Iterator[str]:
    yield "| " + " | ".join(header) + " |"
    yield "|" + "|".join(" --- " for _ in header) + "|"
    for row in rows:
        yield "| " + " | ".join(_cell(v) for v in row) + " |"


def _action_rows(items: Sequence[ActionItem]) -> list[list[Any]]:
    return [[i.action.key, i.action.title, i.action.owner, i.action.priority, i.action.status, i.action.due,
             _fact(i), _note(i)] for i in items]


ACTION_HEADER = ("action", "title", "owner", "priority", "status", "due", "detail", "note")


def _md_section(review: Review, key: str) -> Iterator[str]:
    data, total = review.sections[key], review.counts[key]
    yield f"{'###' if key in COVERAGE else '##'} {_title(key, review)} ({total})"
    yield ""
    if not data:
        yield "None."
    elif key in ("overdue", "due_soon"):
        for group in data:
            yield f"**{_cell(group.owner or '(no owner)')}** ({group.total})"
            yield ""
            yield from _table(ACTION_HEADER, _action_rows(group.actions))
            yield ""
    elif isinstance(data[0], ActionItem):
        yield from _table(ACTION_HEADER, _action_rows(data))
    elif key in ("new_incidents", "incidents_without_actions"):
        yield from _table(("incident", "title", "severity", "status", "started", "actions"),
                          [[r.id, r.title, r.severity, r.status, _day(r.started_at), r.actions] for r in data])
    elif key in ("causes_without_prevent", "causes_without_runbook"):
        yield from _table(("root cause", "title", "incidents", "last seen"),
                          [[r.slug, r.title, r.incident_count, _day(r.last_seen)] for r in data])
    elif key == "stale_runbooks":
        yield from _table(("runbook", "title", "owner", "why"),
                          [[r.path, r.title, r.owner, "; ".join(r.reasons)] for r in data])
    elif key == "recurrence":
        for row in data:
            dates = ", ".join(f"{i.id} {_day(i.started_at)}" for i in row.incidents)
            yield f"- **{_cell(row.slug)}** ({row.incident_count} incidents: {dates})"
            if row.happened_again:
                yield "  - these were done, and it happened again:"
            for done in row.done:
                again = " (before the latest incident)" if done.extra["happened_again"] else ""
                yield f"  - {done.action.key} done {_day(done.action.completed_at)}: {_cell(done.action.title)}{again}"
            if not row.done:
                yield "  - no action done against it yet"
    elif key == "load":
        yield from _table(("owner", "open", "overdue"), [[r.owner or "(no owner)", r.open, r.overdue] for r in data])
    elif key == "conflicts":
        yield from _table(("key", "field", "values (the last one applies)", "settle with"), [
            [r.key, r.field, "; ".join(r.flags) if r.kind == "flag" else " | ".join(
                f"{n}. {v['value']} ({v['actor']})" for n, v in enumerate(r.values, start=1)), r.resolve]
            for r in data])
    elif key == "decisions":
        yield from _table(("when", "action", "title", "field", "change", "actor", "note"),
                          [[_day(r.at), r.action, r.title, r.field, f"{r.old or '-'} -> {r.new or '-'}", r.actor,
                            r.note] for r in data])
    shown = len(_items(review, key)) if key in ("overdue", "due_soon") else len(data)
    if total > shown:
        yield ""
        yield f"_Showing {shown} of {total}._"
    yield ""


def render_markdown(review: Review) -> str:
    """The report's body: every section as a table or a list, the trend, the decisions."""
    lines = [f"# Weekly action review {review.week}", "",
             f"Week {review.week}: Monday {review.start.isoformat()} to Sunday {review.end.isoformat()} (UTC days);"
             f" due dates measured from {review.reference_day.isoformat()}; generated"
             f" {review.generated_at.isoformat()}.", "", "## Summary", ""]
    lines += _table(("section", "count"), [[_title(k, review), n] for k, n in review.counts.items()
                                           if k != "conflicts" or n])
    lines.append("")
    for key in review.counts:
        if key == "conflicts" and not review.counts[key]:
            continue
        if key == "causes_without_prevent":
            lines += ["## Coverage gaps", ""]
        lines += _md_section(review, key)
        if key == "load":
            lines += ["## Trend", "", *mermaid_trend(review), ""]
            lines += _table(("week", "starts", "opened", "closed"),
                            [[w.week, w.start.isoformat(), w.opened, w.closed] for w in review.trend])
            lines.append("")
    return visible("\n".join(lines), keep="\n")


def report_document(review: Review) -> str:
    """The file ``runbooks/reviews/<week>.md``: TOML front matter (week, generated_at, counts), then the report."""
    import tomli_w

    front = tomli_w.dumps({"week": review.week, "generated_at": review.generated_at, "counts": dict(review.counts)})
    return f"+++\n{front}+++\n\n{render_markdown(review)}"
