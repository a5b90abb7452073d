"""The command line. ``main`` is the console script's entry point (see ``tracker.cli.main``)."""

from tracker.cli.main import main

__all__ = ["main"]
