"""A runbook full screen, to read at 3 a.m. and copy its commands: headings (t), search (/ n N), the next
code block (] [), y copies the code block under the cursor to the clipboard (OSC 52: over SSH too; tmux
needs ``set -g set-clipboard on``), Y the line under it; W wraps long code lines or scrolls them sideways."""

from __future__ import annotations

from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Header, Input, Static

from tracker.core.runbooks.files import LARGE_FILE, FrontMatterError, front_matter_table
from tracker.tui.bases import TrackerScreen
from tracker.tui.messages import RunbookPreviewLoaded
from tracker.tui.text import could_not_load, literal, one_line
from tracker.tui.widgets.footer import TrackerFooter
from tracker.tui.widgets.reader import Block, DocumentView, parse


def _facts(meta: dict[str, object]) -> list[str]:
    """The front matter in two short lines (who owns it, what it covers)."""
    def text(name: str) -> str:
        value = meta.get(name)
        if isinstance(value, list):
            return ", ".join(str(v) for v in value)
        return "" if value is None else str(value)

    facts = [f"owner {text('owner') or '-'} · causes {text('root_causes') or '-'}"]
    if meta.get("last_reviewed"):
        facts.append(f"last reviewed {text('last_reviewed')}, every {text('review_every_days') or '-'} days")
    return facts


class RunbookReaderScreen(TrackerScreen[None]):
    """One runbook to read, search and copy from."""

    AUTO_FOCUS = "#reader-text"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "copy_block", "Copy code", id="reader.copy"),
        Binding("Y", "copy_line", "Copy line", show=False, id="reader.copy-line"),
        Binding("right_square_bracket", "code(1)", "Next code", id="reader.next-code"),
        Binding("left_square_bracket", "code(-1)", "Previous code", show=False, id="reader.previous-code"),
        Binding("t", "headings", "Headings", id="reader.headings"),
        Binding("slash", "search", "Search", id="reader.search"),
        Binding("n", "match(1)", "Next match", show=False, id="reader.next-match"),
        Binding("N", "match(-1)", "Previous match", show=False, id="reader.previous-match"),
        Binding("W", "toggle_wrap", "Wrap code", id="reader.wrap"),
        Binding("e", "edit", "Edit", id="reader.edit"),
        Binding("r", "reload", "Refresh", show=False, id="reader.refresh"),
        Binding("escape", "leave", "Back", id="reader.back"),
    ]

    def __init__(self, path: str) -> None:
        super().__init__()
        self.path = path
        self.loaded = False
        self.title_text = ""

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(literal(self.path), id="reader-title", classes="screen-title")
        yield DocumentView(id="reader-text")
        yield Input(placeholder="search this runbook (enter: find, escape: close)", id="reader-search",
                    compact=True)
        yield TrackerFooter()

    def on_mount(self) -> None:
        self.sub_title = self.path
        self.action_reload()

    def action_reload(self) -> None:
        self._load()

    @work(thread=True, exclusive=True, group="reader", exit_on_error=False)
    def _load(self) -> None:
        loaded = self.app.store.runbooks.text(self.path)
        self.post_message(RunbookPreviewLoaded(self.path, loaded.text, loaded.size, True))

    def worker_failed(self, group: str, error: BaseException) -> None:
        if group == "reader":
            self.query_one("#reader-title", Static).update(could_not_load(error))

    def on_runbook_preview_loaded(self, message: RunbookPreviewLoaded) -> None:
        text = message.text[:LARGE_FILE]
        notes: list[str] = []
        try:
            meta, _, body = front_matter_table(text, self.path)
        except FrontMatterError as error:
            meta, body = {}, text
            notes.append(f"⚠ {one_line(str(error))}")
        self.title_text = str(meta.get("title") or "")
        notes = _facts(meta) + notes
        if message.size > LARGE_FILE:
            notes.append(f"Large runbook ({message.size / 1_048_576:.1f} MB): its first {LARGE_FILE // 1024} KB"
                         " are shown; e edits it whole.")
        blocks = [Block("note", [line]) for line in notes] + [Block("blank", [""])] + parse(body)
        view = self.query_one(DocumentView)
        first = not self.loaded
        cursor = view.cursor
        view.show(blocks)
        if not first:
            view.go(cursor)
        self.loaded = True
        self.show_position()

    def on_document_view_moved(self, message: DocumentView.Moved) -> None:
        self.show_position()

    def show_position(self) -> None:
        view = self.query_one(DocumentView)
        heading = ""
        for line, _, text in view.headings():
            if line > view.cursor:
                break
            heading = text
        total = max(len(view.lines), 1)
        where = f"{self.title_text or self.path} · {one_line(heading)}" if heading else (self.title_text
                                                                                         or self.path)
        self.query_one("#reader-title", Static).update(literal(
            f"{min(view.cursor + 1, total)}/{total} · {where}" + ("" if view.wrap_code else " · no wrap")))

    # -- moving ------------------------------------------------------------------------------

    def action_code(self, direction: int) -> None:
        view = self.query_one(DocumentView)
        found = view.next_code_block(direction)
        if found is None:
            self.app.notify("No code block " + ("below." if direction > 0 else "above."), timeout=2)
            return
        view.go(found)

    def action_headings(self) -> None:
        view = self.query_one(DocumentView)
        headings = view.headings()
        if not headings:
            self.app.notify("This runbook has no headings.", timeout=2)
            return
        from tracker.tui.dialogs.headings import HeadingsDialog

        self.ask(HeadingsDialog(headings, view.cursor), view.go)

    # -- search ------------------------------------------------------------------------------

    def action_search(self) -> None:
        box = self.query_one("#reader-search", Input)
        box.add_class("-shown")
        box.focus()

    @on(Input.Submitted, "#reader-search")
    def _search(self, event: Input.Submitted) -> None:
        view = self.query_one(DocumentView)
        view.search_text = event.value.strip()
        view.refresh()
        self._close_search()
        if view.search_text:
            self.action_match(1, from_line=view.cursor - 1)

    def _close_search(self) -> None:
        self.query_one("#reader-search", Input).remove_class("-shown")
        self.query_one(DocumentView).focus()

    def action_match(self, direction: int, from_line: int | None = None) -> None:
        view = self.query_one(DocumentView)
        matches = view.matches()
        if not view.search_text:
            self.app.notify("Search first (/).", timeout=2)
            return
        if not matches:
            self.app.notify(f"Not found: {view.search_text}", severity="warning", timeout=3, markup=False)
            return
        here = view.cursor if from_line is None else from_line
        following = [m for m in matches if m > here] if direction > 0 else [m for m in matches if m < here][::-1]
        target = following[0] if following else (matches[0] if direction > 0 else matches[-1])
        if not following:
            self.app.notify("Search wrapped around.", timeout=2)
        view.go(target)

    # -- copying -----------------------------------------------------------------------------

    def action_copy_block(self) -> None:
        view = self.query_one(DocumentView)
        block = view.code_block_at(view.cursor)
        if block is None:
            found = view.next_code_block(1)
            if found is None:
                self.app.notify("No code block here or below.", severity="warning", timeout=3)
                return
            view.go(found)
            block = view.code_block_at(found)
        assert block is not None
        lines = view.blocks[block].lines
        self.copy("\n".join(lines), f"{len(lines)} line{'s' if len(lines) != 1 else ''}")

    def action_copy_line(self) -> None:
        view = self.query_one(DocumentView)
        block = view.code_block_at(view.cursor)
        if block is None:
            self.app.notify("Move onto a line of a code block first (]).", timeout=3)
            return
        # The source line under the cursor, whole even when it is shown wrapped.
        first = view.cursor
        while first > 0 and view.lines[first].continued:
            first -= 1
        number = sum(1 for i in range(first) if view.lines[i].block == block and not view.lines[i].continued)
        self.copy(view.blocks[block].lines[number], "1 line")

    def copy(self, text: str, what: str) -> None:
        self.app.copy_to_clipboard(text)
        self.app.notify(f"Copied {what}: {one_line(text)[:60]}", title="Clipboard", timeout=4, markup=False)

    # -- the rest ----------------------------------------------------------------------------

    def action_toggle_wrap(self) -> None:
        view = self.query_one(DocumentView)
        view.set_wrap(not view.wrap_code)
        self.show_position()

    def action_edit(self) -> None:
        from tracker.tui.screens.runbook_edit import RunbookEditScreen

        self.app.push_screen(RunbookEditScreen(self.path), callback=lambda _: self.action_reload())

    def action_leave(self) -> None:
        if self.query_one("#reader-search", Input).has_class("-shown"):
            self._close_search()
            return
        self.dismiss()
