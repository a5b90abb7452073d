"""Hostile input at every entry point: clear one-line errors or literal storage, never a crash, never half a write.

One corpus (``CORPUS``) goes through the command line (both backends), the app's action form and
prompts, runbook front matter, the Statuspage importer and the TOML import. A value is either
refused (exit 1 with one ``tracker: error:`` line; ``InputError`` and its kinds in process) and the
database and files are left exactly as they were, or it is stored exactly as given. Hostile
databases too: an empty location, a damaged page, another process's lock, a read-only folder or file.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import tomli_w
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import TODAY, connect, dump, file_digest
from tests.gitfixtures import clone, git
from tracker.base.errors import InputError

pytestmark = pytest.mark.both_backends

MEGABYTE = ("A 1 MB value " * 80_660)[: 1 << 20]
UNDECODABLE = "caf\udce9 \udcff"
"""Invalid UTF-8 on a command line, as Python hands it over (``caf\\xe9 \\xff`` bytes, surrogate-escaped)."""

ALMOST_TOML = [
    'format = "tracker-export"\nversion = 1\n[[actions]\nid = 1\n',  # a missing bracket
    'format = "tracker-export"\nversion = 1\n[[components]]\nid = 1\ngroup = { a = 1, }\n',  # a trailing comma
    'format = "tracker-export\nversion = 1\n',  # an unclosed string
    'format = "tracker-export"\nversion = 1\nversion = 1\n',  # a duplicate key
]
ALMOST_JSON = [
    '{"incidents": [{"name": "Outage", "incident_updates": []}',  # a missing bracket
    '{"incidents": [{"name": "Outage", "incident_updates": [],}]}',  # a trailing comma
    '{"incidents": [{"name": "Outage, "incident_updates": []}]}',  # an unclosed string
    '{"incidents": [{"name": "Outage", "name": "Other", "incident_updates": []}]}',  # a duplicate key
]
GIT_AND_RUNBOOK_TEXTS = [
    "--output=tracker-hostile-output", "../../etc/passwd", "<<<<<<< HEAD",
    "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "-----BEGIN PGP PRIVATE KEY BLOCK-----",
    "postgres://app:s3cretpass@db.internal:5432/app", "redis://:hunter22@cache:6379/0", '{"password": "hunter22"}',
    "password: hunter22", "sk_live_4eC39HqLyjWDarjtT1zdp7dc", "glpat-Xy7Kq2Lm9Np4Rs6Tv8Wz",
]
"""A stored value git would take as an option, a path out of the folder, a conflict marker, secrets."""
CORPUS: list[str | bytes] = [
    # markup-looking brackets
    "[bold]x[/", "[/]", '[0] {"a": [1]}', "[link=file:///etc/passwd]x[/link]",
    # control characters
    "nul\x00byte", "\x1b[31mred\x1b[0m", "bell\x07", "del\x7f",  # (NUL is CORPUS[4])
    # right-to-left marks
    "\u202eevil.md", "\u200fmark",
    # a 1 MB string
    MEGABYTE,
    # invalid UTF-8 (files as bytes; arguments as Python decodes them)
    b"\xff\xfe\xfd", b"Title caf\xe9\nIncident Report for Acme\n", UNDECODABLE,
    # almost valid TOML and JSON
    *ALMOST_TOML, *ALMOST_JSON,
    # SQL-looking text
    "'; DROP TABLE action; --", '" OR 1=1 --',
    # option-looking names (for git and argparse)
    "--all", "-A", "--exec=rm",
    # what git, the secret check and the runbook checks must see through
    *GIT_AND_RUNBOOK_TEXTS,
    # an empty file, a binary one
    b"", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
    # terminal escapes: an OSC 8 link, a C1 CSI; what an owner, a path, a key must not be
    "\x1b]8;;https://evil.example\x1b\\click\x1b]8;;\x1b\\", "\x9b2Jc1", "[bold]bad owner", "../../etc/passwd",
    "t" * 1000, "ACT-\u0661",
]
TEXTS = [v for v in CORPUS if isinstance(v, str)]
NUL = CORPUS[4]
assert NUL == "nul\x00byte"
ARGS = [v for v in TEXTS if v != UNDECODABLE]
"""Command-line values; UNDECODABLE has its own test (it finds a bug)."""


def label(value: str | bytes) -> str:
    text = repr(value)
    return text if len(text) <= 40 else f"{text[:30]}...({len(value)})"


def as_bytes(value: str | bytes) -> bytes:
    return value if isinstance(value, bytes) else value.encode("utf-8", "surrogateescape")


class Rows:
    """``dump(url)`` through one open connection (the same tables, columns and order), for many checks."""

    def __init__(self, url: str) -> None:
        self.db = connect(url)
        self.columns: dict[str, list[str]] = {}

    def __call__(self) -> str:
        import hashlib

        tables = ["component", "incident", "incident_component", "timeline_entry", "root_cause", "root_cause_alias",
                  "incident_root_cause", "incident_event", "action", "action_event", "runbook", "runbook_cause",
                  "tracker_meta"]
        parts = []
        for table in tables:
            if table not in self.columns:
                if self.db.dialect == "sqlite":
                    names = [r[1] for r in self.db.rows(f"PRAGMA table_info({table})")]
                else:
                    names = [r[0] for r in self.db.rows(
                        "SELECT column_name FROM information_schema.columns WHERE table_name = :t"
                        " ORDER BY column_name", {"t": table})]
                self.columns[table] = [c for c in names if c != "search"]
            columns = ", ".join(self.columns[table])
            rows = self.db.rows(f"SELECT {columns} FROM {table} ORDER BY {columns}")
            parts.append(f"{table}: {rows!r}")
        return hashlib.sha256("\n".join(parts).encode()).hexdigest()

    def close(self) -> None:
        self.db.close()


@pytest.fixture
def rows(db_url: str):  # type: ignore[no-untyped-def]
    snapshot = Rows(db_url)
    assert snapshot() == dump(db_url)
    yield snapshot
    snapshot.close()


def assert_clean_failure(result: Any, where: str, short: bool = True) -> None:
    """Exit 1 with one short ``tracker: error:`` line, or a usage error (exit 2); never a traceback."""
    assert result.code in (1, 2), f"{where}: exit {result.code}: {result.err[-300:]}"
    assert "Traceback" not in result.err + result.out, where
    lines = result.err.splitlines()
    assert len(lines) == 1, f"{where}: {len(lines)} lines of error"
    if result.code == 1:
        assert lines[0].startswith("tracker: error: "), f"{where}: {lines[0][:200]}"
    if short:
        assert len(lines[0]) < 1000, f"{where}: a {len(lines[0])}-character error"


# -- the command line ----------------------------------------------------------------------------

Check = Callable[[Any, str, Any], None]
"""(cli, db_url, json output of the command) -> asserts the value was stored literally."""


def _stored(field: str, strip: bool = False) -> Callable[[str], Check]:
    def make(value: str) -> Check:
        def check(cli: Any, db_url: str, data: Any) -> None:
            assert data[field] == (value.strip() if strip else value), field
        return check
    return make


def _noted(value: str) -> Check:
    def check(cli: Any, db_url: str, data: Any) -> None:
        shown = json.loads(cli("--db", db_url, "actions", "show", data["id"], "--json").out)
        assert shown["history"][-1]["note"] == value
    return check


WRITES: dict[str, tuple[Callable[[str], list[str]], Callable[[str], Check]]] = {
    "actions add title": (lambda v: ["actions", "add", "--incident", "INC-1", "--json", "--", v],
                          _stored("title", True)),
    "actions add owner": (lambda v: ["actions", "add", "T", "--incident", "INC-1", "--json", f"--owner={v}"],
                          _stored("owner", True)),
    "actions add description": (lambda v: ["actions", "add", "T", "--incident", "INC-1", "--json",
                                           f"--description={v}"], _stored("description")),
    "actions add note": (lambda v: ["actions", "add", "T", "--incident", "INC-1", "--json", f"--note={v}"], _noted),
    "actions update title": (lambda v: ["actions", "update", "ACT-1", "--json", f"--title={v}"],
                             _stored("title", True)),
    "actions update owner": (lambda v: ["actions", "update", "ACT-1", "--json", f"--owner={v}"],
                             _stored("owner", True)),
    "actions update description": (lambda v: ["actions", "update", "ACT-1", "--json", f"--description={v}"],
                                   _stored("description")),
    "actions update due": (lambda v: ["actions", "update", "ACT-1", "--json", f"--due={v}"], _stored("due")),
    "actions update status": (lambda v: ["actions", "update", "ACT-1", "--json", f"--status={v}"],
                              _stored("status")),
    "actions update priority": (lambda v: ["actions", "update", "ACT-1", "--json", f"--priority={v}"],
                                _stored("priority")),
    "actions update kind": (lambda v: ["actions", "update", "ACT-1", "--json", f"--kind={v}"], _stored("kind")),
    "actions update incident": (lambda v: ["actions", "update", "ACT-1", "--json", f"--incident={v}"],
                                _stored("incident")),
    "actions update root cause": (lambda v: ["actions", "update", "ACT-1", "--json", f"--root-cause={v}"],
                                  _stored("root_cause")),
    "actions update runbook": (lambda v: ["actions", "update", "ACT-1", "--json", f"--runbook={v}"],
                               _stored("runbook")),
    "actions update note": (lambda v: ["actions", "update", "ACT-1", "--json", f"--note={v}"], _noted),
    "incidents add title": (lambda v: ["incidents", "add", "--started", "2026-11-23T09:00Z", "--json",
                                       f"--title={v}"], _stored("title", True)),
    "incidents add started": (lambda v: ["incidents", "add", "--title", "T", "--json", f"--started={v}"],
                              _stored("started_at")),
    "incidents add severity": (lambda v: ["incidents", "add", "--title", "T", "--started", "2026-11-23T09:00Z",
                                          "--json", f"--severity={v}"], _stored("severity")),
}

READS: dict[str, Callable[[str], list[str]]] = {
    "actions list owner": lambda v: ["actions", "list", f"--owner={v}"],
    "actions list status": lambda v: ["actions", "list", f"--status={v}"],
    "actions list incident": lambda v: ["actions", "list", f"--incident={v}"],
    "actions list root cause": lambda v: ["actions", "list", f"--root-cause={v}"],
    "rootcauses show": lambda v: ["rootcauses", "show", "--", v],
    "rootcauses show (no --)": lambda v: ["rootcauses", "show", v],
    "actions show": lambda v: ["actions", "show", "--", v],
}


REFUSED_BEFORE_THE_DATABASE = {"actions update due", "actions update status", "actions update priority",
                               "actions update kind", "incidents add started", "incidents add severity"}
"""Options parsed before the database is opened: the same on either backend, so tried on SQLite only."""


@pytest.mark.parametrize("command", ["actions add", "actions update", "incidents add"])
def test_cli_writes_refuse_cleanly_or_store_literally(cli, db_url: str, backend: str, rows: Rows,
                                                      command: str) -> None:
    """Every value in every option of the command: stored exactly (checked in the output), or refused."""
    before = rows()
    stored: dict[str, int] = {}
    for entry in (e for e in WRITES if e.startswith(command)):
        if backend == "postgresql" and entry in REFUSED_BEFORE_THE_DATABASE:
            continue
        build, literal = WRITES[entry]
        stored[entry] = 0
        for value in ARGS:
            result = cli("--db", db_url, *build(value))
            where = f"{entry} {label(value)}"
            if result.code == 0:
                assert "Traceback" not in result.err, where
                literal(value)(cli, db_url, json.loads(result.out))
                stored[entry] += 1
                before = rows()
            else:
                assert_clean_failure(result, where, short=not (value == MEGABYTE and entry in ECHOES_WHOLE_VALUE))
                assert rows() == before, f"{where}: refused but the database changed"
    print(f"\nstored literally (of {len(ARGS)} values; the rest refused): {stored}")


def test_cli_reads_refuse_cleanly(cli, db_url: str, rows: Rows) -> None:
    before = rows()
    for entry, build in READS.items():
        for value in ARGS:
            result = cli("--db", db_url, *build(value))
            if result.code != 0:
                assert_clean_failure(result, f"{entry} {label(value)}",
                                     short=not (value == MEGABYTE and entry in ECHOES_WHOLE_VALUE))
            else:
                assert "Traceback" not in result.err
    assert rows() == before


ECHOES_WHOLE_VALUE = {"actions update due", "actions update status", "actions update priority", "actions update kind",
                      "incidents add started", "incidents add severity", "actions list status"}
"""Entry points whose refusal repeats the whole value (the test below shows the bug; the loops above skip
only the length check for the 1 MB value there)."""


@pytest.mark.parametrize("entry", sorted(ECHOES_WHOLE_VALUE))
def test_refusing_a_huge_value_gives_a_short_error(cli, db_path: Path, entry: str) -> None:
    build = WRITES[entry][0] if entry in WRITES else READS[entry]
    result = cli("--db", str(db_path), *build(MEGABYTE))
    assert_clean_failure(result, entry)




@pytest.mark.parametrize("entry", list(WRITES))
def test_undecodable_arguments_are_refused_cleanly(cli, db_path: Path, entry: str) -> None:
    """``tracker actions add $'caf\\xe9'`` in a UTF-8 terminal: Python hands over lone surrogates.

    On SQLite only: the values pass the same Python checks on either backend.
    """
    before = dump(str(db_path))
    result = cli("--db", str(db_path), *WRITES[entry][0](UNDECODABLE))
    assert_clean_failure(result, entry)
    assert dump(str(db_path)) == before


POSTGRESQL_CANNOT_HOLD = {("actions update root cause", NUL), ("actions update runbook", NUL),
                          ("actions update runbook", MEGABYTE)}


@pytest.mark.parametrize(("entry", "value"), [
    *((entry, value) for entry, value in sorted(POSTGRESQL_CANNOT_HOLD, key=lambda p: (p[0], len(p[1])))),
    ("import statuspage", NUL), ("import statuspage page", NUL), ("import toml", NUL)],
    ids=lambda v: label(v) if len(v) > 40 else v)
def test_text_postgresql_cannot_hold_is_refused_cleanly(cli, db_url: str, backend: str, rows: Rows,
                                                        tmp_path: Path, entry: str, value: str,
                                                        request: pytest.FixtureRequest) -> None:
    """Refused with a clear error; or, for status-page imports, imported with the NUL made a space (as any
    control character in a report is), on both backends; or stored as is where the backend can hold it."""
    url, snapshot = db_url, rows
    if entry == "import statuspage":
        path = tmp_path / "incidents.json"
        path.write_text(json.dumps({"incidents": [{"name": "Outage", "incident_updates": [
            {"status": "resolved", "body": value, "created_at": "2025-12-24T13:51:00Z"}]}]}))
        args = ["import", "statuspage", str(path)]
    elif entry == "import statuspage page":
        path = tmp_path / "page.txt"
        path.write_text(_statuspage_page(value))
        args = ["import", "statuspage", str(path)]
    elif entry == "import toml":
        export = _export(db_url).replace('title = "', 'title = "\\u0000', 1)
        path = tmp_path / "export.toml"
        path.write_text(export)
        url = request.getfixturevalue("empty_url")
        snapshot = Rows(url)
        args = ["import", "toml", str(path)]
    else:
        args = WRITES[entry][0](value)
    before = snapshot()
    result = cli("--db", url, *args)
    try:
        if result.code != 0:
            assert_clean_failure(result, entry)
            assert snapshot() == before
        elif entry.startswith("import statuspage"):
            assert "Traceback" not in result.err
            with connect(url) as db:
                bodies = [b for (b,) in db.rows("SELECT body FROM timeline_entry")]
            assert bodies and not any("\x00" in b for b in bodies)
        else:
            assert backend == "sqlite" and "Traceback" not in result.err
    finally:
        if snapshot is not rows:
            snapshot.close()


def test_importing_a_report_without_times_twice(cli, db_url: str, backend: str, tmp_path: Path,
                                                request: pytest.FixtureRequest) -> None:
    """The second import updates the incident the first one made (same source), even with no readable time."""
    path = tmp_path / "report.json"
    path.write_text(json.dumps({"incidents": [{"name": "Outage", "id": "x1", "incident_updates": []}]}))
    first = cli("--db", db_url, "import", "statuspage", str(path))
    assert first.code == 0 and "Imported INC-6" in first.out
    second = cli("--db", db_url, "import", "statuspage", str(path))
    assert second.code == 0, second.err
    assert "Updated INC-6" in second.out


RUNBOOK_LINKS_REFUSED = ["../../etc/passwd", "runbooks/../../etc/passwd", "/etc/passwd", "runbooks/../notes.txt",
                         "C:\\Windows\\win.ini", "runbooks/--output=x.md", "widget.md", "runbooks/./w.md",
                         "runbooks/\x1b[31mred.md"]


def test_runbook_links_on_actions_stay_inside_the_runbooks_folder(cli, db_url: str, rows: Rows,
                                                                   tmp_path: Path) -> None:
    """``actions update --runbook`` (and, through the same check, the app and TOML import): refused
    unless a relative path inside the runbooks folder, or the configured one."""
    before = rows()
    for value in RUNBOOK_LINKS_REFUSED:
        result = cli("--db", db_url, "actions", "update", "ACT-1", f"--runbook={value}")
        assert_clean_failure(result, f"--runbook {value!r}")
        assert "runbook link" in result.err, result.err
        assert rows() == before, value
    done = cli("--db", db_url, "actions", "update", "ACT-1", "--runbook", "runbooks/db/failover.md", "--json")
    assert done.code == 0 and json.loads(done.out)["runbook"] == "runbooks/db/failover.md", done.err
    (tmp_path / "tracker.toml").write_text('[runbooks]\ndir = "docs/rb"\n')
    refused = cli("--db", db_url, "actions", "update", "ACT-1", "--runbook", "runbooks/widget.md")
    assert_clean_failure(refused, "outside the configured folder")
    assert "must be inside docs/rb/" in refused.err, refused.err
    assert cli("--db", db_url, "actions", "update", "ACT-1", "--runbook", "docs/rb/widget.md").code == 0


# -- the database itself: where it is and what state it is in -----------------------------------

EMPTY_LOCATIONS: dict[str, tuple[list[str], dict[str, str], str | None]] = {
    "--db ''": (["--db", "", "actions", "list"], {}, None),
    "--db '' after the command": (["actions", "add", "T", "--incident", "INC-1", "--db", ""], {}, None),
    "--db of spaces": (["--db", "   ", "init", "--empty"], {}, None),
    "[database] url = ''": (["actions", "list"], {}, '[database]\nurl = ""\n'),
    "TRACKER_DB of spaces": (["actions", "list"], {"TRACKER_DB": "  "}, None),
}
"""An empty location given on purpose; TRACKER_DB set to nothing at all counts as unset."""


@pytest.mark.parametrize("case", list(EMPTY_LOCATIONS))
def test_an_empty_database_location_is_refused(cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                               case: str) -> None:
    args, env, settings_file = EMPTY_LOCATIONS[case]
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    if settings_file:
        (tmp_path / "tracker.toml").write_text(settings_file)
    result = cli(*args)
    assert_clean_failure(result, case)
    assert result.code == 1 and re.search(r"no database given|url is empty|TRACKER_DB is blank", result.err), result.err
    assert sorted(p.name for p in tmp_path.iterdir()) == (["tracker.toml"] if settings_file else []), \
        "nothing may fall back to ./actions.db"


DAMAGE_READERS = [["actions", "list"], ["actions", "show", "ACT-1"], ["actions", "add", "T", "--incident", "INC-1"],
                  ["actions", "update", "ACT-2", "--owner", "x"], ["review", "--format", "text"],
                  ["incidents", "list"], ["incidents", "show", "INC-1"],
                  ["export", "csv", "actions"], ["export", "toml", "-"]]
"""Commands that read the damaged page (the actions' rows). ``summary`` and ``rootcauses list`` are not
among them: they read the counts kept by triggers, the incidents and indexes, not the actions' rows."""


@pytest.mark.sqlite_only
def test_a_damaged_page_is_reported_naming_the_newest_backup(cli, db_path: Path, tmp_path: Path) -> None:
    from tests.conftest import damage_page, run_process

    backup = db_path.with_name("actions.db.bak-20261122T090000Z")
    shutil.copyfile(db_path, backup)
    shutil.copyfile(db_path, db_path.with_name("actions.db.bak-20261001T090000Z"))
    damage_page(db_path)
    damaged = file_digest(db_path)
    for args in DAMAGE_READERS:
        result = cli("--db", str(db_path), *args)
        where = " ".join(args)
        assert_clean_failure(result, where)
        assert result.code == 1, where
        assert "the database is damaged (database disk image is malformed)" in result.err, where
        assert f"the newest backup is {backup}" in result.err and "tracker db check" in result.err, where
    proc = run_process(["--db", str(db_path), "actions", "list"], tmp_path)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 1 and "the database is damaged" in err and err.count("\n") == 1, err

    check = cli("--db", str(db_path), "db", "check")
    assert check.code == 1 and "Traceback" not in check.err
    assert re.search(r"^integrity +(?!ok$)\S", check.out, re.M), check.out
    report = json.loads(cli("--db", str(db_path), "db", "check", "--json").out)
    assert report["ok"] is False and report["newest_backup"] == str(backup)
    assert file_digest(db_path) == damaged, "nothing may write to a damaged database"


@pytest.mark.slow
@pytest.mark.sqlite_only
def test_a_database_locked_by_another_process_is_busy_not_corrupt(db_path: Path, tmp_path: Path) -> None:
    from tests.conftest import run_process
    from tests.helpers.sqlite_holder import Holder

    with Holder(db_path) as other:
        assert other("lock") == "ok"
        before = file_digest(db_path)
        proc = run_process(["--db", str(db_path), "actions", "list"], tmp_path)
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == 1 and err.count("\n") == 1, err
        assert "the database is busy (another process holds its lock); try again later" in err
        assert "corrupt" not in err and file_digest(db_path) == before
        assert other("unlock") == "ok"
        other.close()


@pytest.fixture
def outside(request: pytest.FixtureRequest) -> Path:
    """A folder outside pytest's temporary tree: that one is private to root, and any pytest run resets it so."""
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="tracker-hostile-"))
    folder.chmod(0o755)

    def remove() -> None:
        for sub in (folder, *folder.rglob("*")):
            if sub.is_dir():
                sub.chmod(0o755)
        shutil.rmtree(folder, ignore_errors=True)

    request.addfinalizer(remove)
    return folder


def _read_only_folder(outside: Path, db_path: Path, folder_writable: bool) -> Path:
    """The database in a folder of its own; as root, the unprivileged user owns what it may write."""
    import os

    folder = outside / "shared"
    folder.mkdir()
    path = folder / "actions.db"
    shutil.copyfile(db_path, path)
    if os.geteuid() == 0:
        os.chown(folder if folder_writable else path, *_nobody())
    if folder_writable:
        path.chmod(0o444)
    else:
        folder.chmod(0o555)
    return path


def _nobody() -> tuple[int, int]:
    import grp
    import pwd

    return pwd.getpwnam("nobody").pw_uid, grp.getgrnam("nogroup").gr_gid


@pytest.mark.sqlite_only
def test_a_read_only_folder_is_named_not_called_corrupt(db_path: Path, outside: Path) -> None:
    """WAL needs ``actions.db-wal`` and ``-shm`` beside the file: a folder that refuses them is the problem."""
    from tests.conftest import run_unprivileged

    path = _read_only_folder(outside, db_path, folder_writable=False)
    before = file_digest(path)
    done = run_unprivileged(["--db", str(path), "actions", "list"], path.parent)
    assert done.returncode == 1 and done.stderr.count("\n") == 1, done.stderr
    assert f"the folder {path.parent} is read-only" in done.stderr and "-wal" in done.stderr, done.stderr
    assert "corrupt" not in done.stderr
    assert file_digest(path) == before and sorted(p.name for p in path.parent.iterdir()) == ["actions.db"]


@pytest.mark.sqlite_only
def test_a_read_only_database_file_is_named(db_path: Path, outside: Path) -> None:
    from tests.conftest import run_unprivileged

    path = _read_only_folder(outside, db_path, folder_writable=True)
    before = file_digest(path)
    done = run_unprivileged(["--db", str(path), "actions", "add", "T", "--incident", "INC-1"], path.parent)
    assert done.returncode == 1 and done.stderr.count("\n") == 1, done.stderr
    assert "the database file is read-only" in done.stderr and "corrupt" not in done.stderr
    assert file_digest(path) == before


# -- runbooks and git ----------------------------------------------------------------------------


@pytest.fixture
def workdir(remote: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    work = clone(remote, tmp_path / "work")
    monkeypatch.chdir(work)
    return work


def run_real(args: list[str], cwd: Path) -> Any:
    """The command in its own process (as a shell would run it), as a ``cli`` result."""
    from tests.conftest import Result, run_process

    proc = run_process(args, cwd)
    out, err = proc.communicate(timeout=60)
    return Result(proc.returncode, out, err)


def _git_state(work: Path) -> tuple[str, str, str, dict[str, str]]:
    files = {str(p.relative_to(work)): file_digest(p) for p in sorted(work.rglob("*"))
             if p.is_file() and ".git" not in p.parts}
    return (git(work, "rev-parse", "HEAD"), git(work, "diff", "--cached", "--name-only"),
            git(work, "status", "--porcelain"), files)


@pytest.mark.sqlite_only
def test_runbook_paths_and_messages(cli, db_path: Path, workdir: Path) -> None:
    """Hostile runbook paths and commit messages in a clone with a bare remote.

    On SQLite only: paths and messages are checked, and git is run, the same way on either backend.
    """
    db_url = str(db_path)
    widget = workdir / "runbooks" / "widget.md"
    assert cli("--db", db_url, "runbooks", "list").code == 0  # index once, so later reads write nothing
    snapshot = Rows(db_url)
    try:
        before_rows = snapshot()
        widget.write_text(widget.read_text() + "\nOne more step.\n")
        before_git = _git_state(workdir)
        for value in ARGS + [UNDECODABLE]:
            for args in (["runbooks", "show", "--", value], ["runbooks", "show", value],
                         ["runbooks", "commit", "-m", "Hostile path", "--", value],
                         ["runbooks", "commit", "-m", "Hostile path", value]):
                if args[-2] != "--" and not value.startswith("-"):
                    continue  # without "--" only option-looking values differ
                if value == UNDECODABLE:  # a real process: its stderr escapes what cannot be encoded
                    if args[-2] != "--":
                        continue
                    result = run_real(["--db", db_url, *args], workdir)
                else:
                    result = cli("--db", db_url, *args)
                where = f"{args[:2]} {label(value)}"
                if result.code == 0:  # nothing names an existing runbook here
                    pytest.fail(f"{where}: accepted: {result.out[:200]}")
                assert_clean_failure(result, where, short=value != MEGABYTE)  # see the test below
                assert _git_state(workdir) == before_git, f"{where}: git state changed"
                assert snapshot() == before_rows, f"{where}: database changed"
        # Hostile commit messages: committed literally, or refused with the repository untouched.
        committed = 0
        for value in ARGS:
            before_git = _git_state(workdir)
            result = cli("--db", db_url, "runbooks", "commit", f"--message={value}", "runbooks/widget.md")
            where = f"commit message {label(value)}"
            if result.code == 0:
                assert git(workdir, "log", "-1", "--format=%B").strip() == value.strip(), where
                assert git(workdir, "status", "--porcelain") == "", where
                assert git(workdir, "show", "--name-only", "--format=", "HEAD").split() == ["runbooks/widget.md"]
                committed += 1
                widget.write_text(widget.read_text() + f"\nStep {committed}.\n")
            else:
                assert_clean_failure(result, where)
                assert _git_state(workdir) == before_git, f"{where}: git state changed"
        assert committed >= 5
    finally:
        snapshot.close()


def test_runbook_show_of_a_huge_path_gives_a_short_error(cli, db_path: Path, workdir: Path) -> None:
    result = cli("--db", str(db_path), "runbooks", "show", "--", MEGABYTE)
    assert_clean_failure(result, "runbooks show")


def test_runbook_commit_of_a_huge_path_is_refused_cleanly(cli, db_path: Path, workdir: Path) -> None:
    before = _git_state(workdir)
    result = cli("--db", str(db_path), "runbooks", "commit", "-m", "Huge", "--", MEGABYTE)
    assert _git_state(workdir) == before
    assert_clean_failure(result, "runbooks commit", short=False)


def test_option_abbreviations_are_not_taken(cli, db_path: Path, workdir: Path) -> None:
    widget = workdir / "runbooks" / "widget.md"
    widget.write_text(widget.read_text() + "\naws_secret_access_key = AKIAABCDEFGHIJKLMNOP\n")
    before = _git_state(workdir)
    result = cli("--db", str(db_path), "runbooks", "commit", "-m", "Hostile path", "--all")
    assert _git_state(workdir) == before
    assert_clean_failure(result, "runbooks commit --all")


def test_commit_message_with_a_nul_is_refused_cleanly(cli, db_path: Path, workdir: Path) -> None:
    widget = workdir / "runbooks" / "widget.md"
    widget.write_text(widget.read_text() + "\nOne more step.\n")
    before = _git_state(workdir)
    result = cli("--db", str(db_path), "runbooks", "commit", f"--message={NUL}", "runbooks/widget.md")
    assert _git_state(workdir) == before
    assert_clean_failure(result, "commit message with NUL")


def test_runbook_paths_are_not_glob_patterns(cli, db_path: Path, workdir: Path) -> None:
    widget = workdir / "runbooks" / "widget.md"
    widget.write_text(widget.read_text() + "\naws_secret_access_key = AKIAABCDEFGHIJKLMNOP\n")
    before = _git_state(workdir)
    result = cli("--db", str(db_path), "runbooks", "commit", "-m", "Only the file named w*.md", "--", "w*.md")
    assert _git_state(workdir) == before
    assert_clean_failure(result, "runbooks commit w*.md")


HOSTILE_RUNBOOKS: dict[str, bytes] = {
    "empty": b"",
    "binary": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
    "not UTF-8": b'+++\ntitle = "caf\xe9"\n+++\n',
    "broken front matter": b'+++\ntitle = "unclosed\n+++\nBody\n',
    "no front matter": b"Just text\n",
    "conflict markers": b'+++\ntitle = "T"\n+++\n<<<<<<< HEAD\nA\n=======\nB\n>>>>>>> theirs\n',
    **{f"secret {text[:24]}": f'+++\ntitle = "T"\n+++\n{text}\n'.encode() for text in GIT_AND_RUNBOOK_TEXTS[3:]},
}


@pytest.mark.sqlite_only
def test_hostile_runbook_contents_are_refused_at_commit(cli, db_path: Path, workdir: Path) -> None:
    """Named or implied (no paths), a runbook that is not valid text with front matter, or holds a
    conflict marker or a secret, is refused naming the file; nothing is staged or committed."""
    widget = workdir / "runbooks" / "widget.md"
    fresh = workdir / "runbooks" / "fresh.md"
    for name, data in HOSTILE_RUNBOOKS.items():
        for target in (widget, fresh):
            target.write_bytes(data)
            before = _git_state(workdir)
            relative = f"runbooks/{target.name}"
            for args in (["-m", "x", relative], ["-m", "x"]):
                result = cli("--db", str(db_path), "runbooks", "commit", *args)
                assert_clean_failure(result, f"{name} in {relative} {args}")
                assert relative in result.err, (name, result.err)
                assert _git_state(workdir) == before, f"{name}: git state changed"
            fresh.unlink(missing_ok=True)
        git(workdir, "checkout", "--", "runbooks/widget.md")


@pytest.mark.sqlite_only
def test_a_stored_value_never_reaches_git_as_an_option(cli, db_path: Path, workdir: Path) -> None:
    from tracker.core.runbooks.index import set_meta
    from tracker.repo.workspace import SCANNED_KEY

    for value in ("--output=written", f"--output={workdir.parent}/written", "HEAD", "-p", "0" * 40):
        with connect(str(db_path)) as db:
            set_meta(db, SCANNED_KEY, value)
        result = cli("--db", str(db_path), "runbooks", "pull")
        assert result.code == 0 and "Traceback" not in result.err, (value, result.err)
        assert not list(workdir.glob("written*")) and not list(workdir.parent.glob("written*")), value


@pytest.mark.sqlite_only
@pytest.mark.parametrize("verb", ["pull", "push", "sync"])
def test_a_remote_name_never_reaches_git_as_an_option(cli, db_path: Path, workdir: Path, remote: Path,
                                                      verb: str) -> None:
    git(workdir, "remote", "remove", "origin")
    ran = workdir.parent / "ran"
    with (workdir / ".git" / "config").open("a") as config:
        config.write(f'[remote "--upload-pack=touch {ran};true"]\n\turl = {remote}\n')
    result = cli("--db", str(db_path), "runbooks", verb)
    assert_clean_failure(result, verb)
    assert "is not a plain name" in result.err and not ran.exists(), result.err


@pytest.mark.sqlite_only
def test_an_implied_commit_refuses_a_symlink_out_of_the_folder(cli, db_path: Path, workdir: Path) -> None:
    (workdir.parent / "private.md").write_text("+++\ntitle = \"Not for the repository\"\n+++\n")
    (workdir / "runbooks" / "escape.md").symlink_to(workdir.parent / "private.md")
    (workdir / "runbooks" / "widget.md").write_text((workdir / "runbooks" / "widget.md").read_text() + "\nMore.\n")
    before = _git_state(workdir)
    for args in (["-m", "x"], ["-m", "x", "runbooks/escape.md"]):
        result = cli("--db", str(db_path), "runbooks", "commit", *args)
        assert_clean_failure(result, f"commit {args}")
        assert "runbooks/escape.md" in result.err and "outside runbooks/" in result.err, result.err
        assert _git_state(workdir) == before


# -- files: statuspage reports and TOML exports through the command line ------------------------


def _statuspage_page(title: str) -> str:
    return (f"{title}\nIncident Report for Acme\nResolved\nAll fine again.\nPosted Dec 24, 2025 - 13:51 UTC\n"
            "This incident affected: API.\n")


def test_cli_imports_hostile_files(cli, db_url: str, backend: str, rows: Rows, tmp_path: Path) -> None:
    contents: list[bytes] = []
    for value in CORPUS:
        contents.append(as_bytes(value))
        if isinstance(value, str):
            contents.append(as_bytes(_statuspage_page(value)))
        if isinstance(value, str) and value != UNDECODABLE:  # as a JSON escape: its own test below
            contents.append(json.dumps({"incidents": [{"name": value, "incident_updates": [
                {"status": "resolved", "body": value, "created_at": "2025-12-24T13:51:00Z"}]}]}).encode())
    before = rows()
    imported = 0
    for number, data in enumerate(contents):
        # One file name each: the file name is the report's source, and the same source updates the same incident.
        path = tmp_path / f"report-{number}.txt"
        path.write_bytes(data)
        where = f"statuspage {label(data)}"
        result = cli("--db", db_url, "import", "statuspage", str(path))
        if result.code == 0:
            assert "Traceback" not in result.err, where
            imported += 1
            before = rows()
        else:
            assert_clean_failure(result, where)
            assert rows() == before, f"{where}: refused but the database changed"
        assert path.read_bytes() == data
    path = tmp_path / "export.toml"
    for value in CORPUS:  # as a TOML export into the (non-empty) demo database: refused
        path.write_bytes(as_bytes(value))
        result = cli("--db", db_url, "import", "toml", str(path))
        assert_clean_failure(result, f"toml {label(value)}")
        assert rows() == before
    print(f"statuspage: {imported} of {len(contents)} hostile files imported, the rest refused")


def test_cli_import_of_almost_valid_toml_names_the_line(cli, empty_url: str, tmp_path: Path) -> None:
    """A missing bracket, a trailing comma, an unclosed string, a duplicate key: into an empty database."""
    path = tmp_path / "export.toml"
    before = dump(empty_url)
    for doc in ALMOST_TOML:
        path.write_text(doc)
        result = cli("--db", empty_url, "import", "toml", str(path))
        assert_clean_failure(result, doc)
        assert result.code == 1 and re.search(r"export\.toml line \d+: ", result.err), result.err
        assert dump(empty_url) == before


# -- importers in process ------------------------------------------------------------------------


@pytest.mark.sqlite_only
@pytest.mark.parametrize("value", CORPUS, ids=[label(v) for v in CORPUS])
def test_statuspage_parser_reads_or_refuses(value: str | bytes) -> None:
    from tracker.exchange.statuspage import StatuspageError, parse

    inputs: list[str | bytes] = [value, as_bytes(value)]
    if isinstance(value, str):
        inputs += [_statuspage_page(value), json.dumps({"incidents": [{"name": value, "incident_updates": []}]})]
    for data in inputs:
        try:
            reports = parse(data, "report.txt")
        except StatuspageError as error:
            assert "\n" not in str(error) and len(str(error)) < 1000
            continue
        assert reports and all(isinstance(r.title, str) for r in reports)
    if isinstance(value, str) and value != UNDECODABLE:
        title = parse(json.dumps({"incidents": [{"name": value, "incident_updates": []}]}))[0].title
        assert title == value  # JSON names are taken literally


LONE_SURROGATE_JSON = '{"incidents": [{"name": "caf\\udce9", "incident_updates": []}]}'


def test_statuspage_json_with_a_lone_surrogate_escape_is_imported_with_a_warning(cli, db_url: str,
                                                                                tmp_path: Path) -> None:
    """A ``\\udce9`` escape is no text: it becomes U+FFFD, and the import says so."""
    path = tmp_path / "incidents.json"
    path.write_text(LONE_SURROGATE_JSON)
    result = cli("--db", db_url, "import", "statuspage", str(path))
    assert result.code == 0 and "Traceback" not in result.err
    assert "lone surrogates" in result.err
    with connect(db_url) as db:
        assert db.scalar("SELECT title FROM incident WHERE id = 6") == "caf\ufffd"


def _export(url: str) -> str:
    from tracker.exchange.toml_export import export_toml

    with connect(url) as db:
        return export_toml(db).decode()


def _mutations(text: str) -> dict[str, str]:
    """Almost-valid versions of a real export: broken syntax, or well-formed TOML the import must refuse."""
    first_action = text.index("[[actions]]")
    return {
        "missing bracket": text.replace("[[actions]]", "[[actions]", 1),
        "unclosed string": text[: text.index('title = "', first_action) + 12],
        "duplicate key": text.replace("[[actions]]\n", "[[actions]]\nid = 999\n", 1),
        "cut short": text[: len(text) * 2 // 3],
        "bad enum": text.replace('status = "open"', 'status = "opened"', 1),
        "unknown incident": re.sub(r"\nincident = \d+", "\nincident = 999", text, count=1),
        "duplicate action id": text + text[first_action: text.index("[[actions]]", first_action + 1)],
        "no version": text.replace("version = 2\n", "", 1),
        "newer version": text.replace("version = 2\n", "version = 3\n", 1),
        "unknown key": text.replace("[[actions]]\n", "[[actions]]\nassignee = \"x\"\n", 1),
        "local time": re.sub(r"(created_at = \d{4}-\d\d-\d\d[ T][\d:.]+)\+00:00", r"\1", text, count=1),
        "invalid utf-8": text.replace("Redis", "R\udcffdis", 1),
        "hostile tail": text + "\n[[actions]]\nid = '; DROP TABLE action; --\n",
    }


def test_toml_import_of_almost_valid_exports_changes_nothing(db_url: str, empty_url: str) -> None:
    from tracker.exchange.toml_import import import_toml

    mutations = _mutations(_export(db_url))
    before = dump(empty_url)
    with connect(empty_url) as db:
        for name, text in mutations.items():
            with pytest.raises(InputError) as caught:
                import_toml(db, text.encode("utf-8", "surrogateescape"), name="export.toml")
            message = str(caught.value)
            assert message.startswith("export.toml") and "\n" not in message and len(message) < 1000, name
        for value in CORPUS:
            with pytest.raises(InputError) as caught:
                import_toml(db, as_bytes(value), name="export.toml")
            assert str(caught.value).startswith("export.toml")
    assert dump(empty_url) == before


@pytest.mark.sqlite_only
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.one_of(st.binary(max_size=400), st.text(max_size=400).map(str.encode),
                      st.text(max_size=200).map(lambda t: f'format = "tracker-export"\nversion = 1\n{t}'.encode())))
def test_any_bytes_as_a_toml_import_raise_only_input_error(data: bytes, _templates: dict[str, Path],
                                                         tmp_path: Path) -> None:
    from tracker.exchange.toml_import import import_toml

    path = tmp_path / "hyp.db"
    shutil.copyfile(_templates["empty"], path)
    with connect(str(path)) as db:
        try:
            import_toml(db, data, name="fuzz.toml")
        except InputError as error:
            assert "\n" not in str(error)
        else:  # only a document with nothing in it can pass
            assert db.scalar("SELECT COUNT(*) FROM action") == 0


_FIELD_VALUES = st.one_of(st.integers(-3, 3), st.text(max_size=20), st.booleans(), st.dates(),
                          st.just("open"), st.just("P2"), st.just("prevent"))
_RECORD_KEYS = st.sampled_from(["id", "title", "kind", "owner", "priority", "status", "due", "incident",
                                "root_cause", "version", "description", "created_at", "updated_at", "slug",
                                "category", "group", "name", "action", "at", "actor", "field", "note", "extra"])


@pytest.mark.sqlite_only
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(doc=st.dictionaries(st.sampled_from(["root_causes", "components", "actions", "events", "incidents"]),
                           st.lists(st.dictionaries(_RECORD_KEYS, _FIELD_VALUES, max_size=8), max_size=3),
                           max_size=3))
def test_export_shaped_documents_import_or_raise_input_error(doc: dict[str, Any], _templates: dict[str, Path],
                                                             tmp_path: Path) -> None:
    from tracker.exchange.toml_import import import_toml

    path = tmp_path / "shaped.db"
    shutil.copyfile(_templates["empty"], path)
    data = tomli_w.dumps({"format": "tracker-export", "version": 1, **doc}).encode()
    with connect(str(path)) as db:
        try:
            import_toml(db, data, name="shaped.toml")
        except InputError:
            assert db.scalar("SELECT COUNT(*) FROM action") + db.scalar("SELECT COUNT(*) FROM root_cause") == 0


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(title=st.text(max_size=250))
def test_any_text_as_an_action_title_is_refused_or_stored_exactly(db_url: str, title: str) -> None:
    from tracker.core.actions import add_action, get_action

    with connect(db_url) as db:
        count = db.scalar("SELECT COUNT(*) FROM action")
        try:
            row = add_action(db, title=title, actor="fuzz", today=TODAY, slo_days={"P1": 1, "P2": 2, "P3": 3},
                             incident="INC-1")
        except InputError as error:
            assert "\n" not in str(error)
            assert db.scalar("SELECT COUNT(*) FROM action") == count
        else:
            assert get_action(db, row.id).title == title.strip()


# -- runbook front matter ------------------------------------------------------------------------


def _toml_string(value: str) -> str:
    return tomli_w.dumps({"k": value})[len("k = "):].rstrip("\n")


def _front_matters(value: str) -> dict[str, str]:
    """Runbook texts with ``value`` in the front matter: raw and escaped, in strings, as keys, as dates."""
    quoted = _toml_string(value)
    return {
        "raw title": f'+++\ntitle = "{value}"\n+++\nBody\n',
        "escaped title": f"+++\ntitle = {quoted}\n+++\nBody\n",
        "escaped owner": f'+++\ntitle = "T"\nowner = {quoted}\n+++\nBody\n',
        "escaped cause": f'+++\ntitle = "T"\nroot_causes = [{quoted}]\n+++\nBody\n',
        "raw key": f'+++\ntitle = "T"\n{value} = 1\n+++\nBody\n',
        "quoted key": f'+++\ntitle = "T"\n{quoted} = 1\n+++\nBody\n',
        "raw date": f'+++\ntitle = "T"\nlast_reviewed = {value}\n+++\nBody\n',
        "string date": f'+++\ntitle = "T"\nowner = "o"\nlast_reviewed = {quoted}\n+++\nBody\n',
        "raw days": f'+++\ntitle = "T"\nreview_every_days = {value}\n+++\nBody\n',
        "after the fence": f"+++\ntitle = {quoted}\n+++\n{value}\n",
        "before the fence": f"{value}\n+++\ntitle = \"T\"\n+++\n",
    }


def _expected_literal(kind: str, value: str, front: Any, body: str) -> None:
    if kind == "escaped title":
        assert front.title == value.strip()
    elif kind == "escaped owner":
        assert front.owner == value
    elif kind == "escaped cause":
        assert front.root_causes == (value,)
    elif kind == "quoted key":
        assert front.extra == {value: 1}
    elif kind == "after the fence":
        assert body == f"{value}\n"


@pytest.mark.sqlite_only
@pytest.mark.parametrize("value", [v for v in TEXTS if v != MEGABYTE] + ["x" * 5000],
                         ids=[label(v) for v in TEXTS if v != MEGABYTE] + ["5k"])
def test_front_matter_is_parsed_literally_or_refused_naming_file_and_line(value: str) -> None:
    from tracker.core.runbooks.files import FrontMatterError, parse_front_matter

    for kind, text in _front_matters(value).items():
        try:
            front, body = parse_front_matter(text, "runbooks/hostile.md")
        except FrontMatterError as error:
            message = str(error)
            # (a TOML error "at end of document" names no line: test_front_matter_error_at_the_end_names_a_line)
            assert re.match(r"runbooks/hostile\.md( line \d+)?: ", message), (kind, message[:200])
            assert "\n" not in message, kind
            continue
        _expected_literal(kind, value, front, body)


@pytest.mark.sqlite_only
def test_front_matter_error_at_the_end_names_a_line() -> None:
    from tracker.core.runbooks.files import FrontMatterError, parse_front_matter

    with pytest.raises(FrontMatterError, match=r"^runbooks/x\.md line \d+: "):
        parse_front_matter("+++\ntitle = \"T\"\nowner = 'unclosed\n+++\n", "runbooks/x.md")




@pytest.mark.sqlite_only
def test_front_matter_error_about_a_huge_value_stays_short() -> None:
    from tracker.core.runbooks.files import FrontMatterError, parse_front_matter

    with pytest.raises(FrontMatterError) as caught:
        parse_front_matter(f'+++\ntitle = "T"\nlast_reviewed = {_toml_string(MEGABYTE)}\n+++\n', "runbooks/big.md")
    assert len(str(caught.value)) < 1000


@pytest.mark.sqlite_only
def test_front_matter_with_a_huge_value_is_read_or_refused() -> None:
    from tracker.core.runbooks.files import FrontMatterError, parse_front_matter

    for kind, text in _front_matters(MEGABYTE).items():
        try:
            front, body = parse_front_matter(text, "runbooks/big.md")
        except FrontMatterError as error:
            assert str(error).startswith("runbooks/big.md line "), kind
            continue
        _expected_literal(kind, MEGABYTE, front, body)


@pytest.mark.sqlite_only
@pytest.mark.parametrize("data", [b"\xff\xfe\xfd", b"+++\ntitle = \"caf\xe9\"\n+++\n",
                                  b"+++\r\ntitle = \"T\"\r\n\xc3\x28"])
def test_runbook_files_that_are_not_utf8_are_refused_naming_the_file(tmp_path: Path, data: bytes) -> None:
    from tracker.core.runbooks.files import FrontMatterError, read_runbook

    (tmp_path / "runbooks").mkdir()
    (tmp_path / "runbooks" / "bad.md").write_bytes(data)
    with pytest.raises(FrontMatterError, match=r"^runbooks/bad\.md: not UTF-8 text \(invalid byte at offset \d+\)$"):
        read_runbook(tmp_path, "runbooks/bad.md")


@pytest.mark.sqlite_only
def test_hostile_runbooks_are_indexed_with_their_errors(db_path: Path, tmp_path: Path) -> None:
    from tracker.core.runbooks.index import refresh_index

    folder = tmp_path / "repo" / "runbooks"
    folder.mkdir(parents=True)
    count = 0
    for value in TEXTS[:12]:
        for text in _front_matters(value).values():
            count += 1
            (folder / f"rb-{count:03d}.md").write_bytes(as_bytes(text))
    (folder / "bytes.md").write_bytes(b"\xff\xfe")
    with connect(str(db_path)) as db:
        report = refresh_index(db, tmp_path / "repo", "runbooks")
        assert report.indexed == count + 1
        assert all(e.startswith("runbooks/") and "\n" not in e for e in report.errors)
        assert db.scalar("SELECT COUNT(*) FROM runbook") == count + 1


@pytest.mark.sqlite_only
@settings(max_examples=100, deadline=None)
@given(front=st.text(max_size=200), body=st.text(max_size=50))
def test_any_front_matter_parses_or_raises_front_matter_error(front: str, body: str) -> None:
    from tracker.core.runbooks.files import FrontMatterError, parse_front_matter

    try:
        parsed, rest = parse_front_matter(f"+++\n{front}\n+++\n{body}", "runbooks/fuzz.md")
    except FrontMatterError as error:
        assert str(error).startswith("runbooks/fuzz.md")
    else:
        assert parsed.title and rest == body


# -- the app: the action form and the prompts ----------------------------------------------------

FORM_FIELDS = ["#form-title", "#form-owner", "#form-due", "#form-incident", "#form-note"]
APP_VALUES = [v for v in ARGS if v not in ALMOST_JSON[1:] + ALMOST_TOML[1:]]
"""What a person could paste into a field (one almost-valid document of each kind is enough here)."""


async def _submitted(pilot) -> None:  # type: ignore[no-untyped-def]
    """After ctrl+s or enter: a refusal is immediate; a save runs in a worker, so wait for it to land."""
    await pilot.pause()
    if any(not worker.is_finished for worker in pilot.app.workers):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


FORM_PARTS = 4
"""The form test's values, dealt into this many parts that run side by side."""


@pytest.mark.sqlite_only
@pytest.mark.parametrize("part", range(FORM_PARTS))
async def test_action_form_saves_literally_or_shows_the_error(app_for, db_path: Path, part: int) -> None:
    """Each value in each field of a new action (the others valid): stored exactly, or an error in the form.

    Title and note take the value together first (one save checks both); when that is refused, each
    is tried alone. Owner, due date and incident are tried one at a time.
    """
    from textual.widgets import Input, Static

    from tests.conftest import fingerprint
    from tests.functional.conftest import SIZE, settle
    from tracker.core.actions import action_history, get_action
    from tracker.tui.dialogs.action_form import ActionFormDialog

    app = app_for("causes")
    values = APP_VALUES[part::FORM_PARTS]
    outcome = {field: {"saved": 0, "refused": 0} for field in FORM_FIELDS}
    defaults = {"#form-title": "A hostile test", "#form-incident": "INC-1", "#form-due": "", "#form-owner": "",
                "#form-note": ""}

    async def attempt(value: str, fields: tuple[str, ...]) -> bool:
        if not isinstance(app.screen, ActionFormDialog):
            await pilot.press("a")  # a new action for the highlighted cause
            await _submitted(pilot)
        form = app.screen
        assert isinstance(form, ActionFormDialog)
        for selector, text in {**defaults, **dict.fromkeys(fields, value)}.items():
            box = form.query_one(selector, Input)
            if box.value != text:
                box.value = text
        before = fingerprint(db_path)
        await pilot.press("ctrl+s")
        if form.saving or not isinstance(app.screen, ActionFormDialog):
            await _submitted(pilot)  # a save runs in a worker; a refusal is shown at once
        where = f"{fields} {label(value)}"
        if isinstance(app.screen, ActionFormDialog):
            assert app.screen is form
            assert str(form.query_one("#form-error", Static).render()).strip(), f"{where}: no error shown"
            assert fingerprint(db_path) == before, f"{where}: refused but the database changed"
            if len(fields) == 1:
                outcome[fields[0]]["refused"] += 1
            return False
        with connect(str(db_path)) as db:
            newest = get_action(db, db.scalar("SELECT MAX(id) FROM action"))
            for field in fields:
                outcome[field]["saved"] += 1
                if field == "#form-title":
                    assert newest.title == value.strip(), where
                elif field == "#form-owner":
                    assert newest.owner == value.strip(), where
                elif field == "#form-note":
                    assert action_history(db, newest.id)[0].note == value, where
        return True

    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        for value in values:
            if not await attempt(value, ("#form-title", "#form-note")):
                await attempt(value, ("#form-title",))
                await attempt(value, ("#form-note",))
            for field in ("#form-owner", "#form-due", "#form-incident"):
                await attempt(value, (field,))
    print(f"\naction form, part {part}: {outcome}")
    assert all(sum(counts.values()) == len(values) for counts in outcome.values())
    assert outcome["#form-title"]["saved"] and outcome["#form-note"]["saved"]


@pytest.mark.sqlite_only
async def test_owner_and_due_prompts_refuse_or_save(app_for, db_path: Path) -> None:
    from textual.widgets import Input, Static

    from tests.conftest import fingerprint
    from tests.functional.conftest import SIZE, settle
    from tracker.tui.dialogs.prompt import PromptDialog
    from tracker.tui.widgets.lazy_table import LazyTable

    app = app_for("actions")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        for key in ("w", "d"):
            for value in APP_VALUES:
                if not isinstance(app.screen, PromptDialog):
                    await pilot.press(key)
                    await pilot.pause()
                prompt = app.screen
                assert isinstance(prompt, PromptDialog)
                prompt.query_one("#prompt-input", Input).value = value
                before = fingerprint(db_path)
                await pilot.press("enter")
                if not isinstance(app.screen, PromptDialog):
                    await _submitted(pilot)
                where = f"{key} {label(value)}"
                if isinstance(app.screen, PromptDialog):
                    assert str(prompt.query_one("#form-error", Static).render()).strip(), where
                    assert fingerprint(db_path) == before, where
                else:
                    row = app.screen.query_one(LazyTable).cursor_value
                    assert key == "w" and row.owner == value.strip(), where
            await pilot.press("escape")
            await pilot.pause()


# -- files that are not files: devices, FIFOs, endless streams -------------------------------------

NOT_FILES = ["/dev/zero", "/dev/urandom", "fifo", "folder"]
"""Paths that ``stat`` describes badly (``/dev/zero`` has size 0) or that never end or never open."""


def _not_a_file(name: str, tmp_path: Path) -> str:
    import os

    if name == "fifo":
        path = tmp_path / "report.fifo"
        if not path.exists():
            os.mkfifo(path)
        return str(path)
    if name == "folder":
        return str(tmp_path)
    return name


@pytest.mark.sqlite_only
@pytest.mark.parametrize("name", NOT_FILES)
@pytest.mark.parametrize("kind", ["statuspage", "toml"])
def test_imports_refuse_what_is_not_a_regular_file(db_path: Path, tmp_path: Path, kind: str, name: str) -> None:
    """In a real process with a deadline: a FIFO with no writer must not hang it, /dev/zero not fill memory."""
    from tests.conftest import fingerprint

    target = _not_a_file(name, tmp_path)
    before = fingerprint(db_path)
    result = run_real(["--db", str(db_path), "import", kind, target], tmp_path)
    assert_clean_failure(result, f"import {kind} {name}")
    assert ("is a directory" if name == "folder" else "not a regular file") in result.err
    assert fingerprint(db_path) == before


@pytest.mark.sqlite_only
@pytest.mark.parametrize("kind", ["statuspage", "toml"])
def test_standard_input_is_read_up_to_the_cap(db_path: Path, tmp_path: Path, kind: str) -> None:
    import subprocess
    import sys

    from tests.conftest import fingerprint

    before = fingerprint(db_path)
    with open("/dev/zero", "rb") as zero:
        proc = subprocess.run([sys.executable, "-m", "tracker", "--db", str(db_path), "import", kind, "-"],
                              cwd=tmp_path, stdin=zero, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1 and proc.stderr == "tracker: error: -: larger than 64 MB\n", proc.stderr
    assert fingerprint(db_path) == before


def test_the_shared_reader_caps_while_reading_and_opens_regular_files_only(tmp_path: Path) -> None:
    import io
    import os

    from tracker.base.files import read_capped

    (tmp_path / "small.txt").write_bytes(b"x" * 10)
    assert read_capped(str(tmp_path / "small.txt"), limit=10) == b"x" * 10
    with pytest.raises(InputError, match=r"^small: larger than 9 bytes$"):
        read_capped(str(tmp_path / "small.txt"), limit=9, label="small")
    with pytest.raises(InputError, match=r"^-: larger than 4 bytes$"):
        read_capped("-", stdin=io.BytesIO(b"endless" * 1000), limit=4)
    assert read_capped("-", stdin=io.BytesIO(b"four"), limit=4) == b"four"
    with pytest.raises(InputError, match=r"^/dev/zero: not a regular file"):
        read_capped("/dev/zero")
    os.mkfifo(tmp_path / "pipe")
    with pytest.raises(InputError, match="not a regular file"):
        read_capped(str(tmp_path / "pipe"))  # opened without waiting for a writer
    (tmp_path / "link").symlink_to("/dev/zero")
    with pytest.raises(InputError, match="not a regular file"):
        read_capped(str(tmp_path / "link"))
    with pytest.raises(InputError, match="cannot read"):
        read_capped(str(tmp_path / "missing"))


@pytest.mark.sqlite_only
@pytest.mark.parametrize("name", NOT_FILES)
async def test_import_dialog_refuses_what_is_not_a_regular_file(app_for, db_path: Path, tmp_path: Path,
                                                                name: str) -> None:
    from textual.widgets import Input, Static

    from tests.conftest import fingerprint
    from tests.functional.conftest import SIZE, settle
    from tracker.tui.dialogs.import_report import ImportDialog

    target = _not_a_file(name, tmp_path)
    before = fingerprint(db_path)
    app = app_for()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("i")
        await pilot.pause()
        assert isinstance(app.screen, ImportDialog)
        app.screen.query_one("#import-path", Input).value = target
        await pilot.press("ctrl+r")
        await settle(pilot)
        error = str(app.screen.query_one("#form-error", Static).render())
        assert ("is a directory" if name == "folder" else "not a regular file") in error, error
        assert target in error
        assert app.is_running
    assert fingerprint(db_path) == before


# -- exports onto the database --------------------------------------------------------------------

EXPORTS = {"toml": ["export", "toml"], "md": ["export", "md", "INC-1", "-o"], "csv": ["export", "csv", "actions", "-o"]}
"""Each export, ready for its output path."""


def _database_aliases(db_path: Path) -> dict[str, str]:
    """Paths that are the database or one of its side files, spelled in every way a user might."""
    import os

    folder = db_path.parent
    (folder / "sub").mkdir(exist_ok=True)
    link = folder / "link.toml"
    if not link.exists():
        link.symlink_to(db_path)
    hard = folder / "hard.toml"
    if not hard.exists():
        os.link(db_path, hard)
    return {
        "itself": str(db_path),
        "relative": "actions.db",
        "roundabout": str(folder / "sub" / ".." / "actions.db"),
        "wal": f"{db_path}-wal",
        "shm": f"{db_path}-shm",
        "journal": f"{db_path}-journal",
        "symlink": str(link),
        "hard link": str(hard),
    }


@pytest.mark.parametrize("force", [False, True], ids=["", "force"])
@pytest.mark.parametrize("kind", list(EXPORTS))
def test_exports_never_write_onto_the_database(cli, db_path: Path, kind: str, force: bool) -> None:
    from tests.conftest import fingerprint

    assert cli("--db", str(db_path), "actions", "list").code == 0
    before = fingerprint(db_path)
    for name, target in _database_aliases(db_path).items():
        side_files = {p.name: file_digest(p) for p in db_path.parent.glob("actions.db*")}
        result = cli("--db", str(db_path), *EXPORTS[kind], target, *(["--force"] if force else []))
        assert_clean_failure(result, f"{kind} onto {name}")
        assert "is the database" in result.err, result.err
        assert {p.name: file_digest(p) for p in db_path.parent.glob("actions.db*")} == side_files, name
        assert fingerprint(db_path) == before, name
    assert cli("--db", str(db_path), "actions", "list").code == 0


@pytest.mark.sqlite_only
def test_an_export_to_standard_output_redirected_onto_the_database_is_refused(db_path: Path) -> None:
    import subprocess
    import sys

    before = file_digest(db_path)
    with db_path.open("ab") as appended:
        proc = subprocess.run([sys.executable, "-m", "tracker", "--db", str(db_path), "export", "toml", "-"],
                              cwd=db_path.parent, stdout=appended, stderr=subprocess.PIPE, text=True, timeout=60)
    assert proc.returncode == 1 and proc.stderr.startswith("tracker: error: standard output: is redirected onto"
                                                           " the database"), proc.stderr
    assert file_digest(db_path) == before


@pytest.mark.parametrize("kind", list(EXPORTS))
def test_exports_replace_an_existing_file_only_with_force_and_atomically(cli, db_path: Path, tmp_path: Path,
                                                                         kind: str) -> None:
    target = tmp_path / f"out.{kind}"
    target.write_bytes(b"someone's notes\n")
    result = cli("--db", str(db_path), *EXPORTS[kind], str(target))
    assert_clean_failure(result, f"{kind} over a file")
    assert "already exists: give --force" in result.err
    assert target.read_bytes() == b"someone's notes\n"
    with target.open("rb") as reader:  # a reader of the old file keeps the old bytes whole (a rename, no rewrite)
        assert cli("--db", str(db_path), *EXPORTS[kind], str(target), "--force").code == 0
        assert reader.read() == b"someone's notes\n"
    assert target.read_bytes() != b"someone's notes\n" and target.stat().st_size > 100
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
    for other in ("/dev/null", str(tmp_path)):
        result = cli("--db", str(db_path), *EXPORTS[kind], other, "--force")
        assert_clean_failure(result, f"{kind} onto {other}")
        assert "not a regular file" in result.err or "is a directory" in result.err


@pytest.mark.sqlite_only
def test_export_toml_onto_a_missing_database_creates_nothing(cli, tmp_path: Path) -> None:
    result = cli("--db", str(tmp_path / "new.db"), "export", "toml", str(tmp_path / "new.db"))
    assert_clean_failure(result, "export onto a database not yet made")
    assert list(tmp_path.iterdir()) == []


# -- keys and numbers take ASCII digits only ------------------------------------------------------

OTHER_DIGITS = ["\u0661", "\uff11", "\U0001d7d9", "\u0967"]
"""One in Arabic-Indic, full-width, mathematical and Devanagari digits: ``int()`` and ``\\d`` take them all."""


def _with_other_digits(one: str) -> list[list[str]]:
    return [
        ["actions", "show", f"ACT-{one}"], ["actions", "show", one], ["incidents", "show", f"INC-{one}"],
        ["export", "md", f"INC-{one}"], ["actions", "list", f"--incident=INC-{one}"],
        ["actions", "add", "T", f"--incident=INC-{one}"], ["actions", "update", f"ACT-{one}", "--owner=x"],
        ["actions", "update", "ACT-1", f"--incident=INC-{one}"], ["actions", "list", f"--limit={one}"],
        ["actions", "list", f"--due-within={one}"], ["actions", "update", "ACT-1", "--owner=x",
                                                      f"--expect-version={one}"],
        ["actions", "update", "ACT-1", f"--due=+{one}d"], ["actions", "update", "ACT-1", f"--due=202{one}-01-01"],
        ["review", f"--week=202{one}-W48"], ["review", f"--week=2026-W4{one}"],
        ["incidents", "add", "--title=T", f"--started=2026-11-0{one}T10:00Z"],
    ]


@pytest.mark.parametrize("one", OTHER_DIGITS, ids=["arabic-indic", "full-width", "mathematical", "devanagari"])
def test_keys_and_numbers_refuse_digits_that_are_not_ascii(cli, db_path: Path, one: str) -> None:
    before = dump(str(db_path))
    for args in _with_other_digits(one):
        result = cli("--db", str(db_path), *args)
        assert_clean_failure(result, " ".join(args))
        assert dump(str(db_path)) == before, args


@pytest.mark.parametrize("one", OTHER_DIGITS, ids=["arabic-indic", "full-width", "mathematical", "devanagari"])
def test_keys_in_commits_the_palette_and_reports_take_ascii_digits_only(db: Any, one: str) -> None:
    from tracker.core.keys import parse_key
    from tracker.core.search import jump_targets
    from tracker.exchange.statuspage_text import read_stamp
    from tracker.repo.gitsync import parse_trailers
    from tracker.tui.dialogs.commit import action_keys

    for prefix in ("ACT", "INC"):
        with pytest.raises(InputError):
            parse_key(f"{prefix}-{one}", prefix)
    with pytest.raises(InputError):
        action_keys(f"ACT-{one}")
    assert parse_trailers(f"Fix\n\nRefs: ACT-{one}\nCloses: ACT-{one}\n") == ((), ())
    assert all(key != "ACT-1" for _, key, _ in jump_targets(db, f"ACT-{one}"))
    assert read_stamp(f"Posted Dec 2{one}, 2025 - 13:51 UTC") is None
    assert read_stamp(f"Posted Dec 24, 2025 - 1{one}:51 UTC") is None


# -- dates at the edge of the calendar -----------------------------------------------------------

FAR_RUNBOOK = ('+++\ntitle = "Reviewed at the end of time"\nlast_reviewed = 9999-12-31\nreview_every_days = 3650\n'
               "+++\nBody\n")


def test_a_runbook_reviewed_at_the_end_of_time_hides_nothing(cli, db_path: Path, workdir: Path) -> None:
    """``runbooks list|show`` and ``review`` exited 3 (OverflowError) on this one runbook."""
    (workdir / "runbooks" / "far.md").write_text(FAR_RUNBOOK)
    listed = cli("--db", str(db_path), "runbooks", "list", "--json")
    assert listed.code == 0, listed.err
    rows = {r["path"]: r for r in json.loads(listed.out)}
    assert set(rows) == {"runbooks/far.md", "runbooks/gadget.md", "runbooks/widget.md"}
    assert rows["runbooks/far.md"]["error"] == ("runbooks/far.md line 3: 'last_reviewed' must be a date from"
                                                " 1900-01-01 to 2999-12-31, got 9999-12-31")
    assert rows["runbooks/widget.md"]["error"] is None
    text = cli("--db", str(db_path), "runbooks", "list")
    assert text.code == 0 and "runbooks/widget.md" in text.out and "runbooks/far.md" in text.out
    shown = cli("--db", str(db_path), "runbooks", "show", "runbooks/far.md")
    assert_clean_failure(shown, "runbooks show far.md")
    assert "runbooks/far.md line 3: 'last_reviewed'" in shown.err
    assert cli("--db", str(db_path), "runbooks", "show", "runbooks/widget.md").code == 0
    for form in ("text", "md", "json"):
        review = cli("--db", str(db_path), "review", "--format", form)
        assert review.code == 0 and "2026-W48" in review.out, review.err
    stale = json.loads(cli("--db", str(db_path), "review", "--format", "json").out)["coverage"]["stale_runbooks"]
    assert "runbooks/far.md" in [r["path"] for r in stale]


def test_an_index_row_from_before_the_bounds_is_flagged_not_fatal(db_path: Path) -> None:
    """A runbook row indexed before dates were bounded (or written by hand) must not overflow staleness."""
    from tracker.core.runbooks.index import list_runbooks

    with connect(str(db_path)) as db, db.write():
        for number, (reviewed, every) in enumerate([("9999-12-31", 3650), ("2026-01-01", 10**12),
                                                    ("0001-01-01", 1)]):
            db.execute("INSERT INTO runbook (path, title, owner, services, last_reviewed, review_every_days,"
                       " content_hash, indexed_at) VALUES (:p, 'T', '', '', :r, :e, '', :now)",
                       {"p": f"runbooks/old-{number}.md", "r": reviewed, "e": every, "now": "2026-11-23T00:00:00"})
    with connect(str(db_path)) as db:
        rows = {r.path: r for r in list_runbooks(db, TODAY)}
    assert rows["runbooks/old-0.md"].stale == ("last_reviewed 9999-12-31 is out of range"
                                               " (dates from 1900-01-01 to 2999-12-31)",)
    assert rows["runbooks/old-1.md"].stale == ()  # due past the calendar's end: not overdue
    assert rows["runbooks/old-2.md"].stale[0].startswith("last_reviewed 0001-01-01 is out of range")


EDGE_ARGS = {
    "--started 9999 west of UTC": ["incidents", "add", "--title=T", "--started=9999-12-31T23:59-12:00"],
    "--started year 1 east of UTC": ["incidents", "add", "--title=T", "--started=0001-01-01T00:00+01:00"],
    "--started year 1": ["incidents", "add", "--title=T", "--started=0001-01-01T00:00Z"],
    "--week 9999-W52": ["review", "--week=9999-W52"],
    "--week 9999-W01": ["review", "--week=9999-W01"],
    "--week 0001-W01": ["review", "--week=0001-W01"],
    "--due 9999-12-31": ["actions", "update", "ACT-1", "--due=9999-12-31"],
    "--due 0001-01-01": ["actions", "add", "T", "--incident=INC-1", "--due=0001-01-01"],
}
"""Options at the calendar's ends: each refused with one line naming the option or the value, exit 1."""


@pytest.mark.parametrize("entry", list(EDGE_ARGS))
def test_dates_at_the_calendar_edges_are_refused_naming_the_field(cli, db_path: Path, entry: str) -> None:
    before = dump(str(db_path))
    result = cli("--db", str(db_path), *EDGE_ARGS[entry])
    assert_clean_failure(result, entry)
    assert result.code == 1 and "out of range" in result.err, result.err
    option = entry.split()[0]
    assert option in result.err or "bad week" in result.err, result.err
    assert dump(str(db_path)) == before


@pytest.mark.parametrize(("today", "due"), [("2999-12-31", "tomorrow"), ("2999-12-30", "+9d"),
                                            ("2999-06-01", "+9999w"), ("2999-12-31", "+1w")])
def test_relative_due_dates_past_the_calendar_are_refused(cli, db_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                          today: str, due: str) -> None:
    monkeypatch.setenv("TRACKER_TODAY", today)
    before = dump(str(db_path))
    result = cli("--db", str(db_path), "actions", "update", "ACT-1", f"--due={due}")
    assert_clean_failure(result, f"--due {due} on {today}")
    assert result.err.startswith(f"tracker: error: --due: bad date '{due}': out of range"), result.err
    assert dump(str(db_path)) == before


@pytest.mark.parametrize("today", ["9999-12-31", "0001-01-01", "3000-01-01"])
def test_a_today_at_the_calendar_edges_is_refused(cli, db_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                  today: str) -> None:
    monkeypatch.setenv("TRACKER_TODAY", today)
    for args in (["actions", "list"], ["review"], ["actions", "add", "T", "--incident=INC-1"]):
        result = cli("--db", str(db_path), *args)
        assert_clean_failure(result, f"{args} on {today}")
        assert result.err == f"tracker: error: TRACKER_TODAY: {today} is out of range (dates from 1900-01-01 to" \
                             " 2999-12-31)\n"


def test_the_week_is_echoed_as_given(cli, db_path: Path) -> None:
    """``--week 0001-W01`` was echoed back as ``'1-W01'``; weeks are always named with four-digit years."""
    from tracker.core.review.weeks import week_name

    result = cli("--db", str(db_path), "review", "--week", "0001-W01")
    assert result.code == 1 and "'0001-W01'" in result.err and "'1-W01'" not in result.err, result.err
    assert week_name(TODAY.replace(year=1900)) == "1900-W47"


TOML_EDGES = {
    "stamp year 1 east of UTC": ("created_at = 2", "created_at = 0001-01-01T00:30:00+01:00\n#"),
    "stamp 9999 west of UTC": ("created_at = 2", "created_at = 9999-12-31T23:59:00-12:00\n#"),
    "stamp 9999 in UTC": ("created_at = 2", "created_at = 9999-12-31T00:00:00Z\n#"),
    "due 9999-12-31": ("due = 2", "due = 9999-12-31\n#"),
    "due 0001-01-01": ("due = 2", "due = 0001-01-01\n#"),
}


@pytest.mark.parametrize("edge", list(TOML_EDGES))
def test_toml_dates_at_the_calendar_edges_are_refused_naming_record_and_field(db_url: str, empty_url: str,
                                                                              edge: str) -> None:
    from tracker.exchange.toml_import import import_toml

    old, new = TOML_EDGES[edge]
    text = _export(db_url)
    at = text.index("[[actions]]")
    text = text[:at] + text[at:].replace(old, new, 1)
    before = dump(empty_url)
    with connect(empty_url) as db, pytest.raises(InputError) as caught:
        import_toml(db, text.encode(), name="x.toml")
    field = new.split(" =")[0]
    assert str(caught.value).startswith(f"x.toml: actions[0].{field}: "), str(caught.value)
    assert "out of range" in str(caught.value) and "\n" not in str(caught.value)
    assert dump(empty_url) == before


@pytest.mark.sqlite_only
@pytest.mark.parametrize("value", ["9999-12-31", "0001-01-01", "3000-01-01", "1899-12-31"])
def test_front_matter_dates_at_the_calendar_edges_name_file_line_and_field(value: str) -> None:
    from tracker.core.runbooks.files import FrontMatterError, parse_front_matter

    with pytest.raises(FrontMatterError) as caught:
        parse_front_matter(f'+++\ntitle = "T"\nreview_every_days = 3650\nlast_reviewed = {value}\n+++\n',
                           "runbooks/x.md")
    assert str(caught.value) == (f"runbooks/x.md line 4: 'last_reviewed' must be a date from 1900-01-01 to"
                                 f" 2999-12-31, got {value}")


@pytest.mark.sqlite_only
def test_status_page_times_past_the_calendar_are_unknown_with_a_warning() -> None:
    from tracker.exchange.statuspage import parse

    for stamp in ("9998-12-31T23:59:00Z", "2999-12-31T23:59:00-12:00"):
        report = parse(json.dumps({"incidents": [{"name": "Far", "incident_updates": [
            {"status": "resolved", "body": "b", "created_at": stamp}]}]}))[0]
        assert report.updates[0].posted_at is None and report.started_at is None
        assert any("out of range" in w for w in report.warnings), report.warnings
    page = parse(_statuspage_page("Far").replace("Dec 24, 2025 - 13:51 UTC", "Dec 31, 9998 - 23:51 UTC"))[0]
    assert page.updates[0].posted_at is None and any("out of range" in w for w in page.warnings)


@pytest.mark.sqlite_only
async def test_the_app_lists_every_runbook_and_shows_the_review_despite_one_at_the_end_of_time(
        app_for, workdir: Path) -> None:
    """The runbook list came up empty and the review screen stayed on "Loading…"."""
    from textual.widgets import DataTable, Static

    from tests.functional.conftest import SIZE, settle
    from tracker.tui.screens.review import ReviewScreen
    from tracker.tui.screens.runbooks import RunbooksScreen
    from tracker.tui.widgets.review_sections import SectionTable

    (workdir / "runbooks" / "far.md").write_text(FAR_RUNBOOK)
    app = app_for("runbooks", cwd=workdir)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, RunbooksScreen)
        table = app.screen.query_one(DataTable)
        cells = {str(key.value): [str(c) for c in table.get_row(key)] for key in table.rows}
        assert set(cells) == {"runbooks/far.md", "runbooks/gadget.md", "runbooks/widget.md"}
        assert cells["runbooks/far.md"][2] == "error"
        await pilot.press("5")
        await settle(pilot)
        assert isinstance(app.screen, ReviewScreen)
        stale = app.screen.query_one("#section-stale_runbooks", SectionTable).rows
        counts = str(app.screen.query_one("#review-counts", Static).render())
        assert "2026-W48" in app.screen.sub_title and "runbooks/far.md" in [r.path for r in stale]
        assert "Loading" not in counts


# -- one validation layer: the TOML import refuses what every other way in refuses ----------------

TOML_REFUSED = {
    "control character in a title": ("actions", 3, "title", "bell\x07title"),
    "escape in a title": ("incidents", 1, "title", "\x1b[2J\x1b[Hcleared"),
    "OSC 8 link in a title": ("actions", 0, "title", "\x1b]8;;https://evil.example\x1b\\click\x1b]8;;\x1b\\"),
    "NUL in a title": ("root_causes", 2, "title", NUL),
    "1,000-character title": ("actions", 3, "title", "t" * 1000),
    "1 MB description": ("actions", 3, "description", MEGABYTE),
    "markup owner": ("actions", 0, "owner", "[bold]bad owner"),
    "version 0": ("actions", 0, "version", 0),
    "runbook path leaving the folder": ("actions", 0, "runbook_path", "../../etc/passwd"),
    "escape in a timeline label": ("incidents", 4, "timeline.0.label", "\x1b[31mred"),
    "escape in an actor": ("events", 2, "actor", "\x1b[2J"),
}


@pytest.mark.parametrize("case", list(TOML_REFUSED))
def test_toml_import_goes_through_the_validation_layer(cli, db_url: str, empty_url: str, tmp_path: Path,
                                                       case: str) -> None:
    """Each of these imported before, and its escapes then reached the terminal raw."""
    import tomllib

    section, index, field, value = TOML_REFUSED[case]
    doc = tomllib.loads(_export(db_url))
    record = doc[section][index]
    *inner, last = field.split(".")
    for part in inner:
        record = record[int(part)] if part.isdigit() else record[part]
    record[last] = value
    path = tmp_path / "x.toml"
    path.write_bytes(tomli_w.dumps(doc).encode())
    before = dump(empty_url)
    result = cli("--db", empty_url, "import", "toml", str(path))
    assert_clean_failure(result, case)
    where = f"{section}[{index}].{field}".replace(".0.", "[0].")
    assert result.err.startswith(f"tracker: error: x.toml: {where}: "), result.err
    assert "\x1b" not in result.err and "\x00" not in result.err
    assert dump(empty_url) == before


def test_what_the_other_ways_in_store_the_toml_import_takes_back(cli, empty_url: str, backend: str,
                                                                 tmp_path: Path, request: pytest.FixtureRequest,
                                                                 _templates: dict[str, Path]) -> None:
    """Hostile reports and hostile options, stored as the tracker takes them, export and import back
    byte for byte: every way in applies the same rules, so the import never refuses the tracker's own data."""
    from tests.conftest import _fresh_pg

    number = 0
    for value in CORPUS:
        if isinstance(value, bytes) or value == UNDECODABLE:
            continue
        for data in (_statuspage_page(value), json.dumps({"incidents": [{"name": value, "id": f"x{number}",
                     "components": [{"name": value, "group_id": None}], "incident_updates": [
                         {"status": "resolved", "body": value, "created_at": "2025-12-24T13:51:00Z"}],
                     "postmortem_body": f"## Action items\n- {value}\n"}]})):
            number += 1
            path = tmp_path / f"report-{number}.txt"
            path.write_text(data)
            cli("--db", empty_url, "import", "statuspage", str(path))
        for args in (["actions", "add", "--incident=INC-1", "--", value],
                     ["actions", "update", "ACT-1", f"--description={value}"],
                     ["actions", "update", "ACT-1", f"--note={value}"]):
            cli("--db", empty_url, *args)
    first, second = tmp_path / "first.toml", tmp_path / "second.toml"
    assert cli("--db", empty_url, "export", "toml", str(first)).code == 0
    if backend == "postgresql":
        other = _fresh_pg(request, "empty")
    else:
        other = str(tmp_path / "other.db")
        shutil.copyfile(_templates["empty"], other)
    result = cli("--db", other, "import", "toml", str(first))
    assert result.code == 0, result.err
    assert cli("--db", other, "export", "toml", str(second)).code == 0
    assert first.read_bytes() == second.read_bytes()
    with connect(other) as db:
        assert db.scalar("SELECT COUNT(*) FROM incident") >= 10 and db.scalar("SELECT COUNT(*) FROM action") >= 5


FRONT_MATTER_REFUSED = {
    "escape in the title": ('title = "\\u001b[2Jcleared"', 2, "title"),
    "1,000-character title": (f'title = "{"t" * 1000}"', 2, "title"),
    "markup owner": ('title = "T"\nowner = "[bold]bad owner"', 3, "owner"),
    "escape in the owner": ('title = "T"\nowner = "\\u001b]8;;x\\u001b\\\\"', 3, "owner"),
    "cause that is no slug": ('title = "T"\nroot_causes = ["../../etc/passwd"]', 3, "root_causes"),
    "service with a comma": ('title = "T"\nservices = ["api,push"]', 3, "services"),
    "service with an escape": ('title = "T"\nservices = ["\\u001b[31mapi"]', 3, "services"),
}


@pytest.mark.sqlite_only
@pytest.mark.parametrize("case", list(FRONT_MATTER_REFUSED))
def test_front_matter_goes_through_the_validation_layer(case: str) -> None:
    from tracker.core.runbooks.files import FrontMatterError, parse_front_matter

    toml, line, key = FRONT_MATTER_REFUSED[case]
    with pytest.raises(FrontMatterError) as caught:
        parse_front_matter(f"+++\n{toml}\n+++\nBody\n", "runbooks/x.md")
    message = str(caught.value)
    assert message.startswith(f"runbooks/x.md line {line}: '{key}': "), message
    assert "\x1b" not in message and "\n" not in message


@pytest.mark.sqlite_only
@pytest.mark.parametrize("user", ["\x1b[2Jintruder", "two\nlines", "\x9b2J", "x" * 300])
def test_the_acting_user_goes_through_the_validation_layer(cli, db_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                          user: str) -> None:
    monkeypatch.setenv("TRACKER_USER", user)
    before = dump(str(db_path))
    result = cli("--db", str(db_path), "actions", "update", "ACT-1", "--owner=sre-team", "--note=hi")
    assert_clean_failure(result, repr(user))
    assert result.err.startswith("tracker: error: TRACKER_USER ") and "\x1b" not in result.err, result.err
    assert dump(str(db_path)) == before


@pytest.mark.sqlite_only
def test_status_page_texts_longer_than_the_limit_are_cut_with_a_warning(cli, empty_url: str,
                                                                        tmp_path: Path) -> None:
    path = tmp_path / "long.json"
    path.write_text(json.dumps({"incidents": [{"name": "Long", "postmortem_body": "p" * 300_000,
                                               "incident_updates": [{"status": "resolved", "body": "b" * 250_000,
                                                                     "created_at": "2025-12-24T13:51:00Z"}]}]}))
    result = cli("--db", empty_url, "import", "statuspage", str(path))
    assert result.code == 0, result.err
    assert "longer than 200,000 characters, cut to that" in result.err
    with connect(empty_url) as db:
        assert len(db.scalar("SELECT postmortem FROM incident")) == 200_000
        assert len(db.scalar("SELECT body FROM timeline_entry")) == 200_000


@pytest.mark.sqlite_only
def test_status_page_names_made_only_of_control_characters_are_dropped(cli, db_path: Path, tmp_path: Path) -> None:
    """A component named only by control characters scrubs to nothing: it is left out, the rest imported."""
    path = tmp_path / "report.json"
    path.write_text(json.dumps({"incidents": [{"name": "Odd names", "id": "odd1", "components": [
        {"name": "\x07\x1b", "group_id": None}, {"name": "API\x1b[2J", "group_id": None}], "incident_updates": [
        {"status": "resolved", "body": "b", "created_at": "2025-12-24T13:51:00Z"}]}]}))
    result = cli("--db", str(db_path), "import", "statuspage", str(path), "--json")
    assert result.code == 0, result.err
    shown = json.loads(cli("--db", str(db_path), "incidents", "show", "INC-6", "--json").out)
    assert shown["components"] == ["API [2J"]
