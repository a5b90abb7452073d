"""Issue 13, item 10: the command line on a terminal (colour, its width, a legend), piped (plain, as
before) and under NO_COLOR; open actions by default, a sentence when nothing matches, newest incidents
first, and JSON exactly as it was."""

from __future__ import annotations

import json
import os
import pty
import re
import subprocess
import sys
from pathlib import Path

import pytest

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def on_terminal(args: list[str], cwd: Path, columns: int = 80, **env: str) -> str:
    """``tracker ARGS`` with its standard output on a pseudo-terminal ``columns`` wide; what it printed."""
    leader, follower = pty.openpty()
    environment = {**os.environ, "COLUMNS": str(columns), "LINES": "24", **env}
    for name in ("NO_COLOR", "FORCE_COLOR"):
        if name not in env:
            environment.pop(name, None)
    done = subprocess.run([sys.executable, "-m", "tracker", *args], cwd=cwd, stdout=follower,
                          stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, env=environment, timeout=60, check=False)
    os.close(follower)
    chunks = []
    while True:
        try:
            data = os.read(leader, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    os.close(leader)
    assert done.returncode == 0, done.stderr
    return b"".join(chunks).decode().replace("\r\n", "\n")


def piped(args: list[str], cwd: Path, **env: str) -> str:
    environment = {**os.environ, **env}
    environment.pop("COLUMNS", None)
    done = subprocess.run([sys.executable, "-m", "tracker", *args], cwd=cwd, capture_output=True, text=True,
                          env=environment, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_on_a_terminal_actions_are_coloured_fit_its_width_and_explain_the_marker(db_path: Path) -> None:
    out = on_terminal(["--db", str(db_path), "actions", "list"], db_path.parent)
    assert ANSI.search(out), out  # colour
    plain = ANSI.sub("", out)
    lines = plain.splitlines()
    assert all(len(line) <= 80 for line in lines), [line for line in lines if len(line) > 80]
    assert any(line.endswith("…") for line in lines)  # long titles shortened
    assert "! overdue: past its due date and still open" in plain
    assert " done " not in plain and "wont_do" not in plain  # open work only by default
    assert "\x1b[1;31m2021-07-30!" in out  # overdue in red


def test_no_color_and_color_never_keep_a_terminal_plain_but_fitted(db_path: Path) -> None:
    for extra, env in (([], {"NO_COLOR": "1"}), (["--color", "never"], {"FORCE_COLOR": "1"})):
        out = on_terminal(["--db", str(db_path), *extra, "actions", "list"], db_path.parent, **env)
        assert not ANSI.search(out), (extra, env)
        assert all(len(line) <= 80 for line in out.splitlines())


def test_piped_output_is_plain_and_full_width(db_path: Path) -> None:
    out = piped(["--db", str(db_path), "actions", "list"], db_path.parent)
    assert not ANSI.search(out)
    assert "Finish the multi-datacenter message-queue migration" in out  # not shortened
    assert "legend" not in out and "past its due date" not in out
    forced = piped(["--db", str(db_path), "actions", "list"], db_path.parent, FORCE_COLOR="1")
    assert ANSI.search(forced) and ANSI.sub("", forced) == out
    always = piped(["--db", str(db_path), "actions", "list", "--color", "always"], db_path.parent, NO_COLOR="1")
    assert ANSI.search(always)


def test_actions_list_shows_open_work_by_default_and_all_with_all(cli, db_path: Path) -> None:
    default = cli("--db", str(db_path), "actions", "list").out
    everything = cli("--db", str(db_path), "actions", "list", "--all").out
    done = cli("--db", str(db_path), "actions", "list", "--status", "done").out
    assert " done " not in default and " done " in everything and " open " in everything
    assert len(everything.splitlines()) > len(default.splitlines())
    assert {line.split()[2] for line in done.splitlines()[1:]} == {"done"}
    help_text = " ".join(cli("actions", "list", "--help").out.split())
    assert "--all every status" in help_text and "default: the open ones" in help_text


def test_nothing_matching_says_so(cli, db_path: Path) -> None:
    out = cli("--db", str(db_path), "actions", "list", "--owner", "nobody-at-all").out
    assert out.startswith("no actions match") and "KEY" not in out


def test_json_is_unchanged_and_incidents_are_newest_first_in_text(cli, db_path: Path) -> None:
    data = json.loads(cli("--db", str(db_path), "actions", "list", "--json").out)
    assert {item["status"] for item in data} >= {"done", "open"}  # --json lists every action, as it did
    assert "\x1b" not in cli("--db", str(db_path), "actions", "list", "--json", "--color", "always").out
    keys = [line.split()[0] for line in cli("--db", str(db_path), "incidents", "list").out.splitlines()[1:]
            if line.startswith("INC-")]
    numbers = [int(k.split("-")[1]) for k in keys]
    assert numbers == sorted(numbers, reverse=True)
    listed = json.loads(cli("--db", str(db_path), "incidents", "list", "--json").out)
    assert [item["id"] for item in listed] == sorted((item["id"] for item in listed),
                                                      key=lambda k: int(k.split("-")[1]))


@pytest.mark.parametrize("command", [["rootcauses", "list"], ["incidents", "list"]])
def test_other_listings_fit_a_terminal(db_path: Path, command: list[str]) -> None:
    out = ANSI.sub("", on_terminal(["--db", str(db_path), *command], db_path.parent, columns=100))
    assert all(len(line) <= 100 for line in out.splitlines()), out
