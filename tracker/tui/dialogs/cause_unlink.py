"""Unlink a root cause from an incident, after choosing which one (when several) and confirming.

The cause stays in the taxonomy and the incident's history keeps the link and its removal.
"""

from __future__ import annotations

from typing import Any, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.content import Content
from textual.widgets import Button, Input, Label, OptionList
from textual.widgets.option_list import Option

from tracker.base.errors import InputError, TrackerError
from tracker.core.incidents import IncidentRow
from tracker.core.validate import clean_text
from tracker.tui.dialogs.form import VersionedFormDialog
from tracker.tui.messages import Failed, IncidentSaved
from tracker.tui.text import clean, literal


class UnlinkDialog(VersionedFormDialog[IncidentSaved | None]):
    """Unlink one of ``incident``'s causes, against the version the screen loaded."""

    ENTER_SUBMITS: ClassVar[bool] = True
    SAVE_LABEL: ClassVar[str] = "Unlink"

    def __init__(self, incident: IncidentRow) -> None:
        super().__init__(self._heading(incident, incident.version), incident.version, {})
        self.incident = incident

    @staticmethod
    def _heading(incident: IncidentRow, version: int) -> str:
        return f"Unlink a root cause from {incident.key} (version {version})?"

    def compose_fields(self) -> ComposeResult:
        several = len(self.incident.root_causes) > 1
        yield Label("Which cause? (it stays in the taxonomy; the history keeps the link)" if several
                    else "This cause stays in the taxonomy; the history keeps the link.", classes="form-note")
        yield OptionList(*[Option(Content.assemble((c.slug, "bold"), f"  ({c.role})  ", clean(c.title)), id=c.slug)
                           for c in self.incident.root_causes],
                         id="unlink-causes", classes="form-list", markup=False, compact=True)
        yield self.field("note", "Note", Input("", id="unlink-note", compact=True, placeholder="why (optional)"))

    def on_mount(self) -> None:
        options = self.query_one("#unlink-causes", OptionList)
        if options.option_count:
            options.highlighted = 0
        super().on_mount()
        self._show_choice()

    def focus_first(self) -> None:
        self.query_one("#unlink-causes", OptionList).focus()

    def chosen(self) -> str | None:
        option = self.query_one("#unlink-causes", OptionList).highlighted_option
        return None if option is None else option.id

    def _show_choice(self) -> None:
        slug = self.chosen()
        self.query_one("#form-save", Button).label = Content(f"Unlink {slug} (enter)" if slug else "Unlink (enter)")

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        self._show_choice()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_save()

    def collect(self) -> Any:
        slug = self.chosen()
        if slug is None:
            raise InputError(f"{self.incident.key} has no cause linked")
        return slug, clean_text(self.values()["note"], "note")

    def submit(self, payload: Any) -> None:
        slug, note = payload
        self._unlink(self.incident.id, slug, note, self.version)

    @work(thread=True, exclusive=True, group="form-save", exit_on_error=False)
    def _unlink(self, incident_id: int, slug: str, note: str, version: int) -> None:
        try:
            row = self.app.store.incidents.unlink(incident_id, slug, expected_version=version, note=note)
        except TrackerError as error:
            self.post_message(Failed(error))
            return
        self.post_message(IncidentSaved(row))

    def on_incident_saved(self, message: IncidentSaved) -> None:
        message.stop()
        self.saving = False
        causes = ", ".join(c.slug for c in message.row.root_causes) or "none"
        self.app.notify(f"Unlinked; causes of {message.row.key} now: {causes}", markup=False)
        self.dismiss(message)

    def read_theirs(self) -> tuple[dict[str, str], int]:
        return {}, self.app.store.incidents.row(self.incident.id).version

    def rebased(self) -> None:
        self.query_one("#form-heading", Label).update(literal(self._heading(self.incident, self.version)))
