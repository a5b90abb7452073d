"""The base of the app's forms, usable at 80x24, and the one way a form over a versioned record handles a
stale write.

``FormDialog`` lays a form out as a heading, a scrolling body of fields (each with its label beside it,
so a label never scrolls away from its field), an inline error and the buttons docked at the bottom,
always visible. ctrl+s saves; Enter saves in one-line forms and in the last line of a form, and moves to
the next field elsewhere; Escape cancels, asking first when something was typed. A refused save keeps
everything typed.

``VersionedFormDialog`` edits a record that carries a version: the save is conditional on the version
loaded, and a stale one opens the stale-write dialog. "Reload theirs" shows the stored version;
"keep my edit" rebases the edit on it (``rebase``): a field only they changed takes their value, a
field you both changed keeps yours with theirs shown beside it, and the next save is a new conditional
write on top of their version, so the history keeps both changes.
"""

from __future__ import annotations

from typing import Any, ClassVar, NamedTuple

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.widget import Widget
from textual.widgets import Button, Checkbox, Input, Label, Select, SelectionList, Static, TextArea

from tracker.base.errors import StaleWriteError, TrackerError
from tracker.tui.bases import ResultType, TrackerDialog
from tracker.tui.messages import Failed, TheirVersionLoaded
from tracker.tui.text import literal, one_line
from tracker.tui.widgets.footer import TrackerFooter


class Rebased(NamedTuple):
    """How an edit made on ``base`` lands on top of ``theirs``."""

    taken: dict[str, str]
    """Fields they changed and you did not: the form takes their value."""
    clashes: dict[str, str]
    """Fields you both changed, differently: yours stays, theirs is shown beside it."""


def rebase(base: dict[str, str], mine: dict[str, str], theirs: dict[str, str]) -> Rebased:
    """Replay the edit ``base`` -> ``mine`` on ``theirs``, field by field."""
    taken: dict[str, str] = {}
    clashes: dict[str, str] = {}
    for name, their in theirs.items():
        old = base.get(name, "")
        yours = mine.get(name, old)
        if their in (old, yours):
            continue
        if yours == old:
            taken[name] = their
        else:
            clashes[name] = their
    return Rebased(taken, clashes)


def read_widget(widget: Widget) -> str:
    """A field's value as text (a blank choice is ``""``)."""
    if isinstance(widget, Input):
        return widget.value
    if isinstance(widget, TextArea):
        return widget.text
    if isinstance(widget, Select):
        value = widget.value
        return "" if value is Select.NULL else str(value)
    if isinstance(widget, Checkbox):
        return "yes" if widget.value else ""
    if isinstance(widget, SelectionList):
        return "\n".join(str(value) for value in widget.selected)
    raise TypeError(f"not a form field: {widget!r}")


def write_widget(widget: Widget, text: str) -> None:
    if isinstance(widget, Input):
        widget.value = text
    elif isinstance(widget, TextArea):
        widget.text = text
    elif isinstance(widget, Select):
        widget.value = text if text else Select.NULL
    elif isinstance(widget, Checkbox):
        widget.value = bool(text)


class FormDialog(TrackerDialog[ResultType]):
    """A form in a dialog. Subclasses yield their fields from ``compose_fields`` (through ``field``),
    validate in ``collect`` (raising a TrackerError names the problem) and write in ``submit`` (a worker)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", id="form.save"),
        Binding("escape", "cancel", "Cancel", id="form.cancel"),
    ]

    ENTER_SUBMITS: ClassVar[bool] = False
    """True for one-line forms: Enter in any field saves. Otherwise Enter moves to the next field, and saves
    from the last one."""
    SAVE_LABEL: ClassVar[str] = "Save"

    def __init__(self, heading: str) -> None:
        super().__init__()
        self.heading = heading
        self.saving = False
        """A save is under way: another ctrl+s waits for its answer."""
        self.fields: dict[str, Widget] = {}
        """Each field's widget by name."""
        self.initial: dict[str, str] | None = None
        """What the fields held once the form was ready; Escape asks first when they hold something else."""

    # -- layout ------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog form-dialog", id="form-box"):
            yield Label(literal(self.heading), classes="dialog-title", id="form-heading")
            with VerticalScroll(classes="form-body", id="form-fields"):
                yield from self.compose_fields()
            yield Static("", id="form-error", classes="form-error")
            with Horizontal(classes="buttons form-buttons"):
                yield Button(f"{self.SAVE_LABEL} ({'enter' if self.ENTER_SUBMITS else 'ctrl+s'})", id="form-save",
                             variant="primary")
                yield from self.compose_buttons()
                yield Button("Cancel (esc)", id="form-cancel")
        yield TrackerFooter()

    def compose_fields(self) -> ComposeResult:
        """The form's fields, each made with ``field``."""
        raise NotImplementedError
        yield  # pragma: no cover

    def compose_buttons(self) -> ComposeResult:
        """Buttons between Save and Cancel (none by default)."""
        yield from ()

    def field(self, name: str, label: str, widget: Widget, *, tall: bool = False) -> Widget:
        """``widget`` with its label beside it, and room under it for the other side's value after a rebase.

        A field reached with Tab keeps its text (the cursor goes to its end): typing adds to a pre-filled
        value rather than replacing it."""
        self.fields[name] = widget
        if isinstance(widget, Input):
            widget.select_on_focus = False
        return Horizontal(
            Label(Content(label), classes="field-label"),
            Vertical(widget, Static("", classes="field-theirs", id=f"theirs-{name}"), classes="field-input"),
            classes="field -tall" if tall else "field",
            id=f"field-{name}",
        )

    def on_mount(self) -> None:
        self.focus_first()
        self.call_after_refresh(self.mark_clean)

    def focus_first(self) -> None:
        for widget in self.fields.values():
            if widget.focusable:
                widget.focus()
                return

    # -- values ------------------------------------------------------------------------------

    def values(self) -> dict[str, str]:
        return {name: read_widget(widget) for name, widget in self.fields.items()}

    def set_value(self, name: str, text: str) -> None:
        write_widget(self.fields[name], text)

    def mark_clean(self) -> None:
        """What the fields hold now counts as untouched (Escape leaves without asking)."""
        self.initial = self.values()

    @property
    def dirty(self) -> bool:
        return (self.initial is not None and self.values() != self.initial) or self.typed()

    def typed(self) -> bool:
        """Something typed outside the fields (a filter) that Escape should not throw away unasked."""
        return False

    def show_error(self, text: str | Content) -> None:
        error = self.query_one("#form-error", Static)
        error.update(literal(text) if isinstance(text, str) else text)
        error.set_class(bool(text), "-shown")

    def show_theirs(self, name: str, text: Content | None) -> None:
        """Show (or with None, hide) a line under field ``name``."""
        line = self.query_one(f"#theirs-{name}", Static)
        line.update(text or "")
        line.set_class(text is not None, "-shown")

    # -- saving ------------------------------------------------------------------------------

    def collect(self) -> Any:
        """The form validated, as whatever ``submit`` takes; raises a TrackerError naming the field."""
        raise NotImplementedError

    def submit(self, payload: Any) -> None:
        """Write ``payload`` (start a worker); its answer dismisses the form, or posts ``Failed``."""
        raise NotImplementedError

    def action_save(self) -> None:
        if self.saving:
            return
        try:
            payload = self.collect()
        except TrackerError as error:
            self.show_error(str(error))
            return
        self.show_error("")
        self.saving = True
        self.submit(payload)

    def on_failed(self, message: Failed) -> None:
        message.stop()
        self.saving = False
        self.refused(message.error)

    def refused(self, error: Exception) -> None:
        """A save (or a read) was refused: say why; everything typed stays."""
        self.show_error(str(error))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        shown = [widget for name, widget in self.fields.items()
                 if isinstance(widget, Input) and self.query_one(f"#field-{name}").display]
        if self.ENTER_SUBMITS or (shown and event.input is shown[-1]):
            self.action_save()
        else:
            self.focus_next()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "form-save":
            event.stop()
            self.action_save()
        elif event.button.id == "form-cancel":
            event.stop()
            self.action_cancel()

    def action_cancel(self) -> None:
        if not self.dirty:
            self.dismiss(None)
            return
        from tracker.tui.dialogs.confirm import ConfirmDialog

        self.ask_yes(ConfirmDialog("Throw away what you typed?", yes="Discard", no="Keep editing"),
                     lambda: self.dismiss(None))


class VersionedFormDialog(FormDialog[ResultType]):
    """A form over a record with a version: saved against ``version``; a stale save is rebased or reloaded.

    ``base`` holds the record as the form shows it (field name -> text), for the fields the record
    stores (and any other value the form shows, such as a status in its heading); ``read_theirs``
    reads the record again (in a worker thread) in the same shape.
    """

    def __init__(self, heading: str, version: int, base: dict[str, str]) -> None:
        super().__init__(heading)
        self.version = version
        """The version the edit is made on; every save is conditional on it."""
        self.base = dict(base)
        """The stored values the edit started from (after a rebase: theirs)."""

    def changed(self) -> dict[str, str]:
        """The stored fields the user changed, with what they hold now."""
        mine = self.values()
        return {name: mine[name] for name, old in self.base.items() if name in mine and mine[name] != old}

    def read_theirs(self) -> tuple[dict[str, str], int]:
        """The record as stored now, and its version (called in a worker thread)."""
        raise NotImplementedError

    def refused(self, error: Exception) -> None:
        super().refused(error)
        if isinstance(error, StaleWriteError):
            from tracker.tui.dialogs.conflict import ConflictDialog

            self.app.notify(str(error), title="Not saved", severity="warning", markup=False)
            self.app.push_screen(ConflictDialog(str(error)), callback=self._conflict_answered)

    def _conflict_answered(self, reload: bool | None) -> None:
        self._fetch_theirs(keep_mine=not reload)

    @work(thread=True, exclusive=True, group="form-theirs", exit_on_error=False)
    def _fetch_theirs(self, keep_mine: bool) -> None:
        try:
            values, version = self.read_theirs()
        except TrackerError as error:
            self.post_message(Failed(error))
            return
        self.post_message(TheirVersionLoaded(values, version, keep_mine))

    def on_their_version_loaded(self, message: TheirVersionLoaded) -> None:
        message.stop()
        theirs, version = message.values, message.version
        for name in self.fields:
            self.show_theirs(name, None)
        if message.keep_mine:
            shown = {name: value for name, value in theirs.items() if name in self.fields}
            merged = rebase(self.base, self.values(), shown)
            for name, value in merged.taken.items():
                self.set_value(name, value)
                self.show_theirs(name, Content.assemble(("↑ theirs, taken: ", "$text-muted"), _shown(value)))
            for name, value in merged.clashes.items():
                self.show_theirs(name, Content.assemble(("↑ yours; theirs: ", "bold $warning"), _shown(value)))
            summary = (f"changed by someone else (now version {version}): your edit is kept on top of theirs"
                       + (f"; {len(merged.clashes)} field(s) you both changed show theirs under yours"
                          if merged.clashes else "")
                       + ". Save writes yours over their version.")
        else:
            for name, value in theirs.items():
                if name in self.fields:
                    self.set_value(name, value)
                    if self.initial is not None:
                        self.initial[name] = value  # their value, as loaded: nothing typed there
            summary = f"Reloaded version {version}: make your change again and save."
        self.base = dict(theirs)
        self.version = version
        self.rebased()
        self.show_error(summary)

    def rebased(self) -> None:
        """The edit now lies on top of ``version``: a subclass updates what shows it (its heading)."""


def _shown(value: str) -> Content:
    text = one_line(value)
    return literal(text[:200] + ("…" if len(text) > 200 else "")) if text else Content("(empty)")
