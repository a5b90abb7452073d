"""Read Statuspage incident reports (page text, markdown exports or the public JSON API) into plain data.

A pure parser: no database, no UI, no git. It keeps what it can read, records what it could not as one-line
warnings naming the place, and never invents a value. The only error it raises is :class:`StatuspageError`.

Text layout, top to bottom: a title; ``Incident Report for <Company>``; optionally a ``Postmortem`` block ending in
its own ``Posted`` stamp; the updates, newest first, each ``<label>`` / body / ``Posted Dec 24, 2025 - 13:51 UTC``;
last, ``This incident affected: A, B (C, D), and E.`` Around it, a page saved from a browser keeps the site
(menus, subscribe forms, footers: :mod:`~tracker.exchange.statuspage_chrome`), and a markdown export has front
matter (:mod:`~tracker.exchange.statuspage_markdown`) and labels written as headings or in bold.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from tracker.exchange import statuspage_text as st
from tracker.exchange.statuspage_chrome import split_window_title
from tracker.exchange.statuspage_components import read_component_items, read_components
from tracker.exchange.statuspage_json import parse_json
from tracker.exchange.statuspage_markdown import FrontMatter, read_front_matter
from tracker.exchange.statuspage_report import (
    ParsedComponent,
    ParsedReport,
    ParsedUpdate,
    StatuspageError,
    decode,
    finish,
)
from tracker.exchange.statuspage_text import DEFAULT_CAUSE_RULES, suggest_root_causes

__all__ = ["DEFAULT_CAUSE_RULES", "ParsedComponent", "ParsedReport", "ParsedUpdate", "StatuspageError", "cause_rules",
           "parse", "parse_json", "parse_text", "suggest_root_causes"]

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_MAINTENANCE = ("scheduled", "in progress", "verifying", "completed")
_SITE_BANNER = re.compile(r"(?P<site>\S.{0,60}?) Status(?: [Pp]age)?")
"""A site's name above its report (``Quillmoth Status``)."""


# ---------------------------------------------------------------- text


@dataclass
class _Segment:
    """The lines between two stamps: ``lines[start:end]`` of the input, closed by the stamp at ``end``."""

    start: int
    end: int
    stamp: st.Stamp | None


def parse_text(text: str, source: str = "") -> ParsedReport:
    """Read the text of a Statuspage incident page (copied or saved from a browser, or exported as markdown)."""
    where = source or "the input"
    lines = _LINE_BREAK.split(text.removeprefix("\ufeff"))
    front = read_front_matter(lines)
    lines[:front.end] = [""] * front.end  # blanked, not removed: warnings keep the file's line numbers
    reference = front.updated or front.published
    stamp_at = {i: stamp for i, line in enumerate(lines) if (stamp := st.read_stamp(line, reference)) is not None}
    first_stamp = min(stamp_at, default=len(lines))
    header = next((i for i in range(first_stamp) if st.read_header(lines[i])), None)
    if header is None and not stamp_at:
        raise StatuspageError(f"no incident report found in {where}")
    warnings: list[str] = list(front.warnings)
    title, company, kind, start = _read_head(lines, header, first_stamp, front, warnings)
    start, listed_above = _skip_frame(lines, start, first_stamp)
    segments, tail = _segments(lines, start, stamp_at)
    listed = next((i for i in range(tail.start, tail.end) if _lists_components(lines[i])), None)
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
    if listed is None and listed_above is not None:
        components = _read_components(lines, listed_above, first_stamp, warnings, text_after=False)
    else:
        components = _read_components(lines, listed, tail.end, warnings)
    if not updates:
        warnings.append(f"no updates found in {where}")
    if header is None and any(u.label.lower() in _MAINTENANCE for u in updates):
        kind = "maintenance"
    return finish(
        title=title, company=company, kind=kind, updates=updates, postmortem=postmortem,
        postmortem_posted_at=pm_posted, components=components, impact="", source=source,
        external_id=front.id, link=front.link, warnings=warnings,
    )


def _read_head(lines: list[str], header: int | None, limit: int, front: FrontMatter,
               warnings: list[str]) -> tuple[str, str, str, int]:
    """Title, company, kind and the index of the first line after the heading block.

    The title is the line above ``Incident Report for``, or without that line the first line of the page; the
    site's frame is skipped and a window title (``Quillmoth Status - Title``) gives the site's name as company.
    The front matter's title and company, when given, win.
    """
    if header is not None:
        kind, company = st.read_header(lines[header]) or ("incident", "")
        before = next((i for i in range(header - 1, -1, -1) if lines[i].strip() and not st.is_navigation(lines[i])),
                      None)
        title = "" if before is None else st.undecorated(lines[before])
        title, company = _without_site(title, company or front.company)
        title, company = _without_site(front.title, company) if front.title else (title, company)
        if not company:
            warnings.append(f"line {header + 1}: no company name after 'Report for'")
        if not title:
            warnings.append(f"line {header + 1}: no title before the 'Report for' line")
        return title, company, kind, header + 1
    content = [i for i in range(limit) if lines[i].strip() and not st.is_navigation(lines[i])]
    first, title, company = (content[0] if content else limit), "", front.company
    after = first
    if content and (banner := _SITE_BANNER.fullmatch(st.undecorated(lines[first]))) and len(content) > 1 and \
            not _opens_report(lines[content[1]]):
        company, first = company or banner["site"], content[1]  # "Quillmoth Status" above the report
        after = first
    if first < limit and not _opens_report(lines[first]):
        title, company = _without_site(st.undecorated(lines[first]), company, any_site=True)
        after = first + 1
        repeated = next((i for i in content if i >= after), None)
        if repeated is not None and st.undecorated(lines[repeated]) == title:
            after = repeated + 1  # the page's heading under its window title
    if front.title:
        title, company = _without_site(front.title, company, any_site=True)
    if not company:
        warnings.append("no 'Incident Report for' line: company unknown")
    if not title:
        warnings.append(f"line {min(first, len(lines) - 1) + 1}: no title found")
    return title, company, "incident", after


def _opens_report(line: str) -> bool:
    """True for a line that starts the report's body (a stamp, a label, a postmortem or components heading)."""
    return bool(st.read_stamp(line) or st.read_label(line) is not None or st.is_postmortem_heading(line)
                or st.leading_label(line) or _lists_components(line))


def _without_site(title: str, company: str, any_site: bool = False) -> tuple[str, str]:
    """The title without the site's name of a window title (``Quillmoth Status - Title``), and the company.

    The site's name is taken off when it is the company's, or (``any_site``) when no header names the company.
    """
    window = split_window_title(title)
    if window is None:
        return title, company
    site, rest = window
    if company and site.casefold() == company.casefold():
        return rest, company
    if any_site and not company:
        return rest, site
    return title, company


def _skip_frame(lines: list[str], start: int, limit: int) -> tuple[int, int | None]:
    """The first line of the report's body at or after ``start``, past the site's frame (subscribe forms and
    the like) and a components list above the updates; and where that list is (None when there is none)."""
    listed: int | None = None
    index = start
    while index < limit:
        line = lines[index]
        if not line.strip() or st.is_navigation(line):
            index += 1
        elif listed is None and _lists_components(line):
            listed = index
            index = _component_listing(lines, index, limit)[1] + 1
        else:
            break
    return index, listed


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


def _lists_components(line: str) -> bool:
    """True for ``This incident affected: ...`` (or ``Affected components:``) and an affected-components heading."""
    return st.affected_list(line) is not None or st.is_affected_heading(line)


def _component_listing(lines: list[str], index: int, end: int) -> tuple[list[str] | str, int]:
    """The list at ``index``: the text after its colon, else the bullet items under it; and its last line."""
    listing = st.affected_list(lines[index]) or ""
    if listing:
        return listing, index
    items: list[str] = []
    last = index
    for number in range(index + 1, end):
        line = lines[number]
        if not line.strip():
            continue
        bullet = st.bullet_item(line)
        if bullet is None:
            break
        items.append(bullet)
        last = number
    return items, last


def _read_components(lines: list[str], index: int | None, end: int, warnings: list[str],
                     text_after: bool = True) -> list[ParsedComponent]:
    """Components from the ``This incident affected:`` line at ``index``, warning when missing or damaged, and
    (``text_after``) when text other than the page's footer follows the list."""
    if index is None:
        warnings.append("no 'This incident affected' line: components unknown (report cut off?)")
        return []
    listing, last = _component_listing(lines, index, end)
    pairs, problems = read_components(listing) if isinstance(listing, str) else read_component_items(listing)
    if not pairs and not problems:
        problems.append("no components listed")
    warnings.extend(f"components (line {index + 1}): {problem}" for problem in problems)
    extra = next((i for i in range(last + 1, end) if lines[i].strip() and not st.is_navigation(lines[i])), None)
    if extra is not None and text_after:
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
    """The segment's label ("" if none), its body, and the index of its first non-blank line.

    The label is a line of its own above the text (also ``## Resolved`` or ``**Resolved**``), else opens the
    first line (``**Resolved** - text``), else closes the text (``... has been resolved. Resolved``).
    """
    first = _first_content(lines, segment.start, segment.end)
    if first is None:
        return "", "", segment.start
    body = lines[segment.start:segment.end]
    label = st.read_label(lines[first])
    if label is not None:
        return label, "\n".join(st.trim_blank(lines[first + 1:segment.end])), first
    if opening := st.leading_label(lines[first]):
        return opening[0], "\n".join(st.trim_blank([opening[1], *lines[first + 1:segment.end]])), first
    last = max(i for i in range(first, segment.end) if lines[i].strip())
    closing = st.trailing_label(lines[last])
    if closing is not None and (closing[1] or last > first):
        return closing[0], "\n".join(st.trim_blank([*lines[segment.start:last], closing[1]])), first
    return "", "\n".join(st.trim_blank(body)), first


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


# ---------------------------------------------------------------- either


def parse(data: str | bytes, source: str = "") -> list[ParsedReport]:
    """Read a report of either form: JSON when the data starts with ``{`` or ``[``, else page text."""
    where = source or "the input"
    text = decode(data, where) if isinstance(data, bytes) else data.removeprefix("\ufeff")
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


def cause_rules(extra: dict[str, list[str]] | None) -> dict[str, list[str]]:
    """The keyword rules for root-cause suggestions: built-in, extended by ``[import.cause_rules]``."""
    rules = {slug: list(words) for slug, words in DEFAULT_CAUSE_RULES.items()}
    for slug, words in (extra or {}).items():
        rules[slug] = list(dict.fromkeys([*rules.get(slug, []), *words]))
    return rules
