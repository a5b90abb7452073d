"""Write one line on an incident's timeline, stamped now: ``t``, type, Enter; nothing else to do."""

from __future__ import annotations

from typing import Any, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.widgets import Input

from tracker.base.errors import InputError, TrackerError
from tracker.core.incidents import IncidentRow
from tracker.core.validate import clean_text
from tracker.tui.dialogs.form import VersionedFormDialog
from tracker.tui.messages import Failed, TimelineLogged


class TimelineEntryDialog(VersionedFormDialog[TimelineLogged | None]):
    """One timeline entry for ``incident``, written against the version the screen loaded."""

    ENTER_SUBMITS: ClassVar[bool] = True
    SAVE_LABEL: ClassVar[str] = "Log it"

    def __init__(self, incident: IncidentRow) -> None:
        super().__init__(f"Timeline of {incident.key}: what happened? (stamped now)", incident.version, {})
        self.incident = incident

    def compose_fields(self) -> ComposeResult:
        yield self.field("text", "Now", Input("", id="timeline-text", compact=True,
                                              placeholder="e.g. rolled back config 4711; errors dropping"))

    def collect(self) -> Any:
        text = clean_text(self.values()["text"], "timeline text").strip()
        if not text:
            raise InputError("say what happened (one line), or escape to leave")
        return text

    def submit(self, payload: Any) -> None:
        self._log(self.incident.id, payload, self.version)

    @work(thread=True, exclusive=True, group="form-save", exit_on_error=False)
    def _log(self, incident_id: int, text: str, version: int) -> None:
        try:
            entry = self.app.store.incidents.log(incident_id, text, expected_version=version)
        except TrackerError as error:
            self.post_message(Failed(error))
            return
        self.post_message(TimelineLogged(entry))

    def on_timeline_logged(self, message: TimelineLogged) -> None:
        message.stop()
        self.saving = False
        self.app.notify(f"Logged #{message.entry.id} on {self.incident.key}", markup=False)
        self.dismiss(message)

    def read_theirs(self) -> tuple[dict[str, str], int]:
        return {}, self.app.store.incidents.row(self.incident.id).version
