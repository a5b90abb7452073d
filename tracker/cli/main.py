"""The ``tracker`` command: parse arguments, call a service, print. Nothing more.

One module per noun (``incidents``, ``rootcauses``, ``actions``, ``runbooks``, ``review``, ``exchange``
for import and export, ``db``, ``app`` for the app, summary and init); ``parser`` is the grammar and
``output`` the text and JSON forms. Only the module of the command being run is imported.

Exit codes: 0 success, 1 a user error (bad value, unknown key, stale write, bad database),
2 a usage error (unknown command or flag), 130 interrupted.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Callable, Sequence

from tracker.base.errors import TrackerError
from tracker.base.text import visible
from tracker.cli.parser import UsageError, build_parser
from tracker.config import Settings, load_settings

Handler = Callable[[Settings, argparse.Namespace], int]

HANDLERS = {
    "ui": "app",
    "summary": "app",
    "init": "app",
    "incidents": "incidents",
    "rootcauses": "rootcauses",
    "actions": "actions",
    "runbooks": "runbooks",
    "import": "exchange",
    "export": "exchange",
    "review": "review",
    "insights": "insights",
    "metrics": "metrics",
    "notify": "notify",
    "serve": "serve",
    "db": "db",
    "sync": "ledger",
    "ledger": "ledger",
}
"""The module of ``tracker.cli`` holding each command's handlers (``<command>_<verb>``)."""

OPENS_FIRST = frozenset({"incidents", "rootcauses", "actions", "export", "review", "insights", "metrics", "notify"})
"""Commands whose every verb works on the database the settings name: a team ledger's replica is opened
(and its new operations applied) before the handler's code is loaded, so the disk work overlaps that loading."""


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    from tracker.base.text import shown, undecodable

    for number, arg in enumerate(argv, start=1):
        position = undecodable(arg)
        if position is not None:
            print(f"tracker: error: argument {number} {shown(arg)} is not UTF-8 text (undecodable byte at"
                  f" position {position + 1})", file=sys.stderr)
            return 1
    try:
        args = build_parser(argv).parse_args(argv)
    except UsageError as exc:
        print(visible(str(exc)), file=sys.stderr)
        return 2
    except SystemExit as exc:  # --help
        return int(exc.code or 0)
    try:
        return _dispatch(args)
    except TrackerError as exc:
        print(f"tracker: error: {visible(str(exc))}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (e.g. piped into head): not an error worth a message.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except Exception as exc:  # noqa: BLE001 - never show a traceback to a user
        if os.environ.get("TRACKER_DEBUG"):
            raise
        print(
            f"tracker: internal error: {type(exc).__name__}: {visible(str(exc).splitlines()[0]) if str(exc) else ''}"
            " (set TRACKER_DEBUG=1 for details)",
            file=sys.stderr,
        )
        return 3


def _dispatch(args: argparse.Namespace) -> int:
    if args.version:
        from tracker import __version__

        print(f"tracker {__version__}")
        return 0
    settings = load_settings(db=args.db, config_path=args.config)
    for warning in settings.warnings:
        print(f"tracker: warning: {warning}", file=sys.stderr)
    if args.command is None:
        from tracker.cli import app

        if sys.stdin.isatty() and sys.stdout.isatty():
            return app.ui_run(settings, argparse.Namespace(screen="incidents"))
        return app.summary(settings)
    if args.command not in OPENS_FIRST:
        return _handle(settings, args)
    from tracker.cli.common import prepare_db, release_prepared

    prepare_db(settings)
    try:
        return _handle(settings, args)
    finally:
        release_prepared()


def _handle(settings: Settings, args: argparse.Namespace) -> int:
    module = importlib.import_module(f"tracker.cli.{HANDLERS[args.command]}")
    verb = (getattr(args, 'verb', '') or 'run').replace('-', '_')
    handler: Handler = getattr(module, f"{args.command}_{verb}")
    return int(handler(settings, args))
