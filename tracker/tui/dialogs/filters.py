"""All the action filters in one form; they combine (every one given must hold)."""

from __future__ import annotations

import re
from typing import Any, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Checkbox, Input, Label, Select, Static

from tracker.base.enums import ActionKind, ActionStatus, Priority
from tracker.base.errors import InputError, TrackerError
from tracker.core.actions import ActionFilter
from tracker.core.keys import parse_key
from tracker.core.validate import clean_owner
from tracker.tui.bases import TrackerDialog
from tracker.tui.messages import CauseSlugsLoaded
from tracker.tui.text import literal


def _options(enum: type[Any]) -> list[tuple[str, str]]:
    return [(m.value.replace("_", " "), m.value) for m in enum]


class FilterDialog(TrackerDialog[ActionFilter | None]):
    """Edit the actions filter; returns the new filter, or None when cancelled."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "apply", "Apply", id="filters.apply"),
        Binding("escape", "cancel", "Cancel", id="filters.cancel"),
    ]

    def __init__(self, current: ActionFilter) -> None:
        super().__init__()
        self.current = current

    def compose(self) -> ComposeResult:
        f = self.current
        with Vertical(id="filters-box", classes="dialog"):
            yield Label("Filter actions", classes="dialog-title")
            with Horizontal(classes="form-row"):
                with Vertical():
                    yield Label("Status")
                    yield Select(_options(ActionStatus), value=f.statuses[0] if f.statuses else Select.NULL,
                                 prompt="(any)", id="filter-status")
                with Vertical():
                    yield Label("Kind")
                    yield Select(_options(ActionKind), value=f.kinds[0] if f.kinds else Select.NULL,
                                 prompt="(any)", id="filter-kind")
                with Vertical():
                    yield Label("Priority")
                    yield Select(_options(Priority), value=f.priorities[0] if f.priorities else Select.NULL,
                                 prompt="(any)", id="filter-priority")
            with Horizontal(classes="form-row"):
                with Vertical():
                    yield Label("Owner")
                    yield Input(f.owner or "", id="filter-owner", placeholder="(any)")
                with Vertical():
                    yield Label("Due within (days)")
                    yield Input("" if f.due_within_days is None else str(f.due_within_days), id="filter-within",
                                placeholder="(any)", type="integer")
            with Horizontal(classes="form-row"):
                with Vertical():
                    yield Label("Incident")
                    yield Input("" if f.incident_id is None else f"INC-{f.incident_id}", id="filter-incident",
                                placeholder="INC-n")
                with Vertical():
                    yield Label("Root cause")
                    yield Select([], prompt="(any)", id="filter-cause")
            with Horizontal(classes="form-row"):
                yield Checkbox("Overdue only", f.overdue, id="filter-overdue")
                yield Checkbox("Unowned only", f.unowned, id="filter-unowned")
            yield Static("", id="filter-error", classes="form-error")
            with Horizontal(classes="buttons"):
                yield Button("Apply (ctrl+s)", id="filter-apply", variant="primary")
                yield Button("Cancel (esc)", id="filter-cancel")

    def on_mount(self) -> None:
        self.query_one("#filter-status", Select).focus()
        self._causes()

    @work(thread=True, group="filters", exit_on_error=False)
    def _causes(self) -> None:
        self.post_message(CauseSlugsLoaded(self.app.store.causes.slugs()))

    def on_cause_slugs_loaded(self, message: CauseSlugsLoaded) -> None:
        message.stop()
        select = self.query_one("#filter-cause", Select)
        select.set_options([(s, s) for s in message.slugs])
        if self.current.root_cause in message.slugs:
            select.value = self.current.root_cause

    def _select(self, selector: str) -> tuple[str, ...]:
        value = self.query_one(selector, Select).value
        return () if value is Select.NULL else (str(value),)

    def build(self) -> ActionFilter:
        owner_text = self.query_one("#filter-owner", Input).value
        within = self.query_one("#filter-within", Input).value.strip()
        if within and not (re.fullmatch(r"[0-9]{1,4}", within) and int(within) <= 3650):
            raise InputError(f"due within {within!r}: give a number of days from 0 to 3650")
        incident = self.query_one("#filter-incident", Input).value.strip()
        cause = self._select("#filter-cause")
        return self.current._replace(
            statuses=self._select("#filter-status"),
            kinds=self._select("#filter-kind"),
            priorities=self._select("#filter-priority"),
            owner=clean_owner(owner_text),
            unowned=self.query_one("#filter-unowned", Checkbox).value,
            overdue=self.query_one("#filter-overdue", Checkbox).value,
            due_within_days=int(within) if within else None,
            incident_id=parse_key(incident, "INC") if incident else None,
            root_cause=cause[0] if cause else None,
        )

    def action_apply(self) -> None:
        try:
            self.dismiss(self.build())
        except TrackerError as error:
            self.query_one("#filter-error", Static).update(literal(str(error)))

    def action_cancel(self) -> None:
        self.dismiss(None)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "filter-apply":
            self.action_apply()
        else:
            self.action_cancel()
