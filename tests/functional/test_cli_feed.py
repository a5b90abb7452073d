"""``tracker import feed`` end to end: files and a real HTTP server on 127.0.0.1, re-imports, bad feeds and servers.

The server runs in a thread of the test (``http.server``); the hanging and dripping paths wait on an event that
the fixture sets when the test ends, so no thread outlives it.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.conftest import fingerprint

ROOT = Path(__file__).resolve().parents[2]
FEEDS = ROOT / "tests" / "data" / "feeds"
DATA = ROOT / "tests" / "data" / "statuspage"
SITE = "https://status.quillmoth.example"
MB = 1024 * 1024


class _Handler(BaseHTTPRequestHandler):
    release: threading.Event

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
        pass  # keep the test output clean

    def _send(self, body: bytes, kind: str, length: int | None = None) -> None:
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body) if length is None else length))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        path = self.path.split("?")[0]
        if path in ("/history.atom", "/history.rss", "/bad_entry.atom", "/broken.atom"):
            self._send((FEEDS / path[1:]).read_bytes(), "application/atom+xml")
        elif path == "/":
            self._send((FEEDS / "not_a_feed.html").read_bytes(), "text/html")
        elif path == "/moved":
            self.send_response(302)
            self.send_header("Location", "/history.rss")
            self.end_headers()
        elif path == "/elsewhere":
            self.send_response(302)
            self.send_header("Location", "file:///etc/passwd")
            self.end_headers()
        elif path == "/big":  # no Content-Length: only reading tells the size
            self.send_response(200)
            self.send_header("Content-Type", "application/atom+xml")
            self.end_headers()
            chunk = b" " * 65536
            try:
                for _ in range(11 * 16 + 1):
                    self.wfile.write(chunk)
            except (BrokenPipeError, ConnectionResetError):
                pass
        elif path == "/big-announced":
            self._send(b"<feed/>", "application/atom+xml", length=50 * MB)
        elif path == "/hang":
            self.release.wait(30)
        elif path == "/drip":  # a byte at a time, never done: each read succeeds, the whole never does
            self.send_response(200)
            self.end_headers()
            try:
                while not self.release.wait(0.05):
                    self.wfile.write(b" ")
                    self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError):
                pass
        else:
            self.send_error(404, "Not Found")


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The base URL of a feed server on 127.0.0.1 (no proxy in between)."""
    for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    release = threading.Event()
    handler = type("Handler", (_Handler,), {"release": release})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        release.set()
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)


@pytest.fixture
def empty(cli, tmp_path: Path) -> Path:
    path = tmp_path / "empty.db"
    assert cli("--db", str(path), "init", "--empty").code == 0
    return path


def _incidents(cli, db: Path) -> list[dict]:  # type: ignore[no-untyped-def]
    return json.loads(cli("--db", str(db), "incidents", "list", "--json").out)


def _show(cli, db: Path, key: str) -> dict:  # type: ignore[no-untyped-def]
    return json.loads(cli("--db", str(db), "incidents", "show", key, "--json").out)


def _fails_cleanly(result, db: Path, before: str, message: str) -> None:  # type: ignore[no-untyped-def]
    assert result.code == 1, result
    assert result.err.startswith("tracker: error: ") and result.err.count("\n") == 1, result.err
    assert message in result.err and "Traceback" not in result.err
    assert fingerprint(db) == before


# ---------------------------------------------------------------- files


@pytest.mark.parametrize("name", ["history.atom", "history.rss"])
def test_a_feed_file_imports_every_incident(cli, empty: Path, name: str) -> None:
    result = cli("--db", str(empty), "import", "feed", str(FEEDS / name), "--json")
    assert result.code == 0, result.err
    done = json.loads(result.out)
    assert (done["feed"], done["company"], done["entries"], done["skipped"]) == (
        "Quillmoth Status - Incident History", "Quillmoth", 4, [])
    assert [i["created"] for i in done["incidents"]] == [True] * 4
    assert [i["timeline"] for i in done["incidents"]] == [3, 4, 3, 3]
    midnight = _show(cli, empty, done["incidents"][2]["id"])
    assert midnight["title"] == "Sign-in errors at midnight" and midnight["company"] == "Quillmoth"
    assert [e["at"] for e in midnight["timeline"]] == ["2025-12-31T22:40:00+00:00", "2025-12-31T22:58:00+00:00",
                                                       "2026-01-01T00:35:00+00:00"]
    assert (midnight["status"], midnight["resolved_at"]) == ("resolved", "2026-01-01T00:35:00+00:00")
    assert midnight["source"] == f"{SITE}/incidents/qmny26cc"
    exports = _show(cli, empty, done["incidents"][1]["id"])
    assert exports["status"] == "postmortem"
    assert _show(cli, empty, done["incidents"][3]["id"])["kind"] == "maintenance"
    assert "a feed gives no impact level" in result.err  # said once for the feed, not once per entry
    assert result.err.count("\n") == 1


def test_importing_again_merges_and_atom_and_rss_are_the_same_incidents(cli, empty: Path, tmp_path: Path) -> None:
    first = json.loads(cli("--db", str(empty), "import", "feed", str(FEEDS / "history.atom"), "--json").out)
    again = json.loads(cli("--db", str(empty), "import", "feed", str(FEEDS / "history.rss"), "--json").out)
    assert [i["id"] for i in again["incidents"]] == [i["id"] for i in first["incidents"]]
    assert [i["created"] for i in again["incidents"]] == [False] * 4
    assert [i["timeline"] for i in again["incidents"]] == [0] * 4
    newer = (FEEDS / "history.atom").read_text().replace(
        "&lt;p&gt;&lt;small&gt;Mar &lt;var data-var='date'&gt;2&lt;/var&gt;, &lt;var data-var='time'&gt;10:40",
        "&lt;p&gt;&lt;small&gt;Mar 3, 08:00 UTC&lt;/small&gt;&lt;br&gt;&lt;strong&gt;Update&lt;/strong&gt; - "
        "One more thing.&lt;/p&gt;&lt;p&gt;&lt;small&gt;Mar &lt;var data-var='date'&gt;2&lt;/var&gt;, "
        "&lt;var data-var='time'&gt;10:40", 1).replace("2026-03-02T10:40:12Z</updated>\n    <link",
                                                       "2026-03-03T08:00:00Z</updated>\n    <link", 1)
    path = tmp_path / "history.atom"
    path.write_text(newer)
    third = json.loads(cli("--db", str(empty), "import", "feed", str(path), "--json").out)
    assert [i["timeline"] for i in third["incidents"]] == [1, 0, 0, 0]
    assert len(_incidents(cli, empty)) == 4
    webhooks = _show(cli, empty, third["incidents"][0]["id"])
    assert webhooks["timeline"][-1]["text"] == "One more thing." and webhooks["timeline"][-1]["label"] == "Update"


def test_a_feed_entry_updates_the_incident_imported_from_its_page(cli, empty: Path) -> None:
    page = json.loads(cli("--db", str(empty), "import", "statuspage", str(DATA / "markdown_export.md"),
                          "--json").out)[0]
    done = json.loads(cli("--db", str(empty), "import", "feed", str(FEEDS / "history.atom"), "--json").out)
    exports = done["incidents"][1]
    assert (exports["id"], exports["created"], exports["timeline"]) == (page["id"], False, 0)


def test_since_imports_only_what_changed_since(cli, empty: Path) -> None:
    result = cli("--db", str(empty), "import", "feed", str(FEEDS / "history.atom"), "--since", "2026-02-01")
    assert result.code == 0, result.err
    assert [i["title"] for i in _incidents(cli, empty)] != []
    assert sorted(i["title"] for i in _incidents(cli, empty)) == ["Exports stuck in the queue",
                                                                  "Webhook deliveries delayed"]
    assert "2 last updated before --since" in result.out
    later = cli("--db", str(empty), "import", "feed", str(FEEDS / "history.atom"), "--since", "2026-03-02T10:41Z")
    assert later.code == 0 and "imported 0" in later.out
    before = fingerprint(empty)
    for bad in ("yesterday", "2026-02-30", "2026-13-01T00:00Z"):
        _fails_cleanly(cli("--db", str(empty), "import", "feed", str(FEEDS / "history.atom"), "--since", bad),
                       empty, before, "--since")


def test_dry_run_shows_each_entry_and_writes_nothing(cli, empty: Path) -> None:
    before = fingerprint(empty)
    result = cli("--db", str(empty), "import", "feed", str(FEEDS / "history.atom"), "--dry-run")
    assert result.code == 0
    assert result.out.count("Would create a new incident: ") == 4
    assert "Quillmoth Status - Incident History: 4 entries: would import 4 (4 new, 0 updated)" in result.out
    plans = json.loads(cli("--db", str(empty), "import", "feed", str(FEEDS / "history.atom"), "--dry-run",
                           "--json").out)["plans"]
    assert [p["would"] for p in plans] == ["create"] * 4 and plans[2]["started_at"] == "2025-12-31T22:40:00+00:00"
    assert fingerprint(empty) == before
    cli("--db", str(empty), "import", "feed", str(FEEDS / "history.atom"))
    again = cli("--db", str(empty), "import", "feed", str(FEEDS / "history.rss"), "--dry-run")
    assert again.out.count("Would update INC-") == 4 and "recognised by its link" in again.out


def test_one_bad_entry_is_a_warning_and_the_rest_import(cli, empty: Path) -> None:
    result = cli("--db", str(empty), "import", "feed", str(FEEDS / "bad_entry.atom"))
    assert result.code == 0, result.err
    assert (f"tracker: warning: entry 2 ({SITE}/incidents/qmny26cc): no updates in its content: skipped"
            in result.err.splitlines())
    assert sorted(i["title"] for i in _incidents(cli, empty)) == ["Exports stuck in the queue",
                                                                  "Webhook deliveries delayed"]
    assert "1 unreadable, skipped" in result.out


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("broken.atom", None, "broken.atom is not a well-formed feed: unclosed token at line 32"),
        ("not_a_feed.html", None, "not_a_feed.html is an HTML page, not an Atom or RSS feed"),
        ("empty.atom", b"", "empty.atom is empty: no feed"),
        ("garbage.atom", b"\x89PNG\r\n\x1a\n\x00\x00", "garbage.atom is not an Atom or RSS feed"),
        ("report.txt", None, "report.txt is not an Atom or RSS feed"),
    ],
)
def test_what_is_not_a_feed_fails_cleanly(cli, empty: Path, tmp_path: Path, name: str, data: bytes | None,
                                         message: str) -> None:
    path = tmp_path / name
    source = FEEDS / name if (FEEDS / name).exists() else DATA / "navigation.txt"
    path.write_bytes(source.read_bytes() if data is None else data)
    before = fingerprint(empty)
    _fails_cleanly(cli("--db", str(empty), "import", "feed", str(path)), empty, before, message)


def test_a_feed_imports_all_or_nothing(cli, empty: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tracker.exchange import apply

    real = apply.insert_incident

    def failing(db, values):  # type: ignore[no-untyped-def]
        if values["title"] == "Database upgrade in the EU region":  # the last entry
            raise OSError("disk full")
        return real(db, values)

    monkeypatch.setattr(apply, "insert_incident", failing)
    before = fingerprint(empty)
    result = cli("--db", str(empty), "import", "feed", str(FEEDS / "history.atom"))
    assert result.code == 3 and "disk full" in result.err
    assert fingerprint(empty) == before


def test_a_feed_whose_every_entry_is_unreadable_fails(cli, empty: Path, tmp_path: Path) -> None:
    path = tmp_path / "hollow.atom"
    path.write_text('<feed xmlns="http://www.w3.org/2005/Atom"><title>T</title><entry><id>a</id><title>A</title>'
                    "<content type='html'>&lt;p&gt;no stamps&lt;/p&gt;</content></entry></feed>")
    before = fingerprint(empty)
    _fails_cleanly(cli("--db", str(empty), "import", "feed", str(path)), empty, before,
                   "no entry of hollow.atom could be read (entry 1 (a): no updates in its content: skipped)")


# ---------------------------------------------------------------- URLs


def test_a_feed_url_imports_and_follows_a_redirect(cli, empty: Path, server: str) -> None:
    result = cli("--db", str(empty), "import", "feed", f"{server}/history.atom", "--json")
    assert result.code == 0, result.err
    assert len(json.loads(result.out)["incidents"]) == 4
    moved = json.loads(cli("--db", str(empty), "import", "feed", f"{server}/moved", "--json").out)
    assert [i["created"] for i in moved["incidents"]] == [False] * 4  # the RSS, by way of a redirect
    shown = _show(cli, empty, "INC-1")
    assert shown["source"] == f"{SITE}/incidents/qmwh01aa"
    assert any(e["note"] == f"imported from {SITE}/incidents/qmwh01aa" for e in shown["history"])


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/", "is an HTML page, not an Atom or RSS feed"),
        ("/broken.atom", "is not a well-formed feed"),
        ("/missing.atom", "the server answered HTTP 404 Not Found"),
        ("/big", "the response is larger than 10 MB"),
        ("/big-announced", "the response is larger than 10 MB (52,428,800 bytes announced)"),
        ("/elsewhere", "Redirection to url 'file:///etc/passwd' is not allowed"),
    ],
)
def test_bad_answers_fail_cleanly(cli, empty: Path, server: str, path: str, message: str) -> None:
    before = fingerprint(empty)
    result = cli("--db", str(empty), "import", "feed", f"{server}{path}")
    _fails_cleanly(result, empty, before, message)
    assert f"127.0.0.1:{server.rsplit(':', 1)[1]}" in result.err  # the error names the address


@pytest.mark.parametrize(("path", "message"), [("/hang", "no answer within 0.5 s"),
                                               ("/drip", "no complete answer within 0.5 s")])
def test_a_server_that_never_finishes_times_out(cli, empty: Path, server: str, path: str, message: str) -> None:
    before = fingerprint(empty)
    started = time.monotonic()
    result = cli("--db", str(empty), "import", "feed", f"{server}{path}", "--timeout", "0.5")
    assert time.monotonic() - started < 5
    _fails_cleanly(result, empty, before, message)


def test_bad_addresses_and_timeouts_fail_cleanly(cli, empty: Path) -> None:
    before = fingerprint(empty)
    _fails_cleanly(cli("--db", str(empty), "import", "feed", "http://127.0.0.1:1/history.atom", "--timeout", "2"),
                   empty, before, "http://127.0.0.1:1/history.atom: cannot fetch")
    hidden = cli("--db", str(empty), "import", "feed", "https://user:secret@[::1/x?token=t")
    _fails_cleanly(hidden, empty, before, "https://[::1/x: cannot fetch")
    assert "secret" not in hidden.err and "token" not in hidden.err
    for value in ("0", "-1", "601"):
        _fails_cleanly(cli("--db", str(empty), "import", "feed", str(FEEDS / "history.atom"), "--timeout", value),
                       empty, before, "--timeout")
    missing = cli("--db", str(empty), "import", "feed", "no/such/history.atom")
    _fails_cleanly(missing, empty, before, "no/such/history.atom: cannot read")
