"""The command line's grammar: every command, verb and flag. Only the command being run is built in full."""

from __future__ import annotations

import argparse
import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn, TypeAlias


class UsageError(Exception):
    """A command line that does not parse; argparse's message, exit 2."""


class _Formatter(argparse.HelpFormatter):
    """Help text sized to the terminal without argparse importing shutil for every parser."""

    def __init__(self, prog: str) -> None:
        try:
            width = os.get_terminal_size().columns
        except OSError:
            width = 100
        super().__init__(prog, width=max(min(width, 120) - 2, 40))


class _Parser(argparse.ArgumentParser):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _Formatter)
        kwargs.setdefault("allow_abbrev", False)  # --all must never be read as --allow-secrets
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message} (see: {self.prog} --help)")


def _whole(text: str) -> int:
    """A whole number in ASCII digits (``int`` alone would take ``١``, ``1_000`` and `` 7 ``)."""
    if not re.fullmatch(r"-?[0-9]{1,12}", text):
        raise argparse.ArgumentTypeError(f"not a whole number: {text[:40]!r}")
    return int(text)


COLOR_HELP = ("colour on a terminal: auto (default: on a terminal, unless NO_COLOR is set; FORCE_COLOR forces it),"
              " always or never")


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", default=argparse.SUPPRESS, help="database: SQLite path or SQLAlchemy URL")
    parser.add_argument("--color", choices=["auto", "always", "never"], default=argparse.SUPPRESS, help=COLOR_HELP)


COMMAND_HELP = {
    "ui": "open the terminal app (the default when run in a terminal)",
    "summary": "print a short summary (the default when output is not a terminal)",
    "init": "create a database",
    "incidents": "list, show and add incidents",
    "rootcauses": "the root-cause taxonomy",
    "actions": "corrective and preventive actions",
    "runbooks": "runbooks in git: list, show, status, commit, pull, push, sync",
    "import": "import a status-page report (text, markdown or JSON), a history feed or a whole TOML export",
    "export": "export the database (TOML), a postmortem (markdown), the actions (CSV) or a calendar (ICS)",
    "review": "the weekly action review: what slipped, what got done, coverage gaps, recurrence",
    "insights": "action SLOs, time to close, recurrence, prevention that did not prevent, over weeks",
    "metrics": "Prometheus gauges (actions open, overdue, past SLO; incidents; stale runbooks; causes)",
    "notify": "post the day's digest (overdue, due soon, past SLO, stale runbooks, by owner) to a webhook",
    "serve": "serve the app to web browsers (textual-serve; loopback only unless --public)",
    "db": "database maintenance",
    "sync": "share everything through git: the team ledger, then the runbooks (pull, push)",
    "ledger": "the team ledger in git: init, sync, status, conflicts, resolve, rebuild, doctor",
}


Commands: TypeAlias = "argparse._SubParsersAction[_Parser]"
"""The ``tracker COMMAND`` level of the parser, where each command adds its own parser."""


class _Verbs:
    """A command's verbs; only the verb being run gets its arguments built (start-up cost)."""

    def __init__(self, commands: Commands, name: str, wanted: str | None) -> None:
        parser = commands.add_parser(name, help=COMMAND_HELP[name])
        self.sub = parser.add_subparsers(dest="verb", metavar="VERB", parser_class=_Parser, required=True)
        self.wanted = wanted

    def add(self, verb: str, help: str) -> argparse.ArgumentParser | None:  # noqa: A002
        parser = self.sub.add_parser(verb, help=help)
        if self.wanted is not None and verb != self.wanted:
            return None
        _common(parser)
        return parser


def _add_ui(commands: Commands, verb: str | None = None) -> None:
    ui = commands.add_parser("ui", help=COMMAND_HELP["ui"])
    _common(ui)
    ui.add_argument("--screen", default="incidents",
                    help="first screen: incidents (default), causes, actions, runbooks, review or insights")


def _add_summary(commands: Commands, verb: str | None = None) -> None:
    _common(commands.add_parser("summary", help=COMMAND_HELP["summary"]))


def _add_init(commands: Commands, verb: str | None = None) -> None:
    init = commands.add_parser("init", help=COMMAND_HELP["init"])
    _common(init)
    which = init.add_mutually_exclusive_group()
    which.add_argument("--demo", action="store_true", help="with the demo catalog (default)")
    which.add_argument("--empty", action="store_true", help="with no data")


TIME_HELP = "now, or ISO 8601 such as 2026-11-23T09:30Z or 2026-11-23T10:30+01:00 (no offset: UTC)"
STATUSES = "investigating, identified, monitoring, resolved, postmortem, closed"


def _postmortem_flags(p: argparse.ArgumentParser) -> None:
    """The write-up, given inline or from a markdown file (``-``: standard input); one or the other."""
    group = p.add_mutually_exclusive_group()
    group.add_argument("--postmortem", metavar="TEXT", help="the postmortem write-up (markdown)")
    group.add_argument("--postmortem-file", metavar="FILE", help="read the postmortem from a file (- for stdin)")


def _versioned(p: argparse.ArgumentParser) -> None:
    p.add_argument("--expect-version", type=int, metavar="N",
                   help="refuse the change unless the incident is still at version N (the one you loaded)")
    p.add_argument("--json", action="store_true")


def _add_incidents(commands: Commands, verb: str | None = None) -> None:
    verbs = _Verbs(commands, "incidents", verb)
    if p := verbs.add("list", help="every incident"):
        p.add_argument("--limit", type=int, help="at most this many rows")
        p.add_argument("--json", action="store_true")
    if p := verbs.add("show", help="one incident in full, with its timeline and history"):
        p.add_argument("key", metavar="INC-n")
        p.add_argument("--json", action="store_true")
    if p := verbs.add("add", help="open an incident (or record one after the fact)"):
        p.add_argument("--title", required=True)
        p.add_argument("--started", required=True, help=TIME_HELP)
        p.add_argument("--severity", default="SEV3", help="SEV1..SEV4 (default SEV3)")
        p.add_argument("--kind", default="incident", help="incident (default) or maintenance")
        p.add_argument("--status", default="investigating",
                       help=f"{STATUSES.replace(', closed', '')} (default investigating)")
        p.add_argument("--detected", help=f"default: the start; {TIME_HELP}")
        p.add_argument("--mitigated", help=TIME_HELP)
        p.add_argument("--resolved", help=f"needed for resolved and postmortem; {TIME_HELP}")
        p.add_argument("--summary", default="")
        p.add_argument("--impact", default="")
        p.add_argument("--customer-action", default="")
        p.add_argument("--source", default="", help="a link to the report or channel")
        _postmortem_flags(p)
        p.add_argument("--component", action="append", metavar="NAME",
                       help='affected component, "Group / Name" or "Name" (repeatable)')
        p.add_argument("--note", default="", help="kept in the history")
        p.add_argument("--json", action="store_true")
    if p := verbs.add("update", help="change an incident: fields, times, status (each change in its history)"):
        p.add_argument("key", metavar="INC-n")
        p.add_argument("--title")
        p.add_argument("--severity", help="SEV1..SEV4")
        p.add_argument("--kind", help="incident or maintenance")
        p.add_argument("--status", help=f"{STATUSES}; going back needs --note")
        for flag in ("started", "detected", "mitigated", "resolved"):
            p.add_argument(f"--{flag}", help=TIME_HELP + ("" if flag == "started" else '; "" clears it'))
        p.add_argument("--summary")
        p.add_argument("--impact")
        p.add_argument("--customer-action")
        p.add_argument("--source", help="a link to the report or channel")
        _postmortem_flags(p)
        p.add_argument("--add-component", action="append", metavar="NAME", help='"Group / Name" or "Name"')
        p.add_argument("--remove-component", action="append", metavar="NAME")
        p.add_argument("--note", default="", help="why (needed to go back a status, and with --force)")
        p.add_argument("--force", action="store_true",
                       help="close even with something missing (needs --note, kept in the history)")
        _versioned(p)
    if p := verbs.add("log", help="add a timeline entry (default: stamped now)"):
        p.add_argument("key", metavar="INC-n")
        p.add_argument("text", metavar="TEXT")
        p.add_argument("--at", help=TIME_HELP)
        p.add_argument("--label", default="", help="e.g. Investigating, Update, Mitigated")
        _versioned(p)
    if p := verbs.add("log-edit", help="correct a timeline entry (the history keeps what it said)"):
        p.add_argument("key", metavar="INC-n")
        p.add_argument("entry", metavar="ENTRY-ID", help="the entry's number, as incidents show prints it (#12)")
        p.add_argument("--text")
        p.add_argument("--at", help=TIME_HELP)
        p.add_argument("--label")
        p.add_argument("--note", default="", help="why")
        _versioned(p)
    if p := verbs.add("log-rm", help="remove a timeline entry (the history keeps what it said)"):
        p.add_argument("key", metavar="INC-n")
        p.add_argument("entry", metavar="ENTRY-ID")
        p.add_argument("--note", default="", help="why")
        _versioned(p)
    if p := verbs.add("link", help="link a root cause, or change the role it played"):
        p.add_argument("key", metavar="INC-n")
        p.add_argument("slug", metavar="SLUG")
        p.add_argument("--role", required=True, help="root, trigger or contributing")
        p.add_argument("--note", default="", help="how the cause played its part")
        _versioned(p)
    if p := verbs.add("unlink", help="remove a root cause from the incident"):
        p.add_argument("key", metavar="INC-n")
        p.add_argument("slug", metavar="SLUG")
        p.add_argument("--note", default="", help="why")
        _versioned(p)


def _add_rootcauses(commands: Commands, verb: str | None = None) -> None:
    verbs = _Verbs(commands, "rootcauses", verb)
    if p := verbs.add("list", help="every cause with its incidents and prevent actions"):
        p.add_argument("--json", action="store_true")
    if p := verbs.add("show", help="one cause in full (an old slug of it works too)"):
        p.add_argument("slug", metavar="SLUG")
        p.add_argument("--json", action="store_true")
    if p := verbs.add("add", help="add a cause to the taxonomy (a close title asks: did you mean ...?)"):
        p.add_argument("slug", metavar="SLUG", help="2 to 60 lowercase letters, digits and hyphens")
        p.add_argument("--title", required=True)
        p.add_argument("--category", default="")
        p.add_argument("--description", default="")
        p.add_argument("--force", action="store_true", help="add even when an existing cause is close")
        p.add_argument("--json", action="store_true")
    if p := verbs.add("update", help="change a cause's title, category or description"):
        p.add_argument("slug", metavar="SLUG")
        p.add_argument("--title")
        p.add_argument("--category")
        p.add_argument("--description")
        p.add_argument("--json", action="store_true")
    if p := verbs.add("rename", help="give a cause a new slug (the old one keeps naming it)"):
        p.add_argument("old", metavar="OLD")
        p.add_argument("new", metavar="NEW")
        p.add_argument("--json", action="store_true")
    if p := verbs.add("merge", help="merge one cause into another: links and actions move, FROM stays an alias"):
        p.add_argument("source", metavar="FROM")
        p.add_argument("target", metavar="INTO")
        p.add_argument("--dry-run", action="store_true", help="say what would move, change nothing")
        p.add_argument("--json", action="store_true")
    if p := verbs.add("retire", help="take a cause out of the pickers (old incidents still show it)"):
        p.add_argument("slug", metavar="SLUG")
        p.add_argument("--undo", action="store_true", help="bring a retired cause back")
        p.add_argument("--json", action="store_true")
    if p := verbs.add("suggest", help="the causes closest to an incident, or to some words"):
        p.add_argument("words", nargs="*", metavar="WORD")
        p.add_argument("--incident", metavar="INC-n")
        p.add_argument("--limit", type=int, default=8)
        p.add_argument("--json", action="store_true")


def _add_actions(commands: Commands, verb: str | None = None) -> None:
    verbs = _Verbs(commands, "actions", verb)
    if p := verbs.add("list", help="open actions matching every filter given (--all: closed ones too)"):
        p.add_argument("--status", action="append",
                       help="repeatable: proposed, open, in_progress, blocked, done, wont_do (default: the open"
                            " ones, proposed to blocked)")
        p.add_argument("--all", action="store_true",
                       help="every status, done and won't do included (--json always lists every status"
                            " unless --status is given)")
        p.add_argument("--owner", help="owner handle")
        p.add_argument("--unowned", action="store_true", help="only actions with no owner")
        p.add_argument("--kind", action="append", help="repeatable: prevent, mitigate, detect, repair, process")
        p.add_argument("--priority", action="append", help="repeatable: P1, P2, P3")
        p.add_argument("--overdue", action="store_true", help="open actions past their due date")
        p.add_argument("--due-within", type=_whole, metavar="DAYS", help="open actions due in the next DAYS days")
        p.add_argument("--incident", metavar="INC-n")
        p.add_argument("--root-cause", metavar="SLUG")
        p.add_argument("--sort", default="due", help="due (default), priority, updated or id")
        p.add_argument("--limit", type=_whole, help="at most this many rows")
        p.add_argument("--json", action="store_true")
    if p := verbs.add("add", help="add an action to an incident or a root cause"):
        p.add_argument("title", metavar="TITLE")
        p.add_argument("--incident", metavar="INC-n")
        p.add_argument("--root-cause", metavar="SLUG")
        p.add_argument("--owner")
        p.add_argument("--due", help="YYYY-MM-DD, today, tomorrow, +Nd or +Nw (default: the end of its priority's SLO)")
        p.add_argument("--priority", default="P2", help="P1, P2 (default) or P3")
        p.add_argument("--kind", default="prevent", help="prevent (default), mitigate, detect, repair, process")
        p.add_argument("--status", default="open", help="initial status (default open)")
        p.add_argument("--description", default="")
        p.add_argument("--note", default="", help="why (kept in the history)")
        p.add_argument("--json", action="store_true")
    if p := verbs.add("update", help="change an action (each change lands in its history)"):
        p.add_argument("key", metavar="ACT-n")
        p.add_argument("--status")
        p.add_argument("--owner", help='owner handle ("" to unassign)')
        p.add_argument("--due", help="YYYY-MM-DD, today, tomorrow, +Nd, +Nw")
        p.add_argument("--priority")
        p.add_argument("--kind")
        p.add_argument("--title")
        p.add_argument("--description")
        p.add_argument("--incident", metavar="INC-n", help='link to an incident ("" to unlink)')
        p.add_argument("--root-cause", metavar="SLUG", help='link to a root cause ("" to unlink)')
        p.add_argument("--runbook", metavar="PATH", help='runbook path ("" to unlink)')
        p.add_argument("--note", default="", help="why (required for blocked and wont_do)")
        p.add_argument(
            "--expect-version", type=_whole, metavar="N",
            help="refuse the change unless the action is still at version N (the one you loaded)",
        )
        p.add_argument("--json", action="store_true")
    if p := verbs.add("show", help="one action with its history"):
        p.add_argument("key", metavar="ACT-n")
        p.add_argument("--json", action="store_true")
    if p := verbs.add("next", help="what to do next: open actions by a score that explains itself"):
        p.add_argument("--owner", help="only this owner's actions")
        p.add_argument("--limit", type=int, default=10, help="at most this many (default 10)")
        p.add_argument("--json", action="store_true", help="with each score and why: the parts that made it")


def _add_runbooks(commands: Commands, verb: str | None = None) -> None:
    verbs = _Verbs(commands, "runbooks", verb)
    if p := verbs.add("list", help="indexed runbooks with their causes and staleness"):
        p.add_argument("--stale", action="store_true", help="only runbooks that need a review")
        p.add_argument("--json", action="store_true")
    if p := verbs.add("new", help="write a new runbook from the template (inside the runbooks folder)"):
        p.add_argument("path", metavar="PATH", help="e.g. runbooks/disk-full.md (.md is added when missing)")
        p.add_argument("--title", required=True)
        p.add_argument("--cause", action="append", default=[], metavar="SLUG", help="a root cause it covers")
        p.add_argument("--owner", default="")
        p.add_argument("--services", default="", metavar="S,...", help="comma-separated service names")
        p.add_argument("--json", action="store_true")
    if p := verbs.add("show", help="one runbook: front matter, staleness, text"):
        p.add_argument("path", metavar="PATH")
        p.add_argument("--json", action="store_true")
    if p := verbs.add("status", help="branch, remote, and the git state of each runbook"):
        p.add_argument("--json", action="store_true")
    if p := verbs.add("commit", help="commit runbooks (default: all modified ones), nothing else"):
        p.add_argument("paths", nargs="*", metavar="PATH")
        p.add_argument("-m", "--message", required=True)
        p.add_argument("--refs", action="append", default=[], metavar="ACT-n", help="adds a Refs: trailer")
        p.add_argument("--closes", action="append", default=[], metavar="ACT-n",
                       help="adds a Closes: trailer and marks the action done")
        p.add_argument("--allow-secrets", action="store_true", help="commit even if the secret check objects")
        p.add_argument("--allow-invalid", action="store_true",
                       help="commit even a runbook that is not valid text with front matter, or holds conflict markers")
    if p := verbs.add("pull", help="pull (fast-forward only unless --rebase)"):
        p.add_argument("--rebase", action="store_true")
    verbs.add("push", help="push the current branch")
    if p := verbs.add("sync", help="pull (rebase), then push"):
        p.add_argument("--ff-only", action="store_true", help="pull fast-forward only")
    verbs.add("abort", help="abort a pull that stopped on conflicts (back to before it)")
    if p := verbs.add("continue", help="after resolving conflicts in PATHs, finish the pull"):
        p.add_argument("paths", nargs="+", metavar="PATH")


def _add_import(commands: Commands, verb: str | None = None) -> None:
    verbs = _Verbs(commands, "import", verb)
    if p := verbs.add("statuspage", help="a status-page incident report: page text, markdown or API JSON"
                                         " (- reads stdin)"):
        p.add_argument("file", metavar="FILE|-")
        p.add_argument("--dry-run", action="store_true", help="show what would be created, write nothing")
        p.add_argument("--cause", action="append", default=[], metavar="SLUG",
                       help="link this root cause (repeatable); suggestions are never applied without it")
        p.add_argument("--accept-suggested", action="store_true",
                       help="link the best suggested root cause that exists in the taxonomy")
        p.add_argument("--no-actions", action="store_true", help="do not add the proposed actions")
        p.add_argument("--json", action="store_true")
    if p := verbs.add("feed", help="every incident of a status page's history feed (Atom or RSS): file or URL"):
        p.add_argument("file", metavar="FILE|URL")
        p.add_argument("--since", metavar="DATE",
                       help="only entries updated since this day (YYYY-MM-DD) or time (ISO 8601)")
        p.add_argument("--dry-run", action="store_true", help="show what each entry would do, write nothing")
        p.add_argument("--timeout", type=float, default=20.0, metavar="SECONDS",
                       help="give up on a URL after this many seconds (default 20)")
        p.add_argument("--json", action="store_true")
    if p := verbs.add("toml", help="a whole-database TOML export, into an empty database"):
        p.add_argument("file", metavar="FILE|-")


def _add_export(commands: Commands, verb: str | None = None) -> None:
    verbs = _Verbs(commands, "export", verb)
    if p := verbs.add("toml", help="the whole database as TOML"):
        p.add_argument("file", metavar="FILE|-")
        _force(p)
    if p := verbs.add("md", help="one incident as a postmortem in markdown"):
        p.add_argument("key", metavar="INC-n")
        p.add_argument("-o", "--output", metavar="FILE", help="write here instead of standard output")
        _force(p)
    if p := verbs.add("csv", help="the actions as CSV (for spreadsheets)"):
        p.add_argument("what", choices=["actions"])
        p.add_argument("-o", "--output", metavar="FILE", help="write here instead of standard output")
        _force(p)
    if p := verbs.add("ics", help="open actions as an iCalendar file: an all-day event on each due date"):
        p.add_argument("-o", "--output", metavar="FILE", help="write here (atomically) instead of standard output")
        p.add_argument("--owner", help="only this owner's actions")
        _force(p)


def _force(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--force", action="store_true", help="replace FILE if it exists (never the database)")


def _add_review(commands: Commands, verb: str | None = None) -> None:
    p = commands.add_parser("review", help=COMMAND_HELP["review"])
    _common(p)
    p.add_argument("--week", metavar="YYYY-Www", help="ISO week, e.g. 2026-W48 (default: the current one)")
    p.add_argument("--format", choices=["text", "md", "json"], default="text",
                   help="text (default): a terminal summary; md: the report; json: the same content")
    p.add_argument("--write", action="store_true",
                   help="write the report to runbooks/reviews/YYYY-Www.md (replacing that week's file)")
    p.add_argument("--commit", action="store_true", help="write it, then commit that file alone (implies --write)")


def _add_insights(commands: Commands, verb: str | None = None) -> None:
    p = commands.add_parser("insights", help=COMMAND_HELP["insights"])
    _common(p)
    p.add_argument("--weeks", type=int, default=12, metavar="N", help="ISO weeks ending with today's (default 12)")
    p.add_argument("--format", choices=["text", "md", "json"], default="text",
                   help="text (default): a terminal summary; md: a report; json: the same content on one line")


def _add_metrics(commands: Commands, verb: str | None = None) -> None:
    p = commands.add_parser("metrics", help=COMMAND_HELP["metrics"])
    _common(p)
    p.add_argument("-o", "--output", metavar="FILE",
                   help="write here atomically, replacing it (a *.prom file for node_exporter's textfile collector)")


def _add_notify(commands: Commands, verb: str | None = None) -> None:
    p = commands.add_parser("notify", help=COMMAND_HELP["notify"])
    _common(p)
    p.add_argument("--webhook", metavar="URL",
                   help="where to post (default: TRACKER_WEBHOOK_URL, then [notify] webhook_url); a secret")
    p.add_argument("--format", choices=["slack", "json"], default="slack",
                   help="slack (default): a Slack-compatible message (text and blocks); json: the digest as JSON")
    p.add_argument("--dry-run", action="store_true", help="print the payload, send nothing")
    p.add_argument("--timeout", type=float, default=10.0, metavar="SECONDS",
                   help="give up on an attempt after this long (default 10)")


def _add_serve(commands: Commands, verb: str | None = None) -> None:
    p = commands.add_parser("serve", help=COMMAND_HELP["serve"])
    _common(p)
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    p.add_argument("--public", action="store_true",
                   help="allow a non-loopback --host: no authentication here, so only behind an authenticating proxy")
    p.add_argument("--public-url", metavar="URL",
                   help="the address browsers use, when it differs (e.g. https://tracker.example.com behind a proxy)")


def _add_db(commands: Commands, verb: str | None = None) -> None:
    verbs = _Verbs(commands, "db", verb)
    verbs.add("upgrade", help="upgrade the schema (after a backup)")
    if p := verbs.add("check", help="integrity, schema version and row counts"):
        p.add_argument("--json", action="store_true")


def _add_sync(commands: Commands, verb: str | None = None) -> None:
    p = commands.add_parser("sync", help=COMMAND_HELP["sync"])
    _common(p)
    p.add_argument("--json", action="store_true")


def _add_ledger(commands: Commands, verb: str | None = None) -> None:
    verbs = _Verbs(commands, "ledger", verb)
    verbs.add("init", help="start the team ledger from this database (keys and histories kept), and push it")
    if p := verbs.add("sync", help="share the team ledger only (tracker sync does the runbooks too)"):
        p.add_argument("--json", action="store_true")
    if p := verbs.add("status", help="operations not synced yet, commits not applied, conflicts"):
        p.add_argument("--json", action="store_true")
    if p := verbs.add("conflicts", help="fields changed on two clones at once, and statuses the rules forbid"):
        p.add_argument("--json", action="store_true")
    if p := verbs.add("resolve", help="settle a conflict: keep one of the values (or give another)"):
        p.add_argument("key", metavar="KEY", help="as conflicts lists it: ACT-n, INC-n, a slug, INC-n #m")
        p.add_argument("field", metavar="FIELD")
        which = p.add_mutually_exclusive_group(required=True)
        which.add_argument("--pick", type=int, metavar="N", help="the value numbered N in the conflict's list")
        which.add_argument("--value", metavar="TEXT", help="another value")
    verbs.add("rebuild", help="write every table again from all the operations")
    if p := verbs.add("doctor", help="check that the database equals a full rebuild and matches the ledger"):
        p.add_argument("--json", action="store_true")


BUILDERS = {
    "ui": _add_ui,
    "summary": _add_summary,
    "init": _add_init,
    "incidents": _add_incidents,
    "rootcauses": _add_rootcauses,
    "actions": _add_actions,
    "runbooks": _add_runbooks,
    "import": _add_import,
    "export": _add_export,
    "review": _add_review,
    "insights": _add_insights,
    "metrics": _add_metrics,
    "notify": _add_notify,
    "serve": _add_serve,
    "db": _add_db,
    "sync": _add_sync,
    "ledger": _add_ledger,
}


def _command_words(argv: Sequence[str]) -> tuple[str | None, str | None]:
    """The command and verb named in ``argv`` (None when absent or unknown)."""
    words: list[str] = []
    skip = False
    for arg in argv:
        if skip:
            skip = False
        elif arg in ("--db", "--config", "--color"):
            skip = True
        elif not arg.startswith("-"):
            words.append(arg)
            if len(words) == 2:
                break
    command = words[0] if words and words[0] in BUILDERS else None
    return command, (words[1] if command and len(words) > 1 else None)


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The whole parser; given ``argv``, only the named command's tree is built in full (start-up cost)."""
    parser = _Parser(prog="tracker", description="Post-incident runbook and corrective-action tracker.")
    parser.add_argument("--db", help="database: SQLite path or SQLAlchemy URL (default: TRACKER_DB, ./actions.db)")
    parser.add_argument("--config", type=Path, help="settings file (default: ./tracker.toml)")
    parser.add_argument("--color", choices=["auto", "always", "never"], default="auto", help=COLOR_HELP)
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    wanted, verb = _command_words(argv) if argv is not None else (None, None)
    for name, builder in BUILDERS.items():
        if wanted is None or name == wanted:
            builder(commands, verb)
        else:
            commands.add_parser(name, help=COMMAND_HELP[name])
    return parser
