"""A team's own outage from the first page to a closed postmortem, through the command line, on both backends.

Every step goes through ``tracker`` as a user would type it; the history, the JSON shapes, the taxonomy
(a new cause, a merge, an alias) and the refusals (with an unchanged database) are checked on the way.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.conftest import dump

pytestmark = pytest.mark.both_backends


def run_json(cli, db_url: str, *args: str) -> Any:
    done = cli("--db", db_url, *args, "--json")
    assert done.code == 0, done.err
    return json.loads(done.out)


def ok(cli, db_url: str, *args: str) -> str:
    done = cli("--db", db_url, *args)
    assert done.code == 0, done.err
    return done.out


def test_an_incident_from_nothing_to_closed(cli, empty_url: str, tmp_path) -> None:
    db = empty_url
    inc = run_json(cli, db, "incidents", "add", "--title", "Checkout failing after config push",
                   "--started", "2026-11-23T09:02Z", "--severity", "SEV2", "--component", "API / Checkout",
                   "--component", "Payments")
    assert (inc["id"], inc["status"], inc["version"]) == ("INC-1", "investigating", 1)
    assert inc["components"] == ["Payments", "API / Checkout"]  # ungrouped first, then by group

    # The timeline, written as it happens (and corrected).
    first = run_json(cli, db, "incidents", "log", "INC-1", "Pager: checkout 5xx above 20%", "--at",
                     "2026-11-23T09:04Z", "--label", "Investigating")
    run_json(cli, db, "incidents", "log", "INC-1", "Rolled back config 4711", "--at", "2026-11-23T09:31Z")
    early = run_json(cli, db, "incidents", "log", "INC-1", "Config 4711 pushed", "--at", "2026-11-23T08:59Z")
    typo = run_json(cli, db, "incidents", "log", "INC-1", "Wrnog entry", "--at", "2026-11-23T09:10Z")
    ok(cli, db, "incidents", "log-edit", "INC-1", str(first["id"]), "--text", "Pager: checkout 5xx above 25%",
       "--note", "the graph said 25")
    ok(cli, db, "incidents", "log-rm", "INC-1", f"#{typo['id']}", "--note", "written on the wrong incident")
    shown = run_json(cli, db, "incidents", "show", "INC-1")
    assert [e["text"] for e in shown["timeline"]] == [
        "Config 4711 pushed", "Pager: checkout 5xx above 25%", "Rolled back config 4711"]
    assert shown["timeline"][0]["id"] == early["id"] and set(shown["timeline"][0]) >= {"id", "at", "label", "text"}

    # Causes: one new to the taxonomy, one added and then merged into it (it stays an alias).
    ok(cli, db, "rootcauses", "add", "unvalidated-config-push", "--title", "Configuration pushed without validation",
       "--category", "configuration")
    ok(cli, db, "rootcauses", "add", "deploy-pipeline-race", "--title", "Two deploy pipelines race each other")
    ok(cli, db, "incidents", "link", "INC-1", "unvalidated-config-push", "--role", "root")
    ok(cli, db, "incidents", "link", "INC-1", "deploy-pipeline-race", "--role", "trigger")
    ok(cli, db, "incidents", "link", "INC-1", "deploy-pipeline-race", "--role", "contributing")
    ok(cli, db, "actions", "add", "Serialise the two pipelines", "--incident", "INC-1", "--root-cause",
       "deploy-pipeline-race", "--owner", "bo", "--kind", "prevent")
    merged = cli("--db", db, "rootcauses", "merge", "deploy-pipeline-race", "unvalidated-config-push")
    assert merged.code == 0 and "1 incident links and 1 actions moved" in merged.out
    cause = run_json(cli, db, "rootcauses", "show", "deploy-pipeline-race")  # the alias still resolves
    assert cause["slug"] == "unvalidated-config-push" and cause["aliases"] == ["deploy-pipeline-race"]
    assert cause["retired"] is False and cause["incident_count"] == 1

    # Actions, then the incident's life to postmortem.
    ok(cli, db, "actions", "add", "Validate config before every push", "--incident", "INC-1", "--root-cause",
       "deploy-pipeline-race", "--owner", "ana", "--kind", "prevent", "--priority", "P1")
    ok(cli, db, "actions", "add", "Write the postmortem", "--incident", "INC-1", "--kind", "process")
    ok(cli, db, "incidents", "update", "INC-1", "--status", "identified", "--detected", "2026-11-23T09:04Z")
    ok(cli, db, "incidents", "update", "INC-1", "--mitigated", "2026-11-23T09:31Z", "--status", "monitoring")
    ok(cli, db, "incidents", "update", "INC-1", "--status", "resolved", "--resolved", "2026-11-23T09:45Z")
    write_up = "# What happened\n\nA config push skipped validation.\n\n## What we change\n\n- Validate first\n"
    (tmp_path / "postmortem.md").write_text(write_up)
    ok(cli, db, "incidents", "update", "INC-1", "--status", "postmortem", "--impact", "Checkout failed for 29 min",
       "--postmortem-file", "postmortem.md")

    # A close is refused, with every missing thing named.
    refused = cli("--db", db, "incidents", "update", "INC-1", "--status", "closed")
    assert refused.code == 1 and refused.out == ""
    assert "ACT-3 lacks an owner" in refused.err and refused.err.count("\n") == 1
    ok(cli, db, "actions", "update", "ACT-3", "--owner", "ana")
    closed = run_json(cli, db, "incidents", "update", "INC-1", "--status", "closed")
    assert closed["status"] == "closed"

    final = run_json(cli, db, "incidents", "show", "INC-1")
    assert final["version"] == closed["version"] == 16
    assert final["resolved_at"] == "2026-11-23T09:45:00+00:00" and final["impact"] == "Checkout failed for 29 min"
    assert final["postmortem"] == write_up
    assert final["root_causes"][0]["slug"] == "unvalidated-config-push"
    history = [(h["field"], h["old"], h["new"]) for h in final["history"]]
    assert history[0] == ("created", None, "Checkout failing after config push")
    assert ("cause", "deploy-pipeline-race (trigger)", "deploy-pipeline-race (contributing)") in history
    # INC-1 already had the target as root: the merged link folds into it.
    assert ("cause", "deploy-pipeline-race (contributing)", "unvalidated-config-push (root)") in history
    assert [h[2] for h in history if h[0] == "status"] == [
        "identified", "monitoring", "resolved", "postmortem", "closed"]
    assert any(h[0] == "timeline" and h[2] is None and "Wrnog" in h[1] for h in history)
    assert ("postmortem", "", write_up) in history
    assert {h["actor"] for h in final["history"]} == {"tester@example.com"}
    moved = run_json(cli, db, "actions", "show", "ACT-1")
    assert moved["root_cause"] == "unvalidated-config-push"
    assert moved["history"][-1]["note"] == "root cause deploy-pipeline-race merged into unvalidated-config-push"
    text = ok(cli, db, "incidents", "show", "INC-1")
    assert "History" in text and "status: postmortem → closed" in text
    assert "Postmortem\n  # What happened" in text and "  - Validate first" in text


def test_force_close_keeps_the_reason(cli, db_url: str) -> None:
    # INC-2 of the demo (the hosting outage) has a trigger cause but an open unowned action may be added.
    ok(cli, db_url, "actions", "add", "Nobody's yet", "--incident", "INC-2")
    refused = cli("--db", db_url, "incidents", "update", "INC-2", "--status", "closed")
    assert refused.code == 1 and "lacks an owner" in refused.err
    no_note = cli("--db", db_url, "incidents", "update", "INC-2", "--status", "closed", "--force")
    assert no_note.code == 1 and "--force needs a note" in no_note.err
    forced = run_json(cli, db_url, "incidents", "update", "INC-2", "--status", "closed", "--force", "--note",
                      "provider outage, nothing of ours left")
    assert forced["status"] == "closed"
    last = run_json(cli, db_url, "incidents", "show", "INC-2")["history"][-1]
    assert last["field"] == "status" and last["note"].startswith("provider outage, nothing of ours left")
    assert "lacks an owner" in last["note"]


def test_going_back_needs_a_note(cli, db_url: str) -> None:
    back = cli("--db", db_url, "incidents", "update", "INC-1", "--status", "monitoring")
    assert back.code == 1 and "going back from postmortem to monitoring needs a note" in back.err
    ok(cli, db_url, "incidents", "update", "INC-1", "--status", "monitoring", "--note", "it came back")


def test_recorded_after_the_fact_starts_resolved(cli, empty_url: str) -> None:
    inc = run_json(cli, empty_url, "incidents", "add", "--title", "Weekend DNS blip", "--started",
                   "2026-11-21T03:00Z", "--status", "resolved", "--resolved", "2026-11-21T03:20Z")
    assert inc["status"] == "resolved" and inc["resolved_at"] == "2026-11-21T03:20:00+00:00"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["incidents", "update", "INC-99", "--title", "x"], "no incident INC-99"),
        (["incidents", "update", "ACT-1", "--title", "x"], "bad key"),
        (["incidents", "update", "INC-1", "--status", "reopened"], "unknown status 'reopened'"),
        (["incidents", "update", "INC-1", "--status", "investigating"], "needs a note"),
        (["incidents", "update", "INC-3", "--detected", "2020-01-01T00:00Z"], "detected: 2020-01-01T00:00:00+00:00"
         " is before started"),
        (["incidents", "update", "INC-3", "--resolved", ""], "needs a resolve time"),
        (["incidents", "update", "INC-3", "--mitigated", "tomorrow"], "--mitigated: bad date-time"),
        (["incidents", "update", "INC-3", "--resolved", "2999-01-01T00:00Z"], "resolved: 2999-01-01T00:00:00+00:00"
         " is in the future"),
        (["incidents", "add", "--title", "x", "--started", "2026-11-20T10:00Z", "--resolved", "2026-11-20T09:00Z",
          "--status", "resolved"], "resolved: 2026-11-20T09:00:00+00:00 is before"),
        (["incidents", "add", "--title", "x", "--started", "2026-11-20T10:00Z", "--status", "postmortem"],
         "needs a resolve time"),
        (["incidents", "update", "INC-1", "--title", "x", "--expect-version", "7"], "changed by someone else"),
        (["incidents", "update", "INC-1"], "nothing to change"),
        (["incidents", "update", "INC-1", "--remove-component", "Nope"], "is not on INC-1"),
        (["incidents", "log", "INC-1", "   "], "timeline text is empty"),
        (["incidents", "log-edit", "INC-1", "#999", "--text", "x"], "no timeline entry #999 on INC-1"),
        (["incidents", "log-rm", "INC-2", "1"], "no timeline entry #1 on INC-2"),
        (["incidents", "log-edit", "INC-1", "abc", "--text", "x"], "bad timeline entry id"),
        (["incidents", "link", "INC-1", "Bad_Slug", "--role", "root"], "bad root-cause slug"),
        (["incidents", "link", "INC-1", "no-such-cause", "--role", "root"], "no root cause 'no-such-cause'"),
        (["incidents", "link", "INC-1", "stale-config", "--role", "root"], "already linked to INC-1 as root"),
        (["incidents", "link", "INC-1", "stale-config", "--role", "cause"], "unknown role"),
        (["incidents", "unlink", "INC-1", "kafka-migration"], "kafka-migration is not linked to INC-1"),
        (["rootcauses", "add", "Kafka", "--title", "x"], "bad root-cause slug"),
        (["rootcauses", "add", "k", "--title", "x"], "bad root-cause slug"),
        (["rootcauses", "add", "a" * 61, "--title", "x"], "bad root-cause slug"),
        (["rootcauses", "add", "kafka-migration", "--title", "x"], "is taken: it is a root cause"),
        (["rootcauses", "add", "kafka-cluster-edge", "--title", "Edge case while migrating a Kafka cluster"],
         "did you mean kafka-migration"),
        (["rootcauses", "merge", "kafka-migration", "kafka-migration"], "cannot merge kafka-migration into itself"),
        (["rootcauses", "merge", "stale-config", "no-such"], "no root cause 'no-such'"),
        (["rootcauses", "rename", "stale-config", "cooling-failure"], "is taken"),
        (["rootcauses", "update", "stale-config"], "nothing to change"),
        (["rootcauses", "retire", "nope"], "no root cause 'nope'"),
    ],
)
def test_bad_input_is_one_line_exit_1_and_changes_nothing(cli, db_url: str, args: list[str], message: str) -> None:
    before = dump(db_url)
    done = cli("--db", db_url, *args)
    assert done.code == 1, (done.out, done.err)
    assert message in done.err and done.err.count("\n") == 1 and done.out == ""
    assert dump(db_url) == before


def test_a_merge_into_a_retired_cause_is_refused(cli, db_url: str) -> None:
    ok(cli, db_url, "rootcauses", "retire", "cooling-failure")
    before = dump(db_url)
    done = cli("--db", db_url, "rootcauses", "merge", "stale-config", "cooling-failure")
    assert done.code == 1 and "cooling-failure: it is retired" in done.err
    linked = cli("--db", db_url, "incidents", "link", "INC-1", "cooling-failure", "--role", "contributing")
    assert linked.code == 1 and "is retired" in linked.err
    assert dump(db_url) == before
    ok(cli, db_url, "rootcauses", "retire", "cooling-failure", "--undo")
    ok(cli, db_url, "incidents", "link", "INC-1", "cooling-failure", "--role", "contributing")


def test_a_retired_cause_leaves_the_pickers_and_stays_on_old_incidents(cli, db_url: str) -> None:
    ok(cli, db_url, "rootcauses", "retire", "stale-config")
    cause = run_json(cli, db_url, "rootcauses", "show", "stale-config")
    assert cause["retired"] is True and cause["incident_count"] == 1
    assert "stale-config" in [c["slug"] for c in run_json(cli, db_url, "incidents", "show", "INC-1")["root_causes"]]
    from tests.conftest import connect
    from tracker.core.rootcauses import cause_choices

    with connect(db_url) as db:
        assert "stale-config" not in [slug for slug, _ in cause_choices(db)]
    refused = cli("--db", db_url, "actions", "add", "x", "--root-cause", "stale-config")
    assert refused.code == 1 and "retired" in refused.err


def test_a_rename_keeps_the_old_slug_working(cli, db_url: str) -> None:
    ok(cli, db_url, "rootcauses", "rename", "kafka-migration", "kafka-cluster-migration")
    shown = run_json(cli, db_url, "rootcauses", "show", "kafka-migration")
    assert shown["slug"] == "kafka-cluster-migration" and shown["aliases"] == ["kafka-migration"]
    listed = run_json(cli, db_url, "actions", "list", "--root-cause", "kafka-migration")
    assert listed and {a["root_cause"] for a in listed} == {"kafka-cluster-migration"}
    ok(cli, db_url, "rootcauses", "rename", "kafka-cluster-migration", "kafka-migration")  # and back
    assert run_json(cli, db_url, "rootcauses", "show", "kafka-migration")["aliases"] == ["kafka-cluster-migration"]


def test_suggestions_reuse_the_taxonomy(cli, db_url: str) -> None:
    inc = run_json(cli, db_url, "incidents", "add", "--title", "Hypervisor overheated and lost its disks",
                   "--started", "2026-11-22T10:00Z", "--summary", "Cooling fault on a host; every VM stopped.")
    found = run_json(cli, db_url, "rootcauses", "suggest", "--incident", inc["id"])
    assert found[0]["slug"] == "cooling-failure"
    words = run_json(cli, db_url, "rootcauses", "suggest", "kafka", "cluster", "migration")
    assert words[0]["slug"] == "kafka-migration"


def test_a_postmortem_file_that_cannot_be_read_changes_nothing(cli, db_url: str, tmp_path) -> None:
    (tmp_path / "latin1.md").write_bytes("r\xe9sum\xe9".encode("latin-1"))
    before = dump(db_url)
    for args, message in [
        (("--postmortem-file", "missing.md"), "--postmortem-file missing.md"),
        (("--postmortem-file", "latin1.md"), "not UTF-8 text"),
        (("--postmortem-file", str(tmp_path)), "--postmortem-file"),
        (("--postmortem", "x", "--postmortem-file", "latin1.md"), "not allowed with argument"),
    ]:
        done = cli("--db", db_url, "incidents", "update", "INC-5", *args)
        assert done.code != 0 and message in done.err, (args, done)
        assert done.err.count("\n") <= 2  # argparse's usage line, then the one-line error
    assert dump(db_url) == before
    ok(cli, db_url, "incidents", "update", "INC-5", "--postmortem", "Short write-up")
    assert run_json(cli, db_url, "incidents", "show", "INC-5")["postmortem"] == "Short write-up"


def test_a_root_cause_merged_into_a_contributing_one_stays_the_root(cli, empty_url: str) -> None:
    db = empty_url
    ok(cli, db, "incidents", "add", "--title", "Expired certificate", "--started", "2026-11-20T10:00Z")
    for slug, role in (("tls-cert-expiry", "root"), ("stale-config", "contributing")):
        ok(cli, db, "rootcauses", "add", slug, "--title", slug.replace("-", " ").capitalize())
        ok(cli, db, "incidents", "link", "INC-1", slug, "--role", role)
    ok(cli, db, "rootcauses", "merge", "tls-cert-expiry", "stale-config")
    shown = run_json(cli, db, "incidents", "show", "INC-1")
    assert [(c["slug"], c["role"]) for c in shown["root_causes"]] == [("stale-config", "root")]
    assert ("cause", "tls-cert-expiry (root)", "stale-config (root)") in [
        (h["field"], h["old"], h["new"]) for h in shown["history"]]
