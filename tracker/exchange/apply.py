"""Turn a parsed status-page report into an incident: create it, or update the one imported before.

:mod:`tracker.exchange.plan` works out what an import would do (the preview: ``plan_report``);
``apply_plan`` writes it in one transaction, applying only the causes and actions the user accepted.
It recomputes the changes inside that transaction with the same helpers the preview used, so what
the preview showed is what happens, unless someone changed the incident in between.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime

from tracker.base.clock import SYSTEM_CLOCK, Clock
from tracker.base.enums import ActionStatus, CauseRole, Priority
from tracker.base.errors import InputError
from tracker.base.timeutil import iso
from tracker.core.history import bump_incident, record_incident_event
from tracker.core.incidents.changes import (
    attach_component,
    insert_cause_link,
    insert_incident,
    insert_timeline_entry,
)
from tracker.core.keys import incident_key
from tracker.core.rootcauses.names import resolve_cause
from tracker.core.validate import check_row, scrub_line, scrub_text
from tracker.exchange.plan import (
    SEVERITY_BY_IMPACT,
    FieldChange,
    ImportPlan,
    PlanContext,
    Suggestion,
    action_kind,
    existing_action_titles,
    identity,
    incident_fields,
    merged_fields,
    missing_components,
    missing_updates,
    plan_report,
    shown,
)
from tracker.exchange.statuspage import ParsedReport
from tracker.storage.database import Db

__all__ = ["SEVERITY_BY_IMPACT", "FieldChange", "ImportPlan", "PlanContext", "Suggestion", "action_kind",
           "apply_plan", "plan_report"]


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
    fields = check_row("incident", incident_fields(report, plan.source, plan.severity))
    with db.write():
        found = [resolve_cause(db, slug) for slug in causes]
        incident_id = plan.existing
        created = incident_id is None
        if incident_id is None:
            incident_id = insert_incident(db, {**fields, "detected_at": fields["started_at"], "created_at": now})
            record_incident_event(db, incident_id, now, actor, "created", None, fields["title"], note)
        else:
            _update_incident(db, incident_id, fields, any(identity(report)), actor, now, note)
        _merge_timeline(db, incident_id, report, counts, None if created else (actor, now, note))
        for group, name in missing_components(db, None if created else incident_id, report):
            check_row("component", {"group_name": group, "name": name})
            if attach_component(db, incident_id, group, name):
                counts["components"] += 1
                if not created:
                    record_incident_event(db, incident_id, now, actor, "component", None,
                                          f"{group} / {name}" if group else name, note)
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


def _update_incident(db: Db, incident_id: int, fields: dict[str, object], identified: bool, actor: str,
                     now: datetime, note: str) -> None:
    """Refresh an incident from a newer copy of its report without losing what people added (see
    :func:`tracker.exchange.plan.merged_fields`); the severity is never touched."""
    before, after, version = merged_fields(db, incident_id, fields, identified)
    changed = {k: v for k, v in after.items() if before[k] != v}
    if not changed:
        return
    bump_incident(db, incident_id, version, now, changed)
    for name, value in changed.items():
        record_incident_event(db, incident_id, now, actor, name, shown(before[name]), shown(value), note)


def _merge_timeline(db: Db, incident_id: int, report: ParsedReport, counts: dict[str, int],
                    history: tuple[str, datetime, str] | None) -> None:
    """Add the report's updates that the timeline does not have yet; keep every entry already there.
    With ``history`` (actor, now, note), each entry added is recorded in the incident's history."""
    for index in missing_updates(db, None if history is None else incident_id, report):
        update = report.updates[index]
        checked = check_row("timeline_entry", {"label": scrub_line(update.label, 100), "body": scrub_text(update.body)})
        label, body = checked["label"], checked["body"]
        entry_id = insert_timeline_entry(db, incident_id, update.posted_at, label, body)
        if history is not None:
            actor, now, note = history
            record_incident_event(db, incident_id, now, actor, "timeline", None,
                                  f"#{entry_id} {iso(update.posted_at) or 'undated'} [{label}] {body[:200]}", note)
        counts["timeline"] += 1


def _add_actions(db: Db, plan: ImportPlan, chosen: list[int], incident_id: int, causes: Sequence[str],
                 actor: str, today: date, slo_days: Mapping[str, int], clock: Clock) -> int:
    from tracker.core.actions import add_action

    existing = existing_action_titles(db, incident_id)
    added = 0
    for index in chosen:
        title, kind = plan.actions[index]
        if title in existing:
            continue  # imported before: re-importing never duplicates an action
        add_action(
            db, title=title, actor=actor, today=today, slo_days=slo_days, clock=clock,
            incident=incident_key(incident_id),
            root_cause=causes[0] if len(causes) == 1 else None, kind=kind, priority=Priority.P2,
            status=ActionStatus.PROPOSED, description=scrub_text(plan.report.proposed_actions[index], 20_000),
            note=scrub_text(f"Proposed from the postmortem of {plan.report.title!r}"
                            f" ({plan.source or 'pasted text'}).", 2000),
        )
        existing.add(title)
        added += 1
    return added
