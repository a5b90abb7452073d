"""``tracker serve``: the app in a real headless browser (Debian's chromium driven by playwright), and its guards.

textual-serve's page draws the terminal with xterm.js on a canvas (WebGL or 2D), so the app's text is not
in the page's DOM. The browser test turns on xterm's screen-reader mode, which writes every row of the screen
into the DOM (``.xterm-accessibility-tree``) as a screen reader would read it, and waits for the app's text
there. The xterm Terminal is not exposed by textual-serve's script; an init script catches it when the page
assigns it (a one-shot setter for the ``terminal`` property) and switches the mode on.

Without chromium or playwright the browser test is skipped, unless ``TRACKER_REQUIRE_BROWSER`` is set
(as CI sets it), which makes it fail instead.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]
SCREEN_READER = """
Object.defineProperty(Object.prototype, 'terminal', {
  configurable: true,
  set(value) {
    delete Object.prototype.terminal;
    this.terminal = value;
    value.options.screenReaderMode = true;
  },
});
"""


def _browser_or_skip() -> None:
    missing = None
    if not Path(CHROMIUM).exists():
        missing = f"{CHROMIUM} is not installed (apt-get install chromium)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            missing = "playwright is not installed (pip install playwright)"
    if missing:
        if os.environ.get("TRACKER_REQUIRE_BROWSER"):
            pytest.fail(f"a browser is required (TRACKER_REQUIRE_BROWSER) but {missing}")
        pytest.skip(missing)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def served(tmp_path: Path, db_path: Path) -> Iterator[str]:
    """``tracker serve`` running on a free loopback port, in a process group of its own; its URL."""
    port = _free_port()
    log = (tmp_path / "serve.log").open("w")
    server = subprocess.Popen([sys.executable, "-m", "tracker", "--db", str(db_path), "serve", "--port", str(port)],
                              cwd=tmp_path, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                              start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            if server.poll() is not None:
                pytest.fail(f"tracker serve exited {server.returncode}: {(tmp_path / 'serve.log').read_text()[-2000:]}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail("tracker serve did not listen within 60 s")
                time.sleep(0.2)
        yield f"http://127.0.0.1:{port}/"
    finally:
        # The server and the app processes it started for the tabs share its process group.
        for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 10)):
            try:
                os.killpg(server.pid, sig)
            except ProcessLookupError:
                break
            try:
                server.wait(timeout=wait)
                break
            except subprocess.TimeoutExpired:
                continue
        log.close()


@pytest.mark.slow
def test_the_app_shows_its_incidents_in_a_browser(served: str) -> None:
    _browser_or_skip()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            page.add_init_script(SCREEN_READER)
            page.goto(served)
            screen = page.locator(".xterm-accessibility-tree")
            screen.get_by_text("INC-1", exact=False).first.wait_for(timeout=60_000)
            text = screen.inner_text()
            assert "Incidents (5)" in text and "Web push delivery issue" in text
            # Keys typed in the page reach the app: 3 opens the actions screen.
            page.locator(".xterm-helper-textarea").focus()
            page.keyboard.press("3")
            screen.get_by_text("tracker — 13 actions", exact=False).first.wait_for(timeout=30_000)
            screen.get_by_text("ACT-13", exact=False).first.wait_for(timeout=30_000)
        finally:
            browser.close()


def test_a_non_loopback_address_needs_public(cli, db_path: Path) -> None:
    result = cli("--db", str(db_path), "serve", "--host", "0.0.0.0")
    assert result.code == 1 and result.err.count("\n") == 1
    assert "--host 0.0.0.0: not a loopback address" in result.err and "no authentication" in result.err


def test_public_warns_and_serves_the_same_app(cli, db_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              tmp_path: Path) -> None:
    import textual_serve.server

    made = {}

    class Recorder:
        def __init__(self, command: str, **kwargs: object) -> None:
            made.update(command=command, **kwargs)

        def serve(self) -> None:
            made["served"] = True

    monkeypatch.setattr(textual_serve.server, "Server", Recorder)
    (tmp_path / "tracker.toml").write_text("[review]\nstale_days = 7\n")
    result = cli("--db", str(db_path), "serve", "--host", "192.0.2.10", "--port", "8123", "--public")
    assert result.code == 0, result.err
    assert "no authentication of its own" in result.err and "proxy that authenticates" in result.err
    assert made["host"] == "192.0.2.10" and made["port"] == 8123 and made["served"]
    config = tmp_path / "tracker.toml"
    assert made["command"] == (f"{sys.executable} -m tracker --db {db_path} --config {config} ui")


@pytest.mark.parametrize(("host", "loopback"), [
    ("127.0.0.1", True), ("127.1.2.3", True), ("::1", True), ("[::1]", True), ("localhost", True),
    ("0.0.0.0", False), ("::", False), ("10.0.0.1", False), ("tracker.example.com", False), ("", False),
])
def test_which_hosts_are_loopback(host: str, loopback: bool) -> None:
    from tracker.cli.serve import is_loopback

    assert is_loopback(host) is loopback


def test_bad_port_is_one_line(cli, db_path: Path) -> None:
    result = cli("--db", str(db_path), "serve", "--port", "70000")
    assert result.code == 1 and "--port 70000: expected 1 to 65535" in result.err
