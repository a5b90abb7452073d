"""Read Statuspage incident reports (page text or the public JSON API) into plain data.

A pure parser: no database, no UI, no git. It keeps what it can read, records what it could not as one-line
warnings naming the place, and never invents a value. The only error it raises is :class:`StatuspageError`.

Text layout, top to bottom: a title; ``Incident Report for <Company>``; optionally a ``Postmortem`` block ending in
its own ``Posted`` stamp; the updates, newest first, each ``<label>`` / body / ``Posted Dec 24, 2025 - 13:51 UTC``;
last, ``This incident affected: A, B (C, D), and E.``
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from tracker.base.errors import InputError
from tracker.exchange import statuspage_text as st
from tracker.exchange.statuspage_text import DEFAULT_CAUSE_RULES, suggest_root_causes

__all__ = ["DEFAULT_CAUSE_RULES", "ParsedComponent", "ParsedReport", "ParsedUpdate", "StatuspageError", "cause_rules",
           "parse", "parse_json", "parse_text", "suggest_root_causes"]

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_ACTION_SECTIONS = ("actions", "next_steps")
_MAINTENANCE = ("scheduled", "in progress", "verifying", "completed")


class StatuspageError(InputError):
    """A report cannot be read at all; the message names what and where, on one line."""


@dataclass(frozen=True)
class ParsedUpdate:
    """One status update of a report."""

    label: str
    """The label as written (``Resolved``, ``Update``, ...); "" when the update has none."""
    body: str
    """The text as given: line endings made ``\\n``, the blank lines at either end dropped, nothing else changed."""
    posted_at: datetime | None
    """When it was posted, in UTC; None when the stamp is missing or unreadable (a warning says which)."""
    stamp: str
    """The raw stamp line (for JSON the raw timestamp); "" when there is none."""


@dataclass(frozen=True)
class ParsedComponent:
    """An affected component, with the group it is listed under ("" when none)."""

    group: str
    name: str


@dataclass
class ParsedReport:
    """Everything read from one incident report."""

    title: str
    company: str
    kind: str
    """``incident`` or ``maintenance``."""
    updates: list[ParsedUpdate]
    """Oldest first."""
    postmortem: str
    postmortem_posted_at: datetime | None
    components: list[ParsedComponent]
    started_at: datetime | None
    resolved_at: datetime | None
    status: str
    """A tracker incident status: investigating, identified, monitoring, resolved or postmortem."""
    impact: str
    source: str
    external_id: str
    sections: dict[str, str] = field(default_factory=dict)
    """Postmortem text by canonical heading: summary, impact, timeline, root_cause, resolution, actions, next_steps."""
    proposed_actions: list[str] = field(default_factory=list)
    """Bullet items of the postmortem's action and next-step sections."""
    warnings: list[str] = field(default_factory=list)


# ---------------------------------------------------------------- text


@dataclass
class _Segment:
    """The lines between two stamps: ``lines[start:end]`` of the input, closed by the stamp at ``end``."""

    start: int
    end: int
    stamp: st.Stamp | None


def parse_text(text: str, source: str = "") -> ParsedReport:
    """Read the text of a Statuspage incident page (copied from a browser or saved as text)."""
    where = source or "the input"
    lines = _LINE_BREAK.split(text.removeprefix("\ufeff"))
    stamp_at = {i: stamp for i, line in enumerate(lines) if (stamp := st.read_stamp(line)) is not None}
    first_stamp = min(stamp_at, default=len(lines))
    header = next((i for i in range(first_stamp) if st.read_header(lines[i])), None)
    if header is None and not stamp_at:
        raise StatuspageError(f"no incident report found in {where}")
    warnings: list[str] = []
    title, company, kind, start = _read_head(lines, header, warnings)
    segments, tail = _segments(lines, start, stamp_at)
    listed = next((i for i in range(tail.start, tail.end) if st.affected_list(lines[i]) is not None), None)
    cut_end = tail.end if listed is None else listed
    if any(lines[i].strip() and not st.is_navigation(lines[i]) for i in range(tail.start, cut_end)):
        segments.append(_Segment(tail.start, cut_end, None))  # the oldest update, cut off before its stamp
    postmortem, pm_posted = "", None
    heading = _first_content(lines, segments[0].start, segments[0].end) if segments else None
    if heading is not None and st.is_postmortem_heading(lines[heading]):
        postmortem = "\n".join(st.trim_blank(lines[heading + 1:segments[0].end]))
        pm_posted = _stamp_time(segments[0], "postmortem", lines, warnings)
        if not postmortem:
            warnings.append(f"postmortem (line {heading + 1}): empty")
        segments = segments[1:]
    updates = _read_updates(lines, segments, warnings)
    if not postmortem and _old_layout_postmortem(updates):
        newest = f"update {len(updates)} "
        postmortem, pm_posted, updates = updates[-1].body, updates[-1].posted_at, updates[:-1]
        warnings[:] = [w.replace(newest, "postmortem ", 1) if w.startswith(newest) else w for w in warnings]
    components = _read_components(lines, listed, tail.end, warnings)
    if not updates:
        warnings.append(f"no updates found in {where}")
    if header is None and any(u.label.lower() in _MAINTENANCE for u in updates):
        kind = "maintenance"
    return _finish(
        title=title, company=company, kind=kind, updates=updates, postmortem=postmortem,
        postmortem_posted_at=pm_posted, components=components, impact="", source=source, external_id="",
        warnings=warnings,
    )


def _read_head(lines: list[str], header: int | None, warnings: list[str]) -> tuple[str, str, str, int]:
    """Title, company, kind and the index of the first line after the heading block."""
    if header is None:
        warnings.append("no 'Incident Report for' line: company unknown")
        first = next((i for i, line in enumerate(lines) if line.strip()), 0)
        line = lines[first]
        if st.read_stamp(line) or st.read_label(line) is not None or st.is_postmortem_heading(line):
            warnings.append(f"line {first + 1}: no title found")
            return "", "", "incident", first
        return st.squeeze(line), "", "incident", first + 1
    kind, company = st.read_header(lines[header]) or ("incident", "")
    if not company:
        warnings.append(f"line {header + 1}: no company name after 'Report for'")
    before = next((i for i in range(header - 1, -1, -1) if lines[i].strip()), None)
    if before is None:
        warnings.append(f"line {header + 1}: no title before the 'Report for' line")
    title = "" if before is None else st.squeeze(lines[before])
    return title, company, kind, header + 1


def _segments(lines: list[str], start: int, stamp_at: dict[int, st.Stamp]) -> tuple[list[_Segment], _Segment]:
    """The stamped segments in page order, and the unstamped tail after the last stamp."""
    segments: list[_Segment] = []
    for index in sorted(i for i in stamp_at if i >= start):
        segments.append(_Segment(start, index, stamp_at[index]))
        start = index + 1
    return segments, _Segment(start, len(lines), None)


def _first_content(lines: list[str], start: int, end: int) -> int | None:
    """Index of the first non-blank line of ``lines[start:end]``; None when all are blank."""
    return next((i for i in range(start, end) if lines[i].strip()), None)


def _stamp_time(segment: _Segment, what: str, lines: list[str], warnings: list[str]) -> datetime | None:
    """The segment's stamp time, warning when there is no readable stamp."""
    if segment.stamp is None:
        first = _first_content(lines, segment.start, segment.end) or segment.start
        warnings.append(f"{what} (line {first + 1}): no 'Posted' stamp")
        return None
    if segment.stamp.problem:
        warnings.append(f"{what} (line {segment.end + 1}): {segment.stamp.problem}")
    return segment.stamp.posted_at


def _read_components(lines: list[str], index: int | None, end: int, warnings: list[str]) -> list[ParsedComponent]:
    """Components from the ``This incident affected:`` line at ``index``, warning when missing or damaged."""
    if index is None:
        warnings.append("no 'This incident affected' line: components unknown (report cut off?)")
        return []
    pairs, problems = st.read_components(st.affected_list(lines[index]) or "")
    warnings.extend(f"components (line {index + 1}): {problem}" for problem in problems)
    extra = next((i for i in range(index + 1, end) if lines[i].strip() and not st.is_navigation(lines[i])), None)
    if extra is not None:
        warnings.append(f"line {extra + 1}: text after the components line ignored")
    return [ParsedComponent(group, name) for group, name in pairs]


def _read_updates(lines: list[str], segments: list[_Segment], warnings: list[str]) -> list[ParsedUpdate]:
    """The updates, oldest first (segments are newest first), warning about stamps, labels and order."""
    labelled = [_split_label(lines, segment) for segment in segments]
    any_label = any(label for label, _, _ in labelled)
    updates: list[ParsedUpdate] = []
    above: datetime | None = None
    for position, (segment, (label, body, first)) in enumerate(zip(segments, labelled, strict=True)):
        what = f"update {len(segments) - position}"
        if not body and not label:
            warnings.append(f"{what} (line {segment.end + 1}): empty update")
        elif any_label and not label:
            warnings.append(f"{what} (line {first + 1}): no status label")
        posted = _stamp_time(segment, what, lines, warnings)
        if posted is not None and above is not None and posted > above:
            warnings.append(f"{what} (line {segment.end + 1}): posted after the update above it")
        above = posted if posted is not None else above
        stamp = "" if segment.stamp is None else lines[segment.end].strip()
        updates.append(ParsedUpdate(label, body, posted, stamp))
    return updates[::-1]


def _split_label(lines: list[str], segment: _Segment) -> tuple[str, str, int]:
    """The segment's label ("" if none), its body, and the index of its first non-blank line."""
    first = _first_content(lines, segment.start, segment.end)
    label = "" if first is None else st.read_label(lines[first]) or ""
    body_start = first + 1 if label and first is not None else segment.start
    return label, "\n".join(st.trim_blank(lines[body_start:segment.end])), segment.start if first is None else first


def _old_layout_postmortem(updates: list[ParsedUpdate]) -> bool:
    """True when the newest "update" of a label-less (older) page is really its postmortem.

    Older pages show neither labels nor a ``Postmortem`` heading; the postmortem is then the top block, posted
    after an update that says the incident was resolved.
    """
    if len(updates) < 2 or any(u.label for u in updates):
        return False
    newest, before = updates[-1], updates[-2]
    later = newest.posted_at is None or before.posted_at is None or newest.posted_at >= before.posted_at
    return later and st.status_of("", before.body) == "resolved"


def _finish(declared_status: str = "", **fields: Any) -> ParsedReport:
    """Fill in the derived fields (start, resolution, status, sections, actions) and build the report.

    The status is the declared one (JSON), else "postmortem" when there is one, else the newest update's.
    """
    report = ParsedReport(**fields, started_at=None, resolved_at=None, status="")
    updates = report.updates
    report.started_at = updates[0].posted_at if updates else None
    latest = next((u for u in reversed(updates) if st.status_of(u.label, u.body)), None)
    status = "" if latest is None else st.status_of(latest.label, latest.body)
    if status == "resolved" and latest is not None:
        report.resolved_at = latest.posted_at
    status = "postmortem" if report.postmortem else declared_status or status
    if not status:
        status = "investigating"
        if updates:
            report.warnings.append("no update says its status: taken as investigating")
    report.status = status
    report.sections = st.read_sections(report.postmortem)
    report.proposed_actions = [item for name in _ACTION_SECTIONS for item in st.bullets(report.sections.get(name, ""))]
    return report


# ---------------------------------------------------------------- JSON


_SURROGATE = re.compile(r"[\ud800-\udfff]")


def _scrub(value: Any, changed: list[bool]) -> Any:
    """Replace lone surrogates (JSON ``\\udce9`` escapes: not text) with U+FFFD, noting that it happened."""
    if isinstance(value, str):
        if _SURROGATE.search(value):
            changed.append(True)
            return _SURROGATE.sub("\ufffd", value)
        return value
    if isinstance(value, list):
        return [_scrub(item, changed) for item in value]
    if isinstance(value, dict):
        return {_scrub(key, changed): _scrub(item, changed) for key, item in value.items()}
    return value


def parse_json(data: str | bytes, source: str = "") -> list[ParsedReport]:
    """Read ``/api/v2/incidents.json``, ``summary.json``, scheduled maintenances or a single incident object."""
    where = source or "the input"
    text = _decode(data, where) if isinstance(data, bytes) else data.removeprefix("\ufeff")
    try:
        document = json.loads(text)
    except json.JSONDecodeError as err:
        raise StatuspageError(
            f"malformed JSON in {where} at line {err.lineno} column {err.colno} (char {err.pos}): {err.msg}"
        ) from None
    except RecursionError:
        raise StatuspageError(f"unreadable JSON in {where}: nested too deeply") from None
    except ValueError as err:  # e.g. an integer longer than Python allows
        raise StatuspageError(f"unreadable JSON in {where}: {str(err).splitlines()[0]}") from None
    scrubbed: list[bool] = []
    document = _scrub(document, scrubbed)
    entries, page = _json_entries(document, where)
    name = page.get("name")
    company = name if isinstance(name, str) else ""
    names = st.component_names(document.get("components") if isinstance(document, dict) else None)
    reports: list[ParsedReport] = []
    skipped: list[str] = []
    for path, entry, kind in entries:
        if isinstance(entry, dict):
            reports.append(_json_report(entry, path, kind, company, names, source))
        else:
            skipped.append(f"{path} in {where} is not an incident object: skipped")
    if scrubbed:
        for report in reports:
            report.warnings.append(f"{where}: escaped characters that are not text (lone surrogates) became \ufffd")
    if not reports:
        raise StatuspageError(f"no incident report found in {where}")
    reports[0].warnings[:0] = skipped
    return reports


def _json_entries(document: Any, where: str) -> tuple[list[tuple[str, Any, str]], dict[str, Any]]:
    """``(path, object, kind hint)`` of every incident in the document, and the page object (or {})."""
    if isinstance(document, list):
        return [(f"[{i}]", entry, "") for i, entry in enumerate(document)], {}
    if not isinstance(document, dict):
        raise StatuspageError(f"no incident report found in {where}: the JSON is not an object")
    raw_page = document.get("page")
    page: dict[str, Any] = raw_page if isinstance(raw_page, dict) else {}
    entries: list[tuple[str, Any, str]] = []
    for key, kind in (("incidents", ""), ("scheduled_maintenances", "maintenance")):
        value = document.get(key)
        if isinstance(value, list):
            entries.extend((f"{key}[{i}]", entry, kind) for i, entry in enumerate(value))
    if not entries and isinstance(document.get("incident"), dict):
        entries.append(("incident", document["incident"], ""))
    if not entries and ("incident_updates" in document or "name" in document) and "incidents" not in document:
        entries.append(("incident", document, ""))
    return entries, page


def _json_report(entry: dict[str, Any], path: str, kind: str, company: str, names: Mapping[str, str],
                 source: str) -> ParsedReport:
    """One incident object as a report."""
    warnings: list[str] = []
    text, wrong = st.string_fields(entry, ("name", "status", "impact", "postmortem_body", "shortlink", "id"))
    warnings.extend(f"{path}.{key}: not a string" for key in wrong)
    if not text["name"]:
        warnings.append(f"{path}: no name")
    if not company:
        warnings.append(f"{path}: company unknown (no page name)")
    json_status = text["status"].lower()
    if not kind:
        maintenance = entry.get("scheduled_for") or text["impact"] == "maintenance" or json_status in (
            "scheduled", "in_progress", "verifying", "completed")
        kind = "maintenance" if maintenance else "incident"
    declared = "postmortem" if json_status == "postmortem" else st.UPDATE_LABELS.get(json_status.replace("_", " "))
    if declared is None and json_status:
        warnings.append(f"{path}.status: unknown status {text['status'][:40]!r}")
    postmortem = text["postmortem_body"]
    report = _finish(
        declared or "", title=text["name"], company=company, kind=kind, postmortem=postmortem,
        updates=_json_updates(entry.get("incident_updates"), path, warnings),
        postmortem_posted_at=_json_time(entry.get("postmortem_published_at"), f"{path}.postmortem_published_at",
                                        warnings) if postmortem else None,
        components=_json_components(entry, path, names, warnings), impact=text["impact"],
        source=source or text["shortlink"], external_id=text["id"], warnings=warnings,
    )
    for key in ("started_at", "created_at"):
        if entry.get(key) is not None:
            report.started_at = _json_time(entry[key], f"{path}.{key}", warnings)
            break
    if "resolved_at" in entry:
        report.resolved_at = _json_time(entry["resolved_at"], f"{path}.resolved_at", warnings)
    return report


def _json_updates(raw: Any, path: str, warnings: list[str]) -> list[ParsedUpdate]:
    """``incident_updates`` oldest first (sorted by time when every time is known, else reversed)."""
    if not isinstance(raw, list):
        warnings.append(f"{path}.incident_updates: missing or not a list")
        return []
    updates: list[ParsedUpdate] = []
    for i, item in enumerate(raw):
        where = f"{path}.incident_updates[{i}]"
        if not isinstance(item, dict):
            warnings.append(f"{where}: not an object: skipped")
            continue
        status, body = item.get("status"), item.get("body")
        if not isinstance(body, str):
            warnings.append(f"{where}.body: missing or not a string")
        key = "display_at" if item.get("display_at") is not None else "created_at"
        raw_stamp = item.get(key)
        stamp = raw_stamp if isinstance(raw_stamp, str) else ""
        label = st.api_label(status) if isinstance(status, str) else ""
        updates.append(ParsedUpdate(label, body if isinstance(body, str) else "",
                                    _json_time(item.get(key), f"{where}.{key}", warnings), stamp))
    if all(u.posted_at is not None for u in updates):
        return sorted(updates, key=lambda u: u.posted_at or datetime.min.replace(tzinfo=UTC))
    warnings.append(f"{path}.incident_updates: some times unknown, kept in reverse page order")
    return updates[::-1]


def _json_time(value: Any, where: str, warnings: list[str]) -> datetime | None:
    """An ISO 8601 time in UTC; None, with a warning when the value is there but unreadable."""
    moment, problem = st.read_iso(value)
    if problem:
        warnings.append(f"{where}: {problem}")
    return moment


def _json_components(entry: dict[str, Any], path: str, names: Mapping[str, str],
                     warnings: list[str]) -> list[ParsedComponent]:
    """``components`` with their group names; else the names in the updates' ``affected_components``."""
    listed = entry.get("components")
    known = {**st.component_names(listed), **names}
    found: list[ParsedComponent] = []
    unnamed = 0
    for item in listed if isinstance(listed, list) else []:
        if not isinstance(item, dict) or not isinstance(item.get("name"), str) or item.get("group") is True:
            continue
        group_id = item.get("group_id")
        group = known.get(group_id, "") if isinstance(group_id, str) else ""
        unnamed += bool(group_id) and not group
        found.append(ParsedComponent(group, item["name"]))
    if unnamed:
        warnings.append(f"{path}.components: {unnamed} component(s) in a group whose name is not in the data")
    if found:
        return found
    updates = entry.get("incident_updates")
    seen: dict[str, None] = {}
    for update in updates if isinstance(updates, list) else []:
        affected = update.get("affected_components") if isinstance(update, dict) else None
        for item in affected if isinstance(affected, list) else []:
            if isinstance(item, dict) and isinstance(item.get("name"), str):
                seen.setdefault(item["name"], None)
    if not seen:
        warnings.append(f"{path}: no components")
    return [ParsedComponent("", name) for name in seen]


# ---------------------------------------------------------------- either


def parse(data: str | bytes, source: str = "") -> list[ParsedReport]:
    """Read a report of either form: JSON when the data starts with ``{`` or ``[``, else page text."""
    where = source or "the input"
    text = _decode(data, where) if isinstance(data, bytes) else data.removeprefix("\ufeff")
    start = text.lstrip()[:1]
    if start == "{":
        return parse_json(text, source)
    if start == "[":
        try:
            return parse_json(text, source)
        except StatuspageError as json_error:  # "[Skip to content]" and the like: page text after all
            try:
                return [parse_text(text, source)]
            except StatuspageError:
                raise json_error from None
    return [parse_text(text, source)]


def _decode(data: bytes, where: str) -> str:
    """UTF-8 text of the bytes (a BOM is dropped); an invalid byte is an error naming its offset."""
    bom = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    try:
        return data[bom:].decode("utf-8")
    except UnicodeDecodeError as err:
        offset = err.start + bom
        raise StatuspageError(f"{where} is not UTF-8: invalid byte 0x{data[offset]:02x} at offset {offset}") from None


def cause_rules(extra: dict[str, list[str]] | None) -> dict[str, list[str]]:
    """The keyword rules for root-cause suggestions: built-in, extended by ``[import.cause_rules]``."""
    rules = {slug: list(words) for slug, words in DEFAULT_CAUSE_RULES.items()}
    for slug, words in (extra or {}).items():
        rules[slug] = list(dict.fromkeys([*rules.get(slug, []), *words]))
    return rules
