"""Line-level readers for Statuspage text reports: stamps, labels, postmortem sections, cause keywords.

Pure functions over strings; they never raise. Problems come back as short messages that the caller turns
into warnings naming the line. Used by :mod:`tracker.exchange.statuspage`.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone

from tracker.base.timeutil import CALENDAR, in_calendar
from tracker.exchange.statuspage_chrome import is_chrome

MONTHS: dict[str, int] = {
    name: number
    for number, names in enumerate(
        [("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",),
         ("jun", "june"), ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"),
         ("oct", "october"), ("nov", "november"), ("dec", "december")],
        start=1,
    )
    for name in names
}
"""Month names and abbreviations as Statuspage writes them, lower case."""

ZONES: dict[str, int] = {
    "UTC": 0, "GMT": 0, "UT": 0, "Z": 0, "WET": 0, "WEST": 60, "BST": 60, "CET": 60, "CEST": 120,
    "EET": 120, "EEST": 180, "IST": 330, "JST": 540, "AEST": 600, "AEDT": 660, "EST": -300, "EDT": -240,
    "CST": -360, "CDT": -300, "MST": -420, "MDT": -360, "PST": -480, "PDT": -420,
}
"""UTC offsets in minutes of the zone abbreviations read in stamps (IST is India, BST British Summer Time)."""

UPDATE_LABELS: dict[str, str] = {
    "investigating": "investigating", "identified": "identified", "monitoring": "monitoring",
    "resolved": "resolved", "update": "", "scheduled": "investigating", "in progress": "identified",
    "verifying": "monitoring", "completed": "resolved",
}
"""Update labels (lower case) and the tracker status each one means; "" for a label that carries none."""

DEFAULT_BODIES: tuple[tuple[str, str], ...] = (
    ("this incident has been resolved", "resolved"),
    ("a fix has been implemented and we are monitoring the results", "monitoring"),
    ("the issue has been identified and a fix is being implemented", "identified"),
    ("we are currently investigating this issue", "investigating"),
)
"""Statuspage's default update texts; they stand in for the status of an update that has no label."""

_STAMP = re.compile(
    r"Posted (?:(?:about |over |almost |less than )?(?:a|an|[0-9]+) [a-z]+ ago\.? )?"
    r"(?P<month>[A-Za-z]+)\.? (?P<day>[0-9]{1,2})(?:st|nd|rd|th)? ?,? ?(?P<year>[0-9]{4})? ?[-\u2013\u2014,]? ?"
    r"(?P<hour>[0-9]{1,2}):(?P<minute>[0-9]{2})(?::(?P<second>[0-9]{2}))?(?: ?(?P<ampm>[AaPp]\.?[Mm]\.?)(?= |$))?"
    r" ?(?P<zone>.*?)\.?"
)
_ZONE = re.compile(
    r"(?P<name>[A-Za-z]{1,5})?(?: ?(?P<sign>[+-]) ?(?P<hours>[0-9]{1,2})(?::?(?P<minutes>[0-9]{2}))?)?"
)
_HEADER = re.compile(r"(?P<kind>Incident|(?:Scheduled )?Maintenance) Report for\b ?(?P<company>.*)", re.I)
_AFFECTED = re.compile(
    r"(?:This (?:incident|(?:scheduled )?maintenance) affected|(?:Affected|Impacted) components?"
    r"|Components? (?:affected|impacted))\s?:(?P<list>.*)",
    re.I,
)
_AFFECTED_HEADING = re.compile(r"(?:affected|impacted) components?|components? (?:affected|impacted)", re.I)
_POSTMORTEM = re.compile(r"post[- ]?mortem", re.I)
_DECORATION = re.compile(r"^(?:#{1,6}\s*|>\s*)*[*_]*|[*_]+$")
"""Markdown around a whole line: heading marks, a quote, bold or italic markers."""
_LABEL_WORDS = (r"(?:investigating|identified|monitoring|resolved|update|scheduled|in progress|verifying"
                r"|completed)")
_LEADING_LABEL = re.compile(
    rf"(?:#{{1,6}}\s*)?(?:(?P<bold>\*\*|__)(?P<strong>{_LABEL_WORDS})[.:]?(?P=bold)\s*(?:[-\u2013\u2014:]\s*)?"
    rf"|(?P<plain>{_LABEL_WORDS})\s*(?:\t|\s[-\u2013\u2014]\s|:\s)\s*)(?P<rest>\S.*)",
    re.I,
)
_TRAILING_LABEL = re.compile(rf"(?P<rest>.*?[.!?)\]])\s+(?:\*\*|__)?(?P<label>{_LABEL_WORDS})(?:\*\*|__)?\.?", re.I)
_BULLET = re.compile(
    r"(?P<indent>\s*)(?:[\u2022*\-\u2013\u2023\u25e6\u25aa\u25cf]|[0-9]{1,3}[.)]|\([0-9]{1,3}\))\s+(?P<text>\S.*)"
)


@dataclass(frozen=True)
class Stamp:
    """A ``Posted ...`` line read: the moment in UTC, or None and why not."""

    posted_at: datetime | None
    problem: str


def squeeze(line: str) -> str:
    """The line without outer whitespace and with inner runs of whitespace made single spaces."""
    return " ".join(line.split())


def undecorated(line: str) -> str:
    """The line squeezed, without the markdown around it (``## Resolved``, ``**Resolved**``, ``_Posted ..._``)."""
    return _DECORATION.sub("", squeeze(line)).strip()


def read_stamp(line: str, reference: datetime | None = None) -> Stamp | None:
    """Read a stamp line; None when the line is not a stamp at all (body text that starts with "Posted").

    A stamp without a year (``Posted Dec 31 - 23:40 UTC``) takes it from ``reference``, the moment the report
    was published or updated: see :func:`moment_near`.
    """
    if len(line) > 300:
        return None
    text = undecorated(line)
    match = _STAMP.fullmatch(text)
    if match is None or match["month"].lower() not in MONTHS:
        return None
    return read_moment(match, text, reference)


def read_moment(match: re.Match[str], text: str, reference: datetime | None) -> Stamp | None:
    """The moment of a matched stamp (groups month, day, year, hour, minute, second, ampm, zone), in UTC."""
    zone = _ZONE.fullmatch(match["zone"])
    if zone is None:
        return None
    offset = _zone_offset(zone)
    if offset is None:
        shown = match["zone"] or "(none)"
        return Stamp(None, f"unknown time zone {shown!r} in stamp {text!r}")
    hour = int(match["hour"])
    if match["ampm"]:
        if not 1 <= hour <= 12:
            return Stamp(None, f"no such time in stamp {text!r}")
        hour = hour % 12 + (12 if match["ampm"][0] in "Pp" else 0)
    month, day, minute, second = MONTHS[match["month"].lower()], int(match["day"]), int(match["minute"]), int(
        match["second"] or 0)
    if match["year"] is None:
        if reference is None:
            return Stamp(None, f"no year in stamp {text!r}")
        moment = moment_near(reference, month, day, hour, minute, second, timezone(offset))
        return Stamp(moment, "") if moment else Stamp(None, f"no such moment near {reference.year} in stamp {text!r}")
    try:
        local = datetime(int(match["year"]), month, day, hour, minute, second, tzinfo=timezone(offset))
        moment = local.astimezone(UTC)
    except (ValueError, OverflowError):
        return Stamp(None, f"no such moment in stamp {text!r}")
    if not in_calendar(moment):
        return Stamp(None, f"stamp {text!r} is out of range (UTC {CALENDAR})")
    return Stamp(moment, "")


YEAR_GRACE = timedelta(days=60)
"""How far after its reference (the entry's date) an update without a year may be."""


def moment_near(reference: datetime, month: int, day: int, hour: int, minute: int, second: int,
                zone: timezone) -> datetime | None:
    """The latest moment on that day and time, in the reference's year or the one before or after, that is not
    more than :data:`YEAR_GRACE` after the reference: Dec 31 in an entry published Jan 1 is last year's, and a
    postmortem posted a few weeks after an RSS item's date (RSS gives no update time) is still this year's.

    None when no such moment exists (Feb 30, a time out of range, Feb 29 far from a leap year).
    """
    try:
        latest = reference.astimezone(UTC) + YEAR_GRACE
    except OverflowError:
        latest = reference.astimezone(UTC)
    for year in (reference.year + 1, reference.year, reference.year - 1):
        try:
            moment = datetime(year, month, day, hour, minute, second, tzinfo=zone).astimezone(UTC)
        except (ValueError, OverflowError):
            continue
        if moment <= latest:
            return moment
    return None


def _zone_offset(zone: re.Match[str]) -> timedelta | None:
    """The offset of a zone like ``CEST``, ``GMT+1``, ``UTC-05:30`` or ``+0200``; None when unknown."""
    name = (zone["name"] or "").upper()
    if zone["sign"] is None:
        minutes = ZONES.get(name)
        return None if minutes is None else timedelta(minutes=minutes)
    if name not in ("", "UTC", "GMT", "UT"):
        return None
    if name == "" and zone["minutes"] is None:
        return None  # a bare "+2" could be hours or a typo: never guess
    hours, minutes = int(zone["hours"]), int(zone["minutes"] or 0)
    if hours > 18 or minutes > 59:
        return None
    sign = -1 if zone["sign"] == "-" else 1
    return sign * timedelta(hours=hours, minutes=minutes)


def read_header(line: str) -> tuple[str, str] | None:
    """``(kind, company)`` of an ``Incident Report for X`` line; None for any other line."""
    match = _HEADER.fullmatch(squeeze(line))
    if match is None:
        return None
    kind = "incident" if match["kind"].lower() == "incident" else "maintenance"
    return kind, match["company"].strip()


def read_label(line: str) -> str | None:
    """The update label on this line as written (without markdown around it), or None when the line is not one.

    ``Resolved``, ``## Resolved``, ``**Resolved**``, ``Resolved:`` and ``Status: Resolved`` are all labels.
    """
    text = undecorated(line).rstrip(":.").strip("*_ ")
    if text[:7].lower() == "status:":
        text = text[7:].strip()
    return text if text.lower() in UPDATE_LABELS else None


def leading_label(line: str) -> tuple[str, str] | None:
    """``(label, rest)`` of a line that opens with its label: ``**Resolved** - text``, ``Resolved - text``,
    ``Resolved: text`` or ``Resolved<TAB>text``; None for any other line."""
    match = _LEADING_LABEL.fullmatch(line.strip())
    if match is None:
        return None
    return match["strong"] or match["plain"], match["rest"]


def trailing_label(line: str) -> tuple[str, str] | None:
    """``(label, rest)`` of a line that ends with its label after the text (``... has been resolved. Resolved``),
    or of a line that is only a label; None for any other line."""
    label = read_label(line)
    if label is not None:
        return label, ""
    match = _TRAILING_LABEL.fullmatch(line.rstrip())
    return None if match is None else (match["label"], match["rest"])


def is_postmortem_heading(line: str) -> bool:
    """True for the ``Postmortem`` heading line (also ``Post-mortem``, ``## Postmortem``, any case)."""
    return _POSTMORTEM.fullmatch(undecorated(line).rstrip(":")) is not None


def is_navigation(line: str) -> bool:
    """True for page chrome such as ``Powered by Atlassian Statuspage``, a subscribe form or a footer."""
    return is_chrome(line)


def affected_list(line: str) -> str | None:
    """The text after ``This incident affected:`` (or ``Affected components:``) on this line, else None."""
    text = squeeze(line).replace("**", "").replace("__", "")
    match = _AFFECTED.fullmatch(text.lstrip("#>*_- ").strip())
    return None if match is None else match["list"].strip()


def is_affected_heading(line: str) -> bool:
    """True for a heading such as ``## Affected components`` that a list of components follows."""
    return _AFFECTED_HEADING.fullmatch(undecorated(line).rstrip(":")) is not None


def status_of(label: str, body: str) -> str:
    """The tracker status an update stands for: from its label, else from a default text; "" if none."""
    if label:
        return UPDATE_LABELS.get(label.lower(), "")
    said = squeeze(body).lower()
    return next((status for text, status in DEFAULT_BODIES if said.startswith(text)), "")


def api_label(status: str) -> str:
    """The label a page shows for an API status: ``in_progress`` -> ``In progress``, ``resolved`` -> ``Resolved``."""
    return status.replace("_", " ").capitalize()


def read_iso(value: object) -> tuple[datetime | None, str]:
    """An ISO 8601 time with an offset, in UTC, or None and why not ("" when the value is None)."""
    if value is None:
        return None, ""
    try:
        moment = datetime.fromisoformat(value) if isinstance(value, str) else None
        if moment is not None and moment.tzinfo is not None:
            moment = moment.astimezone(UTC)
            if not in_calendar(moment):
                return None, f"time {repr(value)[:60]} is out of range (UTC {CALENDAR})"
            return moment, ""
    except (ValueError, OverflowError):
        pass
    return None, f"unreadable time {repr(value)[:60]} (ISO 8601 with an offset expected)"


def string_fields(entry: Mapping[str, object], keys: Sequence[str]) -> tuple[dict[str, str], list[str]]:
    """The text fields of a JSON object ("" when absent or not text), and the keys holding something else."""
    values = {key: value if isinstance(value := entry.get(key), str) else "" for key in keys}
    return values, [key for key in keys if entry.get(key) is not None and not isinstance(entry.get(key), str)]


def component_names(components: object) -> dict[str, str]:
    """Component id -> name, from a page's or an incident's JSON ``components`` list."""
    if not isinstance(components, list):
        return {}
    return {c["id"]: c["name"] for c in components
            if isinstance(c, dict) and isinstance(c.get("id"), str) and isinstance(c.get("name"), str)}


_SECTION_PATTERNS: tuple[tuple[str, str], ...] = (
    ("timeline", r"(?:incident |detailed )?(?:timeline|chronology|sequence of events)(?: .*)?"),
    ("next_steps", r"next steps?|what'?s next|going forward|looking ahead|future work"),
    ("actions", r"(?:(?:corrective|preventive|preventative|forthcoming|follow-? ?up|remedial|remediation|planned"
                r"|future|improvement)(?: and (?:corrective|preventive|preventative))?"
                r" (?:actions?|action items|measures|items|work|steps|tasks)|action items|actions?(?: taken| planned)?"
                r"|(?:corrective|preventive|preventative) measures|remediations?|prevention|improvements"
                r"|follow-? ?ups?|what we(?:'re| are) doing.*|how we(?:'ll| will) prevent.*)"),
    ("impact", r"(?:customer |user |business )?impacts?(?: on .*| summary| assessment)?|summary of impact"
               r"|who was affected|what was affected"),
    ("root_cause", r"(?:the )?(?:root causes?(?: analysis)?|causes?|what went wrong|contributing factors?"
                   r"|why (?:it|this) happened)"),
    ("resolution", r"resolution(?: and recovery)?|mitigation|recovery|how (?:it was|we) (?:fixed|resolved).*"),
    ("summary", r"(?:incident |executive )?summary|overview|what happened|description|background|details"),
    ("", r"conclusions?|closing(?: words| thoughts)?|lessons learned|acknowledge?ments?|apolog(?:y|ies)"
         r"|our apologies|contact(?: us)?|questions|appendix|faq|detection|response|communications?"
         r"|what went well|post-?mortem(?:: .*)?"),
)
_SECTIONS = [(name, re.compile(pattern)) for name, pattern in _SECTION_PATTERNS]


def section_heading(line: str) -> str | None:
    """Canonical section name of a postmortem heading line, "" for a heading that ends a section, else None."""
    text = squeeze(line)
    if _BULLET.fullmatch(text):
        return None
    text = text.strip("#*_ ").replace("\u2019", "'")
    if not text or len(text) > 60 or len(text.split()) > 8:
        return None
    text = re.sub(r"\([^)]*\)", " ", text.lower().replace("&", " and "))
    text = squeeze(text).rstrip(":?!").rstrip()
    return next((name for name, pattern in _SECTIONS if pattern.fullmatch(text)), None)


def read_sections(text: str) -> dict[str, str]:
    """Text under each recognised heading of a postmortem, by canonical name (repeats joined)."""
    found: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in text.split("\n"):
        name = section_heading(line)
        if name is None:
            if current is not None:
                current.append(line)
            continue
        current = None
        if name:
            current = found.setdefault(name, [])
            if current:
                current.append("")
    return {name: body for name, lines in found.items() if (body := "\n".join(trim_blank(lines)))}


def bullet_item(line: str) -> str | None:
    """The text of a bullet line (``- A``, ``* A``, ``• A``, ``1. A``), or None for any other line."""
    match = _BULLET.fullmatch(line)
    return None if match is None else match["text"].strip()


def bullets(text: str) -> list[str]:
    """Bullet items (``•``, ``*``, ``-``, ``1.``, ``(1)`` ...) of a text; wrapped continuation lines joined."""
    items: list[str] = []
    indent: int | None = None
    for line in text.split("\n"):
        match = _BULLET.fullmatch(line)
        if match:
            items.append(match["text"].strip())
            indent = len(match["indent"])
        elif indent is not None and line.strip() and len(line) - len(line.lstrip()) > indent:
            items[-1] = f"{items[-1]} {line.strip()}"
        else:
            indent = None
    return items


def trim_blank(lines: list[str]) -> list[str]:
    """The lines without the blank lines at either end."""
    start, end = 0, len(lines)
    while start < end and not lines[start].strip():
        start += 1
    while end > start and not lines[end - 1].strip():
        end -= 1
    return lines[start:end]


DEFAULT_CAUSE_RULES: dict[str, list[str]] = {
    "cooling-failure": ["cooling", "overheat", "overheated", "overheating", "hypervisor", "temperature", "thermal"],
    "single-host-blast-radius": ["colocation", "blast radius", "single host", "single hypervisor", "same host",
                                 "same underlying host", "single point of failure", "all of their replicas"],
    "hosting-provider-outage": ["hosting provider", "OVH", "our host", "provider outage", "data center outage",
                                "datacenter outage", "cloud provider"],
    "iac-reimage": ["IaC", "infrastructure as code", "re-imaged", "re-image", "re-imaging", "reimaged", "wiped",
                    "terraform"],
    "kafka-migration": ["Kafka", "migration", "migrating", "cluster migration", "broker"],
    "message-queue-change": ["message queue", "message queuing", "message-queuing", "queuing", "queueing",
                             "routine change"],
    "stale-config": ["obsolete configuration", "obsolete", "outdated configuration", "stale configuration",
                     "deployment process", "deployment system", "configuration drift"],
}
"""Keywords suggesting each root cause of the demo taxonomy (matched whole-word, any case)."""


def suggest_root_causes(text: str, rules: Mapping[str, Sequence[str]]) -> list[tuple[str, int, list[str]]]:
    """``(slug, score, matched keywords)`` for every rule that matches, best first (ties keep rule order).

    A keyword matches case-insensitively on word boundaries (inner spaces match any whitespace); the score is the
    number of distinct keywords matched.
    """
    found: list[tuple[str, int, list[str]]] = []
    lowered = text.lower()
    for slug, keywords in rules.items():
        # A plain substring test first: most keywords are absent, and it is far cheaper than the regex.
        matched = [k for k in dict.fromkeys(keywords)
                   if k.strip() and k.split()[0].lower() in lowered and _keyword(k).search(text)]
        if matched:
            found.append((slug, len(matched), matched))
    return sorted(found, key=lambda item: -item[1])


@functools.lru_cache(maxsize=1024)
def _keyword(keyword: str) -> re.Pattern[str]:
    """A whole-word, case-insensitive pattern for a keyword."""
    words = r"\s+".join(re.escape(word) for word in keyword.split())
    return re.compile(rf"(?<!\w){words}(?!\w)", re.IGNORECASE)
