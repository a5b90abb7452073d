"""Create or edit an action in one form, validated before anything is written.

The dialog saves through the store itself, so a refusal (an unknown incident, a stale
version) leaves the form open with everything the user typed; after a stale write,
"keep my edit" rebases it on the stored version (``tracker.tui.dialogs.form``).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from textual import work
from textual.app import ComposeResult
from textual.content import Content
from textual.suggester import SuggestFromList
from textual.widgets import Input, Label, Select, TextArea

from tracker.base.enums import ActionKind, ActionStatus, Priority
from tracker.base.errors import InputError, TrackerError
from tracker.base.timeutil import parse_due
from tracker.core.actions import NEEDS_NOTE, ActionChanges, ActionRow
from tracker.core.keys import parse_key
from tracker.core.validate import clean_owner, clean_text, clean_title
from tracker.tui.dialogs.form import VersionedFormDialog
from tracker.tui.messages import ActionChoicesLoaded, ActionSaved, Failed
from tracker.tui.text import literal


def _options(enum: type[Any]) -> list[tuple[str, str]]:
    return [(m.value.replace("_", " "), m.value) for m in enum]


def action_values(row: ActionRow) -> dict[str, str]:
    """An action as the form shows it, field by field."""
    return {
        "title": row.title, "description": row.description.replace("\r\n", "\n"), "kind": row.kind,
        "priority": row.priority, "status": row.status, "owner": row.owner or "", "due": row.due.isoformat(),
        "incident": row.incident or "", "root_cause": row.root_cause or "",
    }


class ActionFormDialog(VersionedFormDialog[ActionSaved | None]):
    """New action (pre-linked to an incident or a cause) or an edit of ``action``."""

    def __init__(
        self, *, action: ActionRow | None = None, incident: str | None = None, root_cause: str | None = None
    ) -> None:
        if action is not None:
            base = action_values(action)
        else:
            base = {"title": "", "description": "", "kind": "prevent", "priority": "P2", "status": "open",
                    "owner": "", "due": "", "incident": incident or "", "root_cause": root_cause or ""}
        super().__init__(self._heading(action, action.version if action else 0), action.version if action else 0,
                         base)
        self.action = action
        self.cause_options: list[tuple[str, str]] = []
        """(slug, label) of each cause the root-cause choice offers."""

    @staticmethod
    def _heading(action: ActionRow | None, version: int) -> str:
        return f"Edit {action.key} (version {version})" if action else "New action"

    def compose_fields(self) -> ComposeResult:
        base = self.base
        yield self.field("title", "Title", Input(base["title"], id="form-title", placeholder="What will be done",
                                                 compact=True))
        yield self.field("owner", "Owner", Input(base["owner"], id="form-owner", compact=True,
                                                 placeholder="team handle, e.g. infra-oncall"))
        yield self.field("due", "Due", Input(base["due"], id="form-due", compact=True,
                                             placeholder="YYYY-MM-DD, +7d (empty: by priority)"))
        yield self.field("kind", "Kind", Select(_options(ActionKind), value=base["kind"], allow_blank=False,
                                                id="form-kind", compact=True))
        yield self.field("priority", "Priority", Select(_options(Priority), value=base["priority"],
                                                        allow_blank=False, id="form-priority", compact=True))
        yield self.field("status", "Status", Select(_options(ActionStatus), value=base["status"], allow_blank=False,
                                                    id="form-status", compact=True))
        yield self.field("incident", "Incident", Input(base["incident"], id="form-incident", placeholder="INC-n",
                                                       compact=True))
        yield self.field("root_cause", "Root cause", Select([], id="form-root-cause", prompt="(none)", compact=True))
        yield self.field("description", "Description",
                         TextArea(base["description"], id="form-description", soft_wrap=True, compact=True), tall=True)
        yield self.field("note", "Note", Input("", id="form-note", compact=True,
                                               placeholder="why (needed for blocked and won't do)"))

    def on_mount(self) -> None:
        super().on_mount()
        self._load_choices(self.base["incident"])

    @work(thread=True, group="form", exit_on_error=False)
    def _load_choices(self, incident: str) -> None:
        """Current causes, the incident's own first (its root cause, else its first one, chosen for a new
        action); the action's own cause kept even when retired."""
        store = self.app.store
        current = dict(store.causes.choices())
        first: list[str] = []
        if incident:
            try:
                linked = store.incidents.row(incident).root_causes
            except TrackerError:
                linked = []
            linked = sorted(linked, key=lambda c: c.role != "root")
            first = [c.slug for c in linked if c.slug in current]
        choices = [(slug, f"{slug}  · on {incident}") for slug in first]
        choices += [(slug, slug) for slug in current if slug not in first]
        own = self.base["root_cause"]
        if own and own not in current:
            choices.append((own, f"{own} (retired)"))
        self.post_message(ActionChoicesLoaded(choices, store.actions.owners(),
                                              first[0] if first and self.action is None else ""))

    def on_action_choices_loaded(self, message: ActionChoicesLoaded) -> None:
        message.stop()
        untouched = not self.dirty
        wanted = self.values()["root_cause"] or self.base["root_cause"] or message.default
        self._set_cause_options(message.causes, wanted)
        self.query_one("#form-owner", Input).suggester = SuggestFromList(message.owners, case_sensitive=False)
        if untouched:
            self.mark_clean()

    def _set_cause_options(self, options: list[tuple[str, str]], value: str) -> None:
        self.cause_options = options
        select = self.query_one("#form-root-cause", Select)
        select.set_options([(Content(label), slug) for slug, label in options])
        if value and any(slug == value for slug, _ in options):
            select.value = value

    def set_value(self, name: str, text: str) -> None:
        if name == "root_cause" and text and all(slug != text for slug, _ in self.cause_options):
            self._set_cause_options([*self.cause_options, (text, text)], text)
        super().set_value(name, text)

    # -- reading the form --------------------------------------------------------------------

    def collect(self) -> dict[str, Any]:
        """The form as service arguments, validated; raises InputError naming the field."""
        today: date = self.app.store.today
        mine = self.values()
        fields: dict[str, Any] = {
            "title": clean_title(mine["title"]),
            "description": clean_text(mine["description"]),
            "kind": ActionKind(mine["kind"]),
            "priority": Priority(mine["priority"]),
            "status": ActionStatus(mine["status"]),
            "owner": clean_owner(mine["owner"]),
        }
        due = mine["due"].strip()
        if due:
            fields["due"] = parse_due(due, today)
        incident = mine["incident"].strip()
        fields["incident"] = f"INC-{parse_key(incident, 'INC')}" if incident else None
        fields["root_cause"] = mine["root_cause"] or None
        if not fields["incident"] and not fields["root_cause"]:
            raise InputError("link the action to an incident or a root cause")
        note = clean_text(mine["note"], "note")
        if fields["status"] in NEEDS_NOTE and not note.strip() and self.base["status"] != fields["status"].value:
            raise InputError(f"status {fields['status'].value!r} needs a note saying why")
        fields["note"] = note
        return fields

    def _changes(self, fields: dict[str, Any]) -> dict[str, Any]:
        """What differs from the version the edit lies on (theirs, after a rebase)."""
        changes = {}
        for name in self.changed():
            if name not in fields:
                continue
            new = fields[name]
            changes[name] = new if name not in ("incident", "root_cause") else (new or "")
        return changes

    # -- saving ------------------------------------------------------------------------------

    def submit(self, payload: dict[str, Any]) -> None:
        if self.action is None:
            self._add(payload)
        else:
            note = payload.pop("note")
            self._update(self.action.id, self._changes(payload), self.version, note)

    @work(thread=True, exclusive=True, group="form-save", exit_on_error=False)
    def _add(self, fields: dict[str, Any]) -> None:
        try:
            row = self.app.store.actions.add(**fields)
        except TrackerError as error:
            self.post_message(Failed(error))
            return
        self.post_message(ActionSaved(row, created=True))

    @work(thread=True, exclusive=True, group="form-save", exit_on_error=False)
    def _update(self, action_id: int, changes: dict[str, Any], version: int, note: str) -> None:
        try:
            row = self.app.store.update_action(action_id, ActionChanges(**changes), expected_version=version,
                                               note=note)
        except TrackerError as error:
            self.post_message(Failed(error))
            return
        self.post_message(ActionSaved(row))

    def on_action_saved(self, message: ActionSaved) -> None:
        message.stop()
        self.saving = False
        verb = "Added" if message.created else "Saved"
        self.app.notify(f"{verb} {message.action.key}", markup=False)
        self.dismiss(message)

    def read_theirs(self) -> tuple[dict[str, str], int]:
        assert self.action is not None
        row = self.app.store.actions.get(self.action.id)
        return action_values(row), row.version

    def rebased(self) -> None:
        self.query_one("#form-heading", Label).update(literal(self._heading(self.action, self.version)))
