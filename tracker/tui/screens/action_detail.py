"""One action with its full history; quick keys change it in place."""

from __future__ import annotations

from typing import ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.widgets import Header, Static

from tracker.core.actions import ActionRow
from tracker.tui.action_ops import ACTION_BINDINGS, ActionOps
from tracker.tui.messages import ActionLoaded, CommitsLoaded, DataChanged
from tracker.tui.text import clean, could_not_load, history_entries, literal
from tracker.tui.widgets.footer import TrackerFooter
from tracker.tui.widgets.hanging import HangingText
from tracker.tui.widgets.vim import VimScroll


class ActionScreen(ActionOps):
    """Detail of one action: every field, and who changed what, when and why."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back", id="action-detail.back"),
        Binding("r", "reload", "Refresh", id="action-detail.refresh"),
        Binding("i", "open_incident", "Incident", id="action-detail.incident"),
        *ACTION_BINDINGS,
    ]

    def __init__(self, key: str | int) -> None:
        super().__init__()
        self.key = key
        self.row: ActionRow | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with VimScroll(id="action-detail"):
            yield Static("Loading…", id="action-heading", classes="heading")
            yield Static(id="action-facts")
            yield Static(id="action-description", classes="section")
            yield HangingText(id="action-history", classes="section")
            yield Static(id="action-commits", classes="section")
        yield TrackerFooter()

    def on_mount(self) -> None:
        self.action_reload()

    def action_reload(self) -> None:
        self._load()

    @work(thread=True, exclusive=True, group="action-detail", exit_on_error=False)
    def _load(self) -> None:
        detail = self.app.store.actions.detail(self.key)
        self.post_message(ActionLoaded(detail.action, detail.history))

    @work(thread=True, exclusive=True, group="action-commits", exit_on_error=False)
    def _load_commits(self, key: str) -> None:
        self.post_message(CommitsLoaded(self.app.store.git.commits_for(key)))

    def worker_failed(self, group: str, error: BaseException) -> None:
        where = {"action-detail": "#action-heading", "action-commits": "#action-commits"}.get(group)
        if where is not None:
            self.query_one(where, Static).update(could_not_load(error))

    def on_action_loaded(self, message: ActionLoaded) -> None:
        row, history = message.action, message.history
        self.row = row
        self._load_commits(row.key)
        self.sub_title = row.key
        today = self.app.store.today
        overdue = row.is_overdue(today)
        self.query_one("#action-heading", Static).update(
            Content.assemble((f"{row.key}  ", "bold"), (clean(row.title), "bold"))
        )
        facts = Content.assemble(
            ("status   ", "$text-muted"), (row.status, "bold"), "\n",
            ("kind     ", "$text-muted"), row.kind, "\n",
            ("priority ", "$text-muted"), row.priority, "\n",
            ("owner    ", "$text-muted"), clean(row.owner or "(nobody)"), "\n",
            ("due      ", "$text-muted"), (row.due.isoformat() + ("  OVERDUE" if overdue else ""),
                                            "bold $error" if overdue else ""), "\n",
            ("incident ", "$text-muted"), row.incident or "-", "\n",
            ("cause    ", "$text-muted"), row.root_cause or "-", "\n",
            ("runbook  ", "$text-muted"), clean(row.runbook_path or "-"), "\n",
            ("version  ", "$text-muted"), str(row.version),
        )
        self.query_one("#action-facts", Static).update(facts)
        self.query_one("#action-description", Static).update(
            Content.assemble(("Description", "bold $accent"), "\n", clean(row.description or "-"))
        )
        self.query_one("#action-history", HangingText).show_entries(
            history_entries(history), title=Content.assemble(("History", "bold $accent")))

    def on_commits_loaded(self, message: CommitsLoaded) -> None:
        lines = [
            Content.assemble((c.short, "$accent"), "  ", c.when.strftime("%Y-%m-%d"), "  ", clean(c.author_email),
                             "  ", clean(c.subject), ("  (closes)", "bold") if self.row and self.row.id in c.closes
                             else "")
            for c in message.commits
        ]
        body = Content("\n").join(lines) if lines else literal("No commit references this action yet.")
        self.query_one("#action-commits", Static).update(
            Content.assemble(("Commits (Refs: / Closes: trailers)", "bold $accent"), "\n", body)
        )

    def current_action(self) -> ActionRow | None:
        return self.row

    def after_change(self, row: ActionRow | None) -> None:
        self.action_reload()

    def action_open_incident(self) -> None:
        if self.row is not None and self.row.incident_id is not None:
            self.app.open_incident(self.row.incident_id)

    def on_data_changed(self, message: DataChanged) -> None:
        """Changes made elsewhere: read the screen again (the cursor stays where it was)."""
        self.action_reload()
