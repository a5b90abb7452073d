"""What importing a parsed report would do, worked out without writing: the preview behind ``--dry-run``,
the app's import dialog and :func:`tracker.exchange.apply.apply_plan`.

A report is recognised by what it says, never by its file name alone: its page id or link, else its title and
first time, else its first update already being on an incident's timeline, else its title under the file name it
was imported from. For an incident imported before, the plan
lists each field the import would change (the severity, the earlier start, an existing resolution time and the
texts people wrote are kept), the timeline entries, components and actions it would add. Root causes are
suggested by the keyword rules and by the closeness of the report's words to the taxonomy's causes, each
suggestion saying where it came from.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from tracker.base.enums import ActionKind, IncidentStatus
from tracker.base.errors import NotFoundError
from tracker.base.timeutil import iso, read_stamp
from tracker.core.keys import incident_key
from tracker.core.rootcauses.suggest import CauseIndex, words
from tracker.core.validate import TEXT_MAX, scrub_line, scrub_text, scrub_title
from tracker.exchange.statuspage import ParsedReport, suggest_root_causes
from tracker.storage.database import Db

SEVERITY_BY_IMPACT = {"critical": "SEV1", "major": "SEV2", "minor": "SEV3", "none": "SEV4", "maintenance": "SEV4"}
"""Statuspage's impact levels as severities; a report with no impact gets SEV3 and a warning to review it."""

TRACKED = ("title", "company", "kind", "status", "started_at", "resolved_at", "summary", "impact", "source",
           "postmortem")
"""The fields a re-import may change, each change recorded."""

_KIND_WORDS = [
    (ActionKind.DETECT, r"\b(monitor\w*|alert\w*|detect\w*|observab\w*|dashboard)\b"),
    (ActionKind.PROCESS, r"\b(process|review\w*|training|runbook|procedure|communicat\w*|rush)\b"),
    (ActionKind.REPAIR, r"\b(repair\w*|restor\w*|replac\w*|regenerat\w*|fix\w*)\b"),
    (ActionKind.MITIGATE, r"\b(mitigat\w*|reduce the impact|workaround|fallback|retry)\b"),
]
_CODE = re.compile(r"/incidents/([a-z0-9]{4,40})(?:[/?#]|$)")
_STATUS_ORDER = [s.value for s in IncidentStatus]
_TAXONOMY_LIMIT = 3
"""At most this many suggestions from the taxonomy's closeness; the keyword rules' are all kept."""


class Suggestion(NamedTuple):
    """A root cause the import suggests; it is linked only when the user accepts it."""

    slug: str
    score: int
    """Keywords of the rules matched (0 when only the taxonomy suggests it)."""
    keywords: list[str]
    """Why: the rules' keywords matched, else the words the report shares with the cause."""
    known: bool
    """The slug exists in this database's taxonomy (only known causes can be linked)."""
    origin: str = "rules"
    """``rules`` (keyword rules), ``taxonomy`` (closeness to the cause's text) or ``rules+taxonomy``."""
    closeness: float = 0.0
    """The BM25 score of the report's words against the cause's text; 0 when not among the closest."""
    title: str = ""
    """The cause's title in the taxonomy ("" when it is not there)."""


class FieldChange(NamedTuple):
    """One field of an existing incident that the import changes, as shown and stored in its history."""

    field: str
    old: str | None
    new: str | None


class ImportPlan(NamedTuple):
    """Everything an import of one report will do; built by :func:`plan_report`, carried out by ``apply_plan``."""

    report: ParsedReport
    source: str
    """What the incident's ``source`` will hold: the report's link or id when it gives one, else where it was
    read from (a file name, ``stdin``), which is never used to recognise it."""
    existing: int | None
    """The incident this report was imported as before, if any (then it is updated)."""
    severity: str
    """The severity the incident will have: the existing incident's own (kept), else from the report's impact."""
    suggestions: list[Suggestion]
    actions: list[tuple[str, ActionKind]]
    """Proposed actions (title, kind) from the postmortem, all of them; ``new_actions`` says which get added."""
    warnings: list[str]
    matched_by: str = ""
    """How the existing incident was recognised: ``link``, ``id``, ``title and first time``, ``first update`` or
    ``title and file name``."""
    severity_kept: bool = False
    """True when an existing incident keeps the severity it has (a re-import never changes it)."""
    changes: tuple[FieldChange, ...] = ()
    """The fields of the existing incident that will change (none for a new incident)."""
    new_updates: int = 0
    """Timeline entries that will be added (all updates for a new incident)."""
    new_components: tuple[str, ...] = ()
    """Components (``Group / Name``) that the incident will gain."""
    new_actions: tuple[int, ...] = ()
    """Indexes into ``actions`` of those the incident does not have yet (a title already there is skipped)."""
    status: str = ""
    """The status the incident will have: the report's, or an existing incident's own when further along."""

    def to_json(self) -> dict[str, Any]:
        report = self.report
        return {
            "would": "update" if self.existing else "create",
            "incident": incident_key(self.existing) if self.existing else None,
            "matched_by": self.matched_by or None,
            "title": report.title,
            "company": scrub_text(report.company)[:200],
            "kind": report.kind,
            "status": self.status or report.status,
            "report_status": report.status,
            "severity": self.severity,
            "severity_kept": self.severity_kept,
            "started_at": iso(report.started_at),
            "resolved_at": iso(report.resolved_at),
            "source": self.source,
            "link": report.link or None,
            "updates": [{"label": u.label, "at": iso(u.posted_at), "body": u.body} for u in report.updates],
            "components": [component_name(c.group, c.name) for c in report.components],
            "postmortem": bool(report.postmortem),
            "changes": [{"field": c.field, "old": c.old, "new": c.new} for c in self.changes],
            "new_updates": self.new_updates,
            "new_components": list(self.new_components),
            "suggested_causes": [{"slug": s.slug, "origin": s.origin, "score": s.score, "keywords": s.keywords,
                                  "closeness": s.closeness, "title": s.title, "known": s.known}
                                 for s in self.suggestions],
            "proposed_actions": [{"title": t, "kind": k.value, "new": i in self.new_actions}
                                 for i, (t, k) in enumerate(self.actions)],
            "warnings": list(self.warnings),
        }


@dataclass(frozen=True)
class PlanContext:
    """What every plan of one import shares, read once: the keyword rules and the taxonomy."""

    rules: Mapping[str, Sequence[str]]
    taxonomy: CauseIndex
    known: frozenset[str]
    """Every slug of the taxonomy, retired ones included (the rules may name them)."""

    @classmethod
    def load(cls, db: Db, rules: Mapping[str, Sequence[str]]) -> PlanContext:
        return cls(rules, CauseIndex.load(db), frozenset(slug for (slug,) in db.rows("SELECT slug FROM root_cause")))


def action_kind(text: str) -> ActionKind:
    """A guess at an action's kind from its words; prevent when nothing else fits."""
    for kind, pattern in _KIND_WORDS:
        if re.search(pattern, text, re.IGNORECASE):
            return kind
    return ActionKind.PREVENT


def component_name(group: str, name: str) -> str:
    return f"{group} / {name}" if group else name


def incident_fields(report: ParsedReport, source: str, severity: str) -> dict[str, Any]:
    """The incident's columns as the report gives them."""
    return {
        "title": scrub_title(report.title) or "(untitled report)",
        "company": scrub_line(report.company, 200),
        "kind": report.kind,
        "severity": severity,
        "status": report.status,
        "started_at": report.started_at,
        "resolved_at": report.resolved_at,
        "summary": scrub_text(report.sections.get("summary", "")),
        "impact": scrub_text(report.sections.get("impact", "") or report.impact),
        "source": source,
        "postmortem": scrub_text(report.postmortem),
    }


def merged_fields(db: Db, incident_id: int, fields: dict[str, Any],
                  identified: bool) -> tuple[dict[str, Any], dict[str, Any], int]:
    """An existing incident's tracked fields before and after a re-import, and its version.

    What people added stays: the earlier start, an existing resolution time, summary and impact texts, a status
    further along than the report's (postmortem, closed), and the source when the report names no link or id.
    """
    current = db.row(f"SELECT {', '.join(TRACKED)}, version FROM incident WHERE id = :id", {"id": incident_id})
    if current is None:
        raise NotFoundError(f"no incident {incident_key(incident_id)} (deleted since the preview?)")
    before = dict(zip(TRACKED, current, strict=False))
    before["started_at"], before["resolved_at"] = read_stamp(before["started_at"]), read_stamp(before["resolved_at"])
    started, resolved = before["started_at"], before["resolved_at"]
    if fields["started_at"] is not None and (started is None or fields["started_at"] < started):
        started = fields["started_at"]
    status = fields["status"]
    if before["status"] in ("postmortem", "closed") and _rank(before["status"]) > _rank(status):
        status = before["status"]
    after = {
        **{k: fields[k] for k in ("title", "company", "kind")},
        "status": status,
        "started_at": started,
        "resolved_at": resolved or fields["resolved_at"],
        "summary": before["summary"] or fields["summary"],
        "impact": before["impact"] or fields["impact"],
        "source": fields["source"] if identified or not before["source"] else before["source"],
        "postmortem": fields["postmortem"] or before["postmortem"],
    }
    return before, after, int(current[-1])


def _rank(status: str) -> int:
    return _STATUS_ORDER.index(status) if status in _STATUS_ORDER else -1


def shown(value: Any) -> str | None:
    """A field's value as the history and the preview show it."""
    return iso(value) if isinstance(value, datetime) else value


def _entry_key(at: datetime | None, label: str, body: str) -> tuple[datetime | None, str, str]:
    """What makes two timeline entries the same update: the time, the label and the words; how the text is
    wrapped or spaced differs between a page, its markdown export and its feed."""
    return at, " ".join(label.split()).casefold(), " ".join(body.split())


def missing_updates(db: Db, incident_id: int | None, report: ParsedReport) -> list[int]:
    """Indexes of the report's updates that the incident's timeline does not hold yet (all for a new one)."""
    have = set() if incident_id is None else {_entry_key(read_stamp(at), label, body) for at, label, body in db.rows(
        "SELECT at, label, body FROM timeline_entry WHERE incident_id = :i", {"i": incident_id})}
    missing = []
    for index, update in enumerate(report.updates):
        key = _entry_key(update.posted_at, scrub_line(update.label, 100), scrub_text(update.body))
        if key not in have:
            have.add(key)
            missing.append(index)
    return missing


def report_components(report: ParsedReport) -> list[tuple[str, str]]:
    """The report's components as stored: (group, name), cleaned, each once; a name that is nothing but
    control characters or spaces is dropped (the validation layer refuses an empty name)."""
    named = ((scrub_line(c.group, 200), scrub_line(c.name, 200)) for c in report.components)
    return list(dict.fromkeys(pair for pair in named if pair[1].strip()))


def missing_components(db: Db, incident_id: int | None, report: ParsedReport) -> list[tuple[str, str]]:
    """The report's components that the incident does not list yet."""
    have = set() if incident_id is None else set(db.rows(
        "SELECT c.group_name, c.name FROM incident_component x JOIN component c ON c.id = x.component_id"
        " WHERE x.incident_id = :i", {"i": incident_id}))
    return [pair for pair in report_components(report) if tuple(pair) not in have]


def existing_action_titles(db: Db, incident_id: int | None) -> set[str]:
    if incident_id is None:
        return set()
    return {title for (title,) in db.rows("SELECT title FROM action WHERE incident_id = :i", {"i": incident_id})}


def identity(report: ParsedReport) -> tuple[list[str], list[str]]:
    """What names the report's incident: exact keys (its link, its id) and Statuspage incident codes."""
    exact = [key for key in dict.fromkeys([report.link, report.external_id]) if key]
    codes = [m.group(1) for key in (report.link, report.external_id) if (m := _CODE.search(key or ""))]
    if re.fullmatch(r"[a-z0-9]{4,40}", report.external_id or ""):
        codes.append(report.external_id)
    return exact, list(dict.fromkeys(codes))


def stored_source(report: ParsedReport) -> str:
    """The incident's ``source``: the report's link when it names the incident, else its id (``<where>#<id>`` for
    an API id, as earlier imports stored it), else where it was read from."""
    link, ident = report.link, report.external_id
    if link and (_CODE.search(link) or not ident):
        return scrub_text(link)
    if ident and not re.fullmatch(r"[a-z0-9]{4,40}", ident):
        return scrub_text(ident)
    if ident:
        return scrub_text(f"{link or report.source or 'statuspage'}#{ident}")
    return scrub_text(report.source)


def find_existing(db: Db, report: ParsedReport) -> tuple[int | None, str]:
    """The incident imported from this report before, and how it was recognised; (None, "") for none."""
    exact, codes = identity(report)
    clauses, params = [], {}
    for number, key in enumerate(exact):
        clauses.append(f"source = :k{number}")
        params[f"k{number}"] = scrub_text(key)
    for number, code in enumerate(codes):
        clauses.append(f"source LIKE :c{number}a OR source LIKE :c{number}b OR source LIKE :c{number}c")
        params |= {f"c{number}a": f"%/incidents/{code}", f"c{number}b": f"%#{code}",
                   f"c{number}c": f"%/incidents/{code}?%"}
    if clauses:
        found = db.scalar(f"SELECT id FROM incident WHERE {' OR '.join(clauses)} ORDER BY id LIMIT 1", params)
        if found is not None:
            return int(found), "link" if report.link else "id"
    candidates: list[tuple[int, str]] = []
    title = scrub_title(report.title)
    if title and report.started_at is not None:
        candidates += [(int(i), "title and first time") for (i,) in db.rows(
            "SELECT id FROM incident WHERE title = :title AND started_at = :started ORDER BY id",
            {"title": title, "started": report.started_at})]
    first = next((u for u in report.updates if u.posted_at is not None and u.body.strip()), None)
    if first is not None:
        candidates += [(int(i), "first update") for (i,) in db.rows(
            "SELECT DISTINCT incident_id FROM timeline_entry WHERE at = :at AND body = :body ORDER BY incident_id",
            {"at": first.posted_at, "body": scrub_text(first.body)})]
    if title and report.source:
        # Imported under this name before, with the same title (the demo catalog's incidents, for one).
        candidates += [(int(i), "title and file name") for (i,) in db.rows(
            "SELECT id FROM incident WHERE source = :source AND title = :title ORDER BY id",
            {"source": scrub_text(report.source), "title": title})]
    for incident_id, how in candidates:
        # A match by words only, on an incident that another link or id names, is another incident.
        other = db.scalar("SELECT source FROM incident WHERE id = :id", {"id": incident_id}) or ""
        if not (exact or codes) or not _names_an_incident(other):
            return incident_id, how
    return None, ""


def _names_an_incident(source: str) -> bool:
    """True when a stored source is a link or id (not a file name)."""
    return bool(_CODE.search(source) or "#" in source or source.startswith(("tag:", "http://", "https://")))


def suggestions(report: ParsedReport, context: PlanContext) -> list[Suggestion]:
    """Causes suggested by the keyword rules, then by closeness to the taxonomy, each saying where from."""
    text = report.sections.get("root_cause") or report.postmortem or "\n".join(u.body for u in report.updates)
    found = {slug: Suggestion(slug, score, keywords, slug in context.known, "rules", 0.0,
                              context.taxonomy.titles.get(slug, ""))
             for slug, score, keywords in suggest_root_causes(text, context.rules)}
    query = words(f"{report.title}\n{text}")
    ranked = context.taxonomy.rank(query, _TAXONOMY_LIMIT * 3)
    best = ranked[0].score if ranked else 0.0
    close = [s for s in ranked if s.score >= best / 2 and len(context.taxonomy.shared(s.slug, query)) >= 2]
    for near in close[:_TAXONOMY_LIMIT]:
        if near.slug in found:
            found[near.slug] = found[near.slug]._replace(origin="rules+taxonomy", closeness=near.score)
        else:
            found[near.slug] = Suggestion(near.slug, 0, context.taxonomy.shared(near.slug, query)[:8], True,
                                          "taxonomy", near.score, near.title)
    return list(found.values())


def plan_report(db: Db, report: ParsedReport, rules: Mapping[str, Sequence[str]],
                context: PlanContext | None = None) -> ImportPlan:
    """What importing ``report`` would do; reads the database, writes nothing.

    ``context`` is read from the database when not given; an import of many reports passes one.
    """
    context = context or PlanContext.load(db, rules)
    warnings = list(report.warnings)
    existing, matched_by = find_existing(db, report)
    source = stored_source(report)
    severity, kept = SEVERITY_BY_IMPACT.get(report.impact.lower()) if report.impact else None, False
    if existing is not None:
        severity, kept = str(db.scalar("SELECT severity FROM incident WHERE id = :id", {"id": existing})), True
    elif severity is None:
        severity = "SEV3"
        warnings.append("the report gives no impact level: severity set to SEV3, review it")
    actions = [(scrub_title(item), action_kind(item)) for item in report.proposed_actions if item.strip()]
    if report.started_at is None:
        warnings.append("no update has a readable time: the incident has no start time")
    texts = {"summary": report.sections.get("summary", ""), "impact": report.sections.get("impact", ""),
             "postmortem": report.postmortem, **{f"update {n}": u.body for n, u in enumerate(report.updates, 1)}}
    if cut := [name for name, text in texts.items() if len(text) > TEXT_MAX]:
        warnings.append(f"{', '.join(cut[:3])}{' and more' if len(cut) > 3 else ''}: longer than"
                        f" {TEXT_MAX:,} characters, cut to that")
    changes: tuple[FieldChange, ...] = ()
    status = report.status
    if existing is not None:
        identified = any(identity(report))
        before, after, _ = merged_fields(db, existing, incident_fields(report, source, severity), identified)
        changes = tuple(FieldChange(k, shown(before[k]), shown(v)) for k, v in after.items() if before[k] != v)
        status = after["status"]
    have = existing_action_titles(db, existing)
    new_actions, seen = [], set(have)
    for index, (title, _) in enumerate(actions):
        if title not in seen:
            new_actions.append(index)
            seen.add(title)
    return ImportPlan(
        report, source, existing, severity, suggestions(report, context), actions, warnings,
        matched_by=matched_by, severity_kept=kept, changes=changes,
        new_updates=len(missing_updates(db, existing, report)),
        new_components=tuple(component_name(g, n) for g, n in missing_components(db, existing, report)),
        new_actions=tuple(new_actions), status=status,
    )
