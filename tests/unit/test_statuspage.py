"""The Statuspage importer: five public seed reports, our own messy reports, the JSON forms, and property tests.

The seeds are real public reports kept outside the repository (``../shared/seeds``); their tests skip when that
folder is missing. The fixtures in ``tests/data/statuspage`` are fictional reports written for these tests.
"""

from __future__ import annotations

import contextlib
import subprocess
import sys
import tomllib
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as hs

from tracker.exchange.statuspage import (
    DEFAULT_CAUSE_RULES,
    ParsedComponent,
    ParsedReport,
    StatuspageError,
    parse,
    parse_json,
    parse_text,
    suggest_root_causes,
)

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT.parent / "shared" / "seeds"
DATA = ROOT / "tests" / "data" / "statuspage"
STATUSES = {"investigating", "identified", "monitoring", "resolved", "postmortem"}
PROPERTY = settings(max_examples=200, deadline=None)


def utc(year: int, month: int, day: int, hour: int, minute: int, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def seed_text(prefix: str) -> str:
    if not SEEDS.is_dir():
        pytest.skip(f"seed reports not found: {SEEDS} is missing (CI provides ../shared/seeds)")
    found = sorted(SEEDS.glob(f"{prefix}_*.txt"))
    if not found:
        pytest.skip(f"seed report {prefix}_*.txt not found in {SEEDS}")
    return found[0].read_text(encoding="utf-8")


def seed(prefix: str) -> ParsedReport:
    return parse_text(seed_text(prefix), f"{prefix}.txt")


def fixture(name: str) -> ParsedReport:
    [report] = parse((DATA / name).read_bytes(), name)
    return report


def labels(report: ParsedReport) -> list[str]:
    return [u.label for u in report.updates]


def pairs(report: ParsedReport) -> list[tuple[str, str]]:
    return [(c.group, c.name) for c in report.components]


def assert_sane(report: ParsedReport) -> None:
    """Invariants every report keeps, however damaged its input."""
    assert report.status in STATUSES
    assert report.kind in ("incident", "maintenance")
    stamps = [u.posted_at for u in report.updates] + [report.started_at, report.resolved_at,
                                                      report.postmortem_posted_at]
    assert all(s is None or s.utcoffset() == UTC.utcoffset(None) for s in stamps)
    assert all(isinstance(w, str) and w and "\n" not in w and "\r" not in w for w in report.warnings)
    assert all(isinstance(c, ParsedComponent) and c.name for c in report.components)


# ---------------------------------------------------------------- the five seeds


def test_seed_000_cooling_failure() -> None:
    report = seed("000")
    assert report.title == "CEP Campaign Delivery Degradation (Email, Push & SMS)"
    assert (report.company, report.kind, report.status) == ("Batch", "incident", "postmortem")
    assert labels(report) == ["Monitoring", "Resolved"]
    assert [u.posted_at for u in report.updates] == [utc(2025, 12, 22, 13, 43), utc(2025, 12, 22, 17, 1)]
    assert (report.started_at, report.resolved_at) == (utc(2025, 12, 22, 13, 43), utc(2025, 12, 22, 17, 1))
    assert report.postmortem.startswith("Post-mortem: Partial Platform Outage\n\nSummary\n\nOn December 22, 2025")
    assert report.postmortem.endswith("The Batch Engineering Team")
    assert report.postmortem_posted_at == utc(2025, 12, 24, 13, 51)
    assert pairs(report) == [("CEP Core Services", "Dashboard"), ("CEP Core Services", "Email delivery"),
                             ("CEP Core Services", "Push Delivery"), ("CEP Core Services", "SMS Delivery")]
    assert report.proposed_actions == [
        "The faulty hardware was repaired and removed from service until fully validated.",
        "We reviewed service placement on our private virtualization infrastructure and reduced the colocation of "
        "critical components on single hypervisors.",
        "Stateful services (including Redis clusters) were redistributed to limit the blast radius of a single "
        "host failure.",
        "We strengthened monitoring and alerting around service colocation, allowing us to detect and act earlier "
        "when multiple critical components are unintentionally placed on the same underlying host.",
    ]
    assert set(report.sections) == {"summary", "impact", "timeline", "root_cause", "resolution", "actions"}
    assert report.sections["root_cause"].startswith("The incident was caused by a fault in the cooling system")
    monitoring = report.updates[0]
    assert monitoring.stamp == "Posted Dec 22, 2025 - 13:43 UTC"
    assert monitoring.body.startswith("An incident affected CEP campaign delivery across Email, Push, and SMS")
    assert "are accurate.\n\n\nThe issue has been fixed" in monitoring.body  # inner blank lines kept as given
    assert report.updates[1].body == "This incident has been resolved."
    assert report.warnings == []


def test_seed_001_hosting_provider() -> None:
    report = seed("001")
    assert (report.title, report.company, report.status) == ("Major downtime", "Batch", "postmortem")
    assert labels(report) == ["Investigating", "Update", "Monitoring", "Update", "Resolved"]
    assert [u.posted_at for u in report.updates] == [
        utc(2021, 10, 13, 7, 26), utc(2021, 10, 13, 7, 30), utc(2021, 10, 13, 8, 28), utc(2021, 10, 13, 8, 31),
        utc(2021, 10, 13, 9, 29),
    ]
    assert report.postmortem.startswith("Here are more details on the impact")
    assert report.postmortem_posted_at == utc(2021, 10, 13, 10, 9)
    old = "[OLD_STATUSPAGE_MODEL] "
    assert pairs(report) == [
        (f"{old}3rd party integrations", "Segment"), (f"{old}3rd party integrations", "mParticle"),
        (f"{old}3rd party integrations", "Salesforce Marketing Cloud"),
        ("MEP Core Services", "Dashboard"), ("MEP Core Services", "In-app delivery"),
        ("MEP Core Services", "Data ingestion"),
        ("Optional Services", "Editorial dashboard"), ("Optional Services", "Inbox"),
        ("Optional Services", "Custom Exports"),
        (f"{old}Delivery", "Transactional push"), (f"{old}Delivery", "Push campaigns"),
        (f"{old}Delivery", "In-app messaging"),
        (f"{old}Webservices", "Custom attributes"), (f"{old}Webservices", "Web push static resources"),
        ("API", "[MEP] Campaigns API"), ("API", "[MEP] Transactional API"), ("API", "[MEP] Custom Data API"),
        ("API", "[MEP] Transactional API for Partners"),
    ]
    assert report.sections == {} and report.proposed_actions == []  # no action heading in this postmortem
    assert report.warnings == []


def test_seed_002_iac_reimage() -> None:
    report = seed("002")
    assert (report.title, report.company, report.status) == ("CEP & MEP Delivery Issues", "Batch", "postmortem")
    assert labels(report) == ["Identified", "Update", "Update", "Update", "Monitoring", "Resolved"]
    assert report.updates[0].posted_at == utc(2025, 8, 14, 12, 23)
    assert report.updates[-1].posted_at == utc(2025, 8, 15, 5, 37)
    assert report.resolved_at == utc(2025, 8, 15, 5, 37)
    assert "As of August 14, 18:04 CEST:\n- Late MEP" in report.updates[-1].body  # a time in a body is no stamp
    assert report.postmortem_posted_at == utc(2025, 8, 21, 7, 11)
    assert pairs(report) == [
        ("Optional Services", "Inbox"), ("Optional Services", "Webhook"),
        ("CEP Core Services", "Email delivery"), ("CEP Core Services", "Push Delivery"),
        ("CEP Core Services", "SMS Delivery"), ("CEP Core Services", "Event Targeting & Retargeting"),
        ("MEP Core Services", "Push delivery"), ("MEP Core Services", "Data ingestion"),
        ("MEP Core Services", "Custom Audiences"),
    ]
    assert report.proposed_actions == [
        "We are looking at ways to split this database cluster into smaller ones to reduce the blast radius of an "
        "unavailability event.",
        "We improved our IaC configuration to add more protections against accidental re-imaging.",
        "We will be making changes to how the IaC action plan is presented to human operators by reducing noise to "
        "make it less likely to miss an unwanted change.",
    ]
    # "Timeline & mitigation actions" is a timeline, not an action section
    assert report.sections["timeline"].startswith("For clarity, this timeline only lists the most important events.")
    assert report.warnings == []


def test_seed_003_kafka_migration_without_blank_lines() -> None:
    report = seed("003")
    assert report.title == "Notifications, SMS, Email, API & SDK Web services down"
    assert (report.company, report.status) == ("Batch", "postmortem")
    assert labels(report) == ["Investigating", "Identified", "Update", "Update", "Update", "Update", "Update",
                              "Monitoring", "Update", "Resolved"]
    assert report.updates[0].posted_at == utc(2024, 11, 7, 17, 9)
    assert report.updates[-1].posted_at == utc(2024, 11, 8, 13, 26)
    assert report.updates[-1].body.startswith("The system has been functioning properly since our last")
    assert report.postmortem.startswith("On Thursday, November 7, 2024, an unexpected issue happened")
    assert report.postmortem_posted_at == utc(2024, 11, 12, 16, 29)
    assert pairs(report) == [
        ("API", "Transactional API"), ("API", "Campaigns API"), ("API", "Custom Data API"),
        ("API", "Transactional API for Partners"), ("Webservices", "SDK"),
        ("Delivery", "Transactional push"), ("Delivery", "Push campaigns"), ("Delivery", "In-app messaging"),
        ("Delivery", "Push automations"), ("Delivery", "Email automations"), ("Delivery", "Email campaigns"),
    ]
    # "Forthcoming actions" is one paragraph here: a section, but no bullet to propose
    assert report.sections["actions"].startswith("As this migration was part of a long term plan")
    assert report.proposed_actions == []
    assert report.warnings == []


def test_seed_004_older_layout_without_labels() -> None:
    report = seed("004")
    assert (report.title, report.company, report.status) == ("Web push delivery issue", "Batch", "postmortem")
    assert labels(report) == [""] * 6
    assert [u.posted_at for u in report.updates] == [
        utc(2021, 4, 15, 9, 43), utc(2021, 4, 15, 9, 53), utc(2021, 4, 15, 10, 10), utc(2021, 4, 15, 10, 34),
        utc(2021, 4, 15, 10, 37), utc(2021, 4, 15, 17, 18),
    ]
    # no label, but Statuspage's default "This incident has been resolved." text says resolved
    assert report.resolved_at == utc(2021, 4, 15, 17, 18)
    # the unheaded top block, posted after the resolution, is the postmortem
    assert report.postmortem.startswith("The overall impact of this incident was as follows:")
    assert report.postmortem.endswith("to improve these two points.")
    assert report.postmortem_posted_at == utc(2021, 4, 19, 14, 47)
    assert pairs(report) == [("Delivery", "Push campaigns")]
    # the two bullets after "This incident highlighted two things" are lessons under no action heading: not actions
    assert report.sections == {} and report.proposed_actions == []
    assert report.warnings == []


@pytest.mark.parametrize(
    ("prefix", "section", "best"),
    [
        ("000", "root_cause", ("cooling-failure", 3, ["cooling", "overheating", "hypervisor"])),
        ("001", "whole report", ("hosting-provider-outage", 3, ["hosting provider", "OVH", "our host"])),
        ("002", "summary", ("iac-reimage", 4, ["IaC", "infrastructure as code", "re-imaged", "wiped"])),
        ("003", "summary", ("kafka-migration", 2, ["Kafka", "migration"])),
        ("004", "postmortem", ("stale-config", 4, ["obsolete configuration", "obsolete", "deployment process",
                                                   "deployment system"])),
    ],
)
def test_seed_root_cause_suggestions(prefix: str, section: str, best: tuple[str, int, list[str]]) -> None:
    report = seed(prefix)
    texts = {"whole report": seed_text(prefix), "postmortem": report.postmortem, **report.sections}
    assert suggest_root_causes(texts[section], DEFAULT_CAUSE_RULES)[0] == best


# ---------------------------------------------------------------- our own messy reports


def test_navigation_text_before_and_after_the_report() -> None:
    report = fixture("navigation.txt")
    assert (report.title, report.company) == ("Checkout page returning errors", "Quillmoth")
    assert labels(report) == ["Investigating", "Monitoring", "Resolved"]
    assert [u.posted_at for u in report.updates] == [utc(2026, 3, 3, 8, 10), utc(2026, 3, 3, 8, 50),
                                                      utc(2026, 3, 3, 9, 50)]
    assert report.postmortem_posted_at == utc(2026, 3, 5, 16, 20)
    # a two-item list is written "A and B"
    assert pairs(report) == [("Checkout", "Web checkout"), ("Checkout", "Hosted payment page"), ("", "Public API")]
    assert set(report.sections) == {"summary", "root_cause", "actions", "next_steps"}
    assert report.proposed_actions == [
        "Re-enable the renewal job and alert when it has not run for a day.",
        "Add certificate expiry to the weekly capacity review.",
        "Document who owns the edge certificates.",
        "Rotate the remaining certificates ahead of schedule. This covers the staging proxies too.",
    ]
    assert report.warnings == []


def test_indentation_on_every_line() -> None:
    report = fixture("indented.txt")
    assert (report.title, report.company) == ("Search results delayed", "Quillmoth")
    assert labels(report) == ["Identified", "Resolved"]
    assert [u.posted_at for u in report.updates] == [utc(2026, 6, 9, 13, 30), utc(2026, 6, 9, 14, 5)]
    assert report.updates[0].body == (
        "    A stuck indexing worker is holding back new documents.\n      We are restarting it now."
    )
    assert pairs(report) == [("Search", "Indexing"), ("Search", "Query API")]
    assert report.warnings == []


def test_stamps_with_stray_spaces_and_full_month_names() -> None:
    report = fixture("spaced_stamps.txt")
    assert labels(report) == ["Investigating", "Identified", "Resolved"]
    assert [u.posted_at for u in report.updates] == [utc(2026, 8, 17, 8, 21), utc(2026, 8, 17, 8, 40),
                                                      utc(2026, 8, 17, 9, 5)]
    assert [u.stamp for u in report.updates] == ["Posted Aug 17, 2026 - 8:21 UTC",
                                                 "Posted  August  17,  2026  -  08:40   UTC",
                                                 "Posted Aug 17 , 2026 - 09:05 UTC"]
    assert pairs(report) == [("", "Webhooks")]
    assert report.warnings == []


def test_two_updates_with_the_same_stamp_keep_page_order() -> None:
    report = fixture("same_stamp.txt")
    assert labels(report) == ["Investigating", "Identified", "Update", "Resolved"]
    assert [u.posted_at for u in report.updates] == [utc(2026, 2, 11, 9, 58), utc(2026, 2, 11, 10, 15),
                                                      utc(2026, 2, 11, 10, 15), utc(2026, 2, 11, 10, 32)]
    assert report.updates[1].body == "Our mail provider confirmed a delay on their side."
    assert (report.status, report.resolved_at) == ("resolved", utc(2026, 2, 11, 10, 32))
    assert report.postmortem == "" and report.postmortem_posted_at is None
    assert report.warnings == []


def test_update_without_label_among_labelled_ones() -> None:
    report = fixture("no_label.txt")
    assert labels(report) == ["Investigating", "", "Resolved"]
    assert report.updates[1].body == "We found a full disk on the export worker and are clearing space."
    assert report.updates[1].posted_at == utc(2026, 1, 20, 16, 2)
    assert report.warnings == ["update 2 (line 9): no status label"]


def test_report_cut_off_mid_update() -> None:
    report = fixture("cut_off.txt")
    assert labels(report) == ["Identified", "Monitoring"]
    oldest = report.updates[0]
    assert (oldest.posted_at, oldest.stamp) == (None, "")
    assert oldest.body == "The push gateway ran out of connections after a configuration change at 18:"
    assert report.started_at is None  # the first update's time is unknown: not guessed from a later one
    assert (report.status, report.resolved_at) == ("monitoring", None)
    assert report.components == []
    assert report.warnings == ["update 1 (line 9): no 'Posted' stamp",
                               "no 'This incident affected' line: components unknown (report cut off?)"]


def test_components_line_cut_off() -> None:
    report = fixture("cut_components.txt")
    assert pairs(report) == [("", "Webhooks"), ("Partner API", "Orders"), ("Partner API", "Refu")]
    assert report.warnings == ["components (line 8): the list does not end with '.' (cut off?)",
                               "components (line 8): unbalanced parentheses in 'Partner API (Orders, Refu'"]


def test_missing_company_name() -> None:
    report = fixture("no_company.txt")
    assert (report.title, report.company) == ("Status page itself unreachable", "")
    assert labels(report) == ["Investigating", "Resolved"]
    assert report.warnings == ["line 2: no company name after 'Report for'"]


def test_missing_report_line() -> None:
    report = fixture("no_header.txt")
    assert (report.title, report.company, report.kind) == ("Slow dashboard", "", "incident")
    assert labels(report) == ["Investigating", "Resolved"]
    assert [u.posted_at for u in report.updates] == [utc(2026, 5, 12, 7, 2), utc(2026, 5, 12, 7, 30)]
    assert pairs(report) == [("", "Dashboard")]
    assert report.warnings == ["no 'Incident Report for' line: company unknown"]


def test_crlf_line_endings() -> None:
    raw = (DATA / "crlf.txt").read_bytes()
    assert raw.count(b"\r\n") == raw.count(b"\n") > 20, "the fixture must keep its CRLF bytes"
    report = fixture("crlf.txt")
    assert (report.title, report.company, report.status) == ("Mobile app sign-in loops", "Quillmoth", "postmortem")
    assert labels(report) == ["Investigating", "Resolved"]
    assert [u.posted_at for u in report.updates] == [utc(2026, 10, 19, 18, 2), utc(2026, 10, 19, 18, 40)]
    assert report.postmortem_posted_at == utc(2026, 10, 21, 9, 0)
    assert "\r" not in report.postmortem and all("\r" not in u.body for u in report.updates)
    assert report.proposed_actions == ["Pin the session lifetime in the token cache configuration.",
                                       "Add a sign-in journey to the synthetic checks."]
    assert pairs(report) == [("Mobile apps", "iOS app")]
    assert report.warnings == []
    assert report == parse_text(raw.decode().replace("\r\n", "\n"), "crlf.txt")


def test_other_dates_and_posted_lines_inside_bodies() -> None:
    report = fixture("other_dates.txt")
    assert labels(report) == ["Identified", "Resolved"]
    assert [u.posted_at for u in report.updates] == [utc(2026, 10, 3, 9, 15), utc(2026, 10, 3, 11, 40)]
    assert report.updates[0].body.endswith("\nPosted 2 reports per hour until 10:30 GMT+1.")
    assert report.updates[1].body == (
        "Reports from Oct 3, 2026 - 06:00 UTC onwards carry the right dates.\n"
        "Posted reports from the affected window will be sent again by Oct 5.\n"
        "Posted Oct 3, 2026 - 06:00 UTC by the billing team"
    )
    assert report.warnings == []


def test_scheduled_maintenance() -> None:
    report = fixture("maintenance.txt")
    assert (report.title, report.kind) == ("Database upgrade for the EU region", "maintenance")
    assert labels(report) == ["Scheduled", "In progress", "Verifying", "Completed"]
    assert report.started_at == utc(2026, 11, 7, 10, 0)
    assert (report.status, report.resolved_at) == ("resolved", utc(2026, 11, 14, 3, 12))
    assert pairs(report) == [("EU region", "Dashboard"), ("EU region", "Public API")]
    assert report.warnings == []


def test_time_zones_convert_to_utc_and_unknown_zone_is_not_guessed() -> None:
    report = fixture("timezones.txt")
    assert labels(report) == ["Investigating", "Identified", "Monitoring", "Update", "Update", "Resolved"]
    assert [u.posted_at for u in report.updates] == [
        None,  # 16:45 XYZ
        utc(2026, 7, 21, 16, 10),  # 17:10 GMT+1
        utc(2026, 7, 21, 17, 20),  # 09:20 PST (-08:00, as written)
        utc(2026, 7, 21, 17, 50),  # 13:50 EDT (-04:00)
        utc(2026, 7, 21, 18, 5),  # 20:05 CEST (+02:00)
        utc(2026, 7, 21, 18, 45),  # Jul 22 00:15 IST (+05:30)
    ]
    assert report.started_at is None
    assert report.resolved_at == utc(2026, 7, 21, 18, 45)
    assert report.warnings == [
        "update 1 (line 32): unknown time zone 'XYZ' in stamp 'Posted Jul 21, 2026 - 16:45 XYZ'"
    ]


def _one_update(stamp: str) -> ParsedReport:
    return parse_text(f"T\nIncident Report for Quillmoth\n\nResolved\n\nDone.\n{stamp}\n"
                      "This incident affected: API.\n")


@pytest.mark.parametrize(
    ("stamp", "expected"),
    [
        ("Posted Dec 24, 2025 - 13:51 UTC", utc(2025, 12, 24, 13, 51)),
        ("Posted Dec 24, 2025 - 13:51 GMT", utc(2025, 12, 24, 13, 51)),
        ("Posted Dec 24, 2025 - 13:51 Z", utc(2025, 12, 24, 13, 51)),
        ("Posted December 24, 2025 - 13:51 CET", utc(2025, 12, 24, 12, 51)),
        ("Posted Dec 24, 2025 - 13:51 CEST", utc(2025, 12, 24, 11, 51)),
        ("Posted Dec 24, 2025 - 13:51 EET", utc(2025, 12, 24, 11, 51)),
        ("Posted Dec 24, 2025 - 13:51 EEST", utc(2025, 12, 24, 10, 51)),
        ("Posted Dec 24, 2025 - 13:51 WET", utc(2025, 12, 24, 13, 51)),
        ("Posted Dec 24, 2025 - 13:51 WEST", utc(2025, 12, 24, 12, 51)),
        ("Posted Dec 24, 2025 - 13:51 BST", utc(2025, 12, 24, 12, 51)),
        ("Posted Dec 24, 2025 - 13:51 IST", utc(2025, 12, 24, 8, 21)),
        ("Posted Dec 24, 2025 - 13:51 EST", utc(2025, 12, 24, 18, 51)),
        ("Posted Dec 24, 2025 - 13:51 EDT", utc(2025, 12, 24, 17, 51)),
        ("Posted Dec 24, 2025 - 13:51 CST", utc(2025, 12, 24, 19, 51)),
        ("Posted Dec 24, 2025 - 13:51 CDT", utc(2025, 12, 24, 18, 51)),
        ("Posted Dec 24, 2025 - 13:51 MST", utc(2025, 12, 24, 20, 51)),
        ("Posted Dec 24, 2025 - 13:51 MDT", utc(2025, 12, 24, 19, 51)),
        ("Posted Dec 24, 2025 - 13:51 PST", utc(2025, 12, 24, 21, 51)),
        ("Posted Dec 24, 2025 - 13:51 PDT", utc(2025, 12, 24, 20, 51)),
        ("Posted Dec 24, 2025 - 13:51 AEST", utc(2025, 12, 24, 3, 51)),
        ("Posted Dec 24, 2025 - 13:51 AEDT", utc(2025, 12, 24, 2, 51)),
        ("Posted Dec 24, 2025 - 13:51 JST", utc(2025, 12, 24, 4, 51)),
        ("Posted Dec 24, 2025 - 13:51 GMT+1", utc(2025, 12, 24, 12, 51)),
        ("Posted Dec 24, 2025 - 13:51 GMT-3", utc(2025, 12, 24, 16, 51)),
        ("Posted Dec 24, 2025 - 13:51 UTC+5:30", utc(2025, 12, 24, 8, 21)),
        ("Posted Dec 24, 2025 - 13:51 +0200", utc(2025, 12, 24, 11, 51)),
        ("Posted Dec 24, 2025 - 13:51 +02:00", utc(2025, 12, 24, 11, 51)),
        ("Posted Dec 24, 2025 - 13:51 -0430", utc(2025, 12, 24, 18, 21)),
        ("Posted Dec 24, 2025 - 1:51 PM UTC", utc(2025, 12, 24, 13, 51)),
        ("Posted Dec 24, 2025 - 13:51 UTC.", utc(2025, 12, 24, 13, 51)),
        ("Posted Dec 24th, 2025 13:51:30 utc", utc(2025, 12, 24, 13, 51, 30)),
        ("Posted Dec 1, 2025 - 00:05 CET", utc(2025, 11, 30, 23, 5)),
        ("  Posted  Sept 24 ,  2025  -  13:51  utc  ", utc(2025, 9, 24, 13, 51)),
    ],
)
def test_stamp_zones(stamp: str, expected: datetime) -> None:
    report = _one_update(stamp)
    assert report.updates[0].posted_at == expected
    assert report.updates[0].posted_at.tzinfo is UTC
    assert report.warnings == []


@pytest.mark.parametrize(
    ("stamp", "problem"),
    [
        ("Posted Dec 24, 2025 - 13:51 XYZ", "unknown time zone 'XYZ'"),
        ("Posted Dec 24, 2025 - 13:51", "unknown time zone '(none)'"),
        ("Posted Dec 24, 2025 - 13:51 CET+1", "unknown time zone 'CET+1'"),
        ("Posted Dec 24, 2025 - 13:51 GMT+25", "unknown time zone 'GMT+25'"),
        ("Posted Dec 24, 2025 - 13:51 +2", "unknown time zone '+2'"),
        ("Posted Feb 30, 2025 - 10:00 UTC", "no such moment"),
        ("Posted Dec 24, 2025 - 25:10 UTC", "no such moment"),
    ],
)
def test_unreadable_stamps_leave_the_time_unknown(stamp: str, problem: str) -> None:
    report = _one_update(stamp)
    assert report.updates[0].posted_at is None
    assert report.updates[0].stamp == stamp
    [warning] = report.warnings
    assert warning.startswith("update 1 (line 7): ") and problem in warning


@pytest.mark.parametrize("text", ["", "   \n\n\t", "Just a paragraph of prose.\nNothing else here.\n"])
def test_no_report_is_an_error_naming_the_source(text: str) -> None:
    with pytest.raises(StatuspageError, match=r"^no incident report found in notes\.txt$"):
        parse_text(text, "notes.txt")
    with pytest.raises(StatuspageError, match=r"^no incident report found in notes\.txt$"):
        parse(text.encode(), "notes.txt")


def test_bytes_are_utf8_with_optional_bom() -> None:
    raw = (DATA / "same_stamp.txt").read_bytes()
    assert parse(b"\xef\xbb\xbf" + raw, "a.txt") == parse(raw, "a.txt")
    with pytest.raises(StatuspageError, match=r"^a\.txt is not UTF-8: invalid byte 0xff at offset 7$"):
        parse(b"Title\n\n\xff\xfe", "a.txt")
    with pytest.raises(StatuspageError, match=r"invalid byte 0xc3 at offset 4$"):
        parse(b"\xef\xbb\xbfT\xc3(", "a.txt")


def test_text_starting_with_a_bracket_is_still_text() -> None:
    raw = "[Skip to content]\n" + (DATA / "no_company.txt").read_text()
    [report] = parse(raw, "page.txt")
    assert report.title == "Status page itself unreachable"


# ---------------------------------------------------------------- JSON


def test_incidents_json() -> None:
    first, second = parse_json((DATA / "incidents.json").read_bytes(), "incidents.json")
    assert (first.title, first.company, first.external_id) == ("Search results delayed", "Quillmoth", "qm7x2k9d")
    assert (first.kind, first.status, first.impact, first.source) == ("incident", "resolved", "minor",
                                                                      "incidents.json")
    assert labels(first) == ["Investigating", "Identified", "Resolved"]
    assert [u.posted_at for u in first.updates] == [utc(2026, 6, 9, 13, 12, 4).replace(microsecond=211000),
                                                     utc(2026, 6, 9, 13, 30), utc(2026, 6, 9, 14, 5, 31)]
    assert first.updates[0].stamp == "2026-06-09T09:12:04.211-04:00"  # display_at null: created_at used
    assert first.updates[1].body == "A stuck indexing worker is holding back new documents.\nWe are restarting it now."
    assert (first.started_at, first.resolved_at) == (utc(2026, 6, 9, 13, 10), utc(2026, 6, 9, 14, 5, 31))
    assert pairs(first) == [("", "Indexing"), ("", "Query API")]
    assert first.warnings == ["incidents[0].components: 2 component(s) in a group whose name is not in the data"]
    assert (second.status, second.impact, second.resolved_at) == ("monitoring", "major", None)
    assert [u.posted_at for u in second.updates] == [utc(2026, 8, 17, 8, 21), utc(2026, 8, 17, 9, 5)]
    assert pairs(second) == [("", "Webhooks")]  # from the updates' affected_components
    assert second.postmortem == "" and second.warnings == []


def test_single_incident_object() -> None:
    [report] = parse((DATA / "incident.json").read_text(), "incident.json")
    assert (report.title, report.company, report.status, report.impact) == (
        "Dashboard sign-in unavailable", "", "investigating", "critical")
    assert labels(report) == ["Investigating"]
    assert report.started_at == utc(2026, 9, 30, 6, 48, 12)
    assert pairs(report) == [("", "Dashboard"), ("", "Single sign-on")]
    assert report.warnings == ["incident: company unknown (no page name)"]


def test_summary_json_names_groups_and_maintenances() -> None:
    incident, maintenance = parse((DATA / "summary.json").read_bytes(), "summary.json")
    assert (incident.title, incident.kind, incident.status) == ("Card payments declined", "incident", "identified")
    assert incident.started_at == utc(2026, 7, 21, 15, 40)
    assert pairs(incident) == [("Payments", "Card payments"), ("", "Public API")]
    assert (maintenance.title, maintenance.kind, maintenance.impact) == ("SEPA gateway upgrade", "maintenance",
                                                                         "maintenance")
    assert labels(maintenance) == ["Scheduled"]
    assert pairs(maintenance) == [("Payments", "SEPA transfers")]
    assert incident.warnings == maintenance.warnings == []


def test_json_postmortem_body() -> None:
    [report] = parse_json((DATA / "postmortem.json").read_bytes())
    assert (report.status, report.external_id, report.source) == ("postmortem", "qm5h8r2a",
                                                                 "https://stspg.example/qm5h8r2a")
    assert report.postmortem.startswith("## Summary\n\nFrom 08:12 to 08:58 UTC")
    assert report.postmortem_posted_at == utc(2026, 8, 19, 8, 0)
    assert (report.started_at, report.resolved_at) == (utc(2026, 8, 17, 8, 12), utc(2026, 8, 17, 10, 30))
    assert set(report.sections) == {"summary", "root_cause", "actions", "next_steps"}
    assert report.proposed_actions == ["Review retry settings in every release that touches the sender.",
                                       "Alert when the same webhook id is delivered more than once.",
                                       "Publish a guide on idempotent webhook receivers."]
    resolved = (DATA / "postmortem.json").read_text().replace('"status": "postmortem"', '"status": "resolved"')
    assert parse_json(resolved)[0].status == "postmortem"  # a postmortem body wins over the declared status


def test_malformed_json_names_the_position() -> None:
    with pytest.raises(StatuspageError) as caught:
        parse((DATA / "broken.json").read_bytes(), "broken.json")
    assert str(caught.value) == ("malformed JSON in broken.json at line 1 column 41 (char 40): "
                                 "Expecting property name enclosed in double quotes")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("42", "no incident report found in x.json: the JSON is not an object"),
        ('{"incidents": []}', "no incident report found in x.json"),
        ('{"page": {"name": "Quillmoth"}}', "no incident report found in x.json"),
        ('["a", 1]', "no incident report found in x.json"),
        ("[" * 100_000, "unreadable JSON in x.json: nested too deeply"),
    ],
)
def test_json_without_incidents(data: str, message: str) -> None:
    with pytest.raises(StatuspageError) as caught:
        parse_json(data, "x.json")
    assert str(caught.value) == message


def test_json_with_wrong_types_warns_and_keeps_the_rest() -> None:
    data = ('{"incidents": [7, {"name": 5, "status": "resolved", "impact": "minor", "incident_updates": '
            '[{"status": "resolved", "body": null, "created_at": "yesterday"}, "x"]}]}')
    [report] = parse_json(data, "odd.json")
    assert (report.title, report.status, labels(report)) == ("", "resolved", ["Resolved"])
    assert report.updates[0].posted_at is None
    assert report.warnings == [
        "incidents[0] in odd.json is not an incident object: skipped",
        "incidents[1].name: not a string",
        "incidents[1]: no name",
        "incidents[1]: company unknown (no page name)",
        "incidents[1].incident_updates[0].body: missing or not a string",
        "incidents[1].incident_updates[0].created_at: unreadable time 'yesterday' (ISO 8601 with an offset expected)",
        "incidents[1].incident_updates[1]: not an object: skipped",
        "incidents[1].incident_updates: some times unknown, kept in reverse page order",
        "incidents[1]: no components",
    ]


# ---------------------------------------------------------------- root-cause suggestions


def test_suggestions_match_whole_words_in_any_case() -> None:
    rules = {"kafka": ["Kafka", "migration"], "queue": ["message queue", "queue"], "none": ["absent"]}
    assert suggest_root_causes("Kafkaesque migrations", rules) == []
    assert suggest_root_causes("the KAFKA Migration of the Message\n  Queue", rules) == [
        ("kafka", 2, ["Kafka", "migration"]), ("queue", 2, ["message queue", "queue"])]
    assert suggest_root_causes("a queue", {"a": ["queue", "queue", ""], "b": ["QUEUE"]}) == [
        ("a", 1, ["queue"]), ("b", 1, ["QUEUE"])]


def test_default_rules_cover_the_demo_taxonomy() -> None:
    catalog = tomllib.loads((ROOT / "tracker" / "data" / "demo.toml").read_text(encoding="utf-8"))
    slugs = {cause["slug"] for cause in catalog["root_causes"]}
    assert set(DEFAULT_CAUSE_RULES) <= slugs
    assert set(DEFAULT_CAUSE_RULES) == {"cooling-failure", "single-host-blast-radius", "hosting-provider-outage",
                                        "iac-reimage", "kafka-migration", "message-queue-change", "stale-config"}


def test_importer_is_pure() -> None:
    code = ("import sys, tracker.exchange.statuspage\n"
            "print(' '.join(m for m in sys.modules if m.split('.')[0] in "
            "('textual', 'rich', 'git', 'sqlalchemy', 'sqlmodel', 'tomli_w')))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert done.stdout.strip() == ""


# ---------------------------------------------------------------- properties

FIXTURES = sorted(p.name for p in [*DATA.glob("*.txt"), *DATA.glob("*.md")])
SEED_FILES = sorted(SEEDS.glob("*.txt")) if SEEDS.is_dir() else []
REPORT_LINES = [
    "Incident Report for Quillmoth", "Scheduled Maintenance Report for", "Postmortem", "Resolved", "Update",
    "Monitoring", "In progress", "Posted Dec 24, 2025 - 13:51 UTC", "Posted Feb 30, 2025 - 13:51 UTC",
    "Posted Dec 24, 2025 - 13:51 QQQ", "Posted Dec 24, 2025 - 13:51", "This incident affected: A (B, C), and D.",
    "This incident affected: ((", "This incident affected: )A, (", "Root Cause", "Action items", "  • do this",
    "1. step", "", "   ", "\t", "Posted", "Posted 9999 - 99:99", "Posted Dec 31, 9999 - 23:59 PST",
    "Posted Jan 1, 0001 - 00:00 JST", "{", "[", "\ufeff", "Incident Report for",
    # browser chrome, markdown exports, grouped components, labels elsewhere
    "Quillmoth Status - Exports delayed", "Subscribe to Updates", "Afghanistan (+93)", "+44", "Country code:",
    "Privacy Policy · Terms of Service", "---", "title: Exports delayed", "link: https://status.example/incidents/x1",
    "updated: 2027-01-01T00:10:00Z", "published: not a date", "## Resolved", "**Resolved** - All clear.",
    "_Posted Dec 31 - 23:40 UTC_", "Posted 3 days ago. Dec 24, 2025 - 13:51 UTC", "Done. This incident has been"
    " resolved. Resolved", "This incident affected: Data and Analytics / Exports and Platform (A and B (C, D)).",
    "## Affected components", "- Data and Analytics / Exports", "Status: Resolved",
]
line_strategy = hs.one_of(hs.sampled_from(REPORT_LINES), hs.text(max_size=40))


def _text_of(name: str) -> str:
    return (DATA / name).read_text(encoding="utf-8")


@PROPERTY
@given(hs.text(max_size=400))
def test_any_text_reads_or_raises_statuspage_error(text: str) -> None:
    with contextlib.suppress(StatuspageError):
        assert_sane(parse_text(text))


@PROPERTY
@given(hs.lists(line_strategy, max_size=40), hs.sampled_from(["\n", "\r\n", "\r"]))
def test_report_like_lines_read_or_raise_statuspage_error(lines: list[str], newline: str) -> None:
    with contextlib.suppress(StatuspageError):
        for report in parse(newline.join(lines)):
            assert_sane(report)


@PROPERTY
@given(hs.binary(max_size=400))
def test_any_bytes_read_or_raise_statuspage_error(data: bytes) -> None:
    with contextlib.suppress(StatuspageError):
        for report in parse(data, "x"):
            assert_sane(report)
    with contextlib.suppress(StatuspageError):
        assert_sane(parse_text(data.decode("utf-8", errors="replace")))


mutation = hs.tuples(hs.sampled_from(["delete", "duplicate", "swap", "insert"]), hs.integers(0, 10_000),
                     hs.integers(0, 10_000), line_strategy)


@PROPERTY
@given(hs.sampled_from(FIXTURES), hs.lists(mutation, min_size=1, max_size=8))
def test_mutated_reports_read_or_raise_statuspage_error(name: str, mutations: list[tuple[str, int, int, str]]) -> None:
    lines = _text_of(name).splitlines()
    for operation, i, j, junk in mutations:
        size = max(len(lines), 1)
        i, j = i % size, j % size
        if operation == "delete" and lines:
            del lines[i]
        elif operation == "duplicate" and lines:
            lines.insert(i, lines[i])
        elif operation == "swap" and lines:
            lines[i], lines[j] = lines[j], lines[i]
        else:
            lines.insert(i, junk)
    with contextlib.suppress(StatuspageError):
        assert_sane(parse_text("\n".join(lines)))


@PROPERTY
@given(hs.sampled_from(FIXTURES + [str(p) for p in SEED_FILES]), hs.sampled_from(["", "  ", "\t", "      "]),
       hs.booleans(), hs.sampled_from(["", " ", "  \t"]), hs.booleans())
def test_whitespace_reformatting_keeps_the_report(name: str, indent: str, crlf: bool, trailing: str,
                                                  double_blanks: bool) -> None:
    text = Path(name).read_text(encoding="utf-8") if "/" in name else _text_of(name)
    original = parse_text(text)
    lines = []
    for line in text.split("\n"):
        lines.extend([indent + line + trailing] * (2 if double_blanks and not line.strip() else 1))
    reformatted = parse_text(("\r\n" if crlf else "\n").join(lines))
    assert (reformatted.title, reformatted.company, reformatted.kind) == (original.title, original.company,
                                                                          original.kind)
    assert labels(reformatted) == labels(original)
    assert [u.posted_at for u in reformatted.updates] == [u.posted_at for u in original.updates]
    assert reformatted.components == original.components
    assert reformatted.postmortem_posted_at == original.postmortem_posted_at
    assert bool(reformatted.postmortem) == bool(original.postmortem)
    assert reformatted.proposed_actions == original.proposed_actions
