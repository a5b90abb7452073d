"""``tracker notify`` against a real HTTP server on 127.0.0.1: success, rate limits, failures, hangs, refusals.

The server follows a script (one answer per request) and records what it received; every test also checks
that the webhook URL's secret path never appears in what the command printed.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

pytestmark = pytest.mark.date_sensitive

SECRET = "T0000/B0000/XXXXsecretXXXX"


class Hook:
    """A scripted webhook: ``answers`` are (status, headers) per request; "hang" never answers in time."""

    def __init__(self) -> None:
        self.answers: list[tuple[int, dict[str, str]] | str] = [(200, {})]
        self.received: list[tuple[float, str, dict]] = []
        self.release = threading.Event()
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the standard library's name
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                hook.received.append((time.monotonic(), self.path, json.loads(body)))
                answer = hook.answers.pop(0) if len(hook.answers) > 1 else hook.answers[0]
                if answer == "hang":
                    hook.release.wait(10)
                    return
                status, headers = answer  # type: ignore[misc]
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                text = b"ok" if status == 200 else b"invalid_token" if status == 403 else b"try later"
                self.send_header("Content-Length", str(len(text)))
                self.end_headers()
                self.wfile.write(text)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}/services/{SECRET}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def hook(monkeypatch: pytest.MonkeyPatch) -> Iterator[Hook]:
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "TRACKER_WEBHOOK_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("no_proxy", "*")
    server = Hook()
    yield server
    server.stop()


def notify(cli, db_path: Path, *args: str):  # type: ignore[no-untyped-def]
    result = cli("--db", str(db_path), "notify", *args)
    assert SECRET not in result.out + result.err and "secret" not in result.err
    return result


def test_posted_once_on_200(cli, db_path: Path, hook: Hook) -> None:
    result = notify(cli, db_path, "--webhook", hook.url)
    assert result.code == 0, result.err
    port = hook.server.server_port
    assert result.err.startswith(f"Posted the digest to http://127.0.0.1:{port}/… (HTTP 200): 4 overdue")
    assert len(hook.received) == 1
    _, path, body = hook.received[0]
    assert path == f"/services/{SECRET}" and set(body) == {"text", "blocks"} and "4 overdue" in body["text"]


def test_json_format_posts_the_digest(cli, db_path: Path, hook: Hook) -> None:
    result = notify(cli, db_path, "--webhook", hook.url, "--format", "json")
    assert result.code == 0, result.err
    body = hook.received[0][2]
    assert body["date"] == "2026-11-23" and body["counts"]["overdue"] == 4


def test_429_waits_for_retry_after_then_posts(cli, db_path: Path, hook: Hook) -> None:
    hook.answers = [(429, {"Retry-After": "1"}), (200, {})]
    result = notify(cli, db_path, "--webhook", hook.url, "--timeout", "5")
    assert result.code == 0, result.err
    assert len(hook.received) == 2 and hook.received[1][0] - hook.received[0][0] >= 0.95
    assert hook.received[0][2] == hook.received[1][2]


def test_500_three_times_gives_up_with_one_line(cli, db_path: Path, hook: Hook) -> None:
    hook.answers = [(500, {})]
    started = time.monotonic()
    result = notify(cli, db_path, "--webhook", hook.url)
    assert result.code == 1 and result.out == ""
    port = hook.server.server_port
    assert result.err == (f"tracker: error: webhook http://127.0.0.1:{port}/…: HTTP 500 after 3 attempts"
                          " (try later)\n")
    assert len(hook.received) == 3 and time.monotonic() - started >= 1.4  # backed off 0.5 s, then 1 s


def test_403_is_not_retried(cli, db_path: Path, hook: Hook) -> None:
    hook.answers = [(403, {})]
    result = notify(cli, db_path, "--webhook", hook.url)
    assert result.code == 1 and result.err.endswith(": HTTP 403 (invalid_token)\n") and len(hook.received) == 1


def test_a_hang_past_the_timeout(cli, db_path: Path, hook: Hook) -> None:
    hook.answers = ["hang"]
    started = time.monotonic()
    result = notify(cli, db_path, "--webhook", hook.url, "--timeout", "0.5")
    assert result.code == 1 and result.err.count("\n") == 1
    assert "no answer within 0.5 s (not retried: it may have arrived)" in result.err
    assert len(hook.received) == 1 and time.monotonic() - started < 5


def test_a_refused_connection(cli, db_path: Path, hook: Hook) -> None:
    with socket.socket() as probe:  # a port nothing listens on once closed
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = notify(cli, db_path, "--webhook", f"http://127.0.0.1:{port}/services/{SECRET}", "--timeout", "2")
    assert result.code == 1
    assert result.err == f"tracker: error: webhook http://127.0.0.1:{port}/…: connection refused (nothing listens" \
                         " there)\n"


def test_dry_run_prints_the_payload_and_sends_nothing(cli, db_path: Path, hook: Hook) -> None:
    result = notify(cli, db_path, "--webhook", hook.url, "--dry-run")
    assert result.code == 0 and hook.received == []
    assert set(json.loads(result.out)) == {"text", "blocks"}
    bare = notify(cli, db_path, "--dry-run", "--format", "json")  # no URL needed to look
    assert bare.code == 0 and json.loads(bare.out)["counts"]["overdue"] == 4


def test_the_url_from_the_environment_then_the_settings_file(cli, db_path: Path, hook: Hook, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "tracker.toml").write_text(f'[notify]\nwebhook_url = "{hook.url}?from=file"\n')
    assert notify(cli, db_path).code == 0
    monkeypatch.setenv("TRACKER_WEBHOOK_URL", f"{hook.url}?from=env")
    assert notify(cli, db_path).code == 0
    assert [path.split("?")[1] for _, path, _ in hook.received] == ["from=file", "from=env"]


@pytest.mark.parametrize(("args", "says"), [
    ((), "no webhook URL: give --webhook URL, set TRACKER_WEBHOOK_URL, or [notify] webhook_url"),
    (("--webhook", f"ftp://example.com/{SECRET}"), "must start with https://"),
    (("--webhook", "http://127.0.0.1/x", "--timeout", "0"), "--timeout 0"),
])
def test_bad_input_is_one_line(cli, db_path: Path, hook: Hook, args: tuple[str, ...], says: str) -> None:
    result = notify(cli, db_path, *args)
    assert result.code == 1 and says in result.err and result.err.count("\n") == 1 and hook.received == []
