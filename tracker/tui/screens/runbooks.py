"""Runbooks: the folder with each file's git state and staleness, a preview, search, and the git loop.

Enter opens the runbook in the reader. Below ``NARROW`` columns the preview pane is left out: the
list takes the whole width, and the reader the whole screen.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import DataTable, Header, Input, Static

from tracker.base.errors import TrackerError
from tracker.core.runbooks.files import LARGE_FILE, FrontMatterError, split_front_matter
from tracker.tui.external_edit import ExternalEdit
from tracker.tui.messages import (
    DataChanged,
    Failed,
    GitOperationDone,
    GitStateLoaded,
    RunbookPreviewLoaded,
    RunbooksLoaded,
)
from tracker.tui.text import clean, could_not_load, literal
from tracker.tui.widgets.footer import TrackerFooter
from tracker.tui.widgets.reader import DocumentView, parse
from tracker.tui.widgets.vim import VimTable

if TYPE_CHECKING:
    from tracker.core.runbooks.index import RunbookRow

PREVIEW_LIMIT = LARGE_FILE
"""Bytes of a large runbook rendered when its preview is asked for."""

NARROW = 110
"""Below this many columns the screen shows the list alone (no preview pane)."""


class RunbookTable(VimTable):
    """The runbooks; enter reads the one under the cursor."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select_cursor", "Read", id="runbooks.read"),
    ]


class RunbooksScreen(ExternalEdit):
    """Runbooks under git: read, search, edit, diff, commit, pull and push."""

    AUTO_FOCUS = "#runbook-table"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "search", "Search", id="runbooks.search"),
        Binding("e", "edit", "Edit", id="runbooks.edit"),
        Binding("E", "external_edit", "Edit in $EDITOR", show=False, id="runbooks.external-edit"),
        Binding("D", "diff", "Diff", id="runbooks.diff"),
        Binding("c", "commit", "Commit", id="runbooks.commit"),
        Binding("p", "pull", "Pull", id="runbooks.pull"),
        Binding("B", "pull_rebase", "Pull --rebase", show=False, id="runbooks.pull-rebase"),
        Binding("P", "push", "Push", id="runbooks.push"),
        Binding("S", "sync", "Sync (pull, push)", show=False, id="runbooks.sync"),
        Binding("r", "reload", "Refresh", show=False, id="runbooks.refresh"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.rows: dict[str, RunbookRow] = {}
        self.states: dict[str, str] = {}
        self.operation: str | None = None
        self.search = ""
        self.shown: str | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="runbook-git", classes="screen-title")
        with Horizontal(id="runbooks-body"):
            with Vertical(id="runbook-side"):
                yield Input(placeholder="Search runbooks  (/)", id="runbook-search", compact=True)
                yield RunbookTable(id="runbook-table", cursor_type="row")
            with VerticalScroll(id="runbook-preview-box"):
                yield Static("", id="runbook-facts")
                yield DocumentView(cursor=False, id="runbook-preview")
        yield TrackerFooter()

    def on_mount(self) -> None:
        self._columns(self.app.size.width)
        self._list_indexed()  # what the index knows, at once; the refresh below may take longer
        self.action_reload()

    def on_screen_resume(self) -> None:
        if self.rows:
            self.action_reload()

    def on_resize(self) -> None:
        narrow = self.size.width < NARROW
        if narrow != self.has_class("-narrow") or not self.query_one(DataTable).columns:
            self.set_class(narrow, "-narrow")
            self._columns(self.size.width)
            self._show_rows(list(self.rows.values()))

    def _columns(self, width: int) -> None:
        """The list's columns for a screen ``width`` wide: the name takes what the others leave."""
        self.set_class(width < NARROW, "-narrow")
        side = width if width < NARROW else 56
        table = self.query_one(DataTable)
        table.clear(columns=True)
        for label, cells in (("RUNBOOK", max(side - 10 - 5 - 8, 20)), ("GIT", 10), ("STALE", 5)):
            table.add_column(label, width=cells)

    # -- loading -----------------------------------------------------------------------------

    def action_reload(self) -> None:
        self._list(refresh=True)
        self._git_state()

    @work(thread=True, exclusive=True, group="runbooks-list-indexed", exit_on_error=False)
    def _list_indexed(self) -> None:
        self.post_message(RunbooksLoaded(self.app.store.runbooks.rows(self.search, refresh=False)))

    @work(thread=True, exclusive=True, group="runbooks-list", exit_on_error=False)
    def _list(self, refresh: bool) -> None:
        self.post_message(RunbooksLoaded(self.app.store.runbooks.rows(self.search, refresh=refresh)))

    @work(thread=True, exclusive=True, group="runbooks-git", exit_on_error=False)
    def _git_state(self) -> None:
        self.post_message(GitStateLoaded(self.app.store.git.overview()))

    def on_runbooks_loaded(self, message: RunbooksLoaded) -> None:
        self._show_rows(message.rows)

    def worker_failed(self, group: str, error: BaseException) -> None:
        super().worker_failed(group, error)
        if group == "runbooks-git":
            self.query_one("#runbook-git", Static).update(could_not_load(error))
        elif group in ("runbooks-list-indexed", "runbooks-list", "runbook-preview"):
            self.shown = None  # moving onto a runbook, or r, reads it again
            self.query_one("#runbook-facts", Static).update(could_not_load(error))
            self.query_one("#runbook-preview", DocumentView).show([])

    def on_git_state_loaded(self, message: GitStateLoaded) -> None:
        state, files, problem = message.overview
        label = self.query_one("#runbook-git", Static)
        if state is None:
            label.update(literal(f"git: {problem}"))
            self.states, self.operation = {}, None
        else:
            self.states = files.states
            self.operation = state.operation
            label.update(literal(f"git: {state.describe()}"))
            self.sub_title = state.describe()
        self._show_rows(list(self.rows.values()))

    def on_git_operation_done(self, message: GitOperationDone) -> None:
        self.app.notify(message.summary, markup=False)
        self.action_reload()

    def _show_rows(self, rows: list[RunbookRow]) -> None:
        table = self.query_one(DataTable)
        current = self.selected_path()
        table.clear()
        self.rows = {row.path: row for row in rows}
        for row in rows:
            state = self.states.get(row.path, "")
            table.add_row(
                Text(clean(row.path.split("/", 1)[-1])),
                Text(state, style="bold red" if state == "conflicted" else "yellow" if state else ""),
                Text("error" if row.error else "stale" if row.stale else "", style="bold yellow"),
                key=row.path,
            )
        pending = self.app.pending_runbook
        target = pending if pending in self.rows else current
        if target in self.rows:
            table.move_cursor(row=table.get_row_index(target))
        self.app.pending_runbook = None
        if self.rows and (self.shown is None or self.shown != self.selected_path()):
            self._preview(self.selected_path(), full=False)

    def selected_path(self) -> str | None:
        table = self.query_one(DataTable)
        if not table.row_count:
            return None
        return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value:
            self.read(event.row_key.value)

    def read(self, path: str) -> None:
        from tracker.tui.screens.runbook_reader import RunbookReaderScreen

        self.app.push_screen(RunbookReaderScreen(path))

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.row_key.value and event.row_key.value != self.shown:
            self._preview(event.row_key.value, full=False)

    @work(thread=True, exclusive=True, group="runbook-preview", exit_on_error=False)
    def _preview(self, path: str | None, full: bool) -> None:
        if path is None:
            return
        loaded = self.app.store.runbooks.text(path)
        self.post_message(RunbookPreviewLoaded(path, loaded.text, loaded.size, full))

    def on_runbook_preview_loaded(self, message: RunbookPreviewLoaded) -> None:
        path, text, size, full = message.path, message.text, message.size, message.full
        self.shown = path
        row = self.rows.get(path)
        facts = [f"{path}"]
        if row is not None:
            facts.append(f"{row.title} · owner {row.owner or '-'} · causes {', '.join(row.root_causes) or '-'}")
            reviewed = row.last_reviewed.isoformat() if row.last_reviewed else "never"
            facts.append(f"last reviewed {reviewed}, every {row.review_every_days or '-'} days"
                         + (f" · last commit {row.last_commit[:10]}" if row.last_commit else " · not committed"))
            facts += [f"⚠ {reason}" for reason in row.stale]
            if row.error:
                facts.append(f"⚠ {row.error}")
        body = text
        if size > LARGE_FILE and not full:
            facts.append(f"Large runbook ({size / 1_048_576:.1f} MB): enter reads its first "
                         f"{PREVIEW_LIMIT // 1024} KB, e edits it.")
            body = ""
        elif size > LARGE_FILE:
            body = text[:PREVIEW_LIMIT]
        try:  # the same splitter as the index: a BOM, CRLF and a '+++' inside the TOML are no surprise
            body = split_front_matter(body, path)[1]
        except FrontMatterError:
            pass  # no front matter to hide (its error is among the facts)
        self.query_one("#runbook-facts", Static).update(literal("\n".join(facts)))
        self.query_one("#runbook-preview", DocumentView).show(parse(body))

    # -- actions -----------------------------------------------------------------------------

    @on(Input.Changed, "#runbook-search")
    def _search(self, event: Input.Changed) -> None:
        self.search = event.value
        self._list(refresh=False)

    @on(Input.Submitted, "#runbook-search")
    def _search_done(self) -> None:
        self.query_one(DataTable).focus()

    def action_search(self) -> None:
        self.query_one("#runbook-search", Input).focus()

    def action_edit(self) -> None:
        path = self.selected_path()
        if path is not None:
            from tracker.tui.screens.runbook_edit import RunbookEditScreen

            self.app.push_screen(RunbookEditScreen(path))

    def action_external_edit(self) -> None:
        path = self.selected_path()
        if path is not None:
            self.edit_externally(path)

    def after_external_edit(self) -> None:
        self.action_reload()

    def action_diff(self) -> None:
        from tracker.tui.screens.runbook_diff import RunbookDiffScreen

        self.app.push_screen(RunbookDiffScreen())

    def action_commit(self) -> None:
        from tracker.tui.dialogs.commit import CommitDialog

        self.ask_yes(CommitDialog(), self.action_reload)

    def action_pull(self, rebase: bool = False) -> None:
        self.app.notify("Pulling…", timeout=2)
        self._remote("pull-rebase" if rebase else "pull")

    def action_pull_rebase(self) -> None:
        self.action_pull(rebase=True)

    def action_push(self) -> None:
        self.app.notify("Pushing…", timeout=2)
        self._remote("push")

    def action_sync(self) -> None:
        self.app.notify("Pulling, then pushing…", timeout=2)
        self._remote("sync")

    @work(thread=True, exclusive=True, group="runbooks-remote", exit_on_error=False)
    def _remote(self, what: str) -> None:
        store = self.app.store
        try:
            if what == "push":
                result = store.git.push()
            elif what == "sync":
                result = store.git.sync()
            else:
                result = store.git.pull(rebase=what == "pull-rebase")
        except TrackerError as error:
            self.post_message(Failed(error))
            return
        self.post_message(GitOperationDone(result))

    def on_failed(self, message: Failed) -> None:
        from tracker.repo import gitsync

        error = message.error
        self.action_reload()
        if isinstance(error, gitsync.PullConflict):
            from tracker.tui.dialogs.pull_conflict import PullConflictDialog

            self.app.push_screen(PullConflictDialog(error.files), callback=self._conflict_choice)
        elif isinstance(error, gitsync.PushRejected):
            from tracker.tui.dialogs.confirm import ConfirmDialog

            self.ask_yes(ConfirmDialog(str(error), "Pull, then push", "Not now"), self.action_sync)
        else:
            self.app.report(error)

    def _conflict_choice(self, choice: str | None) -> None:
        if choice == "abort":
            self._abort()
        elif choice:
            from tracker.tui.screens.runbook_edit import RunbookEditScreen

            self.app.push_screen(RunbookEditScreen(choice, resolving=True))

    @work(thread=True, group="runbooks-remote", exit_on_error=False)
    def _abort(self) -> None:
        try:
            self.app.store.git.abort_pull()
        except TrackerError as error:
            self.post_message(Failed(error))
            return
        self.post_message(GitOperationDone("Pull aborted: everything is as it was before it."))

    def on_data_changed(self, message: DataChanged) -> None:
        """Changes made elsewhere: read the screen again (the cursor stays where it was)."""
        self.action_reload()
