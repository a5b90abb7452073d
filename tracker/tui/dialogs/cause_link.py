"""Link a root cause to an incident: the closest causes first, type to filter, a role, or a new cause.

"new cause…" (at the end of the list) opens the new-cause form and links what it returns: the new
cause, or the existing one chosen at its "did you mean ...?". Picking a cause already linked
changes the role it plays. Retired causes are not offered.
"""

from __future__ import annotations

from typing import Any, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.widgets import Input, Label, Select

from tracker.base.enums import CauseRole
from tracker.base.errors import InputError, TrackerError
from tracker.core.incidents import IncidentRow
from tracker.core.validate import clean_text
from tracker.tui.dialogs.form import VersionedFormDialog
from tracker.tui.messages import Failed, IncidentSaved, LinkChoicesLoaded
from tracker.tui.text import literal
from tracker.tui.widgets.cause_picker import NEW_CAUSE, CauseEntry, CausePicker


class CauseLinkDialog(VersionedFormDialog[IncidentSaved | None]):
    """Link a cause to ``incident`` with the part it played, against the version the screen loaded."""

    ENTER_SUBMITS: ClassVar[bool] = True
    SAVE_LABEL: ClassVar[str] = "Link"

    def __init__(self, incident: IncidentRow) -> None:
        super().__init__(self._heading(incident, incident.version), incident.version, {})
        self.incident = incident

    @staticmethod
    def _heading(incident: IncidentRow, version: int) -> str:
        return f"Link a root cause to {incident.key} (version {version})"

    def compose_fields(self) -> ComposeResult:
        yield Label("Cause: the closest first; type to filter, ↑ ↓ to choose", classes="form-note")
        yield CausePicker(new_cause=True, placeholder="type words of the cause", id="link-picker")
        has_root = any(c.role == CauseRole.ROOT.value for c in self.incident.root_causes)
        role = CauseRole.CONTRIBUTING if has_root else CauseRole.ROOT
        yield self.field("role", "Role", Select([(r.value, r.value) for r in CauseRole], value=role.value,
                                                allow_blank=False, id="link-role", compact=True))
        yield self.field("note", "Note", Input("", id="link-note", compact=True, placeholder="optional"))

    def on_mount(self) -> None:
        super().on_mount()
        self._load_choices(self.incident.id)

    def focus_first(self) -> None:
        self.query_one(CausePicker).focus_filter()

    def typed(self) -> bool:
        return bool(self.query_one(CausePicker).text.strip())

    @work(thread=True, group="form", exit_on_error=False)
    def _load_choices(self, incident_id: int) -> None:
        try:
            suggested, choices = self.app.store.incidents.cause_suggestions(incident_id)
        except TrackerError as error:
            self.post_message(Failed(error))
            return
        self.post_message(LinkChoicesLoaded(suggested, choices))

    def on_link_choices_loaded(self, message: LinkChoicesLoaded) -> None:
        message.stop()
        linked = {c.slug: c.role for c in self.incident.root_causes}
        current = dict(message.choices)
        entries = [CauseEntry(s.slug, s.title, "suggested") for s in message.suggested if s.slug in current]
        offered = {e.slug for e in entries}
        entries += [CauseEntry(slug, title) for slug, title in message.choices
                    if slug not in offered and slug not in linked]
        entries += [CauseEntry(slug, current[slug], f"linked as {role}: pick to change")
                    for slug, role in linked.items() if slug in current]
        self.query_one(CausePicker).set_entries(entries)

    def on_cause_picker_picked(self, message: CausePicker.Picked) -> None:
        message.stop()
        self.action_save()

    # -- saving ------------------------------------------------------------------------------

    def action_save(self) -> None:
        if not self.saving and self.query_one(CausePicker).highlighted == NEW_CAUSE:
            self.new_cause()
            return
        super().action_save()

    def new_cause(self) -> None:
        """Open the new-cause form (its title from the filter); link the cause it returns."""
        from tracker.tui.dialogs.cause_form import CauseFormDialog

        self.ask(CauseFormDialog(title=self.query_one(CausePicker).text.strip()), self._link_new)

    def _link_new(self, slug: str) -> None:
        # The list learns the new cause, filtered to it, should the link need another try.
        self.query_one("#cause-filter", Input).value = slug
        self._load_choices(self.incident.id)
        try:
            role, note = self._role_and_note()
        except TrackerError as error:
            self.show_error(str(error))
            return
        self.saving = True
        self.submit((slug, role, note))

    def _role_and_note(self) -> tuple[CauseRole, str]:
        mine = self.values()
        return CauseRole(mine["role"]), clean_text(mine["note"], "note")

    def collect(self) -> Any:
        slug = self.query_one(CausePicker).highlighted
        if slug is None:
            raise InputError("no cause matches: change the words, or choose new cause… at the end of the list")
        return (slug, *self._role_and_note())

    def submit(self, payload: Any) -> None:
        slug, role, note = payload
        self._link(self.incident.id, slug, role, note, self.version)

    @work(thread=True, exclusive=True, group="form-save", exit_on_error=False)
    def _link(self, incident_id: int, slug: str, role: CauseRole, note: str, version: int) -> None:
        try:
            row = self.app.store.incidents.link(incident_id, slug, role, expected_version=version, note=note)
        except TrackerError as error:
            self.post_message(Failed(error))
            return
        self.post_message(IncidentSaved(row))

    def on_incident_saved(self, message: IncidentSaved) -> None:
        message.stop()
        self.saving = False
        causes = ", ".join(f"{c.slug} ({c.role})" for c in message.row.root_causes)
        self.app.notify(f"Linked on {message.row.key}: {causes}", markup=False)
        self.dismiss(message)

    def read_theirs(self) -> tuple[dict[str, str], int]:
        return {}, self.app.store.incidents.row(self.incident.id).version

    def rebased(self) -> None:
        self.query_one("#form-heading", Label).update(literal(self._heading(self.incident, self.version)))
