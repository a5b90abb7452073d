"""Turn a parsed status-page report into an incident: create it, or update the one imported before.

A preview (``plan_report``) shows what would happen, with the root causes the keyword rules
suggest and the actions the postmortem names; ``apply_plan`` writes it in one transaction,
applying only the causes and actions the user accepted.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any, NamedTuple

from tracker.base.clock import SYSTEM_CLOCK, Clock
from tracker.base.enums import ActionKind, ActionStatus, CauseRole, Priority
from tracker.base.errors import InputError
from tracker.base.timeutil import iso
from tracker.core.keys import incident_key
from tracker.core.validate import TEXT_MAX, check_row, scrub_line, scrub_text, scrub_title
from tracker.exchange.statuspage import ParsedReport, suggest_root_causes
from tracker.storage.database import Db

SEVERITY_BY_IMPACT = {"critical": "SEV1", "major": "SEV2", "minor": "SEV3", "none": "SEV4", "maintenance": "SEV4"}
"""Statuspage's impact levels as severities; a report with no impact gets SEV3 and a warning to review it."""

_KIND_WORDS = [
    (ActionKind.DETECT, r"\b(monitor\w*|alert\w*|detect\w*|observab\w*|dashboard)\b"),
    (ActionKind.PROCESS, r"\b(process|review\w*|training|runbook|procedure|communicat\w*|rush)\b"),
    (ActionKind.REPAIR, r"\b(repair\w*|restor\w*|replac\w*|regenerat\w*|fix\w*)\b"),
    (ActionKind.MITIGATE, r"\b(mitigat\w*|reduce the impact|workaround|fallback|retry)\b"),
]


class Suggestion(NamedTuple):
    slug: str
    score: int
    keywords: list[str]
    known: bool
    """The slug exists in this database's taxonomy (only known causes can be linked)."""


class ImportPlan(NamedTuple):
    report: ParsedReport
    source: str
    """The key the incident is matched by on a later import."""
    existing: int | None
    """The incident this report was imported as before, if any (then it is updated)."""
    severity: str
    suggestions: list[Suggestion]
    actions: list[tuple[str, ActionKind]]
    warnings: list[str]

    def to_json(self) -> dict[str, Any]:
        report = self.report
        return {
            "would": "update" if self.existing else "create",
            "incident": incident_key(self.existing) if self.existing else None,
            "title": report.title,
            "company": scrub_line(report.company, 200),
            "kind": report.kind,
            "status": report.status,
            "severity": self.severity,
            "started_at": iso(report.started_at),
            "resolved_at": iso(report.resolved_at),
            "source": self.source,
            "updates": [{"label": u.label, "at": iso(u.posted_at), "body": u.body} for u in report.updates],
            "components": [f"{c.group} / {c.name}" if c.group else c.name for c in report.components],
            "postmortem": bool(report.postmortem),
            "suggested_causes": [{"slug": s.slug, "score": s.score, "keywords": s.keywords, "known": s.known}
                                 for s in self.suggestions],
            "proposed_actions": [{"title": t, "kind": k.value} for t, k in self.actions],
            "warnings": list(self.warnings),
        }


def action_kind(text: str) -> ActionKind:
    """A guess at an action's kind from its words; prevent when nothing else fits."""
    for kind, pattern in _KIND_WORDS:
        if re.search(pattern, text, re.IGNORECASE):
            return kind
    return ActionKind.PREVENT


def plan_report(db: Db, report: ParsedReport, rules: Mapping[str, Sequence[str]]) -> ImportPlan:
    """What importing ``report`` would do; reads the database, writes nothing."""
    warnings = list(report.warnings)
    source = report.source
    if report.external_id and report.external_id not in source:
        source = f"{source}#{report.external_id}" if source else f"statuspage:{report.external_id}"
    existing = None
    source = scrub_line(source, 1000)
    if source:
        existing = db.scalar("SELECT id FROM incident WHERE source = :source ORDER BY id LIMIT 1", {"source": source})
    if existing is None and report.started_at is not None:
        existing = db.scalar(
            "SELECT id FROM incident WHERE title = :title AND started_at = :started ORDER BY id LIMIT 1",
            {"title": scrub_title(report.title), "started": report.started_at},
        )
    severity = SEVERITY_BY_IMPACT.get(report.impact.lower()) if report.impact else None
    if severity is None:
        severity = "SEV3"
        if existing is None:
            warnings.append("the report gives no impact level: severity set to SEV3, review it")
    known = {slug for (slug,) in db.rows("SELECT slug FROM root_cause")}
    text = report.sections.get("root_cause") or report.postmortem or "\n".join(u.body for u in report.updates)
    suggestions = [Suggestion(slug, score, words, slug in known)
                   for slug, score, words in suggest_root_causes(text, rules)]
    actions = [(scrub_title(item) or "(untitled action)", action_kind(item))
               for item in report.proposed_actions if item.strip()]
    texts = {"summary": report.sections.get("summary", ""), "impact": report.sections.get("impact", ""),
             "postmortem": report.postmortem, **{f"update {n}": u.body for n, u in enumerate(report.updates, 1)}}
    if cut := [name for name, text in texts.items() if len(text) > TEXT_MAX]:
        warnings.append(f"{', '.join(cut[:3])}{' and more' if len(cut) > 3 else ''}: longer than"
                        f" {TEXT_MAX:,} characters, cut to that")
    if report.started_at is None:
        warnings.append("no update has a readable time: the incident has no start time")
    return ImportPlan(report, source, existing, severity, suggestions, actions, warnings)


def apply_plan(
    db: Db,
    plan: ImportPlan,
    *,
    actor: str,
    today: date,
    due_days: Mapping[str, int],
    causes: Sequence[str] = (),
    actions: Sequence[int] | None = None,
    clock: Clock = SYSTEM_CLOCK,
) -> tuple[int, dict[str, int]]:
    """Write the incident (new or updated), its timeline and components, the accepted causes
    (slugs) and actions (indexes into ``plan.actions``; None = all). Returns (incident id, counts)."""
    report = plan.report
    known = {slug: rid for rid, slug in db.rows("SELECT id, slug FROM root_cause")}
    for slug in causes:
        if slug not in known:
            raise InputError(f"no root cause {slug!r} to link (see: tracker rootcauses list)")
    chosen = list(range(len(plan.actions))) if actions is None else list(actions)
    for index in chosen:
        if not 0 <= index < len(plan.actions):
            raise InputError(f"no proposed action number {index + 1}")
    now = clock.now()
    counts = {"timeline": 0, "components": 0, "causes": 0, "actions": 0}
    fields = check_row("incident", {
        "title": scrub_title(report.title) or "(untitled report)",
        "company": scrub_line(report.company, 200),
        "kind": report.kind,
        "severity": plan.severity,
        "status": report.status,
        "started": report.started_at,
        "resolved": report.resolved_at,
        "summary": scrub_text(report.sections.get("summary", "")),
        "impact": scrub_text(report.sections.get("impact", "") or report.impact),
        "source": plan.source,
        "postmortem": scrub_text(report.postmortem),
        "now": now,
    })
    with db.write():
        incident_id = plan.existing
        if incident_id is None:
            incident_id = db.insert(
                "INSERT INTO incident (title, company, kind, severity, status, started_at, detected_at,"
                " resolved_at, summary, impact, customer_action, source, postmortem, created_at, updated_at)"
                " VALUES (:title, :company, :kind, :severity, :status, :started, :started, :resolved, :summary,"
                " :impact, '', :source, :postmortem, :now, :now) RETURNING id",
                fields,
            )
        else:
            _update_incident(db, incident_id, fields)
        _merge_timeline(db, incident_id, report, counts)
        linked = {r[0] for r in db.rows("SELECT component_id FROM incident_component WHERE incident_id = :i",
                                        {"i": incident_id})}
        named = ((scrub_line(c.group, 200), scrub_line(c.name, 200)) for c in report.components)
        for component in dict.fromkeys(pair for pair in named if pair[1].strip()):
            check_row("component", {"group_name": component[0], "name": component[1]})
            component_id = db.scalar("SELECT id FROM component WHERE group_name = :g AND name = :n",
                                     {"g": component[0], "n": component[1]})
            if component_id is None:
                component_id = db.insert("INSERT INTO component (group_name, name) VALUES (:g, :n) RETURNING id",
                                         {"g": component[0], "n": component[1]})
            if component_id not in linked:
                db.execute("INSERT INTO incident_component (incident_id, component_id) VALUES (:i, :c)",
                           {"i": incident_id, "c": component_id})
                linked.add(component_id)
                counts["components"] += 1
        for slug in causes:
            linked = db.scalar("SELECT 1 FROM incident_root_cause WHERE incident_id = :i AND root_cause_id = :c",
                               {"i": incident_id, "c": known[slug]})
            if not linked:
                db.execute(
                    "INSERT INTO incident_root_cause (incident_id, root_cause_id, role, note)"
                    " VALUES (:i, :c, :role, :note)",
                    {"i": incident_id, "c": known[slug], "role": CauseRole.ROOT.value,
                     "note": "Suggested by the importer from the report's words; confirmed on import."},
                )
                counts["causes"] += 1
        counts["actions"] = _add_actions(db, plan, chosen, incident_id, causes, actor, today, due_days,
                                         clock)
    return incident_id, counts


def _update_incident(db: Db, incident_id: int, fields: dict[str, Any]) -> None:
    """Refresh an incident from a newer copy of its report without losing what people added:
    the earlier start and an existing resolution time, severity and texts stay."""
    from tracker.base.timeutil import read_stamp

    started, resolved, summary, impact, postmortem = db.row(  # type: ignore[misc]
        "SELECT started_at, resolved_at, summary, impact, postmortem FROM incident WHERE id = :id", {"id": incident_id})
    started, resolved = read_stamp(started), read_stamp(resolved)
    if fields["started"] is not None and (started is None or fields["started"] < started):
        started = fields["started"]
    db.execute(
        "UPDATE incident SET title = :title, company = :company, kind = :kind, status = :status,"
        " started_at = :keep_started, resolved_at = :keep_resolved, summary = :keep_summary,"
        " impact = :keep_impact, source = :source, postmortem = :keep_postmortem, updated_at = :now WHERE id = :id",
        {**fields, "id": incident_id, "keep_started": started, "keep_resolved": resolved or fields["resolved"],
         "keep_summary": summary or fields["summary"], "keep_impact": impact or fields["impact"],
         "keep_postmortem": fields["postmortem"] or postmortem},
    )


def _merge_timeline(db: Db, incident_id: int, report: ParsedReport, counts: dict[str, int]) -> None:
    """Add the report's updates that the timeline does not have yet; keep every entry already there."""
    from tracker.base.timeutil import read_stamp

    have = {(read_stamp(at), label, body) for at, label, body in db.rows(
        "SELECT at, label, body FROM timeline_entry WHERE incident_id = :i", {"i": incident_id})}
    position = int(db.scalar("SELECT COALESCE(MAX(position), -1) FROM timeline_entry WHERE incident_id = :i",
                             {"i": incident_id}))
    for update in report.updates:
        key = (update.posted_at, scrub_line(update.label, 100), scrub_text(update.body))
        check_row("timeline_entry", {"label": key[1], "body": key[2]})
        if key in have:
            continue
        position += 1
        db.execute(
            "INSERT INTO timeline_entry (incident_id, position, at, label, body)"
            " VALUES (:id, :position, :at, :label, :body)",
            {"id": incident_id, "position": position, "at": update.posted_at, "label": key[1], "body": key[2]},
        )
        have.add(key)
        counts["timeline"] += 1


def _add_actions(db: Db, plan: ImportPlan, chosen: list[int], incident_id: int, causes: Sequence[str],
                 actor: str, today: date, due_days: Mapping[str, int], clock: Clock) -> int:
    from tracker.core.actions import add_action

    existing = {t for (t,) in db.rows("SELECT title FROM action WHERE incident_id = :i", {"i": incident_id})}
    added = 0
    for index in chosen:
        title, kind = plan.actions[index]
        if title in existing:
            continue  # imported before: re-importing never duplicates an action
        add_action(
            db, title=title, actor=actor, today=today, due_days=due_days, clock=clock,
            incident=incident_key(incident_id),
            root_cause=causes[0] if len(causes) == 1 else None, kind=kind, priority=Priority.P2,
            status=ActionStatus.PROPOSED, description=scrub_text(plan.report.proposed_actions[index], 20_000),
            note=scrub_text(f"Proposed from the postmortem of {plan.report.title!r}"
                            f" ({plan.source or 'pasted text'}).", 2000),
        )
        existing.add(title)
        added += 1
    return added
