"""Import a status-page report: paste it or give a path, preview, then accept or drop what it proposes."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Input, Label, SelectionList, Static, TextArea

from tracker.base.errors import InputError, TrackerError
from tracker.base.files import read_capped
from tracker.tui.bases import TrackerDialog
from tracker.tui.messages import Failed, ImportApplied, ImportPlanned
from tracker.tui.text import literal, one_line

if TYPE_CHECKING:
    from tracker.exchange.apply import ImportPlan



class ImportDialog(TrackerDialog[int | None]):
    """Returns the id of the incident created or updated, or None."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+r", "preview", "Preview", id="import.preview"),
        Binding("ctrl+s", "save", "Import", id="import.save"),
        Binding("escape", "cancel", "Cancel", id="import.cancel"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.plans: list[ImportPlan] = []

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="import-box"):
            yield Label("Import a status-page report", classes="dialog-title")
            yield Label("A file (page text or Statuspage JSON) ...")
            yield Input(id="import-path", placeholder="path/to/report.txt")
            yield Label("... or paste the report")
            yield TextArea(id="import-text", soft_wrap=True)
            with VerticalScroll(id="import-preview-box"):
                yield Static("Preview (ctrl+r) shows what will be created before anything is saved.",
                             id="import-preview")
                yield Label("Suggested root causes (checked ones are linked)", id="import-causes-label")
                yield SelectionList[str](id="import-causes")
                yield Label("Proposed actions (unchecked ones are dropped)", id="import-actions-label")
                yield SelectionList[int](id="import-actions")
            yield Static("", id="import-error", classes="form-error")
            with Horizontal(classes="buttons"):
                yield Button("Preview (ctrl+r)", id="import-preview-go")
                yield Button("Import (ctrl+s)", id="import-go", variant="primary", disabled=True)
                yield Button("Cancel (esc)", id="import-cancel")

    def on_mount(self) -> None:
        self.query_one("#import-path", Input).focus()

    def show_error(self, text: str) -> None:
        self.query_one("#import-error", Static).update(literal(text))

    def _input(self) -> tuple[str, bytes | None]:
        """(the path given, None) or (where the text came from, the pasted text)."""
        path = self.query_one("#import-path", Input).value.strip()
        pasted = self.query_one("#import-text", TextArea).text
        if path:
            return path, None
        if pasted.strip():
            return "pasted text", pasted.encode("utf-8")
        raise InputError("give a path or paste a report first")

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
        self.query_one("#import-go", Button).disabled = False

    def action_save(self) -> None:
        if not self.plans:
            self.show_error("Preview first (ctrl+r): nothing is saved before you have seen it.")
            return
        causes = list(self.query_one("#import-causes", SelectionList).selected)
        actions = list(self.query_one("#import-actions", SelectionList).selected)
        self._save(self.plans, causes, actions)

    @work(thread=True, exclusive=True, group="import-save", exit_on_error=False)
    def _save(self, plans: list[ImportPlan], causes: list[str], actions: list[int]) -> None:
        try:
            result = self.app.store.imports.apply(plans, causes, actions)
        except TrackerError as error:
            self.post_message(Failed(error))
            return
        self.post_message(ImportApplied(result.incident_id, result.summary))

    def on_failed(self, message: Failed) -> None:
        message.stop()
        self.show_error(str(message.error))

    def on_button_pressed(self, event: Button.Pressed) -> None:
        {"import-preview-go": self.action_preview, "import-go": self.action_save}.get(
            event.button.id or "", self.action_cancel)()

    def action_cancel(self) -> None:
        self.dismiss(None)
