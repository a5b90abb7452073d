"""Whole-database TOML export and import: lossless round trips, and refusals that change nothing."""

from __future__ import annotations

import random
import re
import shutil
import tempfile
import tomllib
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import tomli_w
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import TODAY, dump, fingerprint
from tracker.base.errors import InputError
from tracker.base.timeutil import format_stamp
from tracker.core.actions import ActionFilter, add_action, iter_actions
from tracker.core.opening import open_database
from tracker.exchange import toml_export as toml_io
from tracker.exchange.toml_export import export_toml
from tracker.exchange.toml_import import import_toml
from tracker.storage.database import Db

TABLES = (
    "root_cause", "root_cause_alias", "component", "incident", "timeline_entry", "incident_component",
    "incident_root_cause", "incident_event", "action", "action_event", "runbook", "runbook_cause", "tracker_meta",
)
"""Every table the export covers (the runbook ones only where the schema has them)."""

PIECES = (
    "[bold]x[/", "[/", "[0]", '"', "'", '"""', "'''", "\\", "\\n", "\n", "\r\n", "\r", "\t",
    "😀", "👩🏽‍💻",
    *(chr(c) for c in (*range(0x01, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F)),
    "\u200f", "\u202e", "\u2028", "\ufeff", "=1+1", "-", "@x", "|", "\\|", "a = 1", "[[actions]]", "#", "",
)
"""Fragments that break naive escaping: markup, quotes, TOML syntax, control characters, RTL marks."""

BIG = ("".join(PIECES) * 2000)[:100_000]
"""A 100 KB text made of every hostile fragment."""

CORPUS = (*PIECES, "".join(PIECES), "line one\r\nline two\nline three\r", "  padded  ", BIG)

pytestmark = pytest.mark.both_backends


def table_rows(db: Db) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every exported table, in a stable order (a fingerprint of the data alone)."""
    from tracker.exchange.toml_format import has_table as _has_table

    def columns(table: str) -> str:
        if db.dialect == "sqlite":
            return "*"
        names = [r[0] for r in db.rows("SELECT column_name FROM information_schema.columns WHERE table_name = :t"
                                       " AND column_name != 'search' ORDER BY ordinal_position", {"t": table})]
        return ", ".join(names)

    return {t: db.rows(f"SELECT {columns(t)} FROM {t} ORDER BY 1, 2") for t in TABLES if _has_table(db, t)}


def fill_raw(db: Db, texts: Sequence[str], seed: int = 0) -> None:
    """Rows in every table written with plain SQL (no service checks), each text column from ``texts``.

    Each value is made into one the validation layer takes for its column (one line for titles and
    names, no control characters but line breaks and tabs in free text, handles for owners, valid
    slugs, paths and ids), so the data is valid however hostile the texts: markup, quotes, TOML
    syntax, CRLF, RTL marks, 100 KB. Ids have gaps, optional columns are sometimes NULL and sometimes
    empty, stamps carry microseconds (and sometimes none).
    """
    import hashlib

    from tracker.core.validate import NOTE_MAX, scrub_line, scrub_text, scrub_title

    rng = random.Random(seed)
    pool = iter(list(texts) * 1000)
    from tracker.exchange.toml_format import has_table as _has_table

    has_runbooks = _has_table(db, "runbook")
    has_history = _has_table(db, "incident_event")

    def title() -> str:
        return scrub_title(next(pool)) or "untitled"

    def line(limit: int) -> str:
        return scrub_line(next(pool), limit)

    def free(limit: int = 200_000) -> str:
        return scrub_text(next(pool), limit)

    def handle() -> str:
        return rng.choice(("sre-team", "ana@example.com", "db.team+1", "X"))

    def sha(length: int) -> str:
        return hashlib.sha256(str(rng.random()).encode()).hexdigest()[:length]

    def stamp() -> str:
        moment = datetime(2020, 1, 1, tzinfo=UTC) + timedelta(seconds=rng.randint(0, 10**8))
        return format_stamp(moment.replace(microsecond=rng.choice((0, rng.randint(0, 999_999)))))

    def maybe(value: Any) -> Any:
        return rng.choice((None, value))

    def insert(table: str, **values: Any) -> None:
        names = ", ".join(values)
        db.execute(f"INSERT INTO {table} ({names}) VALUES ({', '.join(':' + n for n in values)})", values)

    with db.write():
        for n, cause_id in enumerate((2, 5, 9)):
            extra = {"retired_at": maybe(stamp())} if has_history else {}
            insert("root_cause", id=cause_id, slug=f"cause-{n}", title=title(), category=line(80),
                   description=free(), **extra)
        if has_history:
            for n, cause_id in enumerate((5, 5, 9)):
                insert("root_cause_alias", slug=f"alias-{n}", root_cause_id=cause_id)
        for n, component_id in enumerate((1, 4)):
            insert("component", id=component_id, group_name=line(200), name=f"{line(190)}#{n}")
        for incident_id in (3, 8):
            insert("incident", id=incident_id, title=title(), company=line(200), kind="incident", severity="SEV1",
                   status="postmortem", started_at=maybe(stamp()), detected_at=maybe(stamp()),
                   mitigated_at=maybe(stamp()), resolved_at=maybe(stamp()), summary=free(), impact=free(),
                   customer_action=free(), source=line(1000), postmortem=free(), created_at=stamp(),
                   updated_at=stamp(), **({"version": rng.randint(1, 9)} if has_history else {}))
            for _ in range(2 if has_history else 0):
                # Fixed texts: the pool's texts land where the other tables expect them.
                insert("incident_event", incident_id=incident_id, at=stamp(), actor=handle(), field="status",
                       old_value=maybe("identified"), new_value=maybe("resolved"), note="")
            insert("incident_component", incident_id=incident_id, component_id=4)
            for cause_id, role in ((5, "trigger"), (2, "root")):
                insert("incident_root_cause", incident_id=incident_id, root_cause_id=cause_id, role=role,
                       note=free(NOTE_MAX))
            for position in (1, 0):
                insert("timeline_entry", incident_id=incident_id, position=position, at=maybe(stamp()),
                       label=line(100), body=free())
        for action_id, incident_id, cause_id in ((4, 3, None), (6, None, 9), (11, 8, 2)):
            insert("action", id=action_id, title=title(), description=free(), kind="detect",
                   owner=rng.choice((None, handle())), priority="P1",
                   due_date=date(2026, 1, 1) + timedelta(days=rng.randint(-400, 400)), status="blocked",
                   created_at=stamp(), updated_at=stamp(), completed_at=maybe(stamp()),
                   incident_id=incident_id, root_cause_id=cause_id,
                   runbook_path=maybe(f"runbooks/{action_id}.md"), version=rng.randint(1, 9))
            for _ in range(2):
                insert("action_event", action_id=action_id, at=stamp(), actor=title(),
                       field=rng.choice(("created", "note", "title", "owner")), old_value=maybe(free()),
                       new_value=maybe(free()), note=free(NOTE_MAX))
        if has_runbooks:
            for runbook_id in (2, 3):
                insert("runbook", id=runbook_id, path=f"runbooks/r{runbook_id}.md", title=title(),
                       owner=rng.choice(("", handle())), services=line(1000),
                       last_reviewed=maybe(date(2026, 3, 4)), review_every_days=maybe(90), content_hash=sha(64),
                       last_commit=maybe(sha(40)), last_commit_at=maybe(stamp()), error=maybe(free()),
                       indexed_at=stamp())
                insert("runbook_cause", runbook_id=runbook_id, slug=f"cause-{runbook_id}")
            insert("tracker_meta", key="trailers_scanned_to", value=sha(40))


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty database built once by the real migrations; tests copy it."""
    path = tmp_path_factory.mktemp("toml-template") / "empty.db"
    open_database(str(path), create="empty").close()
    return path


def copy_of(template: Path, folder: Path, name: str) -> Db:
    shutil.copyfile(template, folder / name)
    return Db.connect_sqlite(folder / name)


@pytest.fixture
def other_db(template: Path, tmp_path: Path) -> Iterator[Db]:
    """A second empty database, to import into."""
    conn = copy_of(template, tmp_path, "other.db")
    yield conn
    conn.close()


def assert_round_trip(source: Db, target: Db) -> bytes:
    """export -> import into ``target`` -> export: same bytes, same rows."""
    first = export_toml(source)
    import_toml(target, first, name="x.toml")
    assert export_toml(target) == first
    assert table_rows(target) == table_rows(source)
    return first


# -- round trips ------------------------------------------------------------------------------


def test_demo_round_trip_is_byte_identical(db: Db, empty_db: Db) -> None:
    data = assert_round_trip(db, empty_db)
    assert export_toml(db) == data  # deterministic: no export time, stable order
    found = list(iter_actions(empty_db, ActionFilter(text="hypervisor")))
    assert found and found == list(iter_actions(db, ActionFilter(text="hypervisor")))


def test_export_layout(db: Db) -> None:
    doc = tomllib.loads(export_toml(db).decode())
    assert (doc["format"], doc["version"]) == ("tracker-export", 2)
    assert [a["id"] for a in doc["actions"]] == sorted(a["id"] for a in doc["actions"])
    first = doc["actions"][0]
    assert list(first)[:6] == ["id", "title", "kind", "owner", "priority", "status"]
    assert isinstance(first["due"], date) and not isinstance(first["due"], datetime)
    assert first["created_at"].utcoffset() == timedelta(0)
    assert all("completed_at" not in a for a in doc["actions"] if a["status"] == "open")
    incident = doc["incidents"][4]
    assert incident["id"] == 5 and incident["components"] and incident["timeline"]
    assert {c["role"] for c in incident["causes"]} <= {"root", "trigger", "contributing"}
    assert {e["action"] for e in doc["events"]} <= {a["id"] for a in doc["actions"]}


@pytest.mark.sqlite_only  # raw SQLite encodings and lengths past PostgreSQL's VARCHAR limits
def test_microseconds_and_missing_values_survive(empty_db: Db, other_db: Db) -> None:
    fill_raw(empty_db, ["x"], seed=3)
    stamps = [r[0] for r in empty_db.rows("SELECT created_at FROM action")]
    assert any(not s.endswith(".000000+00:00") for s in stamps)
    assert empty_db.scalar("SELECT COUNT(*) FROM action WHERE completed_at IS NULL OR owner IS NULL")
    assert_round_trip(empty_db, other_db)


@pytest.mark.sqlite_only  # raw SQLite encodings and lengths past PostgreSQL's VARCHAR limits
def test_hostile_corpus_round_trips(empty_db: Db, other_db: Db) -> None:
    fill_raw(empty_db, CORPUS)
    texts = [v for rows in table_rows(empty_db).values() for row in rows for v in row if isinstance(v, str)]
    assert max(map(len, texts)) == 100_000 and "\r\n" in "".join(texts)
    assert_round_trip(empty_db, other_db)


hostile_text = st.one_of(
    st.sampled_from(CORPUS),
    st.lists(st.sampled_from(PIECES), max_size=12).map("".join),
    st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), max_size=40),
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(texts=st.lists(hostile_text, min_size=1, max_size=10), seed=st.integers(0, 2**16))
def test_generated_hostile_data_round_trips(template: Path, texts: list[str], seed: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        source, target = copy_of(template, Path(folder), "a.db"), copy_of(template, Path(folder), "b.db")
        try:
            fill_raw(source, texts, seed)
            assert_round_trip(source, target)
        finally:
            source.close()
            target.close()


def test_new_rows_get_ids_after_the_imported_ones(db: Db, empty_db: Db) -> None:
    import_toml(empty_db, export_toml(db))
    top = empty_db.scalar("SELECT MAX(id) FROM action")
    row = add_action(empty_db, title="after import", actor="t", today=TODAY, slo_days={"P2": 7},
                     incident="INC-5")
    assert row.id == top + 1
    assert empty_db.scalar("SELECT MAX(id) FROM action_event") > db.scalar("SELECT MAX(id) FROM action_event")


# -- refusals -------------------------------------------------------------------------------------

Edit = Callable[[dict[str, Any]], None]


def _set(path: str, value: Any) -> Edit:
    def edit(doc: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node: Any = doc
        for part in parents:
            node = node[int(part)] if part.isdigit() else node[part]
        if value is _DELETE:
            del node[last]
        else:
            node[last] = value

    return edit


_DELETE = object()

REFUSALS: dict[str, tuple[Edit, str]] = {
    "wrong version": (_set("version", 3), "x.toml: export version 3 is not supported"),
    "wrong format": (_set("format", "other"), "not a tracker export"),
    "missing key": (_set("actions.3.title", _DELETE), "x.toml: actions[3]: missing key 'title'"),
    "mistyped date": (_set("actions.3.due", "2026-13-01"), "actions[3].due: expected a date"),
    "local date-time": (_set("events.0.at", datetime(2026, 1, 1)),
                        "events[0].at: expected a date-time with an offset"),
    "bad enum": (_set("actions.0.status", "finished"), "actions[0].status: expected one of proposed, open"),
    "bad cause role": (_set("incidents.4.causes.0.role", "blame"),
                       "incidents[4].causes[0].role: expected one of trigger, root, contributing"),
    "dangling incident": (_set("actions.2.incident", 99),
                          "actions[2].incident: no incident with id 99 in the file"),
    "dangling cause": (_set("actions.2.root_cause", "nope"), "actions[2].root_cause: no root cause 'nope'"),
    "dangling action": (_set("events.1.action", 999), "events[1].action: no action with id 999"),
    "dangling component": (_set("incidents.0.components", [1, 404]),
                           "incidents[0].components[1]: no component with id 404"),
    "duplicate id": (lambda d: d["actions"].append(dict(d["actions"][0])), "actions[13].id: duplicate id 1"),
    "duplicate slug": (lambda d: d["root_causes"].append({**d["root_causes"][0], "id": 77}),
                       "root_causes[7].slug: duplicate slug 'cooling-failure'"),
    "unknown key": (_set("actions.1.colour", "red"), "actions[1].colour: unknown key"),
    "unknown section": (_set("widgets", [{"id": 1}]), "widgets: unknown key"),
    "boolean id": (_set("incidents.0.id", True), "incidents[0].id: expected a positive integer"),
    "runbook link outside runbooks/": (_set("actions.1.runbook_path", "notes.txt"),
                                       "actions[1].runbook_path: runbook link 'notes.txt' must be inside runbooks/"),
    # the validation layer: what the command line and the app refuse, the import refuses too
    "bell in a title": (_set("actions.3.title", "ring\x07"), "x.toml: actions[3].title: title 'ring\\x07' has a"
                        " control character"),
    "escape in a title": (_set("incidents.1.title", "\x1b[2Jgone"), "incidents[1].title: title '\\x1b[2Jgone' has"
                          " a control character"),
    "NUL in a title": (_set("root_causes.2.title", "nul\x00"), "root_causes[2].title: title 'nul\\x00' has a"
                       " control character"),
    "C1 in a note": (_set("events.4.note", "csi\x9b2J"), "events[4].note: note 'csi\\x9b2J' has a control"),
    "1,000-character title": (_set("actions.3.title", "x" * 1000), "actions[3].title: title 'xxxx"),
    "1 MB description": (_set("actions.3.description", "d" * (1 << 20)),
                         "actions[3].description: description 'dddd"),
    "markup owner": (_set("actions.0.owner", "[bold]bad owner"), "actions[0].owner: bad owner '[bold]bad owner'"),
    "version 0": (_set("actions.0.version", 0), "actions[0].version: version 0 is out of range (1 to "),
    "action runbook path out": (_set("actions.0.runbook_path", "../../etc/passwd"),
                                "actions[0].runbook_path: runbook_path '../../etc/passwd' leaves the runbooks"),
    "absolute runbook path": (_set("actions.0.runbook_path", "/etc/passwd"), "actions[0].runbook_path: runbook_path"
                              " '/etc/passwd' is absolute"),
    "runbook path out": (lambda d: d.setdefault("runbooks", []).append(_runbook(path="../../etc/passwd")),
                         "runbooks[0].path: path '../../etc/passwd' leaves the runbooks folder"),
    "runbook owner": (lambda d: d.setdefault("runbooks", []).append(_runbook(owner="[bold]x")),
                      "runbooks[0].owner: bad owner '[bold]x'"),
    "runbook review period": (lambda d: d.setdefault("runbooks", []).append(_runbook(review_every_days=0)),
                              "runbooks[0].review_every_days: review_every_days 0 is out of range (1 to 3,650)"),
    "runbook cause": (lambda d: d.setdefault("runbooks", []).append(_runbook(causes=["Not A Slug"])),
                      "runbooks[0].causes[0]: bad root-cause slug 'Not A Slug'"),
    "runbook hash": (lambda d: d.setdefault("runbooks", []).append(_runbook(content_hash="--output=x")),
                     "runbooks[0].content_hash: content_hash '--output=x' is not 64 hexadecimal digits"),
    "unknown meta key": (lambda d: d.setdefault("meta", []).append({"key": "colour", "value": "red"}),
                         "meta[0]: unknown meta key 'colour'"),
    "meta value as an option": (lambda d: d.setdefault("meta", []).append(
        {"key": "trailers_scanned_to", "value": "--output=/tmp/x"}),
        "meta[0]: commit id '--output=/tmp/x' is not 40 or 64 hexadecimal digits"),
    "escape in an actor": (_set("events.0.actor", "\x1b]8;;http://x\x1b\\"), "events[0].actor: actor"),
    "line break in a company": (_set("incidents.0.company", "Acme\nInc"), "incidents[0].company: company 'Acme\\nInc'"
                                " has a control character or a line break"),
    "empty component name": (_set("components.0.name", " "), "components[0].name: name is empty"),
    "slug with capitals": (_set("root_causes.0.slug", "Cooling"), "root_causes[0].slug: bad root-cause slug"),
    "unknown event field": (_set("events.0.field", "--exec"), "events[0].field: bad field '--exec'"),
}


def _runbook(**fields: Any) -> dict[str, Any]:
    """A runbook record of an export, valid but for ``fields``."""
    return {"id": 1, "path": "runbooks/x.md", "title": "X", "owner": "sre-team", "services": "api",
            "content_hash": "0" * 64, "indexed_at": datetime(2026, 1, 1, tzinfo=UTC), **fields}


@pytest.mark.parametrize("case", REFUSALS, ids=list(REFUSALS))
def test_import_refuses_bad_files_and_changes_nothing(db: Db, empty_db: Db, case: str) -> None:
    edit, message = REFUSALS[case]
    doc = tomllib.loads(export_toml(db).decode())
    edit(doc)
    before = dump(empty_db.url)
    with pytest.raises(InputError) as err:
        import_toml(empty_db, tomli_w.dumps(doc).encode(), name="x.toml")
    assert message in str(err.value)
    assert "\n" not in str(err.value)
    assert dump(empty_db.url) == before


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b'format = "tracker-export"\nversion = 1\n\n[[actions]]\nid = = 3\n',
         "x.toml line 5: Invalid value (column 6)"),
        (b'format = "tracker-export"\nversion = 1\ntitle = "open', "x.toml line 3: "),
        (b'format = "tracker-export"\nversion = [1,', "x.toml line 2: "),
        (b"\xff\xfe", "x.toml: not UTF-8"),
    ],
)
def test_syntax_errors_name_the_line(empty_db: Db, data: bytes, message: str) -> None:
    before = dump(empty_db.url)
    with pytest.raises(InputError, match="^" + re.escape(message)):
        import_toml(empty_db, data, name="x.toml")
    assert dump(empty_db.url) == before


def test_import_refuses_a_database_that_has_data(db: Db, db_path: Path) -> None:
    before = fingerprint(db_path)
    with pytest.raises(InputError, match="not empty"):
        import_toml(db, export_toml(db))
    assert fingerprint(db_path) == before


def test_a_failure_while_writing_leaves_nothing(
    db: Db, empty_db: Db, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tracker.exchange import toml_import

    real = toml_import._insert_all

    def failing(target: Db, table: str, rows: list[dict[str, Any]]) -> None:
        real(target, table, rows)
        if table == "action":
            raise RuntimeError("disk full")

    monkeypatch.setattr(toml_import, "_insert_all", failing)
    before = dump(empty_db.url)
    with pytest.raises(RuntimeError):
        import_toml(empty_db, export_toml(db))
    assert dump(empty_db.url) == before
    if empty_db.dialect == "sqlite":
        triggers = {r[0] for r in empty_db.rows("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
        assert "action_fts_ai" in triggers  # the bulk load's dropped trigger came back with the rollback


def test_export_streams_one_record_per_chunk(db: Db) -> None:
    chunks: Iterator[bytes] = toml_io.iter_export(db)
    assert next(chunks).startswith(b'format = "tracker-export"\nversion = 2\n')
    assert b"".join(chunks) == export_toml(db).split(b"\n", 2)[2]
