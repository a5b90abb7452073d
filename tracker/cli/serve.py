"""``tracker serve``: the app in a web browser, through textual-serve.

Each browser tab gets its own ``python -m tracker ui`` process (the same ``--db`` and ``--config``), driven
over a websocket. textual-serve has no authentication of its own, so the server binds to loopback unless
``--public`` says otherwise, and then it belongs behind a proxy that authenticates.
"""

from __future__ import annotations

import argparse
import ipaddress
import shlex
import sys
from pathlib import Path

from tracker.base.errors import InputError
from tracker.config import Settings


def is_loopback(host: str) -> bool:
    """Whether ``host`` names this machine only: ``localhost`` or an address in 127.0.0.0/8 or ::1."""
    if host.lower() in ("localhost", "localhost."):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def app_command(settings: Settings) -> str:
    """The shell command that starts the app for one tab: this Python, this database, these settings."""
    from tracker.storage.database import sqlite_path

    database = sqlite_path(settings.db)
    argv = [sys.executable, "-m", "tracker", "--db", str(database.resolve()) if database else settings.db]
    if settings.config_file is not None:
        argv += ["--config", str(Path(settings.config_file).resolve())]
    return shlex.join([*argv, "ui"])


def serve_run(settings: Settings, args: argparse.Namespace) -> int:
    from tracker.cli.common import open_db

    if not 1 <= args.port <= 65535:
        raise InputError(f"--port {args.port}: expected 1 to 65535")
    if not is_loopback(args.host):
        if not args.public:
            raise InputError(f"--host {args.host}: not a loopback address; tracker serve has no authentication of"
                             " its own, so it listens on this machine only unless --public is given (then put it"
                             " behind a proxy that authenticates)")
        print(f"tracker: warning: serving on {args.host}:{args.port} to the network: tracker serve has no"
              " authentication of its own; anyone who reaches this port can use the app as you. Put it behind a"
              " proxy that authenticates.", file=sys.stderr)
    # Created, upgraded or refused here, once, rather than in every tab.
    open_db(settings).close()
    from textual_serve.server import Server  # only this command pays for importing it (and aiohttp)

    Server(app_command(settings), host=args.host, port=args.port, title="tracker",
           public_url=args.public_url).serve()
    return 0
