"""The shapes reports come in besides a clean page: saved with the site around them, exported as markdown, with
components under (nested) groups, and with labels in headings, in bold or after the text.

The fixtures in ``tests/data/statuspage`` are fictional reports written for these tests. The property tests at the
end write generated reports in every shape and check that they read back the same.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as hs

from tracker.exchange.statuspage import ParsedReport, parse, parse_text
from tracker.exchange.statuspage_chrome import is_chrome, split_window_title
from tracker.exchange.statuspage_components import read_components
from tracker.exchange.statuspage_markdown import read_front_matter

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data" / "statuspage"
PROPERTY = settings(max_examples=150, deadline=None)


def utc(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def fixture(name: str) -> ParsedReport:
    [report] = parse((DATA / name).read_bytes(), name)
    return report


def labels(report: ParsedReport) -> list[str]:
    return [u.label for u in report.updates]


def pairs(report: ParsedReport) -> list[tuple[str, str]]:
    return [(c.group, c.name) for c in report.components]


# ---------------------------------------------------------------- pages saved from a browser


def test_browser_saved_page_finds_the_report_inside_the_site() -> None:
    raw = (DATA / "browser_saved.txt").read_text()
    assert raw.count("(+") > 150, "the fixture must keep its long country-code list"
    report = fixture("browser_saved.txt")
    assert (report.title, report.company, report.status) == ("Exports stuck in the queue", "Quillmoth", "resolved")
    assert labels(report) == ["Investigating", "Identified", "Monitoring", "Resolved"]
    # "Posted 3 days ago. Feb 18, 2026 - 16:05 UTC": the relative part is the browser's, the date the page's
    assert [u.posted_at for u in report.updates] == [utc(2026, 2, 18, 14, 10), utc(2026, 2, 18, 14, 48),
                                                      utc(2026, 2, 18, 15, 20), utc(2026, 2, 18, 16, 5)]
    assert (report.started_at, report.resolved_at) == (utc(2026, 2, 18, 14, 10), utc(2026, 2, 18, 16, 5))
    assert report.updates[-1].body == ("The export backlog has drained and new exports finish within a few "
                                       "minutes again.")
    # a group whose name holds "and", then a plain component: "G (A, B) and C."
    assert pairs(report) == [("Data and Analytics", "CSV exports"), ("Data and Analytics", "Scheduled reports"),
                             ("", "Public API")]
    assert report.warnings == []  # the subscribe forms and the footer are the site's, not the report's


def test_browser_page_without_report_line_takes_the_title_from_the_window_title() -> None:
    report = fixture("browser_no_header.txt")
    assert (report.title, report.company) == ("Sign-in emails arrive late", "Quillmoth")  # no site in the title
    assert labels(report) == ["Investigating", "Identified", "Update", "Resolved"]
    assert report.updates[0].posted_at == utc(2026, 1, 7, 8, 41)  # 09:41 CET
    assert report.resolved_at == utc(2026, 1, 7, 10, 32)
    assert pairs(report) == [("Accounts", "Sign-in"), ("Notifications", "Email")]
    assert report.warnings == []


def test_site_name_before_the_title_line_is_not_the_title() -> None:
    text = ("Quillmoth Status - Queue delays\nSubscribe to Updates\nQueue delays\nIncident Report for Quillmoth\n"
            "Resolved\nAll clear.\nPosted Mar 01, 2026 - 10:00 UTC\nThis incident affected: Queue.\n")
    assert parse_text(text).title == "Queue delays"
    only_window = text.replace("Subscribe to Updates\nQueue delays\n", "")
    assert parse_text(only_window).title == "Queue delays"  # the site's name is dropped from the window title
    other_site = only_window.replace("Incident Report for Quillmoth", "Incident Report for Acme")
    assert parse_text(other_site).title == "Quillmoth Status - Queue delays"  # another site: kept as written


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Quillmoth Status - Exports delayed", ("Quillmoth", "Exports delayed")),
        ("Quillmoth Status | Exports delayed", ("Quillmoth", "Exports delayed")),
        ("Exports delayed - Quillmoth Status", ("Quillmoth", "Exports delayed")),
        ("Acme Cloud Status Page – Login errors - EU", ("Acme Cloud", "Login errors - EU")),
        ("Login errors - EU", None),
        ("Status - ", None),
    ],
)
def test_window_titles(line: str, expected: tuple[str, str] | None) -> None:
    assert split_window_title(line) == expected


@pytest.mark.parametrize(
    "line",
    ["Afghanistan (+93)", "Antigua and Barbuda (+1-268)", "+44", "Country code:", "Subscribe via Slack",
     "Get email notifications whenever Quillmoth creates, updates or resolves an incident.",
     "Privacy Policy · Terms of Service · Cookie Settings", "← Current Status", "Powered by Atlassian Statuspage",
     "  **Subscribe to Updates**  ", "© 2026 Quillmoth", "Resend OTP in: 30 seconds"],
)
def test_site_chrome_is_recognised(line: str) -> None:
    assert is_chrome(line)


@pytest.mark.parametrize(
    "line",
    ["Resolved", "This incident has been resolved.", "Exports stuck in the queue", "Incident Report for Quillmoth",
     "Error rates rose by a third (+33%) in the EU.", "We will post an update on our privacy policy page soon.",
     "Posted Feb 18, 2026 - 16:05 UTC", ""],
)
def test_report_lines_are_not_chrome(line: str) -> None:
    assert not is_chrome(line)


# ---------------------------------------------------------------- markdown exports


def test_markdown_export_with_front_matter_and_headings() -> None:
    report = fixture("markdown_export.md")
    assert (report.title, report.company) == ("Exports stuck in the queue", "Quillmoth")
    assert report.link == "https://status.quillmoth.example/incidents/qm8exq4t"
    assert labels(report) == ["Investigating", "Identified", "Monitoring", "Resolved"]
    assert report.updates[2].body == ("We moved the export workers to a fresh node pool. Queued exports are running"
                                      " now;\nwe are watching the backlog.")
    assert (report.started_at, report.resolved_at) == (utc(2026, 2, 18, 14, 10), utc(2026, 2, 18, 16, 5))
    assert pairs(report) == [("Data and Analytics", "CSV exports"), ("Data and Analytics", "Scheduled reports"),
                             ("", "Public API")]
    assert report.warnings == []


def test_markdown_bold_labels_italic_stamps_and_a_components_heading() -> None:
    report = fixture("markdown_bold.md")
    assert report.title == "Webhook retries delayed in EU"
    assert report.link == "https://status.quillmoth.example/incidents/qm2wbk7e"
    assert labels(report) == ["Investigating", "Monitoring", "Resolved"]
    assert report.updates[-1].body == ("Retries are back on schedule and the queue is empty. This incident has been"
                                       " resolved.")
    assert [u.posted_at for u in report.updates] == [utc(2026, 4, 2, 8, 15), utc(2026, 4, 2, 8, 55),
                                                      utc(2026, 4, 2, 10, 40)]
    assert report.resolved_at == utc(2026, 4, 2, 10, 40)
    assert pairs(report) == [("Platform / Integrations and Webhooks", "Retries"),
                             ("Platform / Integrations and Webhooks", "EU delivery")]
    assert report.warnings == ["no 'Incident Report for' line: company unknown"]


def test_front_matter_fields_and_problems() -> None:
    lines = ["", "---", "title: \"Say \\\"hi\\\"\"  ", "name: ignored, title came first", "link: x # a comment",
             "published: 2026-05-01", "updated: yesterday", "not a key line", "tags:", "  - a", "---", "body"]
    matter = read_front_matter(lines)
    assert (matter.title, matter.link, matter.end) == ('Say "hi"', "x", 11)
    assert matter.published == utc(2026, 5, 1, 0, 0) and matter.updated is None
    assert matter.warnings == [
        "front matter (line 7): updated: unreadable time 'yesterday' (ISO 8601 with an offset expected)",
        "front matter (line 8): not a 'key: value' line",
    ]
    assert read_front_matter(["---", "title: never closed", "body"]).end == 0  # a ruler, not front matter
    assert read_front_matter(["text", "---", "title: x", "---"]).end == 0  # not at the top


def test_stamps_without_a_year_take_it_from_the_front_matter() -> None:
    body = ("\n## Resolved\nAll good.\nPosted Jan 1 - 00:20 UTC\n\n## Investigating\nLooking.\n"
            "Posted Dec 31 - 23:40 UTC\n")
    report = parse_text("---\ntitle: New Year\nupdated: 2027-01-01T00:25:00Z\n---\n" + body)
    assert [u.posted_at for u in report.updates] == [utc(2026, 12, 31, 23, 40), utc(2027, 1, 1, 0, 20)]
    undated = parse_text("New Year\n" + body)
    assert [u.posted_at for u in undated.updates] == [None, None]
    assert "update 1 (line 9): no year in stamp 'Posted Dec 31 - 23:40 UTC'" in undated.warnings


# ---------------------------------------------------------------- labels in other places


@pytest.mark.parametrize(
    ("block", "label", "body"),
    [
        ("Resolved\nAll clear.", "Resolved", "All clear."),
        ("## Resolved\n\nAll clear.", "Resolved", "All clear."),
        ("### **Resolved**\nAll clear.", "Resolved", "All clear."),
        ("**Resolved**\nAll clear.", "Resolved", "All clear."),
        ("**Resolved** - All clear.", "Resolved", "All clear."),
        ("**Resolved:** All clear.", "Resolved", "All clear."),
        ("Resolved - All clear.", "Resolved", "All clear."),
        ("Resolved\tAll clear.", "Resolved", "All clear."),
        ("Status: Resolved\nAll clear.", "Resolved", "All clear."),
        ("All clear. This incident has been resolved. Resolved", "Resolved",
         "All clear. This incident has been resolved."),
        ("All clear.\nResolved", "Resolved", "All clear."),
        ("All clear!\n**Resolved**", "Resolved", "All clear!"),
        ("All clear and resolved", "", "All clear and resolved"),
    ],
)
def test_labels_in_headings_in_bold_and_after_the_text(block: str, label: str, body: str) -> None:
    report = parse_text(f"T\nIncident Report for Quillmoth\n\n{block}\nPosted Mar 03, 2026 - 09:50 UTC\n\n"
                        "Investigating\nLooking.\nPosted Mar 03, 2026 - 09:00 UTC\nThis incident affected: API.\n")
    newest = report.updates[-1]
    assert (newest.label, newest.body) == (label, body)
    assert report.resolved_at == (utc(2026, 3, 3, 9, 50) if label else None)


def test_trailing_labels_set_the_resolve_time() -> None:
    report = fixture("trailing_labels.txt")
    assert labels(report) == ["Investigating", "Identified", "Resolved"]
    assert report.updates[0].body == "About one card payment in ten times out at authorisation. We are investigating."
    assert report.updates[1].body == ("The card network confirmed a routing fault on their side and moved our "
                                      "traffic to a healthy region.")
    assert (report.status, report.resolved_at) == ("resolved", utc(2026, 9, 9, 19, 45))
    assert report.warnings == []


# ---------------------------------------------------------------- components under groups


def test_grouped_components_keep_group_and_name_apart() -> None:
    report = fixture("grouped_components.txt")
    assert pairs(report) == [
        ("Data and Analytics", "Dashboards"), ("Data and Analytics", "Scheduled reports"),
        ("Platform / Identity and Access", "Audit log"), ("Search and Indexing", "Query API"), ("Billing", "Invoices"),
    ]
    assert report.warnings == []


@pytest.mark.parametrize(
    ("listing", "expected"),
    [
        ("A.", [("", "A")]),
        ("A and B.", [("", "A"), ("", "B")]),
        ("Data and Analytics / Exports.", [("Data and Analytics", "Exports")]),
        ("Data and Analytics (Exports, Reports).", [("Data and Analytics", "Exports"),
                                                    ("Data and Analytics", "Reports")]),
        ("Data and Analytics / Exports and Public API.", [("Data and Analytics", "Exports"), ("", "Public API")]),
        ("Public API and Data and Analytics / Exports.", [("", "Public API"), ("Data and Analytics", "Exports")]),
        ("Data and Analytics / Exports and Data and Analytics / Reports.",
         [("Data and Analytics", "Exports"), ("Data and Analytics", "Reports")]),
        ("Platform / Data and Analytics / Exports, API / Public, and Status.",
         [("Platform / Data and Analytics", "Exports"), ("API", "Public"), ("", "Status")]),
        ("Platform (Data and Analytics (Exports, Reports), Search).",
         [("Platform / Data and Analytics", "Exports"), ("Platform / Data and Analytics", "Reports"),
          ("Platform", "Search")]),
        ("Platform › Storage › Buckets.", [("Platform / Storage", "Buckets")]),
        ("TCP/IP edge.", [("", "TCP/IP edge")]),
        ("A, A, and B.", [("", "A"), ("", "B")]),
    ],
)
def test_component_lists(listing: str, expected: list[tuple[str, str]]) -> None:
    assert read_components(listing) == (expected, [])


def test_json_nested_groups() -> None:
    report = fixture("grouped.json")
    assert pairs(report) == [("Platform / Data and Analytics", "CSV exports"),
                             ("Platform / Data and Analytics", "Scheduled reports"),
                             ("Platform / Identity and Access", "Single sign-on"), ("", "Public API")]
    assert report.link == "https://status.quillmoth.example/incidents/qm8exq4t"  # the page's address + the id
    assert report.warnings == []


# ---------------------------------------------------------------- properties: every shape reads back the same


@dataclass(frozen=True)
class Draft:
    """A report to write in some shape: what reading it back must give."""

    title: str
    company: str
    updates: list[tuple[str, str, datetime]]
    """(label, body, posted_at), oldest first."""
    components: list[tuple[str, str]]


WORDS = ["queue", "exports", "delayed", "workers", "node", "backlog", "latency", "errors", "region", "database",
         "certificate", "traffic", "retries", "customers", "webhooks", "dashboard", "sign-in", "mail", "relay"]
LABELS = ["Investigating", "Identified", "Monitoring", "Update", "Resolved"]
NAMES = ["Exports", "Query API", "Dashboards", "Single sign-on", "Webhooks", "Invoices", "Audit log", "CSV files"]
GROUPS = ["Data and Analytics", "Platform", "Identity and Access", "Billing", "Search and Indexing", "Core"]

sentence = hs.lists(hs.sampled_from(WORDS), min_size=2, max_size=8).map(lambda w: " ".join(w).capitalize() + ".")
body = hs.lists(sentence, min_size=1, max_size=3).map(" ".join)
component = hs.tuples(hs.lists(hs.sampled_from(GROUPS), max_size=2, unique=True).map(" / ".join),
                      hs.sampled_from(NAMES))


@hs.composite
def drafts(draw: hs.DrawFn) -> Draft:
    start = draw(hs.datetimes(datetime(2005, 1, 1), datetime(2030, 12, 1))).replace(second=0, microsecond=0,
                                                                                   tzinfo=UTC)
    gaps = draw(hs.lists(hs.integers(1, 600), min_size=1, max_size=5))
    times = [start + timedelta(minutes=sum(gaps[:i])) for i in range(len(gaps))]
    chosen = draw(hs.lists(hs.sampled_from(LABELS[:-1]), min_size=len(times) - 1, max_size=len(times) - 1))
    last = draw(hs.sampled_from(LABELS))
    updates = [(label, draw(body), at) for label, at in zip([*chosen, last], times, strict=True)]
    components = draw(hs.lists(component, min_size=1, max_size=5, unique=True))
    title = draw(hs.lists(hs.sampled_from(WORDS), min_size=2, max_size=6).map(lambda w: " ".join(w).capitalize()))
    return Draft(title, draw(hs.sampled_from(["Quillmoth", "Acme Cloud", "Tern"])), updates, components)


def _stamp(at: datetime) -> str:
    return f"Posted {at:%b %d, %Y - %H:%M} UTC"


def _items(components: list[tuple[str, str]], style: str) -> list[str]:
    """The listed items: ``G / N`` each, or (``parentheses``) consecutive components of a group as ``G (A, B)``."""
    if style != "parentheses":
        return [f"{g} / {n}" if g else n for g, n in components]
    items: list[str] = []
    for group, name in components:
        if group and items and items[-1].startswith(f"{group} (") and items[-1].endswith(")"):
            items[-1] = f"{items[-1][:-1]}, {name})"
        else:
            items.append(f"{group} ({name})" if group else name)
    return items


def _listing(components: list[tuple[str, str]], style: str) -> list[str]:
    if style == "bullets":
        return ["## Affected components", ""] + [f"- {item}" for item in _items(components, style)]
    items = _items(components, style)
    text = items[0] if len(items) == 1 else (" and ".join(items) if len(items) == 2
                                             else ", ".join(items[:-1]) + ", and " + items[-1])
    return [f"This incident affected: {text}."]


def _ambiguous(components: list[tuple[str, str]], style: str) -> bool:
    """True for a list written ``A and B`` (no commas) that two readings fit.

    ``X and Y / Z`` may be one group "X and Y" or a component X and a group Y: read as one group, as a single item
    (``Data and Analytics / Exports``) must be. ``G / X and Y / Z`` may be one nested group "G / X and Y" or two
    items: read as two (``API / Public and Data / Exports``).
    """
    items = _items(components, style)
    if style == "bullets" or len(items) > 2:
        return False
    nested_and = any(" and " in level for group, _ in components for level in group.split(" / ")[1:])
    # Two items, a plain one then a grouped one (``Exports and Platform (Webhooks, Invoices)`` counts too).
    plain_then_grouped = len(items) == 2 and not components[0][0] and bool(components[-1][0])
    return nested_and or plain_then_grouped


def _update_lines(label: str, text: str, at: datetime, style: str) -> list[str]:
    stamp = _stamp(at)
    return {
        "plain": [label, text, stamp],
        "heading": [f"## {label}", "", text, "", stamp, ""],
        "bold": [f"**{label}** - {text}", "", f"_{stamp}_", ""],
        "trailing": [f"{text} {label}", stamp],
        "after": [text, label, stamp],
    }[style]


CHROME = ["Subscribe to Updates", "Get email notifications whenever the site creates an incident.", "Email address:",
          "Country code:", "Afghanistan (+93)", "Antigua and Barbuda (+1-268)", "+44", "Subscribe via Slack",
          "Follow @example or view our profile.", "Get the Atom Feed or RSS Feed.", "Skip to main content", ""]
FOOTER = ["← Current Status", "Powered by Atlassian Statuspage", "Privacy Policy · Terms of Service", ""]


def render(draft: Draft, layout: str, style: str, listing: str, chrome: list[str]) -> str:
    """The draft as a page (``page``), a page saved with its site (``browser``) or a markdown export."""
    lines: list[str] = []
    if layout == "markdown":
        lines += ["---", f"title: {draft.company} Status - {draft.title}",
                  f"link: https://status.example/incidents/x{len(draft.title)}", "---", "", f"# {draft.title}", ""]
    else:
        if layout == "browser":
            lines += [f"{draft.company} Status - {draft.title}", *chrome]
        lines += [draft.title, f"Incident Report for {draft.company}"]
        if layout == "browser":
            lines += ["Subscribe to Updates"]
    for label, text, at in reversed(draft.updates):
        lines += _update_lines(label, text, at, style)
    lines += _listing(draft.components, listing)
    if layout == "browser":
        lines += chrome[::-1] + FOOTER
    return "\n".join(lines) + "\n"


@PROPERTY
@example(Draft("Slow exports", "Tern", [("Resolved", "Fixed.", datetime(2026, 1, 5, 10, 0, tzinfo=UTC))],
               [("", "Exports"), ("Platform", "Webhooks"), ("Platform", "Invoices")]),
         "page", "plain", "parentheses", [])
@given(drafts(), hs.sampled_from(["page", "browser", "markdown"]),
       hs.sampled_from(["plain", "heading", "bold", "trailing", "after"]),
       hs.sampled_from(["inline", "parentheses", "bullets"]), hs.lists(hs.sampled_from(CHROME), max_size=30))
def test_every_shape_reads_back_the_same(draft: Draft, layout: str, style: str, listing: str,
                                         chrome: list[str]) -> None:
    assume(not _ambiguous(draft.components, listing))
    report = parse_text(render(draft, layout, style, listing, chrome))
    assert (report.title, report.company) == (draft.title, draft.company)
    assert [(u.label, u.body, u.posted_at) for u in report.updates] == draft.updates
    assert pairs(report) == list(dict.fromkeys(draft.components))
    last_label, _, last_at = draft.updates[-1]
    assert report.resolved_at == (last_at if last_label == "Resolved" else None)
    said = any(label != "Update" for label, _, _ in draft.updates)
    assert report.warnings == ([] if said else ["no update says its status: taken as investigating"])
