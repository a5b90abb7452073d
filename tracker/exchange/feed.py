"""Read a status page's incident history feed (Atom ``history.atom`` or RSS ``history.rss``) into reports.

Each entry is one incident; its HTML content holds one block per update, newest first::

    <p><small>Dec <var>31</var>, <var>23:40</var> UTC</small><br><strong>Resolved</strong> - text</p>

The stamps carry no year: it comes from the entry's published or updated time, across New Year too (see
:func:`tracker.exchange.statuspage_text.moment_near`). ``feedparser`` reads the XML (imported here, lazily: it
costs start-up time) and sanitizes the HTML; the blocks are read with the standard library's HTML parser.

A document that is not a feed is an error; an entry that cannot be read is a warning naming it, and the
others are read. Pure: no database, no network (:mod:`tracker.exchange.fetch` downloads).
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any

from tracker.exchange import statuspage_text as st
from tracker.exchange.statuspage_chrome import split_window_title
from tracker.exchange.statuspage_components import read_components
from tracker.exchange.statuspage_report import ParsedComponent, ParsedReport, ParsedUpdate, StatuspageError, finish

_SCHEDULED = re.compile(r"this is a scheduled event\b", re.IGNORECASE)
_DASH = re.compile(r"^\s*[-\u2013\u2014:]\s*")
_SITE = re.compile(r"(?P<site>\S.{0,80}?) [Ss]tatus(?: [Pp]age)?")
"""A feed titled with the site alone: ``Quillmoth Status``."""


@dataclass
class ParsedFeed:
    """What a history feed holds: its title, the company it names, one report per entry kept."""

    title: str
    company: str
    reports: list[ParsedReport]
    """In the feed's order (newest first, as pages publish them)."""
    entries: int
    """Entries in the feed, read or not."""
    before_since: int = 0
    """Entries left out because they were last updated before ``since``."""
    warnings: list[str] = field(default_factory=list)
    """Entries that could not be read, each naming the entry."""


@dataclass
class _Block:
    """One ``<p>`` of an entry's content: the ``<small>`` stamp, the ``<strong>`` label, the rest as text."""

    stamp: str = ""
    label: str = ""
    text: list[str] = field(default_factory=list)


class _Blocks(HTMLParser):
    """Split an entry's HTML into blocks; ``<br>`` and block ends become line breaks, other tags are dropped."""

    _BREAKS = frozenset({"br", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "blockquote"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[_Block] = [_Block()]
        self._in: str | None = None
        """``small`` or ``strong`` while inside the stamp or the label."""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        block = self.blocks[-1]
        if tag == "p":
            self.blocks.append(_Block())
        elif tag == "small" and not block.stamp and not "".join(block.text).strip():
            self._in = "small"
        elif tag == "strong" and block.stamp and not block.label and not "".join(block.text).strip():
            self._in = "strong"
        elif tag in self._BREAKS:
            block.text.append("\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br" and self._in is None:
            self.blocks[-1].text.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("small", "strong") and self._in == tag:
            self._in = None
        elif tag == "p":
            self.blocks.append(_Block())
        elif tag in self._BREAKS:
            self.blocks[-1].text.append("\n")

    def handle_data(self, data: str) -> None:
        block = self.blocks[-1]
        if self._in == "small":
            block.stamp += data
        elif self._in == "strong":
            block.label += data
        else:
            block.text.append(data)


def _blocks(html: str) -> list[_Block]:
    """The non-empty blocks of an entry's HTML, in order."""
    parser = _Blocks()
    parser.feed(html)
    parser.close()
    return [b for b in parser.blocks if b.stamp.strip() or b.label.strip() or "".join(b.text).strip()]


def _body(block: _Block) -> str:
    """A block's text: lines stripped at their ends, the `` - `` after the label dropped, blank runs kept."""
    lines = [" ".join(line.split()) for line in "".join(block.text).split("\n")]
    text = "\n".join(st.trim_blank(lines))
    return _DASH.sub("", text, count=1) if block.label else text


def _moment(entry: Any, key: str) -> datetime | None:
    """An entry's ``published`` or ``updated`` time (feedparser's UTC struct_time) as an aware datetime; None when
    absent or impossible. Read from the plain dict: feedparser would answer a missing ``updated`` with
    ``published``, and warn."""
    value = dict.get(entry, f"{key}_parsed")
    try:
        if not value:
            return None
        year, month, day, hour, minute, second = (int(part) for part in value[:6])
        return datetime(year, month, day, hour, minute, second, tzinfo=UTC)
    except (TypeError, ValueError, OverflowError):
        return None


def _last_touched(entry: Any) -> datetime | None:
    """The later of an entry's published and updated times."""
    return max(filter(None, [_moment(entry, "published"), _moment(entry, "updated")]), default=None)


def _name(number: int, entry: Any) -> str:
    """How warnings name an entry: its position and its link or id."""
    handle = entry.get("link") or entry.get("id") or ""
    return f"entry {number} ({handle[:120]})" if handle else f"entry {number}"


def _report(entry: Any, name: str, company: str, source: str) -> ParsedReport:
    """One entry as a report; StatuspageError when it holds no update at all."""
    reference = _last_touched(entry)
    contents = entry.get("content") or []
    html = contents[0].get("value", "") if contents else entry.get("summary", "")
    warnings: list[str] = []
    updates: list[ParsedUpdate] = []
    components: list[ParsedComponent] = []
    postmortem, pm_posted, kind = "", None, "incident"
    for number, block in enumerate(_blocks(html or ""), start=1):
        body = _body(block)
        listing = st.affected_list(body.replace("\n", " "))
        if listing is not None:
            pairs, problems = read_components(listing)
            components += [ParsedComponent(group, part) for group, part in pairs]
            warnings += [f"{name}: components: {problem}" for problem in problems]
            continue
        if not block.stamp.strip():
            if _SCHEDULED.search(body) or _SCHEDULED.search(block.label):
                kind = "maintenance"
            elif updates:  # a further paragraph of the update above
                last = updates[-1]
                updates[-1] = ParsedUpdate(last.label, f"{last.body}\n\n{body}".strip(), last.posted_at, last.stamp)
            else:
                warnings.append(f"{name}: block {number} has no date stamp: ignored")
            continue
        stamp_text = " ".join(block.stamp.split())
        stamp = st.read_stamp(f"Posted {stamp_text}", reference)
        if stamp is None:
            warnings.append(f"{name}: block {number}: unreadable stamp {stamp_text[:60]!r}")
        elif stamp.problem:
            warnings.append(f"{name}: block {number}: {stamp.problem.replace('Posted ', '', 1)}")
        posted = None if stamp is None else stamp.posted_at
        label = " ".join(block.label.split())
        if st.is_postmortem_heading(label):
            postmortem, pm_posted = body, posted
            continue
        updates.append(ParsedUpdate(label, body, posted, stamp_text))
    if not updates:
        raise StatuspageError(f"{name}: no updates in its content")
    if kind == "incident" and any(u.label.lower() in ("scheduled", "in progress", "verifying", "completed")
                                  for u in updates):
        kind = "maintenance"
    title = " ".join(str(entry.get("title", "")).split())
    if not title:
        warnings.append(f"{name}: no title")
    if all(u.posted_at is not None for u in updates):
        ordered = sorted(reversed(updates), key=lambda u: u.posted_at or datetime.min.replace(tzinfo=UTC))
    else:
        ordered = updates[::-1]
    return finish(
        title=title, company=company, kind=kind, updates=ordered, postmortem=postmortem,
        postmortem_posted_at=pm_posted, components=list(dict.fromkeys(components)), impact="", source=source,
        external_id=str(entry.get("id") or ""), link=str(entry.get("link") or ""), warnings=warnings,
    )


def _not_a_feed(data: bytes, where: str, parsed: Any) -> StatuspageError:
    """The error for a document that is no feed, saying what it looks like."""
    head = data[:2048].lstrip().lower()
    if not head.strip():
        return StatuspageError(f"{where} is empty: no feed")
    if head.startswith((b"<!doctype html", b"<html")) or b"<html" in head or b"<body" in head:
        return StatuspageError(f"{where} is an HTML page, not an Atom or RSS feed (give the page's history.atom"
                               " or history.rss)")
    problem = parsed.get("bozo_exception")
    detail = f": {_xml_problem(problem, data)}" if problem is not None else ""
    return StatuspageError(f"{where} is not an Atom or RSS feed{detail}")


def _xml_problem(problem: Any, data: bytes) -> str:
    """A parser's complaint on one line, with its line and column in ``data`` when it has them."""
    message = getattr(problem, "getMessage", lambda: str(problem))()
    line = getattr(problem, "getLineNumber", lambda: None)()
    if isinstance(line, int) and not re.match(rb"(?:\xef\xbb\xbf)?<\?xml", data):
        line = max(line - 1, 1)  # feedparser put an XML declaration line of its own above the document
    column = getattr(problem, "getColumnNumber", lambda: None)()
    where = f" at line {line} column {column}" if line is not None else ""
    return f"{' '.join(str(message).split())[:120]}{where}"


def parse_feed(data: bytes, source: str = "", since: datetime | None = None) -> ParsedFeed:
    """Read a history feed; entries last updated before ``since`` are left out (counted in ``before_since``)."""
    import xml.sax

    import feedparser

    where = source or "the input"
    parsed = feedparser.parse(io.BytesIO(data), sanitize_html=True, resolve_relative_uris=False)
    version = parsed.get("version", "")
    problem = parsed.get("bozo_exception")
    if not version:
        raise _not_a_feed(data, where, parsed)
    if isinstance(problem, xml.sax.SAXException):
        raise StatuspageError(f"{where} is not a well-formed feed: {_xml_problem(problem, data)}")
    channel = parsed.get("feed", {})
    title = " ".join(str(channel.get("title", "")).split())
    window = split_window_title(title)
    banner = _SITE.fullmatch(title)
    company = window[0] if window else banner["site"] if banner else " ".join(str(channel.get("author", "")).split())
    result = ParsedFeed(title=title, company=company, reports=[], entries=len(parsed.entries))
    for number, entry in enumerate(parsed.entries, start=1):
        name = _name(number, entry)
        if since is not None:
            last = _last_touched(entry)
            if last is not None and last < since:
                result.before_since += 1
                continue
        try:
            report = _report(entry, name, company, source)
        except StatuspageError as error:
            result.warnings.append(f"{error}: skipped")
            continue
        result.reports.append(report)
    if result.reports and not company:
        result.warnings.append(f"{where} names no site: the incidents' company is unknown")
    return result
