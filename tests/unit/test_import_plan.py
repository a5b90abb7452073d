"""The import preview is honest: it recognises a report by what it says and shows exactly what the import does.

Runs on SQLite and PostgreSQL. The reports are the fictional fixtures of ``tests/data/statuspage``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from tracker.base.clock import Clock
from tracker.base.enums import IncidentStatus, Severity
from tracker.core.incidents import incident_history
from tracker.core.incidents.changes import IncidentChanges, update_incident
from tracker.core.rootcauses.changes import add_cause
from tracker.exchange.apply import ImportPlan, apply_plan, plan_report
from tracker.exchange.plan import PlanContext, stored_source
from tracker.exchange.statuspage import DEFAULT_CAUSE_RULES, ParsedReport, parse
from tracker.storage.database import Db

pytestmark = pytest.mark.both_backends

DATA = Path(__file__).resolve().parents[2] / "tests" / "data" / "statuspage"
RULES = DEFAULT_CAUSE_RULES


class FixedClock(Clock):
    def now(self) -> datetime:
        return datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


CLOCK = FixedClock(date(2026, 11, 23))


def report(name: str, source: str | None = None, text: str | None = None) -> ParsedReport:
    """The first report of a fixture (or of ``text``), read as if from a file named ``source``."""
    data = text.encode() if text is not None else (DATA / name).read_bytes()
    return parse(data, name if source is None else source)[0]


def run(db: Db, plan: ImportPlan) -> tuple[int, dict[str, int]]:
    return apply_plan(db, plan, actor="importer", today=CLOCK.today(), slo_days={"P1": 15, "P2": 30, "P3": 60},
                      clock=CLOCK)


def imported(db: Db, name: str, source: str | None = None) -> int:
    return run(db, plan_report(db, report(name, source), RULES))[0]


def edit(db: Db, incident_id: int, note: str = "", **changes: object) -> None:
    """A person's change, as ``tracker incidents update`` makes it (forced with a note when one is given)."""
    update_incident(db, incident_id, IncidentChanges(**changes), actor="person", note=note,  # type: ignore[arg-type]
                    force=bool(note), clock=CLOCK)


# ---------------------------------------------------------------- recognised by what it says


def test_a_renamed_copy_is_recognised_by_its_title_and_first_time(empty_db: Db) -> None:
    first = imported(empty_db, "navigation.txt", "checkout.txt")
    plan = plan_report(empty_db, report("navigation.txt", "copy of checkout (2).txt"), RULES)
    assert (plan.existing, plan.matched_by) == (first, "title and first time")
    assert plan.new_updates == 0 and plan.new_components == () and plan.new_actions == ()


def test_a_renamed_copy_of_a_renamed_incident_is_recognised_by_its_first_update(empty_db: Db) -> None:
    first = imported(empty_db, "navigation.txt", "checkout.txt")
    edit(empty_db, first, title="Edge certificate expiry")
    plan = plan_report(empty_db, report("navigation.txt", "renamed.txt"), RULES)
    assert (plan.existing, plan.matched_by) == (first, "first update")
    assert [(c.field, c.old, c.new) for c in plan.changes] == [
        ("title", "Edge certificate expiry", "Checkout page returning errors")]


def test_another_report_under_a_used_file_name_is_a_new_incident(empty_db: Db) -> None:
    imported(empty_db, "navigation.txt", "report.txt")
    plan = plan_report(empty_db, report("indented.txt", "report.txt"), RULES)
    assert (plan.existing, plan.matched_by) == (None, "")
    stdin = [plan_report(empty_db, report(name, "stdin"), RULES) for name in ("no_label.txt", "crlf.txt")]
    assert [p.existing for p in stdin] == [None, None]


def test_the_same_link_in_another_form_is_the_same_incident(empty_db: Db) -> None:
    first = imported(empty_db, "grouped.json")
    assert stored_source(report("grouped.json")) == "https://status.quillmoth.example/incidents/qm8exq4t"
    markdown = plan_report(empty_db, report("markdown_export.md", "exports.md"), RULES)
    assert (markdown.existing, markdown.matched_by) == (first, "link")


def test_a_source_stored_by_the_previous_release_is_matched_by_the_page_id(empty_db: Db) -> None:
    legacy = plan_report(empty_db, report("incidents.json"), RULES)
    first = run(empty_db, legacy._replace(source="incidents.json#qm7x2k9d"))[0]
    again = plan_report(empty_db, report("incidents.json", "saved-again.json"), RULES)
    assert (again.existing, again.matched_by) == (first, "link")
    assert ("source", "incidents.json#qm7x2k9d", "https://status.quillmoth.example/incidents/qm7x2k9d") in [
        tuple(c) for c in again.changes]


def test_a_word_match_on_an_incident_another_link_names_is_not_taken(empty_db: Db) -> None:
    text = (DATA / "markdown_export.md").read_text()
    first = imported(empty_db, "markdown_export.md")
    other = text.replace("qm8exq4t", "qm0other")
    plan = plan_report(empty_db, report("other.md", text=other), RULES)
    assert plan.existing is None and first  # same title and first time, but another page names it


# ---------------------------------------------------------------- exactly what the import will do


def test_the_preview_is_what_the_import_does(empty_db: Db) -> None:
    text = (DATA / "navigation.txt").read_text()
    first = imported(empty_db, "navigation.txt", "checkout.txt")
    edit(empty_db, first, "reviewed; actions tracked elsewhere", severity=Severity.SEV1,
         status=IncidentStatus.CLOSED, summary="Our own words.", started_at=datetime(2026, 3, 3, 8, 2, tzinfo=UTC))
    newer = text.replace("Resolved\n\nCheckout has been", "Update\n\nA follow-up.\nPosted Mar 04, 2026 - 10:00 UTC"
                         "\n\nResolved\n\nCheckout has been").replace(
        "and Public API.", ", Public API, and Status emails.").replace(
        "3) Document who owns", "3) Write down who owns")
    plan = plan_report(empty_db, report("later.txt", text=newer), RULES)
    assert (plan.existing, plan.severity, plan.severity_kept, plan.status) == (first, "SEV1", True, "closed")
    assert [c.field for c in plan.changes] == ["postmortem"]  # severity, status, summary and start are kept
    assert (plan.new_updates, plan.new_components) == (1, ("Status emails",))
    assert [plan.actions[i][0] for i in plan.new_actions] == ["Write down who owns the edge certificates."]
    before = len(incident_history(empty_db, first))
    incident_id, counts = run(empty_db, plan)
    assert incident_id == first
    assert (counts["timeline"], counts["components"], counts["actions"]) == (1, 1, 1)
    written = [(e.field, e.old_value, e.new_value) for e in incident_history(empty_db, first)[before:]
               if e.field not in ("timeline", "component")]
    assert written == [(c.field, c.old, c.new) for c in plan.changes]
    row = empty_db.row("SELECT severity, status, summary, started_at FROM incident WHERE id = :i", {"i": first})
    assert row is not None and tuple(row[:3]) == ("SEV1", "closed", "Our own words.")


def test_field_changes_in_the_preview_are_the_ones_recorded(empty_db: Db) -> None:
    first = imported(empty_db, "incidents.json")
    edit(empty_db, first, title="Search lag")
    text = (DATA / "incidents.json").read_text().replace('"status": "resolved",\n      "impact": "minor"',
                                                        '"status": "postmortem",\n      "impact": "critical"', 1)
    plan = plan_report(empty_db, parse(text, "incidents.json")[0], RULES)
    assert plan.severity == "SEV3" and plan.severity_kept  # a re-import keeps the severity people see
    expected = [(c.field, c.old, c.new) for c in plan.changes]
    assert ("title", "Search lag", "Search results delayed") in expected
    assert ("status", "resolved", "postmortem") in expected
    before = len(incident_history(empty_db, first))
    run(empty_db, plan)
    written = [(e.field, e.old_value, e.new_value) for e in incident_history(empty_db, first)[before:]]
    assert written == expected
    assert plan_report(empty_db, parse(text, "incidents.json")[0], RULES).changes == ()  # nothing left to do


# ---------------------------------------------------------------- causes from the rules and the taxonomy


def test_causes_are_suggested_from_the_taxonomy_and_the_rules(empty_db: Db) -> None:
    add_cause(empty_db, "edge-cert-expiry", title="Expired certificate on the edge proxies",
              description="A certificate bundle expired because its renewal job was switched off.")
    add_cause(empty_db, "cooling-failure", title="Cooling failure on a hypervisor host")
    add_cause(empty_db, "kafka-migration", title="Edge case while migrating a Kafka cluster")
    checkout = report("navigation.txt")
    plan = plan_report(empty_db, checkout, RULES)
    [near] = [s for s in plan.suggestions if s.slug == "edge-cert-expiry"]
    assert (near.origin, near.known, near.score, near.title) == ("taxonomy", True, 0,
                                                               "Expired certificate on the edge proxies")
    assert near.closeness > 0 and {"certificate", "renewal"} <= set(near.keywords)
    assert "cooling-failure" not in [s.slug for s in plan.suggestions]
    rules = {**RULES, "edge-cert-expiry": ["certificate bundle"]}
    both = plan_report(empty_db, checkout, rules, PlanContext.load(empty_db, rules))
    [merged] = [s for s in both.suggestions if s.slug == "edge-cert-expiry"]
    assert (merged.origin, merged.score, merged.keywords) == ("rules+taxonomy", 1, ["certificate bundle"])
    assert both.suggestions[0].slug == "edge-cert-expiry"  # the rules' suggestions come first
    assert both.to_json()["suggested_causes"][0]["origin"] == "rules+taxonomy"
