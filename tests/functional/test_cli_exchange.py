"""``tracker import`` and ``tracker export`` end to end on real files and databases."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from tests.conftest import fingerprint

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT.parent / "shared" / "seeds"
DATA = ROOT / "tests" / "data" / "statuspage"

# seed file: (title, updates, first UTC, last UTC, proposed actions)
SEED_FACTS = {
    "000_fbd976399da5316d.txt": ("CEP Campaign Delivery Degradation (Email, Push & SMS)", 2,
                                 "2025-12-22T13:43:00+00:00", "2025-12-22T17:01:00+00:00", 4),
    "001_fe24dd09cc98c768.txt": ("Major downtime", 5, "2021-10-13T07:26:00+00:00", "2021-10-13T09:29:00+00:00", 0),
    "002_99eb8662e5fd60d2.txt": ("CEP & MEP Delivery Issues", 6, "2025-08-14T12:23:00+00:00",
                                 "2025-08-15T05:37:00+00:00", 3),
    "003_7bb4627a35108730.txt": ("Notifications, SMS, Email, API & SDK Web services down", 10,
                                 "2024-11-07T17:09:00+00:00", "2024-11-08T13:26:00+00:00", 0),
    "004_12171c422d253b4d.txt": ("Web push delivery issue", 6, "2021-04-15T09:43:00+00:00",
                                 "2021-04-15T17:18:00+00:00", 0),
}

needs_seeds = pytest.mark.skipif(not SEEDS.is_dir(), reason="the seed reports live in ../shared/seeds")


@pytest.fixture
def empty(cli, tmp_path: Path) -> Path:
    path = tmp_path / "empty.db"
    assert cli("--db", str(path), "init", "--empty").code == 0
    return path


@needs_seeds
@pytest.mark.parametrize("seed", sorted(SEED_FACTS))
def test_each_seed_imports_with_the_expected_facts(cli, empty: Path, seed: str) -> None:
    title, updates, first, last, actions = SEED_FACTS[seed]
    result = cli("--db", str(empty), "import", "statuspage", str(SEEDS / seed), "--json")
    assert result.code == 0, result.err
    key = json.loads(result.out)[0]["id"]
    shown = json.loads(cli("--db", str(empty), "incidents", "show", key, "--json").out)
    assert shown["title"] == title
    assert len(shown["timeline"]) == updates
    assert (shown["timeline"][0]["at"], shown["timeline"][-1]["at"]) == (first, last)
    assert shown["started_at"] == first and shown["status"] == "postmortem"
    assert shown["source"] == seed and shown["company"] == "Batch"
    assert len(shown["actions"]) == actions
    assert all(a["status"] == "proposed" and a["incident"] == key for a in shown["actions"])


@needs_seeds
def test_reimport_updates_instead_of_duplicating(cli, empty: Path) -> None:
    seed = str(SEEDS / "002_99eb8662e5fd60d2.txt")
    first = json.loads(cli("--db", str(empty), "import", "statuspage", seed, "--json").out)[0]
    again = json.loads(cli("--db", str(empty), "import", "statuspage", seed, "--json").out)[0]
    assert first["id"] == again["id"] and first["created"] and not again["created"]
    assert again["timeline"] == 0 and again["actions"] == 0
    incidents = json.loads(cli("--db", str(empty), "incidents", "list", "--json").out)
    assert len(incidents) == 1
    assert len(json.loads(cli("--db", str(empty), "actions", "list", "--json").out)) == 3


@needs_seeds
def test_suggested_causes_apply_only_on_confirmation(cli, tmp_path: Path) -> None:
    db = str(tmp_path / "demo.db")
    cli("--db", db, "init", "--demo")
    before = fingerprint(Path(db))
    preview = cli("--db", db, "import", "statuspage", str(SEEDS / "000_fbd976399da5316d.txt"), "--dry-run", "--json")
    plan = json.loads(preview.out)[0]
    assert plan["would"] == "update" and plan["incident"] == "INC-5"
    assert plan["suggested_causes"][0]["slug"] == "cooling-failure"
    assert len(plan["proposed_actions"]) == 4
    assert fingerprint(Path(db)) == before  # a dry run writes nothing
    fresh = str(tmp_path / "fresh.db")
    cli("--db", fresh, "init", "--empty")
    cli("--db", fresh, "import", "toml", str(_demo_causes_only(cli, tmp_path)))
    done = json.loads(cli("--db", fresh, "import", "statuspage", str(SEEDS / "000_fbd976399da5316d.txt"),
                          "--json").out)[0]
    assert done["causes"] == 0
    shown = json.loads(cli("--db", fresh, "incidents", "show", done["id"], "--json").out)
    assert shown["root_causes"] == []
    linked = json.loads(cli("--db", fresh, "import", "statuspage", str(SEEDS / "000_fbd976399da5316d.txt"),
                            "--accept-suggested", "--json").out)[0]
    assert linked["causes"] == 1
    shown = json.loads(cli("--db", fresh, "incidents", "show", done["id"], "--json").out)
    assert [c["slug"] for c in shown["root_causes"]] == ["cooling-failure"]


def _demo_causes_only(cli, tmp_path: Path) -> Path:  # type: ignore[no-untyped-def]
    """An export holding only the demo's root causes (a taxonomy to import into)."""
    import tomllib

    import tomli_w

    demo = str(tmp_path / "taxonomy-source.db")
    cli("--db", demo, "init", "--demo")
    full = tmp_path / "full.toml"
    cli("--db", demo, "export", "toml", str(full))
    doc = tomllib.loads(full.read_text())
    slim = {"format": doc["format"], "version": doc["version"], "root_causes": doc["root_causes"]}
    path = tmp_path / "taxonomy.toml"
    path.write_bytes(tomli_w.dumps(slim).encode())
    return path


@pytest.mark.parametrize("name", ["incidents.json", "incident.json", "summary.json", "postmortem.json"])
def test_json_forms_import(cli, empty: Path, name: str) -> None:
    result = cli("--db", str(empty), "import", "statuspage", str(DATA / name), "--json")
    assert result.code == 0, result.err
    created = json.loads(result.out)
    assert created and all(c["id"].startswith("INC-") for c in created)
    again = json.loads(cli("--db", str(empty), "import", "statuspage", str(DATA / name), "--json").out)
    assert [c["id"] for c in again] == [c["id"] for c in created]


@pytest.mark.parametrize("name", sorted(p.name for p in [*DATA.glob("*.txt"), *DATA.glob("*.md")]))
def test_messy_reports_import_or_fail_cleanly(cli, empty: Path, name: str) -> None:
    before = fingerprint(empty)
    result = cli("--db", str(empty), "import", "statuspage", str(DATA / name))
    assert result.code in (0, 1), result
    assert "Traceback" not in result.err
    if result.code == 1:
        assert result.err.startswith("tracker: error: ") and result.err.count("\n") == 1
        assert fingerprint(empty) == before


def test_stdin_and_bad_inputs(cli, empty: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO((DATA / "maintenance.txt").read_bytes())))
    assert cli("--db", str(empty), "import", "statuspage", "-").code == 0
    before = fingerprint(empty)
    for args, message in [
        (("import", "statuspage", str(tmp_path / "missing.txt")), "cannot read"),
        (("import", "statuspage", str(tmp_path)), "is a directory"),
        (("import", "statuspage", str(DATA / "broken.json")), "broken.json"),
    ]:
        result = cli("--db", str(empty), *args)
        assert result.code == 1 and message in result.err and result.err.count("\n") == 1, result
    bad = tmp_path / "bytes.txt"
    bad.write_bytes(b"Title\n\xff\xfe broken \x80 bytes\n")
    result = cli("--db", str(empty), "import", "statuspage", str(bad))
    assert result.code == 1 and "bytes.txt" in result.err
    assert fingerprint(empty) == before


def test_toml_round_trip_is_byte_identical(cli, tmp_path: Path) -> None:
    demo = str(tmp_path / "demo.db")
    cli("--db", demo, "init", "--demo")
    cli("--db", demo, "actions", "update", "ACT-1", "--owner", "db-team", "--note", "[bold] handover\nline two")
    first, second = tmp_path / "one.toml", tmp_path / "two.toml"
    assert cli("--db", demo, "export", "toml", str(first)).code == 0
    copy = str(tmp_path / "copy.db")
    assert cli("--db", copy, "import", "toml", str(first)).code == 0
    assert cli("--db", copy, "export", "toml", str(second)).code == 0
    assert first.read_bytes() == second.read_bytes()
    found = json.loads(cli("--db", copy, "actions", "show", "ACT-1", "--json").out)
    assert found["owner"] == "db-team" and found["history"][-1]["note"] == "[bold] handover\nline two"
    search = cli("--db", copy, "actions", "list", "--json")
    assert len(json.loads(search.out)) == 13
    again = cli("--db", copy, "import", "toml", str(first))
    assert again.code == 1 and "empty" in again.err


def test_export_md_and_csv(cli, tmp_path: Path) -> None:
    demo = str(tmp_path / "demo.db")
    cli("--db", demo, "init", "--demo")
    md = cli("--db", demo, "export", "md", "INC-5")
    assert md.code == 0 and "Action" in md.out and "Timeline" in md.out and "ACT-10" in md.out
    out = tmp_path / "actions.csv"
    assert cli("--db", demo, "export", "csv", "actions", "-o", str(out)).code == 0
    rows = list(csv.DictReader(out.open(newline="")))
    assert len(rows) == 13 and rows[0]["id"] == "ACT-1"
    missing = cli("--db", demo, "export", "md", "INC-99")
    assert missing.code == 1 and "no incident INC-99" in missing.err
    nowhere = cli("--db", demo, "export", "toml", str(tmp_path / "no" / "such" / "dir.toml"))
    assert nowhere.code == 1 and "does not exist" in nowhere.err


def test_dry_run_of_a_renamed_copy_says_update_and_shows_what_is_kept(cli, empty: Path, tmp_path: Path) -> None:
    first = tmp_path / "checkout.txt"
    first.write_bytes((DATA / "navigation.txt").read_bytes())
    assert cli("--db", str(empty), "import", "statuspage", str(first)).code == 0
    assert cli("--db", str(empty), "incidents", "update", "INC-1", "--severity", "SEV1").code == 0
    renamed = tmp_path / "Checkout page returning errors (1).txt"
    renamed.write_bytes(first.read_bytes())
    before = fingerprint(empty)
    preview = cli("--db", str(empty), "import", "statuspage", str(renamed), "--dry-run")
    assert preview.code == 0
    lines = preview.out.splitlines()
    assert lines[0] == "Would update INC-1 (recognised by its title and first time): Checkout page returning errors"
    assert lines[1].startswith("  incident, postmortem, SEV1 (kept), 2026-03-03T08:10+00:00 ->")
    assert "  adds 0 of 3 updates, 0 of 3 components, 0 of 4 proposed actions; the report has a postmortem" in lines
    assert all("(already there)" in line for line in lines if line.startswith("  proposed action"))
    assert fingerprint(empty) == before
    plan = json.loads(cli("--db", str(empty), "import", "statuspage", str(renamed), "--dry-run", "--json").out)[0]
    assert (plan["would"], plan["matched_by"], plan["severity"], plan["severity_kept"]) == (
        "update", "title and first time", "SEV1", True)
    done = json.loads(cli("--db", str(empty), "import", "statuspage", str(renamed), "--json").out)[0]
    assert (done["id"], done["created"], done["timeline"], done["actions"]) == ("INC-1", False, 0, 0)
    assert json.loads(cli("--db", str(empty), "incidents", "show", "INC-1", "--json").out)["severity"] == "SEV1"


def test_another_report_in_a_reused_file_is_not_taken_for_the_first(cli, empty: Path, tmp_path: Path) -> None:
    path = tmp_path / "report.txt"
    path.write_bytes((DATA / "navigation.txt").read_bytes())
    cli("--db", str(empty), "import", "statuspage", str(path))
    path.write_bytes((DATA / "indented.txt").read_bytes())
    preview = cli("--db", str(empty), "import", "statuspage", str(path), "--dry-run")
    assert preview.out.startswith("Would create a new incident: Search results delayed")


def test_taxonomy_causes_are_suggested_and_can_be_accepted(cli, empty: Path) -> None:
    assert cli("--db", str(empty), "rootcauses", "add", "edge-cert-expiry", "--title",
               "Expired certificate on the edge proxies", "--description",
               "A certificate bundle expired because its renewal job was switched off.").code == 0
    preview = cli("--db", str(empty), "import", "statuspage", str(DATA / "navigation.txt"), "--dry-run")
    assert "  suggested cause: edge-cert-expiry [close to: " in preview.out
    done = json.loads(cli("--db", str(empty), "import", "statuspage", str(DATA / "navigation.txt"),
                          "--accept-suggested", "--json").out)[0]
    assert done["causes"] == 1
    shown = json.loads(cli("--db", str(empty), "incidents", "show", done["id"], "--json").out)
    assert [c["slug"] for c in shown["root_causes"]] == ["edge-cert-expiry"]


def test_several_reports_of_one_file_import_all_or_nothing(cli, empty: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from tracker.exchange import apply

    real, calls = apply.insert_timeline_entry, []

    def failing(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(args)
        if len(calls) == 4:  # the second incident's first update
            raise OSError("disk full")
        return real(*args, **kwargs)

    monkeypatch.setattr(apply, "insert_timeline_entry", failing)
    before = fingerprint(empty)
    result = cli("--db", str(empty), "import", "statuspage", str(DATA / "incidents.json"))
    assert result.code == 3 and "disk full" in result.err and len(calls) == 4
    assert fingerprint(empty) == before
