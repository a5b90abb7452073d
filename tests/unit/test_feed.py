"""Status-page history feeds (Atom and RSS): entries into reports, years for stamps that carry none, bad input.

The feeds in ``tests/data/feeds`` are fictional, written for these tests in the shape Statuspage-hosted pages
publish (``history.atom``, ``history.rss``).
"""

from __future__ import annotations

import contextlib
import subprocess
import sys
from datetime import UTC, datetime, timedelta, timezone
from html import escape
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as hs

from tracker.exchange.feed import parse_feed
from tracker.exchange.statuspage import ParsedReport, StatuspageError
from tracker.exchange.statuspage_text import read_stamp

ROOT = Path(__file__).resolve().parents[2]
FEEDS = ROOT / "tests" / "data" / "feeds"
SITE = "https://status.quillmoth.example"
PROPERTY = settings(max_examples=150, deadline=None)


def utc(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def facts(report: ParsedReport) -> tuple[object, ...]:
    return (report.title, report.company, report.kind, report.status, report.link, report.started_at,
            report.resolved_at, report.postmortem, report.postmortem_posted_at,
            [(u.label, u.body, u.posted_at) for u in report.updates])


def test_atom_history_feed() -> None:
    feed = parse_feed((FEEDS / "history.atom").read_bytes(), "history.atom")
    assert (feed.title, feed.company, feed.entries, feed.warnings) == (
        "Quillmoth Status - Incident History", "Quillmoth", 4, [])
    webhooks, exports, midnight, upgrade = feed.reports
    assert (webhooks.title, webhooks.link, webhooks.external_id) == (
        "Webhook deliveries delayed", f"{SITE}/incidents/qmwh01aa", "tag:status.quillmoth.example,2005:Incident/104")
    assert [(u.label, u.posted_at) for u in webhooks.updates] == [
        ("Investigating", utc(2026, 3, 2, 9, 31)), ("Monitoring", utc(2026, 3, 2, 10, 5)),
        ("Resolved", utc(2026, 3, 2, 10, 40))]
    assert webhooks.updates[1].body == "We added workers to the delivery pool.\nDelays are going down."
    assert webhooks.updates[0].stamp == "Mar 2, 09:31 UTC"  # the data-var attributes are gone, the text is kept
    assert (webhooks.status, webhooks.resolved_at) == ("resolved", utc(2026, 3, 2, 10, 40))
    assert exports.status == "postmortem" and exports.postmortem.startswith("A renewed broker certificate")
    assert exports.postmortem_posted_at == utc(2026, 2, 20, 9, 0)
    assert len(exports.updates) == 4
    # published Jan 1 00:35 UTC, stamped "Dec 31, 23:40 CET": the previous year
    assert [u.posted_at for u in midnight.updates] == [utc(2025, 12, 31, 22, 40), utc(2025, 12, 31, 22, 58),
                                                        utc(2026, 1, 1, 0, 35)]
    assert midnight.updates[0].body == "Some customers cannot sign in & see an error page."
    assert (upgrade.kind, upgrade.status, upgrade.resolved_at) == ("maintenance", "resolved", utc(2025, 11, 14, 3, 12))
    assert all(r.warnings == [] and r.company == "Quillmoth" for r in feed.reports)


def test_rss_gives_the_same_incidents_as_atom() -> None:
    atom = parse_feed((FEEDS / "history.atom").read_bytes(), "history.atom")
    rss = parse_feed((FEEDS / "history.rss").read_bytes(), "history.rss")
    assert [facts(r) for r in rss.reports] == [facts(r) for r in atom.reports]
    assert rss.reports[0].external_id == f"{SITE}/incidents/qmwh01aa"  # the guid


@pytest.mark.parametrize(
    ("stamp", "reference", "expected"),
    [
        ("Dec 31, 23:40 UTC", utc(2026, 1, 1, 0, 20), utc(2025, 12, 31, 23, 40)),
        ("Dec 31, 23:40 CET", utc(2026, 1, 1, 0, 20), utc(2025, 12, 31, 22, 40)),
        ("Jan 1, 00:10 CET", utc(2025, 12, 31, 23, 30), utc(2025, 12, 31, 23, 10)),  # before the entry, in UTC
        ("Jan 2, 09:00 UTC", utc(2025, 12, 31, 23, 30), utc(2026, 1, 2, 9, 0)),  # a postmortem after an RSS date
        ("Jun 5, 10:00 UTC", utc(2026, 1, 10, 0, 0), utc(2025, 6, 5, 10, 0)),  # a long incident: last year
        ("Feb 29, 10:00 UTC", utc(2025, 3, 1, 0, 0), utc(2024, 2, 29, 10, 0)),
        ("Feb 29, 10:00 UTC", utc(2026, 3, 1, 0, 0), None),
        ("Dec 31, 2024 - 23:40 UTC", utc(2026, 1, 1, 0, 20), utc(2024, 12, 31, 23, 40)),  # a year given wins
    ],
)
def test_stamps_without_a_year_take_the_nearest_year_before_the_entry(stamp: str, reference: datetime,
                                                                     expected: datetime | None) -> None:
    read = read_stamp(f"Posted {stamp}", reference)
    assert read is not None and read.posted_at == expected


def _feed(*entries: str, title: str = "Quillmoth Status - Incident History") -> bytes:
    return (f'<?xml version="1.0" encoding="UTF-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>{title}</title>'
            f"{''.join(entries)}</feed>").encode()


def _entry(html: str, number: int = 1, published: str = "2026-05-04T12:00:00Z", title: str = "Slow API") -> str:
    return (f"<entry><id>tag:x,2005:Incident/{number}</id><published>{published}</published>"
            f"<updated>{published}</updated><link rel='alternate' href='{SITE}/incidents/qm{number:06d}'/>"
            f"<title>{escape(title)}</title><content type='html'>{escape(html)}</content></entry>")


def _block(stamp: str, label: str, body: str) -> str:
    return f"<p><small>{stamp}</small><br><strong>{label}</strong> - {body}</p>"


def test_html_of_an_entry() -> None:
    html = ("<p>Read this first.</p>"
            + _block("May <var data-var='date'>4</var>, <var data-var='time'>11:50</var> UTC", "Resolved",
                     "Fixed <a href='https://example.com/x' onclick='evil()'>here</a> &amp; done.<br>Second line.")
            + "<p>More about the fix.</p>"
            + _block("May 4, 11:20 XYZ", "Update", "Odd zone.")
            + _block("Mayday 4, 11:10 UTC", "Identified", "Odd month.")
            + _block("May 4, 11:00 UTC", "Investigating", "<b>Slow</b> answers."))
    feed = parse_feed(_feed(_entry(html)), "odd.atom")
    [report] = feed.reports
    assert [(u.label, u.body, u.posted_at) for u in report.updates] == [
        ("Investigating", "Slow answers.", utc(2026, 5, 4, 11, 0)),
        ("Identified", "Odd month.", None),
        ("Update", "Odd zone.", None),
        ("Resolved", "Fixed here & done.\nSecond line.\n\nMore about the fix.", utc(2026, 5, 4, 11, 50)),
    ]
    name = f"entry 1 ({SITE}/incidents/qm000001)"
    assert report.warnings == [
        f"{name}: block 1 has no date stamp: ignored",
        f"{name}: block 4: unknown time zone 'XYZ' in stamp 'May 4, 11:20 XYZ'",
        f"{name}: block 5: unreadable stamp 'Mayday 4, 11:10 UTC'",
    ]


def test_an_unreadable_entry_is_a_warning_and_the_others_are_read() -> None:
    feed = parse_feed((FEEDS / "bad_entry.atom").read_bytes(), "bad_entry.atom")
    assert [r.title for r in feed.reports] == ["Webhook deliveries delayed", "Exports stuck in the queue"]
    assert feed.warnings == [f"entry 2 ({SITE}/incidents/qmny26cc): no updates in its content: skipped"]
    assert feed.entries == 3


def test_entries_before_since_are_left_out() -> None:
    feed = parse_feed((FEEDS / "history.atom").read_bytes(), "history.atom", since=utc(2026, 1, 1, 0, 0))
    assert [r.title for r in feed.reports] == ["Webhook deliveries delayed", "Exports stuck in the queue",
                                               "Sign-in errors at midnight"]
    assert (feed.before_since, feed.entries) == (1, 4)


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("broken.atom", None, "broken.atom is not a well-formed feed: unclosed token at line 32 column 37"),
        ("not_a_feed.html", None, "not_a_feed.html is an HTML page, not an Atom or RSS feed (give the page's "
                                  "history.atom or history.rss)"),
        ("empty.xml", b"", "empty.xml is empty: no feed"),
        ("spaces.xml", b"  \n\t ", "spaces.xml is empty: no feed"),
        ("garbage.bin", b"\x00\x01garbage\xff", "garbage.bin is not an Atom or RSS feed: not well-formed (invalid"
                                                " token) at line 1 column 0"),
        ("report.json", b'{"incidents": []}', "report.json is not an Atom or RSS feed: not well-formed "
                                              "(invalid token) at line 1 column 0"),
        ("report.txt", b"Checkout errors\nIncident Report for Quillmoth\n", "report.txt is not an Atom or RSS feed:"
                                                                           " syntax error at line 1 column 0"),
    ],
)
def test_what_is_not_a_feed_is_an_error(name: str, data: bytes | None, message: str) -> None:
    with pytest.raises(StatuspageError) as caught:
        parse_feed((FEEDS / name).read_bytes() if data is None else data, name)
    assert str(caught.value) == message


def test_a_feed_that_names_no_site_says_so_once() -> None:
    feed = parse_feed(_feed(_entry(_block("May 4, 11:00 UTC", "Resolved", "Done.")), _entry(
        _block("May 4, 10:00 UTC", "Resolved", "Done."), 2), title="History"), "h.atom")
    assert [r.company for r in feed.reports] == ["", ""] and all(r.warnings == [] for r in feed.reports)
    assert feed.warnings == ["h.atom names no site: the incidents' company is unknown"]
    named = parse_feed(_feed(_entry(_block("May 4, 11:00 UTC", "Resolved", "Done.")), title="Tern Status"), "t")
    assert named.reports[0].company == "Tern" and named.warnings == []


def test_an_empty_feed_has_no_reports() -> None:
    feed = parse_feed(_feed(), "empty.atom")
    assert (feed.entries, feed.reports, feed.warnings) == (0, [], [])


def test_feedparser_is_imported_only_to_read_a_feed() -> None:
    code = ("import sys, tracker.exchange.feed, tracker.exchange.fetch, tracker.cli.exchange\n"
            "print('feedparser' in sys.modules, 'urllib.request' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert done.stdout.split() == ["False", "False"]


# ---------------------------------------------------------------- properties

ZONES = {"UTC": UTC, "CET": timezone(timedelta(hours=1)), "PST": timezone(timedelta(hours=-8)),
         "JST": timezone(timedelta(hours=9))}
LABELS = ["Investigating", "Identified", "Monitoring", "Update", "Resolved"]
WORDS = hs.lists(hs.sampled_from(["queue", "latency", "workers", "sign-in", "errors", "EU", "fix", "we", "are"]),
                 min_size=1, max_size=8).map(" ".join)


@hs.composite
def entries(draw: hs.DrawFn) -> tuple[str, list[tuple[str, str, datetime]], datetime]:
    """An entry's title, its updates (label, body, moment in UTC, oldest first) and its published time."""
    first = draw(hs.datetimes(datetime(2001, 1, 1), datetime(2035, 12, 1))).replace(second=0, microsecond=0, tzinfo=UTC)
    gaps = draw(hs.lists(hs.integers(0, 60 * 24 * 20), min_size=1, max_size=5))
    moments = [first + timedelta(minutes=sum(gaps[: i + 1])) for i in range(len(gaps))]
    updates = [(draw(hs.sampled_from(LABELS)), draw(WORDS), at) for at in moments]
    published = moments[-1] + timedelta(seconds=draw(hs.integers(0, 3600)))
    return draw(WORDS), updates, published


@PROPERTY
@given(hs.lists(entries(), min_size=1, max_size=4), hs.lists(hs.sampled_from(sorted(ZONES)), min_size=5, max_size=5),
       hs.booleans())
def test_generated_feeds_read_back(generated: list[tuple[str, list[tuple[str, str, datetime]], datetime]],
                                   zones: list[str], rss: bool) -> None:
    items = []
    for number, (title, updates, published) in enumerate(generated, start=1):
        blocks = "".join(
            _block(f"{(at.astimezone(ZONES[zone])):%b} <var data-var='date'>{at.astimezone(ZONES[zone]).day}</var>, "
                   f"<var data-var='time'>{at.astimezone(ZONES[zone]):%H:%M}</var> {zone}", label, escape(body))
            for (label, body, at), zone in reversed(list(zip(updates, zones, strict=False))))
        if rss:
            items.append(f"<item><title>{escape(title)}</title><description>{escape(blocks)}</description>"
                         f"<pubDate>{published:%a, %d %b %Y %H:%M:%S} +0000</pubDate>"
                         f"<guid>{SITE}/incidents/qm{number:06d}</guid></item>")
        else:
            items.append(_entry(blocks, number, f"{published:%Y-%m-%dT%H:%M:%S}Z", title))
    data = (f'<rss version="2.0"><channel><title>Tern Status</title>{"".join(items)}</channel></rss>'.encode() if rss
            else _feed(*items))
    feed = parse_feed(data, "gen")
    assert feed.warnings == [] and len(feed.reports) == len(generated)
    for report, (title, updates, _) in zip(feed.reports, generated, strict=True):
        assert report.title == title
        assert [(u.label, u.body, u.posted_at) for u in report.updates] == updates


@PROPERTY
@given(hs.binary(max_size=300) | hs.text(max_size=300).map(str.encode))
def test_any_bytes_read_or_raise_statuspage_error(data: bytes) -> None:
    with contextlib.suppress(StatuspageError):
        feed = parse_feed(data, "x")
        assert all(isinstance(w, str) and "\n" not in w for w in feed.warnings)
