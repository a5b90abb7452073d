"""What the app's screens and dialogs build on: ``self.app`` typed as the tracker app, typed dialog answers,
and one way for a worker's failure to reach the user and end the screen's wait for it.

Textual types ``self.app`` as a bare ``App``; ``textual.getters.app`` is its way to name the
app class instead (posting casts to its app for the same reason). It is declared for the type
checker only: at run time it would import the app module, which imports every screen.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from textual.screen import ModalScreen, Screen
from textual.worker import Worker, WorkerState

if TYPE_CHECKING:
    from textual import getters

    from tracker.tui.app import TrackerApp

ResultType = TypeVar("ResultType")
Answer = TypeVar("Answer")


class TrackerScreen(Screen[ResultType]):
    """A screen of the tracker app: ``self.app.store`` reaches its services."""

    if TYPE_CHECKING:
        app = getters.app(TrackerApp)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        # Textual tells only the node that started a worker (the message does not bubble), so every
        # screen reports its own workers' failures here, whatever they raised.
        worker = event.worker
        if event.state != WorkerState.ERROR or worker.error is None or worker.is_cancelled:
            return
        self.app.report(worker.error)
        self.worker_failed(worker.group, worker.error)

    def worker_failed(self, group: str, error: BaseException) -> None:
        """A worker of ``group`` raised (already reported): a screen waiting on it shows ``could_not_load``."""

    def ask(self, dialog: Screen[Answer | None], then: Callable[[Answer], object]) -> None:
        """Show ``dialog``; ``then(answer)`` once it is dismissed with one (None means cancelled)."""

        def answered(answer: Answer | None) -> None:
            if answer is not None:
                then(answer)

        self.app.push_screen(dialog, callback=answered)

    def ask_yes(self, dialog: Screen[bool] | Screen[bool | None], then: Callable[[], object]) -> None:
        """Show a yes/no ``dialog``; ``then()`` on yes."""

        def answered(yes: bool | None) -> None:
            if yes:
                then()

        self.app.push_screen(dialog, callback=answered)


class TrackerDialog(TrackerScreen[ResultType], ModalScreen[ResultType]):
    """A modal dialog of the tracker app."""
