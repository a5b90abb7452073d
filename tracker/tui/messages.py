"""Messages that carry results from workers back to screens."""

from __future__ import annotations

from typing import Any

from textual.message import Message

from tracker.core.actions import ActionRow


class Loaded(Message):
    """A worker finished reading something a screen asked for."""

    def __init__(self, what: str, data: Any) -> None:
        super().__init__()
        self.what = what
        self.data = data


class Failed(Message):
    """A worker's service call was refused (bad input, stale write, database trouble)."""

    def __init__(self, error: Exception, context: Any = None) -> None:
        super().__init__()
        self.error = error
        self.context = context


class ActionSaved(Message):
    """An action was created or changed; lists showing it should refresh."""

    def __init__(self, action: ActionRow, created: bool = False) -> None:
        super().__init__()
        self.action = action
        self.created = created


class DataChanged(Message):
    """Someone (here or elsewhere) changed the database since the screen last read it."""
