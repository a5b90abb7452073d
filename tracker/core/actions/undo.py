"""Undoing a change to an action: the change that puts back what one write changed.

An undo is an ordinary versioned write (made against the version the change produced, so it is
refused when someone changed the action since) and lands in the history like any change, with
a note saying it is an undo.
"""

from __future__ import annotations

from typing import Any

from tracker.core.actions.rows import ActionChanges, ActionRow

FIELDS = {
    "status": "status", "kind": "kind", "priority": "priority", "due": "due", "owner": "owner", "title": "title",
    "description": "description", "incident": "incident", "root_cause": "root_cause", "runbook": "runbook_path",
}
"""Each field of ActionChanges and the ActionRow value behind it."""


def changes_back(before: ActionRow, after: ActionRow) -> ActionChanges:
    """What turns ``after`` back into ``before``, field by field (only the fields that differ)."""
    wanted: dict[str, Any] = {}
    for name, attribute in FIELDS.items():
        old, new = getattr(before, attribute), getattr(after, attribute)
        if old != new:
            wanted[name] = old
    return ActionChanges(**wanted)


def describe_back(before: ActionRow, after: ActionRow) -> str:
    """``status done → in_progress, owner - → ana`` for what an undo puts back."""
    parts = []
    for name, attribute in FIELDS.items():
        old, new = getattr(before, attribute), getattr(after, attribute)
        if old != new:
            shown = {"description": "…"}.get(name)
            parts.append(f"{name} {shown or new or '-'} → {shown or old or '-'}")
    return ", ".join(parts) or "no field"
