"""The layout of the dialogs that ask rather than edit (yes or no, reload or keep, abort or resolve): the
same as a form's, so each fits 80x24: a heading, a scrolling body, the buttons docked at the bottom and
the dialog's own keys in the footer."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Label

from tracker.tui.bases import ResultType, TrackerDialog
from tracker.tui.text import literal
from tracker.tui.widgets.footer import TrackerFooter


class ChoiceDialog(TrackerDialog[ResultType]):
    """A question and its answers as buttons; subclasses yield the body and the buttons."""

    BOX_ID: ClassVar[str] = "choice-box"

    def __init__(self, heading: str = "") -> None:
        super().__init__()
        self.heading = heading

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog form-dialog", id=self.BOX_ID):
            if self.heading:
                yield Label(literal(self.heading), classes="dialog-title", id="form-heading")
            with VerticalScroll(classes="form-body", id="choice-body"):
                yield from self.compose_body()
            with Horizontal(classes="buttons form-buttons"):
                yield from self.compose_buttons()
        yield TrackerFooter()

    def compose_body(self) -> ComposeResult:
        raise NotImplementedError
        yield  # pragma: no cover

    def compose_buttons(self) -> ComposeResult:
        raise NotImplementedError
        yield  # pragma: no cover
