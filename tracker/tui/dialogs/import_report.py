"""Import a status-page report: paste it or give a path, preview, then accept or drop what it proposes.

Enter in the path previews; ctrl+s (or the Import button) imports what the preview showed.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Button, Input, Label, SelectionList, Static, TextArea

from tracker.base.errors import InputError, TrackerError
from tracker.base.files import read_capped
from tracker.tui.dialogs.form import FormDialog
from tracker.tui.messages import Failed, ImportApplied, ImportPlanned
from tracker.tui.text import literal, one_line

if TYPE_CHECKING:
    from tracker.exchange.apply import ImportPlan


class ImportDialog(FormDialog[int | None]):
    """Returns the id of the incident created or updated, or None."""

    SAVE_LABEL: ClassVar[str] = "Import"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+r", "preview", "Preview", id="import.preview"),
    ]

    def __init__(self) -> None:
        super().__init__("Import a status-page report")
        self.plans: list[ImportPlan] = []

    def compose_fields(self) -> ComposeResult:
        yield self.field("path", "File", Input(id="import-path", compact=True, select_on_focus=False,
                                               placeholder="page text or Statuspage JSON; enter previews"))
        yield self.field("text", "…or paste", TextArea(id="import-text", soft_wrap=True, compact=True), tall=True)
        yield Static("Preview (ctrl+r, or enter in the file) shows what will be created before anything is"
                     " saved.", id="import-preview", classes="form-note")
        yield Label("Suggested root causes (checked ones are linked)", id="import-causes-label",
                    classes="form-note")
        yield SelectionList[str](id="import-causes", compact=True, classes="form-list")
        yield Label("Proposed actions (unchecked ones are dropped)", id="import-actions-label", classes="form-note")
        yield SelectionList[int](id="import-actions", compact=True, classes="form-list")

    def compose_buttons(self) -> ComposeResult:
        yield Button("Preview (ctrl+r)", id="import-preview-go")

    def _input(self) -> tuple[str, bytes | None]:
        """(the path given, None) or (where the text came from, the pasted text)."""
        path = self.query_one("#import-path", Input).value.strip()
        pasted = self.query_one("#import-text", TextArea).text
        if path:
            return path, None
        if pasted.strip():
            return "pasted text", pasted.encode("utf-8")
        raise InputError("give a path or paste a report first")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_preview()

    def action_preview(self) -> None:
        try:
            source, data = self._input()
        except TrackerError as error:
            self.show_error(str(error))
            return
        self.show_error("Reading…")
        self._plan(source, data)

    @work(thread=True, exclusive=True, group="import-plan", exit_on_error=False)
    def _plan(self, source: str, data: bytes | None) -> None:
        try:
            if data is None:  # a path: read here, off the event loop, capped, regular files only
                data = read_capped(str(Path(source).expanduser()), label=source)
                source = Path(source).name
            plans = self.app.store.imports.plan(data, source)
        except TrackerError as error:
            self.post_message(Failed(error))
            return
        self.post_message(ImportPlanned(plans))

    def on_import_applied(self, message: ImportApplied) -> None:
        message.stop()
        self.saving = False
        self.app.notify(message.summary, markup=False)
        self.dismiss(message.incident_id)

    def on_import_planned(self, message: ImportPlanned) -> None:
        message.stop()
        self.plans = message.plans
        self.show_error("")
        lines = []
        for plan in self.plans:
            report = plan.report
            target = f"updates INC-{plan.existing}" if plan.existing else "creates a new incident"
            when = report.started_at.strftime("%Y-%m-%d %H:%M UTC") if report.started_at else "no start time"
            lines += [f"{one_line(report.title)} — {target}",
                      f"  {report.kind} · {report.status} · {plan.severity} · {when} · "
                      f"{len(report.updates)} updates · {len(report.components)} components · "
                      f"postmortem {'yes' if report.postmortem else 'no'}"]
            lines += [f"  warning: {one_line(w)}" for w in plan.warnings]
        self.query_one("#import-preview", Static).update(literal("\n".join(lines)))
        causes = self.query_one("#import-causes", SelectionList)
        actions = self.query_one("#import-actions", SelectionList)
        causes.clear_options()
        actions.clear_options()
        if len(self.plans) == 1:
            plan = self.plans[0]
            for suggestion in plan.suggestions:
                if suggestion.known:
                    causes.add_option((f"{suggestion.slug}  ({', '.join(suggestion.keywords)})",
                                       suggestion.slug, False))
            for index, (title, kind) in enumerate(plan.actions):
                actions.add_option((f"[{kind.value}] {one_line(title)}", index, True))
        self.query_one("#form-save", Button).focus()

    def typed(self) -> bool:
        return bool(self.plans)

    def collect(self) -> Any:
        if not self.plans:
            raise InputError("Preview first (ctrl+r): nothing is saved before you have seen it.")
        causes = list(self.query_one("#import-causes", SelectionList).selected)
        actions = list(self.query_one("#import-actions", SelectionList).selected)
        return self.plans, causes, actions

    def submit(self, payload: Any) -> None:
        self._save(*payload)

    @work(thread=True, exclusive=True, group="import-save", exit_on_error=False)
    def _save(self, plans: list[ImportPlan], causes: list[str], actions: list[int]) -> None:
        try:
            result = self.app.store.imports.apply(plans, causes, actions)
        except TrackerError as error:
            self.post_message(Failed(error))
            return
        self.post_message(ImportApplied(result.incident_id, result.summary))

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "import-preview-go":
            event.stop()
            self.action_preview()
            return
        super().on_button_pressed(event)
