"""Open a new incident, or edit every field and time of one (its status has a dialog of its own).

Times are typed as ``YYYY-MM-DD HH:MM`` (UTC), ISO 8601 with an offset, or ``now``; an empty
time clears it (except started). Components are one per line (``Group / Name`` or ``Name``).
An edit is written against the version loaded; a stale one is rebased or reloaded
(``tracker.tui.dialogs.form``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from textual import work
from textual.app import ComposeResult
from textual.widgets import Input, Label, Select, TextArea

from tracker.base.enums import IncidentKind, Severity
from tracker.base.errors import InputError, TrackerError
from tracker.base.timeutil import parse_moment
from tracker.core.incidents import IncidentDetail
from tracker.core.incidents.changes import IncidentChanges, parse_component
from tracker.core.validate import clean_text, clean_title
from tracker.tui.dialogs.form import VersionedFormDialog
from tracker.tui.messages import Failed, IncidentSaved
from tracker.tui.text import literal, moment_text

TIME_HINT = "YYYY-MM-DD HH:MM (UTC) or now"
TIME_FIELDS = {"started_at": "Started", "detected_at": "Detected", "mitigated_at": "Mitigated",
               "resolved_at": "Resolved"}
TEXT_FIELDS = {"summary": "Summary", "impact": "Impact", "customer_action": "Customer action",
               "postmortem": "Postmortem"}


def incident_values(detail: IncidentDetail) -> dict[str, str]:
    """An incident as the edit form shows it, field by field."""
    row = detail.row
    values = {"title": row.title, "severity": row.severity, "kind": row.kind}
    values.update({name: moment_text(getattr(row, name)) for name in TIME_FIELDS})
    values.update({name: getattr(detail, name).replace("\r\n", "\n") for name in TEXT_FIELDS})
    values["source"] = detail.source
    values["components"] = "\n".join(row.components)
    values["status"] = row.status
    return values


def component_lines(text: str) -> list[str]:
    """The components typed, one per line, each checked."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    for line in lines:
        parse_component(line)
    return lines


class IncidentFormDialog(VersionedFormDialog[IncidentSaved | None]):
    """A new incident (``detail`` None) or an edit of every field of ``detail``'s incident."""

    def __init__(self, detail: IncidentDetail | None = None) -> None:
        self.detail = detail
        if detail is not None:
            base = incident_values(detail)
            version = detail.row.version
        else:
            base = {"title": "", "started_at": "now", "severity": Severity.SEV3.value,
                    "kind": IncidentKind.INCIDENT.value, "summary": "", "components": ""}
            version = 0
        super().__init__(self._heading(version, base.get("status", "")), version, base)

    def _heading(self, version: int, status: str) -> str:
        if self.detail is None:
            return "New incident"
        return f"Edit {self.detail.row.key} (version {version}) · {status}: s changes the status"

    def compose_fields(self) -> ComposeResult:
        base = self.base
        new = self.detail is None
        yield self.field("title", "Title", Input(base["title"], id="incident-title", compact=True,
                                                 placeholder="What broke, for whom"))
        if new:
            yield self.field("started_at", "Started (UTC)", Input(base["started_at"], id="incident-started_at",
                                                                  compact=True, placeholder=TIME_HINT))
        yield self.field("severity", "Severity", Select([(s.value, s.value) for s in Severity], value=base["severity"],
                                                        allow_blank=False, id="incident-severity", compact=True))
        yield self.field("kind", "Kind", Select([(k.value, k.value) for k in IncidentKind], value=base["kind"],
                                                allow_blank=False, id="incident-kind", compact=True))
        if not new:
            for name, label in TIME_FIELDS.items():
                yield self.field(name, f"{label} (UTC)", Input(base[name], id=f"incident-{name}", compact=True,
                                                              placeholder=TIME_HINT + ("" if name == "started_at"
                                                                                       else "; empty clears")))
        yield self.field("summary", "Summary", TextArea(base["summary"], id="incident-summary", soft_wrap=True,
                                                        compact=True), tall=True)
        if not new:
            for name in ("impact", "customer_action", "postmortem"):
                yield self.field(name, TEXT_FIELDS[name], TextArea(base[name], id=f"incident-{name}", soft_wrap=True,
                                                                   compact=True), tall=True)
            yield self.field("source", "Source", Input(base["source"], id="incident-source", compact=True,
                                                       placeholder="link to the original report"))
        yield self.field("components", "Components", TextArea(base["components"], id="incident-components",
                                                              soft_wrap=True, compact=True), tall=True)
        yield Label("Components: one per line, 'Group / Name' or 'Name'.", classes="form-note")
        if not new:
            yield self.field("note", "Note", Input("", id="incident-note", compact=True,
                                                   placeholder="why (kept in the history)"))

    # -- reading the form --------------------------------------------------------------------

    def _moment(self, name: str, text: str, now: datetime) -> datetime | None:
        label = TIME_FIELDS[name].lower()
        if not text.strip():
            if name == "started_at":
                raise InputError("started: an incident needs a start time (a time, or now)")
            return None
        return parse_moment(text, now, label)

    def collect(self) -> Any:
        mine = self.values()
        now = self.app.store.settings.clock.now()
        if self.detail is None:
            started = self._moment("started_at", mine["started_at"], now)
            return {
                "title": clean_title(mine["title"]), "started_at": started,
                "severity": Severity(mine["severity"]), "kind": IncidentKind(mine["kind"]),
                "summary": clean_text(mine["summary"], "summary"), "components": component_lines(mine["components"]),
            }
        values: dict[str, Any] = {}
        adds: tuple[str, ...] = ()
        removes: tuple[str, ...] = ()
        for name, text in self.changed().items():
            if name == "title":
                values[name] = clean_title(text)
            elif name == "severity":
                values[name] = Severity(text)
            elif name == "kind":
                values[name] = IncidentKind(text)
            elif name in TIME_FIELDS:
                values[name] = self._moment(name, text, now)
            elif name == "components":
                before, after = component_lines(self.base[name]), component_lines(text)
                adds = tuple(c for c in after if c not in before)
                removes = tuple(c for c in before if c not in after)
            else:
                values[name] = clean_text(text, name.replace("_", " "))
        note = clean_text(mine["note"], "note")
        changes = IncidentChanges(**values, add_components=adds, remove_components=removes)
        if changes.empty and not note.strip():
            raise InputError("nothing changed: change a field, or write a note to record one")
        return changes, note

    # -- saving ------------------------------------------------------------------------------

    def submit(self, payload: Any) -> None:
        if self.detail is None:
            self._add(payload)
        else:
            changes, note = payload
            self._update(self.detail.row.id, changes, note, self.version)

    @work(thread=True, exclusive=True, group="form-save", exit_on_error=False)
    def _add(self, fields: dict[str, Any]) -> None:
        try:
            row = self.app.store.incidents.add(**fields)
        except TrackerError as error:
            self.post_message(Failed(error))
            return
        self.post_message(IncidentSaved(row, created=True))

    @work(thread=True, exclusive=True, group="form-save", exit_on_error=False)
    def _update(self, incident_id: int, changes: IncidentChanges, note: str, version: int) -> None:
        try:
            row = self.app.store.incidents.update(incident_id, changes, expected_version=version, note=note)
        except TrackerError as error:
            self.post_message(Failed(error))
            return
        self.post_message(IncidentSaved(row))

    def on_incident_saved(self, message: IncidentSaved) -> None:
        message.stop()
        self.saving = False
        row = message.row
        self.app.notify(f"{'Opened' if message.created else 'Saved'} {row.key} (version {row.version})",
                        markup=False)
        self.dismiss(message)

    def read_theirs(self) -> tuple[dict[str, str], int]:
        assert self.detail is not None
        detail = self.app.store.incidents.get(self.detail.row.id)
        return incident_values(detail), detail.row.version

    def rebased(self) -> None:
        self.query_one("#form-heading", Label).update(literal(self._heading(self.version, self.base.get("status", ""))))
