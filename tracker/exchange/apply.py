"""Turn a parsed status-page report into an incident: create it, or update the one imported before.

A preview (``plan_report``) shows what would happen, with the root causes the keyword rules
suggest and the actions the postmortem names; ``apply_plan`` writes it in one transaction,
applying only the causes and actions the user accepted.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any, NamedTuple

from tracker.base.clock import SYSTEM_CLOCK, Clock
from tracker.base.enums import ActionKind, ActionStatus, CauseRole, Priority
from tracker.base.errors import InputError, NotFoundError
from tracker.base.timeutil import iso, read_stamp
from tracker.core.history import bump_incident, record_incident_event
from tracker.core.incidents.changes import (
    attach_component,
    insert_cause_link,
    insert_incident,
    insert_timeline_entry,
)
from tracker.core.keys import incident_key
from tracker.core.rootcauses.names import resolve_cause
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
            "company": _text(report.company)[:200],
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


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def _text(text: str) -> str:
    """Imported text as free text: control characters (and undecodable bytes) become spaces.

    Bodies are otherwise kept exactly; NUL in particular cannot be stored by PostgreSQL.
    """
    return _CONTROL.sub(" ", text)


def _title(text: str) -> str:
    flat = " ".join(_text(text).split())
    return flat if len(flat) <= 200 else flat[:199].rstrip() + "…"


def plan_report(db: Db, report: ParsedReport, rules: Mapping[str, Sequence[str]]) -> ImportPlan:
    """What importing ``report`` would do; reads the database, writes nothing."""
    warnings = list(report.warnings)
    source = report.source
    if report.external_id and report.external_id not in source:
        source = f"{source}#{report.external_id}" if source else f"statuspage:{report.external_id}"
    existing = None
    source = _text(source)
    if source:
        existing = db.scalar("SELECT id FROM incident WHERE source = :source ORDER BY id LIMIT 1", {"source": source})
    if existing is None and report.started_at is not None:
        existing = db.scalar(
            "SELECT id FROM incident WHERE title = :title AND started_at = :started ORDER BY id LIMIT 1",
            {"title": _title(report.title), "started": report.started_at},
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
    actions = [(_title(item), action_kind(item)) for item in report.proposed_actions if item.strip()]
    if report.started_at is None:
        warnings.append("no update has a readable time: the incident has no start time")
    return ImportPlan(report, source, existing, severity, suggestions, actions, warnings)


def apply_plan(
    db: Db,
    plan: ImportPlan,
    *,
    actor: str,
    today: date,
    slo_days: Mapping[str, int],
    causes: Sequence[str] = (),
    actions: Sequence[int] | None = None,
    clock: Clock = SYSTEM_CLOCK,
) -> tuple[int, dict[str, int]]:
    """Write the incident (new or updated), its timeline and components, the accepted causes
    (slugs) and actions (indexes into ``plan.actions``; None = all). Returns (incident id, counts).

    The incident's history says what the import did: ``created`` for a new one; for a re-import,
    each field, timeline entry, component and cause it changed, and the incident's version rises.
    """
    report = plan.report
    chosen = list(range(len(plan.actions))) if actions is None else list(actions)
    for index in chosen:
        if not 0 <= index < len(plan.actions):
            raise InputError(f"no proposed action number {index + 1}")
    now = clock.now()
    note = f"imported from {plan.source or 'pasted text'}"
    counts = {"timeline": 0, "components": 0, "causes": 0, "actions": 0}
    fields = {
        "title": _title(report.title) or "(untitled report)",
        "company": report.company,
        "kind": report.kind,
        "severity": plan.severity,
        "status": report.status,
        "started_at": report.started_at,
        "resolved_at": report.resolved_at,
        "summary": _text(report.sections.get("summary", "")),
        "impact": _text(report.sections.get("impact", "") or report.impact),
        "source": plan.source,
        "postmortem": _text(report.postmortem),
    }
    with db.write():
        found = [resolve_cause(db, slug) for slug in causes]
        incident_id = plan.existing
        created = incident_id is None
        if incident_id is None:
            incident_id = insert_incident(db, {**fields, "detected_at": fields["started_at"], "created_at": now})
            record_incident_event(db, incident_id, now, actor, "created", None, fields["title"], note)
        else:
            _update_incident(db, incident_id, fields, actor, now, note)
        _merge_timeline(db, incident_id, report, counts, None if created else (actor, now, note))
        for group, name in dict.fromkeys((_text(c.group)[:200], _text(c.name)[:200]) for c in report.components):
            if attach_component(db, incident_id, group, name):
                counts["components"] += 1
                if not created:
                    record_incident_event(db, incident_id, now, actor, "component", None, f"{group} / {name}" if group
                                 else name, note)
        for cause in found:
            if db.scalar("SELECT 1 FROM incident_root_cause WHERE incident_id = :i AND root_cause_id = :c",
                         {"i": incident_id, "c": cause.id}) is None:
                insert_cause_link(db, incident_id, cause.id, CauseRole.ROOT,
                                  "Suggested by the importer from the report's words; confirmed on import.")
                record_incident_event(db, incident_id, now, actor, "cause", None, f"{cause.slug} (root)", note)
                counts["causes"] += 1
        counts["actions"] = _add_actions(db, plan, chosen, incident_id, [c.slug for c in found], actor, today,
                                         slo_days, clock)
    return incident_id, counts


_TRACKED = ("title", "company", "kind", "status", "started_at", "resolved_at", "summary", "impact", "source",
            "postmortem")
"""The fields a re-import may change, each change recorded."""


def _update_incident(db: Db, incident_id: int, fields: dict[str, Any], actor: str, now: datetime,
                     note: str) -> None:
    """Refresh an incident from a newer copy of its report without losing what people added:
    the earlier start and an existing resolution time, severity and texts stay."""
    current = db.row(f"SELECT {', '.join(_TRACKED)}, version FROM incident WHERE id = :id", {"id": incident_id})
    if current is None:
        raise NotFoundError(f"no incident {incident_key(incident_id)}")
    before = dict(zip(_TRACKED, current, strict=False))
    version = int(current[-1])
    started, resolved = read_stamp(before["started_at"]), read_stamp(before["resolved_at"])
    before["started_at"], before["resolved_at"] = started, resolved
    if fields["started_at"] is not None and (started is None or fields["started_at"] < started):
        started = fields["started_at"]
    after = {
        **{k: fields[k] for k in ("title", "company", "kind", "status", "source")},
        "started_at": started,
        "resolved_at": resolved or fields["resolved_at"],
        "summary": before["summary"] or fields["summary"],
        "impact": before["impact"] or fields["impact"],
        "postmortem": fields["postmortem"] or before["postmortem"],
    }
    changed = {k: v for k, v in after.items() if before[k] != v}
    if not changed:
        return
    bump_incident(db, incident_id, version, now, changed)
    for name, value in changed.items():
        old = before[name]
        record_incident_event(db, incident_id, now, actor, name, iso(old) if isinstance(old, datetime) else old,
                              iso(value) if isinstance(value, datetime) else value, note)


def _merge_timeline(db: Db, incident_id: int, report: ParsedReport, counts: dict[str, int],
                    history: tuple[str, datetime, str] | None) -> None:
    """Add the report's updates that the timeline does not have yet; keep every entry already there.
    With ``history`` (actor, now, note), each entry added is recorded in the incident's history."""
    have = {(read_stamp(at), label, body) for at, label, body in db.rows(
        "SELECT at, label, body FROM timeline_entry WHERE incident_id = :i", {"i": incident_id})}
    for update in report.updates:
        key = (update.posted_at, _text(update.label)[:100], _text(update.body))
        if key in have:
            continue
        entry_id = insert_timeline_entry(db, incident_id, update.posted_at, key[1], key[2])
        if history is not None:
            actor, now, note = history
            record_incident_event(db, incident_id, now, actor, "timeline", None,
                         f"#{entry_id} {iso(update.posted_at) or 'undated'} [{key[1]}] {key[2][:200]}", note)
        have.add(key)
        counts["timeline"] += 1


def _add_actions(db: Db, plan: ImportPlan, chosen: list[int], incident_id: int, causes: Sequence[str],
                 actor: str, today: date, slo_days: Mapping[str, int], clock: Clock) -> int:
    from tracker.core.actions import add_action

    existing = {t for (t,) in db.rows("SELECT title FROM action WHERE incident_id = :i", {"i": incident_id})}
    added = 0
    for index in chosen:
        title, kind = plan.actions[index]
        if title in existing:
            continue  # imported before: re-importing never duplicates an action
        add_action(
            db, title=title, actor=actor, today=today, slo_days=slo_days, clock=clock,
            incident=incident_key(incident_id),
            root_cause=causes[0] if len(causes) == 1 else None, kind=kind, priority=Priority.P2,
            status=ActionStatus.PROPOSED, description=_text(plan.report.proposed_actions[index])[:20_000],
            note=_text(f"Proposed from the postmortem of {plan.report.title!r}"
                       f" ({plan.source or 'pasted text'}).")[:2000],
        )
        existing.add(title)
        added += 1
    return added
