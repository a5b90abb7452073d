"""What an import will do, in words: the lines the dry run prints and the import dialog shows.

One text for both front ends, so the preview in the app and ``--dry-run`` on the command line never differ.
The lines are plain text; each front end makes them safe for its terminal on the way out.
"""

from __future__ import annotations

from tracker.base.text import brief
from tracker.exchange.plan import ImportPlan

_ORIGIN = {"rules": "keywords", "taxonomy": "close to", "rules+taxonomy": "keywords, close to"}


def preview_lines(plan: ImportPlan, warnings: bool = True) -> list[str]:
    """What importing one report will do: the target, the severity and status it ends with (and whether they are
    kept), each field that changes, what is added, the suggested causes and the proposed actions."""
    report = plan.report
    when = report.started_at.isoformat(timespec="minutes") if report.started_at else "?"
    end = report.resolved_at.isoformat(timespec="minutes") if report.resolved_at else "not resolved"
    if plan.existing:
        target = f"update INC-{plan.existing} (recognised by its {plan.matched_by})"
    else:
        target = "create a new incident"
    severity = f"{plan.severity} (kept)" if plan.severity_kept else plan.severity
    status = plan.status or report.status
    if status != report.status:
        status = f"{status} (kept; the report says {report.status})"
    lines = [f"Would {target}: {brief(report.title, 100)}",
             f"  {report.kind}, {status}, {severity}, {when} -> {end}, company {brief(report.company, 60) or '?'}"]
    for change in plan.changes:
        lines.append(f"  change {change.field}: {brief(str(change.old or '-'), 50)} -> "
                     f"{brief(str(change.new or '-'), 50)}")
    lines.append(f"  adds {plan.new_updates} of {len(report.updates)} updates,"
                 f" {len(plan.new_components)} of {len(report.components)} components,"
                 f" {len(plan.new_actions)} of {len(plan.actions)} proposed actions; the report has"
                 f" {'a' if report.postmortem else 'no'} postmortem")
    for suggestion in plan.suggestions[:6]:
        why = ", ".join(suggestion.keywords[:6])
        known = "" if suggestion.known else " (not in the taxonomy)"
        lines.append(f"  suggested cause: {suggestion.slug} [{_ORIGIN[suggestion.origin]}: {why}]{known}")
    for number, (title, kind) in enumerate(plan.actions, start=1):
        there = "" if number - 1 in plan.new_actions else " (already there)"
        lines.append(f"  proposed action {number} [{kind.value}]: {brief(title, 100)}{there}")
    if warnings:
        lines += [f"  warning: {w}" for w in plan.warnings]
    return lines
