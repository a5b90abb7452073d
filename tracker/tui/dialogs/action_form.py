"""Create or edit an action in one form, validated before anything is written.

The dialog saves through the store itself, so a refusal (an unknown incident, a stale
version) leaves the form open with everything the user typed.
"""

from __future__ import annotations

from datetime import date
from typing import Any, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.suggester import SuggestFromList
from textual.widgets import Button, Input, Label, Select, Static, TextArea

from tracker.base.enums import ActionKind, ActionStatus, Priority
from tracker.base.errors import InputError, StaleWriteError, TrackerError
from tracker.base.timeutil import parse_due
from tracker.core.actions import NEEDS_NOTE, ActionChanges, ActionRow
from tracker.core.keys import parse_key
from tracker.core.validate import clean_owner, clean_text, clean_title
from tracker.tui.bases import TrackerDialog
from tracker.tui.messages import ActionChoicesLoaded, ActionReloaded, ActionSaved, Failed
from tracker.tui.text import literal


def _options(enum: type[Any]) -> list[tuple[str, str]]:
    return [(m.value.replace("_", " "), m.value) for m in enum]


class ActionFormDialog(TrackerDialog[ActionSaved | None]):
    """New action (pre-linked to an incident or a cause) or an edit of ``action``."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", id="form.save"),
        Binding("escape", "cancel", "Cancel", id="form.cancel"),
    ]

    def __init__(
        self, *, action: ActionRow | None = None, incident: str | None = None, root_cause: str | None = None
    ) -> None:
        super().__init__()
        self.action = action
        self.incident = action.incident if action else incident
        self.root_cause = action.root_cause if action else root_cause
        self.saving = False

    def compose(self) -> ComposeResult:
        action = self.action
        title = f"Edit {action.key} (version {action.version})" if action else "New action"
        with Vertical(id="form-box", classes="dialog"):
            yield Label(title, classes="dialog-title", id="form-heading")
            with VerticalScroll(id="form-fields"):
                yield Label("Title")
                yield Input(action.title if action else "", id="form-title", placeholder="What will be done")
                yield Label("Description")
                yield TextArea(action.description if action else "", id="form-description", soft_wrap=True)
                with Horizontal(classes="form-row"):
                    with Vertical():
                        yield Label("Kind")
                        yield Select(_options(ActionKind), value=action.kind if action else "prevent",
                                     allow_blank=False, id="form-kind")
                    with Vertical():
                        yield Label("Priority")
                        yield Select(_options(Priority), value=action.priority if action else "P2",
                                     allow_blank=False, id="form-priority")
                    with Vertical():
                        yield Label("Status")
                        yield Select(_options(ActionStatus), value=action.status if action else "open",
                                     allow_blank=False, id="form-status")
                with Horizontal(classes="form-row"):
                    with Vertical():
                        yield Label("Owner")
                        yield Input((action.owner or "") if action else "", id="form-owner",
                                    placeholder="team handle, e.g. infra-oncall")
                    with Vertical():
                        yield Label("Due")
                        yield Input(action.due.isoformat() if action else "", id="form-due",
                                    placeholder="YYYY-MM-DD, +7d (empty: by priority)")
                with Horizontal(classes="form-row"):
                    with Vertical():
                        yield Label("Incident")
                        yield Input(self.incident or "", id="form-incident", placeholder="INC-n")
                    with Vertical():
                        yield Label("Root cause")
                        yield Select([], id="form-root-cause", prompt="(none)")
                yield Label("Note (why; needed for blocked and won't do)")
                yield Input("", id="form-note")
            yield Static("", id="form-error", classes="form-error")
            with Horizontal(classes="buttons"):
                yield Button("Save (ctrl+s)", id="form-save", variant="primary")
                yield Button("Cancel (esc)", id="form-cancel")

    def on_mount(self) -> None:
        self.query_one("#form-title", Input).focus()
        self._load_choices()

    @work(thread=True, group="form", exit_on_error=False)
    def _load_choices(self) -> None:
        store = self.app.store
        self.post_message(ActionChoicesLoaded(store.causes.slugs(), store.actions.owners()))

    def on_action_choices_loaded(self, message: ActionChoicesLoaded) -> None:
        message.stop()
        slugs, owners = message.causes, message.owners
        select = self.query_one("#form-root-cause", Select)
        select.set_options([(slug, slug) for slug in slugs])
        if self.root_cause in slugs:
            select.value = self.root_cause
        self.query_one("#form-owner", Input).suggester = SuggestFromList(owners, case_sensitive=False)

    # -- reading the form --------------------------------------------------------------------

    def _value(self, selector: str) -> str:
        return self.query_one(selector, Input).value

    def _select(self, selector: str) -> Any:
        value = self.query_one(selector, Select).value
        return None if value is Select.NULL else value

    def collect(self) -> dict[str, Any]:
        """The form as service arguments, validated; raises InputError naming the field."""
        today: date = self.app.store.today
        fields: dict[str, Any] = {
            "title": clean_title(self._value("#form-title")),
            "description": clean_text(self.query_one("#form-description", TextArea).text),
            "kind": ActionKind(self._select("#form-kind")),
            "priority": Priority(self._select("#form-priority")),
            "status": ActionStatus(self._select("#form-status")),
            "owner": clean_owner(self._value("#form-owner")),
        }
        due = self._value("#form-due").strip()
        if due:
            fields["due"] = parse_due(due, today)
        incident = self._value("#form-incident").strip()
        fields["incident"] = f"INC-{parse_key(incident, 'INC')}" if incident else None
        fields["root_cause"] = self._select("#form-root-cause")
        if not fields["incident"] and not fields["root_cause"]:
            raise InputError("link the action to an incident or a root cause")
        note = clean_text(self._value("#form-note"), "note")
        if fields["status"] in NEEDS_NOTE and not note.strip():
            if not self.action or self.action.status != fields["status"].value:
                raise InputError(f"status {fields['status'].value!r} needs a note saying why")
        fields["note"] = note
        return fields

    def _changes(self, fields: dict[str, Any]) -> dict[str, Any]:
        action = self.action
        assert action is not None
        current = {
            "title": action.title, "description": action.description, "kind": action.kind,
            "priority": action.priority, "status": action.status, "owner": action.owner, "due": action.due,
            "incident": action.incident, "root_cause": action.root_cause,
        }
        changes = {}
        for name, old in current.items():
            if name not in fields:
                continue
            new = fields[name]
            comparable = new.value if hasattr(new, "value") else new
            if comparable != old:
                changes[name] = new if name not in ("incident", "root_cause") else (new or "")
        return changes

    # -- saving ------------------------------------------------------------------------------

    def show_error(self, text: str) -> None:
        self.query_one("#form-error", Static).update(literal(text))

    def action_save(self) -> None:
        if self.saving:
            return
        try:
            fields = self.collect()
        except TrackerError as error:
            self.show_error(str(error))
            return
        self.show_error("")
        self.saving = True
        self._save(fields)

    @work(thread=True, exclusive=True, group="form-save", exit_on_error=False)
    def _save(self, fields: dict[str, Any]) -> None:
        store = self.app.store
        try:
            if self.action is None:
                row = store.actions.add(**fields)
                self.post_message(ActionSaved(row, created=True))
            else:
                note = fields.pop("note")
                row = store.update_action(self.action.id, ActionChanges(**self._changes(fields)),
                                          expected_version=self.action.version, note=note)
                self.post_message(ActionSaved(row))
        except TrackerError as error:
            self.post_message(Failed(error))

    def on_action_saved(self, message: ActionSaved) -> None:
        message.stop()
        self.saving = False
        verb = "Added" if message.created else "Saved"
        self.app.notify(f"{verb} {message.action.key}", markup=False)
        self.dismiss(message)

    def on_failed(self, message: Failed) -> None:
        message.stop()
        self.saving = False
        self.show_error(str(message.error))
        if isinstance(message.error, StaleWriteError):
            from tracker.tui.dialogs.conflict import ConflictDialog

            self.app.notify(str(message.error), title="Not saved", severity="warning", markup=False)
            self.app.push_screen(ConflictDialog(str(message.error)), callback=self._conflict)

    def _conflict(self, reload: bool | None) -> None:
        if reload and self.action is not None:
            self._reload(self.action.id)

    @work(thread=True, group="form", exit_on_error=False)
    def _reload(self, action_id: int) -> None:
        try:
            row = self.app.store.actions.get(action_id)
        except TrackerError as error:
            self.post_message(Failed(error))
            return
        self.post_message(ActionReloaded(row))

    def on_action_reloaded(self, message: ActionReloaded) -> None:
        """Show the stored version (after a conflict) so the user edits from it."""
        message.stop()
        row = message.action
        self.action = row
        self.query_one("#form-heading", Label).update(f"Edit {row.key} (version {row.version})")
        self.query_one("#form-title", Input).value = row.title
        self.query_one("#form-description", TextArea).text = row.description
        self.query_one("#form-kind", Select).value = row.kind
        self.query_one("#form-priority", Select).value = row.priority
        self.query_one("#form-status", Select).value = row.status
        self.query_one("#form-owner", Input).value = row.owner or ""
        self.query_one("#form-due", Input).value = row.due.isoformat()
        self.query_one("#form-incident", Input).value = row.incident or ""
        select = self.query_one("#form-root-cause", Select)
        select.value = row.root_cause if row.root_cause else Select.NULL
        self.show_error(f"Reloaded version {row.version}: make your change again and save.")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "form-save":
            self.action_save()
        else:
            self.action_cancel()

    def action_cancel(self) -> None:
        self.dismiss(None)
