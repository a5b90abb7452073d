"""The whole-database TOML document's layout, shared by export and import.

``format = "tracker-export"``, ``version = 2`` (version 1 files, written before incidents had a
version, a history and causes aliases, still import).

Layout (arrays sorted by id, keys always in the same order, NULLs left out)::

    format = "tracker-export"
    version = 2
    [[root_causes]]        id, slug, title, category, description, retired_at
    [[aliases]]            slug, root_cause (the slug it now stands for)               (version 2)
    [[components]]         id, group, name
    [[incidents]]          id, title, company, kind, severity, status, *_at, summary, ..., version,
                           components = [ids]
    [[incidents.timeline]] id, position, at, label, body
    [[incidents.causes]]   slug, role, note
    [[incident_events]]    id, incident, at, actor, field, old_value, new_value, note  (version 2)
    [[actions]]            id, title, kind, owner, priority, status, due, incident, root_cause, version, ...
    [[events]]             id, action, at, actor, field, old_value, new_value, note
    [[runbooks]]           id, path, title, ..., indexed_at, causes = [slugs]  (when the runbook table exists)
    [[meta]]               key, value                                          (when tracker_meta exists)

Ids are kept, so ``INC-n`` and ``ACT-n`` survive, and export -> import -> export gives the same
bytes. Time stamps are UTC offset date-times (microseconds kept), due dates TOML dates. A key
left out means NULL where the column allows it and is an error elsewhere. Strings are one-line
basic strings: tomli-w escapes every control character, so CR, CRLF and the like come back exactly.
On import every value goes through the validation layer (``tracker.core.validate``, as the CLI's
and the app's input does): a file holding a value the tracker would not take (a control character
in a title, an owner that is no handle, a version 0, a runbook path leaving the folder) is refused
whole, naming the record and the field.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Literal, NamedTuple

from tracker.base import enums
from tracker.base.text import shown
from tracker.storage.database import Db

FORMAT = "tracker-export"
"""The value of the top-level ``format`` key."""

VERSION = 2
"""The layout version export writes."""

READABLE = (1, 2)
"""The layout versions import reads (version 1 has no incident versions, histories or aliases)."""

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


Kind = Literal["id", "int", "text", "stamp", "date"] | type[StrEnum]
"""A plain kind of value, or an enum whose values are allowed."""


class Col(NamedTuple):
    """One field of a record: its key in the file, its column, its kind, whether it may be absent."""

    key: str
    column: str
    kind: Kind
    optional: bool
    """Absent in the file means NULL in the database (the column is nullable)."""
    select: str | None
    """What export reads when it is not ``t.<column>`` (a joined slug)."""


def _c(key: str, kind: Kind = "text", optional: bool = False, column: str = "", select: str | None = None,
       ) -> Col:
    return Col(key, column or key, kind, optional, select)


def _texts(*keys: str) -> tuple[Col, ...]:
    return tuple(_c(key) for key in keys)


OPT = True
ID = _c("id", "id")
ROOT_CAUSE = (ID, *_texts("slug", "title", "category", "description"), _c("retired_at", "stamp", OPT))
ALIAS = (_c("slug"), _c("root_cause", "text", column="root_cause_id", select="rc.slug"))
COMPONENT = (ID, _c("group", column="group_name"), _c("name"))
INCIDENT = (
    ID, *_texts("title", "company"), _c("kind", enums.IncidentKind), _c("severity", enums.Severity),
    _c("status", enums.IncidentStatus),
    *(_c(k, "stamp", OPT) for k in ("started_at", "detected_at", "mitigated_at", "resolved_at")),
    *_texts("summary", "impact", "customer_action", "source", "postmortem"),
    _c("created_at", "stamp"), _c("updated_at", "stamp"), _c("version", "int", OPT),
)
"""``version`` is optional only so that version 1 files import (their incidents start at version 1)."""
INCIDENT_EVENT = (ID, _c("incident", "id", column="incident_id"), _c("at", "stamp"), *_texts("actor", "field"),
                  _c("old_value", optional=OPT), _c("new_value", optional=OPT), _c("note"))
TIMELINE = (ID, _c("position", "int"), _c("at", "stamp", OPT), *_texts("label", "body"))
CAUSE_LINK = (_c("slug", column="root_cause_id", select="rc.slug"), _c("role", enums.CauseRole), _c("note"))
ACTION = (
    ID, _c("title"), _c("kind", enums.ActionKind), _c("owner", optional=OPT), _c("priority", enums.Priority),
    _c("status", enums.ActionStatus), _c("due", "date", column="due_date"),
    _c("incident", "id", OPT, "incident_id"), _c("root_cause", "text", OPT, "root_cause_id", "rc.slug"),
    _c("version", "int"),
    _c("runbook_path", optional=OPT), _c("description"), _c("created_at", "stamp"), _c("updated_at", "stamp"),
    _c("completed_at", "stamp", OPT),
)
EVENT = (ID, _c("action", "id", column="action_id"), _c("at", "stamp"), *_texts("actor", "field"),
         _c("old_value", optional=OPT), _c("new_value", optional=OPT), _c("note"))
RUNBOOK = (
    ID, *_texts("path", "title", "owner", "services"), _c("last_reviewed", "date", OPT),
    _c("review_every_days", "int", OPT), _c("content_hash"), _c("last_commit", optional=OPT),
    _c("last_commit_at", "stamp", OPT), _c("error", optional=OPT), _c("indexed_at", "stamp"),
)
META = _texts("key", "value")

SECTIONS: dict[str, str] = {
    "root_causes": "root_cause",
    "aliases": "root_cause_alias",
    "components": "component",
    "incidents": "incident",
    "incident_events": "incident_event",
    "actions": "action",
    "events": "action_event",
    "runbooks": "runbook",
    "meta": "tracker_meta",
}
"""Each top-level array and the table it holds. Order matters: referenced rows come first, so
export writes them and import reads them in this order."""



# -- shared helpers -----------------------------------------------------------------------------


def show_value(value: Any) -> str:
    """A value as an error shows it: integers bare, anything else quoted and cut short."""
    return str(value) if isinstance(value, int) else shown(str(value))


def has_table(db: Db, name: str) -> bool:
    if db.dialect == "sqlite":
        sql = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = :name"
    else:
        sql = ("SELECT 1 FROM information_schema.tables"
               " WHERE table_name = :name AND table_schema = current_schema()")
    return db.scalar(sql, {"name": name}) is not None
