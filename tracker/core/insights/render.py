"""The insights as plain text (a terminal summary, fit for cron) and as a markdown report."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from tracker.core.insights.types import Insights, SloRow


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.0f}%"


def _days(value: int | None) -> str:
    return "-" if value is None else f"{value}d"


def _day(value: datetime | None) -> str:
    return "-" if value is None else value.date().isoformat()


def _flat(text: str) -> str:
    """User text on one line, control characters (ESC, C1, NUL) dropped."""
    return " ".join("".join(c if c.isprintable() else " " for c in text).split())


def _heading(i: Insights) -> str:
    targets = ", ".join(f"{p} {d}" for p, d in i.targets.items())
    return (f"{i.start.isoformat()} to {i.end.isoformat()} ({i.weeks} week{'s' if i.weeks != 1 else ''};"
            f" SLO targets in days: {targets})")


def _slo_cells(row: SloRow) -> list[Any]:
    return [row.priority, f"{row.target_days}d", row.opened, row.closed_in_slo, row.closed_late, row.open_breaching,
            _pct(row.breach_rate)]


SLO_HEADER = ("priority", "target", "opened", "closed in SLO", "closed late", "open past SLO", "breach rate")


def _did_not_prevent(i: Insights, bullet: str, cell: Any) -> Iterator[str]:
    for item in i.recurrence.did_not_prevent:
        yield (f"{bullet}{cell(item.slug)} came back in {item.incident.id} ({_day(item.incident.started_at)}:"
               f" {cell(item.incident.title)}) after all its prevent actions were done:")
        for action in item.actions:
            yield f"    - {action.id} done {_day(action.completed_at)}: {cell(action.title)}"
        if item.action_count > len(item.actions):
            yield f"    - and {item.action_count - len(item.actions)} more"


def render_text(i: Insights) -> str:
    lines = [f"Insights {_heading(i)}", "", "Action SLOs"]
    widths = (8, 6, 6, 13, 11, 13, 11)
    lines.append("  " + " ".join(h.upper().ljust(w) for h, w in zip(SLO_HEADER, widths, strict=True)).rstrip())
    for row in i.slo:
        lines.append("  " + " ".join(str(c).ljust(w) for c, w in zip(_slo_cells(row), widths, strict=True)).rstrip())
    t = i.time_to_close
    lines += ["", f"Time to close (actions closed in the window): {t.overall.closed} closed, p50"
              f" {_days(t.overall.p50_days)}, p90 {_days(t.overall.p90_days)}"]
    lines += [f"  {p}: {c.closed} closed, p50 {_days(c.p50_days)}, p90 {_days(c.p90_days)}"
              for p, c in t.by_priority.items()]
    r = i.recurrence
    lines += ["", f"Recurrence: {r.recurring} of {r.incidents} incidents ({_pct(r.rate)}) had a root or trigger cause"
              " that struck before"]
    for cause in r.causes:
        lines.append(f"  {cause.slug:<28} {cause.incidents} incidents, last {_day(cause.last_seen)},"
                     f" {cause.prevent_done_before_recurrence} prevent actions done before it came back")
    lines += ["", f"Prevent actions did not prevent: {len(r.did_not_prevent)}"]
    lines += list(_did_not_prevent(i, "  ", _flat))
    lines += ["", "Weekly: opened, closed, overdue at the week's end"]
    lines += [f"  {w.week}  {w.opened:>6} {w.closed:>6} {w.overdue_at_end:>6}" for w in i.weekly]
    return "\n".join(lines)


_MD_ESCAPES = str.maketrans({"\\": "\\\\", "|": "\\|", "[": "\\[", "]": "\\]", "`": "\\`", "<": "&lt;",
                             "*": "\\*", "_": "\\_"})


def _cell(value: Any) -> str:
    return _flat(str(value)).translate(_MD_ESCAPES)


def _table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> Iterator[str]:
    yield "| " + " | ".join(header) + " |"
    yield "|" + "|".join(" --- " for _ in header) + "|"
    for row in rows:
        yield "| " + " | ".join(_cell(v) for v in row) + " |"


def render_markdown(i: Insights) -> str:
    t, r = i.time_to_close, i.recurrence
    lines = [f"# Insights {i.start.isoformat()} to {i.end.isoformat()}", "", _heading(i) + ".", "",
             "## Action SLOs", "", *_table(SLO_HEADER, [_slo_cells(row) for row in i.slo]), "",
             "## Time to close", "",
             *_table(("priority", "closed", "p50", "p90"),
                     [["all", t.overall.closed, _days(t.overall.p50_days), _days(t.overall.p90_days)]]
                     + [[p, c.closed, _days(c.p50_days), _days(c.p90_days)] for p, c in t.by_priority.items()]),
             "", "## Recurrence", "",
             f"{r.recurring} of {r.incidents} incidents ({_pct(r.rate)}) had a root or trigger cause that struck"
             " before.",
             ""]
    if r.causes:
        lines += _table(("root cause", "incidents", "last seen", "prevent actions done before it came back"),
                        [[c.slug, c.incidents, _day(c.last_seen), c.prevent_done_before_recurrence]
                         for c in r.causes])
        lines.append("")
    lines += ["## Prevent actions did not prevent", ""]
    lines += list(_did_not_prevent(i, "- ", _cell)) or ["None."]
    lines += ["", "## Weekly", ""]
    lines += _table(("week", "opened", "closed", "overdue at the end"),
                    [[w.week, w.opened, w.closed, w.overdue_at_end] for w in i.weekly])
    return "\n".join(lines) + "\n"
