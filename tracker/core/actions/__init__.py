"""Corrective and preventive actions: row types (``rows``), reads (``queries``), writes (``changes``).

The names below are the services' one door for actions.
"""

from tracker.core.actions.changes import (
    NEEDS_NOTE,
    action_history,
    add_action,
    default_due,
    get_action,
    update_action,
)
from tracker.core.actions.queries import (
    count_actions,
    count_actions_up_to,
    fts_query,
    iter_actions,
    known_owners,
    page_actions,
    ts_query,
)
from tracker.core.actions.rows import (
    SORTS,
    UNSET,
    ActionChanges,
    ActionEventRow,
    ActionFilter,
    ActionRow,
    SortSpec,
    Unset,
)
from tracker.core.actions.scoring import ScoredAction, ScorePart, next_actions

__all__ = [
    "NEEDS_NOTE", "SORTS", "UNSET", "ActionChanges", "ActionEventRow", "ActionFilter", "ActionRow", "SortSpec",
    "Unset", "action_history", "add_action",
    "count_actions", "count_actions_up_to", "default_due", "fts_query", "get_action", "iter_actions",
    "known_owners", "page_actions", "ts_query", "update_action", "ScoredAction", "ScorePart", "next_actions",
]
