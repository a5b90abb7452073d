"""The base classes of the app's screens and dialogs: ``self.app`` is the tracker app, typed.

Textual types ``self.app`` as a bare ``App``; ``textual.getters.app`` is its way to name the
app class instead (posting casts to its app for the same reason). It is declared for the type
checker only: at run time it would import the app module, which imports every screen.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

from textual.screen import ModalScreen, Screen

if TYPE_CHECKING:
    from textual import getters

    from tracker.tui.app import TrackerApp

ResultType = TypeVar("ResultType")


class TrackerScreen(Screen[ResultType]):
    """A screen of the tracker app: ``self.app.store`` reaches its services."""

    if TYPE_CHECKING:
        app = getters.app(TrackerApp)


class TrackerDialog(TrackerScreen[ResultType], ModalScreen[ResultType]):
    """A modal dialog of the tracker app."""
