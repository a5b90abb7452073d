"""Read the Statuspage JSON API: ``incidents.json``, ``summary.json``, scheduled maintenances, one incident.

A pure parser, like :mod:`tracker.exchange.statuspage`: what it cannot read becomes a warning naming the JSON
path, and the only error it raises is :class:`StatuspageError`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, NamedTuple

from tracker.exchange import statuspage_text as st
from tracker.exchange.statuspage_components import component_parents, group_path
from tracker.exchange.statuspage_report import (
    ParsedComponent,
    ParsedReport,
    ParsedUpdate,
    StatuspageError,
    decode,
    finish,
)

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
    text = decode(data, where) if isinstance(data, bytes) else data.removeprefix("\ufeff")
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
    listed = document.get("components") if isinstance(document, dict) else None
    url = page.get("url")
    known = _Page(company, url.rstrip("/") if isinstance(url, str) and url.startswith(("http://", "https://")) else "",
                  st.component_names(listed), component_parents(listed))
    reports: list[ParsedReport] = []
    skipped: list[str] = []
    for path, entry, kind in entries:
        if isinstance(entry, dict):
            reports.append(_json_report(entry, path, kind, known, source))
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


class _Page(NamedTuple):
    """What the document says about its page: the company, the page's address, its components and groups."""

    company: str
    url: str
    names: Mapping[str, str]
    parents: Mapping[str, str]


def _json_report(entry: dict[str, Any], path: str, kind: str, page: _Page, source: str) -> ParsedReport:
    """One incident object as a report; its link is the incident's page when the page's address is known."""
    company = page.company
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
    report = finish(
        declared or "", title=text["name"], company=company, kind=kind, postmortem=postmortem,
        updates=_json_updates(entry.get("incident_updates"), path, warnings),
        postmortem_posted_at=_json_time(entry.get("postmortem_published_at"), f"{path}.postmortem_published_at",
                                        warnings) if postmortem else None,
        components=_json_components(entry, path, page, warnings), impact=text["impact"],
        source=source or text["shortlink"], external_id=text["id"], warnings=warnings,
        link=f"{page.url}/incidents/{text['id']}" if page.url and text["id"] else text["shortlink"],
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


def _json_components(entry: dict[str, Any], path: str, page: _Page,
                     warnings: list[str]) -> list[ParsedComponent]:
    """``components`` with their group names; else the names in the updates' ``affected_components``."""
    listed = entry.get("components")
    known = {**st.component_names(listed), **page.names}
    parents = {**component_parents(listed), **page.parents}
    found: list[ParsedComponent] = []
    unnamed = 0
    for item in listed if isinstance(listed, list) else []:
        if not isinstance(item, dict) or not isinstance(item.get("name"), str) or item.get("group") is True:
            continue
        group_id = item.get("group_id")
        group = group_path(group_id, known, parents) if isinstance(group_id, str) else ""
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
