"""What the status-page importers read: a report, its updates and components; the one error they raise.

:func:`finish` derives what every form shares (start, resolution, status, postmortem sections, proposed actions)
from what a parser read, so the page text, the JSON API, markdown exports and feeds agree on it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from tracker.base.errors import InputError
from tracker.exchange import statuspage_text as st

_ACTION_SECTIONS = ("actions", "next_steps")


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
    link: str = ""
    """The report's own address as it gives it (a front matter ``link``, an API ``shortlink``, a feed entry's
    link); "" when it names none. ``source`` is where it was read from (a file name, ``stdin``, a URL)."""
    sections: dict[str, str] = field(default_factory=dict)
    """Postmortem text by canonical heading: summary, impact, timeline, root_cause, resolution, actions, next_steps."""
    proposed_actions: list[str] = field(default_factory=list)
    """Bullet items of the postmortem's action and next-step sections."""
    warnings: list[str] = field(default_factory=list)


def finish(declared_status: str = "", **fields: Any) -> ParsedReport:
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


def decode(data: bytes, where: str) -> str:
    """UTF-8 text of the bytes (a BOM is dropped); an invalid byte is an error naming its offset."""
    bom = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    try:
        return data[bom:].decode("utf-8")
    except UnicodeDecodeError as err:
        offset = err.start + bom
        raise StatuspageError(f"{where} is not UTF-8: invalid byte 0x{data[offset]:02x} at offset {offset}") from None
