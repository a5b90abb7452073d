"""All the action filters in one form; they combine (every one given must hold). Enter applies them."""

from __future__ import annotations

import re
from typing import Any, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.widgets import Checkbox, Input, Select

from tracker.base.enums import ActionKind, ActionStatus, Priority
from tracker.base.errors import InputError
from tracker.core.actions import ActionFilter
from tracker.core.keys import parse_key
from tracker.core.validate import clean_owner
from tracker.tui.dialogs.form import FormDialog
from tracker.tui.messages import CauseSlugsLoaded


def _options(enum: type[Any]) -> list[tuple[str, str]]:
    return [(m.value.replace("_", " "), m.value) for m in enum]


class FilterDialog(FormDialog[ActionFilter | None]):
    """Edit the actions filter; returns the new filter, or None when cancelled."""

    ENTER_SUBMITS: ClassVar[bool] = True
    SAVE_LABEL: ClassVar[str] = "Apply"

    def __init__(self, current: ActionFilter) -> None:
        super().__init__("Filter actions (every filter given must hold)")
        self.current = current

    def compose_fields(self) -> ComposeResult:
        f = self.current
        yield self.field("owner", "Owner", Input(f.owner or "", id="filter-owner", placeholder="(any)",
                                                 compact=True, select_on_focus=False))
        yield self.field("status", "Status", Select(_options(ActionStatus), prompt="(any)", compact=True,
                                                    value=f.statuses[0] if f.statuses else Select.NULL,
                                                    id="filter-status"))
        yield self.field("overdue", "Overdue", Checkbox("Overdue only", f.overdue, id="filter-overdue",
                                                        compact=True))
        yield self.field("unowned", "Unowned", Checkbox("Unowned only", f.unowned, id="filter-unowned",
                                                        compact=True))
        yield self.field("within", "Due within", Input(
            "" if f.due_within_days is None else str(f.due_within_days), id="filter-within", compact=True,
            placeholder="days (any)", type="integer", select_on_focus=False))
        yield self.field("kind", "Kind", Select(_options(ActionKind), prompt="(any)", compact=True,
                                                value=f.kinds[0] if f.kinds else Select.NULL, id="filter-kind"))
        yield self.field("priority", "Priority", Select(_options(Priority), prompt="(any)", compact=True,
                                                        value=f.priorities[0] if f.priorities else Select.NULL,
                                                        id="filter-priority"))
        yield self.field("incident", "Incident", Input("" if f.incident_id is None else f"INC-{f.incident_id}",
                                                       id="filter-incident", placeholder="INC-n", compact=True,
                                                       select_on_focus=False))
        yield self.field("cause", "Root cause", Select([], prompt="(any)", id="filter-cause", compact=True))

    def on_mount(self) -> None:
        super().on_mount()
        self._causes()

    @work(thread=True, group="filters", exit_on_error=False)
    def _causes(self) -> None:
        self.post_message(CauseSlugsLoaded(self.app.store.causes.slugs()))

    def on_cause_slugs_loaded(self, message: CauseSlugsLoaded) -> None:
        message.stop()
        untouched = not self.dirty
        select = self.query_one("#filter-cause", Select)
        select.set_options([(s, s) for s in message.slugs])
        if self.current.root_cause in message.slugs:
            select.value = self.current.root_cause
        if untouched:
            self.mark_clean()

    def _select(self, selector: str) -> tuple[str, ...]:
        value = self.query_one(selector, Select).value
        return () if value is Select.NULL else (str(value),)

    def collect(self) -> ActionFilter:
        return self.build()

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

    def submit(self, payload: ActionFilter) -> None:
        self.dismiss(payload)

    def action_apply(self) -> None:
        self.action_save()
