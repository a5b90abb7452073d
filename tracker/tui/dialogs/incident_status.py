"""Move an incident along its life: only the legal next states are offered.

Forward moves (jumps included) come first; going back is offered apart and needs a note.
Resolved, postmortem and closed need a resolve time, prefilled with "now" when the incident has
none. A refused close lists each missing thing and offers to close anyway with a note.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

from textual import events, work
from textual.app import ComposeResult
from textual.content import Content
from textual.widgets import Button, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from tracker.base.enums import IncidentStatus
from tracker.base.errors import InputError, TrackerError
from tracker.base.timeutil import parse_moment
from tracker.core.incidents import IncidentRow
from tracker.core.incidents.changes import STATUS_ORDER, IncidentChanges, next_statuses
from tracker.core.validate import clean_text
from tracker.tui.dialogs.form import VersionedFormDialog
from tracker.tui.messages import CloseRefused, Failed, IncidentSaved
from tracker.tui.text import clean, literal, moment_text

CLI_HINT = re.compile(r" \(tracker [^)]*\)$")
"""A command-line hint at the end of a reason the core gives."""


def option_ids(options: OptionList) -> list[str | None]:
    return [options.get_option_at_index(i).id for i in range(options.option_count)]


def status_values(row: IncidentRow) -> dict[str, str]:
    return {"status": row.status, "resolved_at": moment_text(row.resolved_at)}


class IncidentStatusDialog(VersionedFormDialog[IncidentSaved | None]):
    """The next status of ``incident``, written against the version the screen loaded."""

    SAVE_LABEL: ClassVar[str] = "Change status"

    def __init__(self, incident: IncidentRow) -> None:
        self.incident = incident
        base = status_values(incident)
        super().__init__(self._heading(incident.version, base["status"]), incident.version, base)
        self.target: str | None = None
        """The status chosen in either list."""
        self.forcing = False
        """Close anyway, despite what is missing (needs a note)."""

    def _heading(self, version: int, status: str) -> str:
        return f"Status of {self.incident.key} (version {version}): now {status}"

    @property
    def status(self) -> IncidentStatus:
        return IncidentStatus(self.base["status"])

    def compose_fields(self) -> ComposeResult:
        yield Static("", id="status-blockers", classes="form-note")
        yield Label("Move forward to", classes="form-note", id="status-forward-label")
        yield OptionList(id="status-forward", classes="form-list", markup=False, compact=True)
        yield Label("Or go back to (needs a note saying why)", classes="form-note", id="status-back-label")
        yield OptionList(id="status-back", classes="form-list", markup=False, compact=True)
        yield self.field("resolved_at", "Resolved (UTC)", Input(self.base["resolved_at"] or "now",
                                                               id="status-resolved_at", compact=True,
                                                               placeholder="YYYY-MM-DD HH:MM (UTC) or now"))
        yield self.field("note", "Note", Input("", id="status-note", compact=True,
                                               placeholder="why (needed to go back or to close anyway)"))

    def compose_buttons(self) -> ComposeResult:
        yield Button("Close anyway", id="status-force", variant="warning")

    def on_mount(self) -> None:
        self.query_one("#status-force", Button).display = False
        self.query_one("#status-blockers", Static).display = False
        self._fill(self.status)
        super().on_mount()

    def focus_first(self) -> None:
        forward = self.query_one("#status-forward", OptionList)
        (forward if forward.option_count else self.query_one("#status-back", OptionList)).focus()

    def _fill(self, status: IncidentStatus, keep: str | None = None) -> None:
        """Offer the moves from ``status``; the choice is ``keep`` when still a move, else the next status."""
        forward = self.query_one("#status-forward", OptionList)
        back = self.query_one("#status-back", OptionList)
        forward.clear_options()
        back.clear_options()
        ahead = next_statuses(status)
        forward.add_options([Option(self._prompt(s), id=s.value) for s in ahead])
        behind = list(reversed(STATUS_ORDER[:STATUS_ORDER.index(status)]))
        back.add_options([Option(self._prompt(s), id=s.value) for s in behind])
        forward.display = bool(ahead)
        self.query_one("#status-forward-label", Label).update(
            literal("Move forward to" if ahead else f"{status.value} is the last status"))
        back.display = bool(behind)
        self.query_one("#status-back-label").display = bool(behind)
        if ahead:
            forward.highlighted = 0
        for options in (forward, back):
            if keep is not None and keep in option_ids(options):
                options.highlighted = option_ids(options).index(keep)
                self.choose(keep)
                return
        self.choose(ahead[0].value if ahead else None)

    @staticmethod
    def _prompt(status: IncidentStatus) -> Content:
        extra = "  (needs a resolve time)" if status.needs_resolve_time else ""
        return Content.assemble((status.value, "bold"), (extra, "$text-muted"))

    def choose(self, status: str | None) -> None:
        self.target = status
        needs_time = status is not None and IncidentStatus(status).needs_resolve_time
        self.query_one("#field-resolved_at").display = needs_time
        going_back = status is not None and STATUS_ORDER.index(IncidentStatus(status)) < STATUS_ORDER.index(
            self.status)
        note = "Note (needed)" if going_back or self.forcing else "Note"
        self.query_one("#field-note .field-label", Label).update(literal(note))

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        if event.option_list.has_focus and event.option.id is not None:
            self.choose(event.option.id)

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        widget = event.widget
        if isinstance(widget, OptionList):
            if widget.highlighted is None and widget.option_count:
                widget.highlighted = 0
            if widget.highlighted_option is not None:
                self.choose(widget.highlighted_option.id)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id is not None:
            self.choose(event.option.id)
        self.query_one("#status-resolved_at" if self.query_one("#field-resolved_at").display else "#status-note",
                       Input).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "status-force":
            event.stop()
            self.forcing = True
            self.choose(self.target)
            self.action_save()
            return
        super().on_button_pressed(event)

    # -- saving ------------------------------------------------------------------------------

    def collect(self) -> Any:
        target = self.target
        if target is None:
            raise InputError(f"{self.incident.key} is {self.status.value}: there is no status to move to")
        new = IncidentStatus(target)
        mine = self.values()
        note = clean_text(mine["note"], "note")
        if STATUS_ORDER.index(new) < STATUS_ORDER.index(self.status) and not note.strip():
            self.query_one("#status-note", Input).focus()
            raise InputError(f"going back from {self.status.value} to {new.value} needs a note saying why")
        values: dict[str, Any] = {"status": new}
        if new.needs_resolve_time:
            text = mine["resolved_at"]
            if not text.strip():
                raise InputError(f"resolved: status {new.value} needs a resolve time (a time, or now)")
            if text != self.base["resolved_at"]:
                values["resolved_at"] = parse_moment(text, self.app.store.settings.clock.now(), "resolved")
        if self.forcing and not note.strip():
            self.query_one("#status-note", Input).focus()
            raise InputError("closing anyway needs a note saying why (it stays in the history)")
        return IncidentChanges(**values), note, self.forcing and new == IncidentStatus.CLOSED

    def submit(self, payload: Any) -> None:
        changes, note, force = payload
        self._save(self.incident.id, changes, note, force, self.version)

    @work(thread=True, exclusive=True, group="form-save", exit_on_error=False)
    def _save(self, incident_id: int, changes: IncidentChanges, note: str, force: bool, version: int) -> None:
        store = self.app.store
        try:
            if changes.status == IncidentStatus.CLOSED and not force:
                blockers = store.incidents.close_blockers(incident_id)
                if blockers:
                    self.post_message(CloseRefused(blockers))
                    return
            row = store.incidents.update(incident_id, changes, expected_version=version, note=note, force=force)
        except TrackerError as error:
            self.post_message(Failed(error))
            return
        self.post_message(IncidentSaved(row))

    def on_close_refused(self, message: CloseRefused) -> None:
        message.stop()
        self.saving = False
        lines = [Content.assemble(("Cannot close yet:", "bold $error"))]
        # The core's reasons end with the command line's way to fix them; the hint below says the app's.
        lines += [Content.assemble("  • ", clean(CLI_HINT.sub("", blocker))) for blocker in message.blockers]
        lines.append(literal("Fix them (l links a cause; an action's e, w, d give it an owner and a due date),"
                             " or close anyway with a note saying why."))
        blockers = self.query_one("#status-blockers", Static)
        blockers.update(Content("\n").join(lines))
        blockers.display = True
        self.query_one("#status-force", Button).display = True
        self.show_error(f"Not closed: {len(message.blockers)} thing(s) missing, listed at the top.")
        self.query_one("#form-fields").scroll_home(animate=False)

    def on_incident_saved(self, message: IncidentSaved) -> None:
        message.stop()
        self.saving = False
        self.app.notify(f"{message.row.key} is {message.row.status}", markup=False)
        self.dismiss(message)

    def read_theirs(self) -> tuple[dict[str, str], int]:
        row = self.app.store.incidents.row(self.incident.id)
        return status_values(row), row.version

    def rebased(self) -> None:
        self.query_one("#form-heading", Label).update(literal(self._heading(self.version, self.base["status"])))
        self._fill(self.status, keep=self.target)
