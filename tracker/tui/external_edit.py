"""Editing a runbook in ``$EDITOR``, for the runbooks screen.

The editor works on a temporary copy; the edit is saved through the same check as the app's own
editor: if the file changed while the editor was open (another editor, a pull), nothing is written
and the user chooses between the diff, theirs, a copy of mine, or overwriting. The temporary copy
is removed only once the edit is saved, kept beside the runbook, or dropped on purpose.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from textual import work

from tracker.tui.bases import TrackerScreen
from tracker.tui.messages import RunbookChanged, RunbookCopyKept, RunbookReadForEditor, RunbookSaved

AS_IS = "\n"
"""The newline argument that saves text as it is: an external edit comes back with the file's own endings."""


class ExternalEdit(TrackerScreen[None]):
    """Base of the runbooks screen: ``E`` hands the terminal to ``$EDITOR`` on a copy of the runbook."""

    editor_copy: Path | None = None
    """The temporary copy holding the edit, until the edit is saved, kept or dropped."""

    def after_external_edit(self) -> None:
        """Refresh the view once an external edit is settled."""
        raise NotImplementedError

    def edit_externally(self, path: str) -> None:
        if self.editor_copy is not None:
            self.app.notify(f"An edit in $EDITOR is still waiting for a decision ({self.editor_copy}).",
                            severity="warning", markup=False)
            return
        self._read_for_editor(path)

    @work(thread=True, exclusive=True, group="runbook-external", exit_on_error=False)
    def _read_for_editor(self, path: str) -> None:
        loaded = self.app.store.runbooks.text(path)
        self.post_message(RunbookReadForEditor(path, loaded.text, loaded.digest))

    def on_runbook_read_for_editor(self, message: RunbookReadForEditor) -> None:
        import os
        import shlex
        import subprocess
        import tempfile

        from textual.app import SuspendNotSupported

        editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
        folder = Path(tempfile.mkdtemp(prefix="tracker-edit-"))
        copy = folder / Path(message.path).name  # the same name, so the editor knows it for markdown
        before = message.text.encode("utf-8")
        try:
            copy.write_bytes(before)
            with self.app.suspend():
                subprocess.run([*shlex.split(editor), str(copy)], check=False)
        except SuspendNotSupported:
            shutil.rmtree(folder, ignore_errors=True)
            self.app.notify("This terminal cannot hand over to an editor: use e to edit here.", severity="warning")
            return
        except (OSError, ValueError) as error:
            shutil.rmtree(folder, ignore_errors=True)
            self.app.notify(f"Could not run {editor!r}: {error}", severity="error", markup=False)
            return
        try:
            after = copy.read_bytes()
        except OSError as error:
            self.app.notify(f"Could not read the edited copy {copy}: {error}; it is left there.", severity="error",
                            markup=False)
            return
        if after == before:
            shutil.rmtree(folder, ignore_errors=True)
            self.app.notify(f"{message.path}: no change made in the editor.", markup=False)
            return
        self.editor_copy = copy
        self._save_external(message.path, after.decode("utf-8", errors="replace"), message.digest)

    @work(thread=True, exclusive=True, group="runbook-external", exit_on_error=False)
    def _save_external(self, path: str, mine: str, expected: str) -> None:
        from tracker.core.runbooks.files import RunbookChangedError

        try:
            # Unchecked as the file itself was before: a front matter broken in $EDITOR shows in the list.
            digest = self.app.store.runbooks.save(path, mine, AS_IS, expected, check=False)
        except RunbookChangedError as changed:
            theirs = None if changed.theirs is None else changed.theirs.decode("utf-8", errors="replace")
            self.post_message(RunbookChanged(path, mine, theirs, changed.theirs_hash))
            return
        self.post_message(RunbookSaved(path, mine, digest))

    def on_runbook_saved(self, message: RunbookSaved) -> None:
        self.app.notify(f"Saved {message.path}", markup=False)
        self._drop_editor_copy()
        self.after_external_edit()

    def on_runbook_changed(self, message: RunbookChanged) -> None:
        from tracker.tui.dialogs.runbook_changed import RunbookChangedDialog

        self.app.push_screen(
            RunbookChangedDialog(message.path, message.theirs, message.mine, later="Later: keep mine as a copy"),
            callback=lambda choice: self._changed(choice, message),
        )

    def _changed(self, choice: str | None, changed: RunbookChanged) -> None:
        """Mine lives only in the temporary copy: it is saved, kept beside the runbook, or dropped on purpose."""
        if choice == "overwrite":
            self._save_external(changed.path, changed.mine, changed.theirs_hash)
        elif choice == "reload":
            from tracker.tui.dialogs.confirm import ConfirmDialog

            def answered(drop: bool | None) -> None:
                if not drop:
                    self.on_runbook_changed(changed)  # ask again: mine is not dropped without a yes
                    return
                self._drop_editor_copy()
                self.app.notify(f"Your edit of {changed.path} was dropped.", markup=False)
                self.after_external_edit()

            self.app.push_screen(ConfirmDialog(f"Drop the edit you made in $EDITOR and keep {changed.path} as it "
                                               "is now?", "Drop mine", "Back"), callback=answered)
        else:  # "copy", or later: mine goes beside the runbook rather than stay in a temporary folder
            self._keep_external_copy(changed.path, changed.mine)

    @work(thread=True, exclusive=True, group="runbook-external", exit_on_error=False)
    def _keep_external_copy(self, path: str, mine: str) -> None:
        self.post_message(RunbookCopyKept(path, self.app.store.runbooks.keep_copy(path, mine, AS_IS)))

    def on_runbook_copy_kept(self, message: RunbookCopyKept) -> None:
        self.app.notify(f"Your edit is kept in {message.copy}; {message.path} is as it was on disk.", markup=False)
        self._drop_editor_copy()
        self.after_external_edit()

    def worker_failed(self, group: str, error: BaseException) -> None:
        if group == "runbook-external" and self.editor_copy is not None:
            # Saving or keeping the edit failed (reported already): it stays where it is, and we say where.
            self.app.notify(f"Your edit is still in {self.editor_copy}.", severity="warning", markup=False)
            self.editor_copy = None

    def _drop_editor_copy(self) -> None:
        if self.editor_copy is not None:
            shutil.rmtree(self.editor_copy.parent, ignore_errors=True)
            self.editor_copy = None
