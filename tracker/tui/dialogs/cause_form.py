"""Add a root cause to the taxonomy, or edit one (title, category, description, and its slug).

A new cause whose title is close to an existing cause's asks "did you mean ...?" first: use that
one (the form returns its slug) or add this one anyway. A new slug for an existing cause keeps the
old one as an alias. The form returns the cause's slug.
"""

from __future__ import annotations

import re
from typing import Any

from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widget import Widget
from textual.widgets import Button, Input, Label, TextArea

from tracker.base.errors import InputError, TrackerError
from tracker.core.rootcauses import RootCauseRow
from tracker.core.rootcauses.names import check_new_slug
from tracker.core.validate import clean_text, clean_title
from tracker.tui.dialogs.form import FormDialog
from tracker.tui.messages import CauseSaved, Failed, SimilarCausesFound
from tracker.tui.text import clean


def slug_for(title: str) -> str:
    """A slug made from a title: lowercase words joined by hyphens, at most 60 characters."""
    slug = "-".join(re.findall(r"[a-z0-9]+", title.lower()))
    return slug[:60].rstrip("-")


class CauseFormDialog(FormDialog[str | None]):
    """A new cause (its title prefilled with ``title``) or an edit of ``cause``; returns its slug."""

    def __init__(self, *, cause: RootCauseRow | None = None, title: str = "") -> None:
        super().__init__(f"Edit root cause {cause.slug}" if cause else "New root cause")
        self.cause = cause
        self.start = {
            "slug": cause.slug if cause else slug_for(title),
            "title": cause.title if cause else title,
            "category": cause.category if cause else "",
            "description": cause.description if cause else "",
        }
        self.auto_slug = cause is None
        """The slug follows the title until the user types one."""
        self.force = False
        """Add even though the title is close to an existing cause's (the user said so)."""
        self.similar: dict[str, str] = {}
        """The "use that one" buttons' ids, with the slug each stands for."""

    def compose_fields(self) -> ComposeResult:
        start = self.start
        yield self.field("title", "Title", Input(start["title"], id="cause-title", compact=True,
                                                 placeholder="What went wrong, in general terms"))
        yield self.field("slug", "Slug", Input(start["slug"], id="cause-slug", compact=True,
                                               placeholder="lowercase-words-with-hyphens"))
        if self.cause is not None:
            yield Label("A new slug keeps the old one as an alias.", classes="form-note")
        yield self.field("category", "Category", Input(start["category"], id="cause-category", compact=True,
                                                       placeholder="e.g. configuration, capacity, dependency"))
        yield self.field("description", "Description", TextArea(start["description"], id="cause-description",
                                                                soft_wrap=True, compact=True), tall=True)
        yield Vertical(id="cause-similar")

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "cause-title" and self.auto_slug:
            self.query_one("#cause-slug", Input).value = slug_for(event.value)
        elif event.input.id == "cause-slug" and event.value != slug_for(self.values()["title"]):
            self.auto_slug = False
        if event.input.id == "cause-title" and (self.force or self.similar):
            self.force = False
            self._clear_similar()

    # -- did you mean ...? --------------------------------------------------------------------

    async def on_similar_causes_found(self, message: SimilarCausesFound) -> None:
        message.stop()
        self.saving = False
        self._clear_similar()
        rows: list[Widget] = [Label(Content.assemble(("Did you mean…?", "bold $warning"),
                                                     " A cause with a close title exists:"), classes="form-note")]
        for index, suggestion in enumerate(message.similar):
            button_id = f"cause-use-{index}"
            self.similar[button_id] = suggestion.slug
            rows.append(Horizontal(
                Button(Content(f"Use {suggestion.slug}"), id=button_id, variant="primary", compact=True),
                Label(Content.assemble("  ", clean(suggestion.title))),
                classes="similar-row",
            ))
        rows.append(Button("Add mine anyway", id="cause-add-anyway", compact=True))
        await self.query_one("#cause-similar", Vertical).mount_all(rows)
        self.show_error("Close to an existing cause: use it, or add yours anyway.")
        first = self.query_one("#cause-use-0", Button)
        first.focus()
        first.scroll_visible()

    def _clear_similar(self) -> None:
        self.similar = {}
        self.query_one("#cause-similar", Vertical).remove_children()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        button = event.button.id or ""
        if button in self.similar:
            event.stop()
            self.app.notify(f"Using {self.similar[button]}", markup=False)
            self.dismiss(self.similar[button])
        elif button == "cause-add-anyway":
            event.stop()
            self.force = True
            self._clear_similar()
            self.action_save()
        else:
            super().on_button_pressed(event)

    # -- saving ------------------------------------------------------------------------------

    def collect(self) -> Any:
        mine = self.values()
        fields = {
            "slug": check_new_slug(mine["slug"]) if mine["slug"] != self.start["slug"] or not self.cause
            else mine["slug"],
            "title": clean_title(mine["title"]),
            "category": clean_text(mine["category"], "category"),
            "description": clean_text(mine["description"]),
        }
        if self.cause is not None:
            changed = {name: value for name, value in fields.items() if value != self.start[name]}
            if not changed:
                raise InputError("nothing changed")
            return changed
        return fields

    def submit(self, payload: Any) -> None:
        if self.cause is None:
            self._add(payload, self.force)
        else:
            self._update(self.cause.slug, payload)

    @work(thread=True, exclusive=True, group="form-save", exit_on_error=False)
    def _add(self, fields: dict[str, str], force: bool) -> None:
        store = self.app.store
        try:
            if not force:
                similar = store.causes.similar(fields["title"])
                if similar:
                    self.post_message(SimilarCausesFound(similar))
                    return
            slug = fields.pop("slug")
            cause = store.causes.add(slug, **fields, force=force)
        except TrackerError as error:
            self.post_message(Failed(error))
            return
        self.post_message(CauseSaved(cause.slug, created=True))

    @work(thread=True, exclusive=True, group="form-save", exit_on_error=False)
    def _update(self, slug: str, changed: dict[str, str]) -> None:
        store = self.app.store
        try:
            if "slug" in changed:
                slug = store.causes.rename(slug, changed.pop("slug")).slug
            if changed:
                store.causes.update(slug, **changed)
        except TrackerError as error:
            self.post_message(Failed(error))
            return
        self.post_message(CauseSaved(slug))

    def on_cause_saved(self, message: CauseSaved) -> None:
        message.stop()
        self.saving = False
        self.app.notify(f"{'Added' if message.created else 'Saved'} root cause {message.slug}", markup=False)
        self.dismiss(message.slug)

    def refused(self, error: Exception) -> None:
        super().refused(error)
        if isinstance(error, InputError) and "slug" in str(error):
            self.query_one("#cause-slug", Input).focus()

