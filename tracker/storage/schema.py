"""The tables, as SQLModel classes. They define the schema; migrations create it.

Services read and write through plain SQL (see ``tracker.storage.database.Db``) so that the
command line starts without importing SQLAlchemy; these classes are the single description
of what the tables hold, checked against the migrations by a test.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel

from tracker.base.enums import (
    ActionKind,
    ActionStatus,
    CauseRole,
    IncidentKind,
    IncidentStatus,
    Priority,
    Severity,
)
from tracker.base.timeutil import format_stamp, read_stamp

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
SQLModel.metadata.naming_convention = NAMING_CONVENTION


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware timestamp: ``timestamptz`` on PostgreSQL, fixed-width UTC text on SQLite."""

    impl = sa.String(32)
    cache_ok = True

    def load_dialect_impl(self, dialect: sa.Dialect) -> sa.types.TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(sa.String(32))
        return dialect.type_descriptor(sa.DateTime(timezone=True))

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> Any:
        if value is None:
            return None
        return format_stamp(value) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: sa.Dialect) -> datetime | None:
        stamp: datetime | None = read_stamp(value)
        return stamp


def enum_column(enum: type[StrEnum], name: str, **kwargs: Any) -> Any:
    """A column holding an enum by value, as VARCHAR with a CHECK constraint (portable)."""
    return Field(
        sa_column=sa.Column(
            sa.Enum(
                enum,
                name=name,
                native_enum=False,
                create_constraint=True,
                length=16,
                values_callable=lambda e: [m.value for m in e],
                validate_strings=True,
            ),
            **kwargs,
        )
    )


def stamp_column(nullable: bool = True) -> Any:
    return Field(default=None, sa_column=sa.Column(UTCDateTime(), nullable=nullable))


class Component(SQLModel, table=True):
    """A part of the service that an incident can affect, optionally inside a group."""

    __tablename__ = "component"
    __table_args__ = (sa.UniqueConstraint("group_name", "name"),)

    id: int | None = Field(default=None, primary_key=True)
    group_name: str = Field(default="", max_length=200)
    name: str = Field(max_length=200)


class IncidentComponent(SQLModel, table=True):
    __tablename__ = "incident_component"

    incident_id: int = Field(foreign_key="incident.id", primary_key=True, ondelete="CASCADE")
    component_id: int = Field(foreign_key="component.id", primary_key=True, ondelete="CASCADE")


class Incident(SQLModel, table=True):
    """An outage or degradation; shown as ``INC-<id>``."""

    __tablename__ = "incident"

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=300)
    company: str = Field(default="", max_length=200)
    kind: IncidentKind = enum_column(IncidentKind, "incident_kind", nullable=False)
    severity: Severity = enum_column(Severity, "severity", nullable=False)
    status: IncidentStatus = enum_column(IncidentStatus, "incident_status", nullable=False)
    started_at: datetime | None = stamp_column()
    detected_at: datetime | None = stamp_column()
    mitigated_at: datetime | None = stamp_column()
    resolved_at: datetime | None = stamp_column()
    summary: str = Field(default="", sa_type=sa.Text)
    impact: str = Field(default="", sa_type=sa.Text)
    customer_action: str = Field(default="", sa_type=sa.Text)
    source: str = Field(default="", sa_type=sa.Text, index=True)
    postmortem: str = Field(default="", sa_type=sa.Text)
    created_at: datetime = stamp_column(nullable=False)
    updated_at: datetime = stamp_column(nullable=False)
    version: int = Field(default=1, sa_column_kwargs={"server_default": "1"})
    """Raised by every change: a write made from an older version is refused (stale write)."""

    __table_args__ = (sa.Index("ix_incident_started_at", "started_at"),)


class IncidentEvent(SQLModel, table=True):
    """One change to an incident (a field, its status, a timeline entry, a cause link), who made it and why."""

    __tablename__ = "incident_event"

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incident.id", index=True, ondelete="CASCADE")
    at: datetime = Field(default=None, sa_column=sa.Column(UTCDateTime(), nullable=False))
    actor: str = Field(max_length=200)
    field: str = Field(max_length=40)
    old_value: str | None = Field(default=None, sa_type=sa.Text)
    new_value: str | None = Field(default=None, sa_type=sa.Text)
    note: str = Field(default="", sa_type=sa.Text)


class TimelineEntry(SQLModel, table=True):
    """One dated step of an incident (a status-page update or a postmortem timeline line)."""

    __tablename__ = "timeline_entry"

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incident.id", index=True, ondelete="CASCADE")
    position: int = 0
    at: datetime | None = stamp_column()
    label: str = Field(default="", max_length=100)
    body: str = Field(default="", sa_type=sa.Text)


class RootCause(SQLModel, table=True):
    """A cause from the shared taxonomy, identified by a stable slug."""

    __tablename__ = "root_cause"

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=80, unique=True)
    title: str = Field(max_length=300)
    category: str = Field(default="", max_length=80)
    description: str = Field(default="", sa_type=sa.Text)
    retired_at: datetime | None = stamp_column()
    """When the cause left the pickers; old incidents still show it."""


class RootCauseAlias(SQLModel, table=True):
    """A slug that names a cause under another name: an old name after a rename, a cause merged into it."""

    __tablename__ = "root_cause_alias"

    slug: str = Field(max_length=80, primary_key=True)
    root_cause_id: int = Field(foreign_key="root_cause.id", index=True, ondelete="CASCADE")


class IncidentRootCause(SQLModel, table=True):
    """Links an incident to a cause with the part the cause played."""

    __tablename__ = "incident_root_cause"

    incident_id: int = Field(foreign_key="incident.id", primary_key=True, ondelete="CASCADE")
    root_cause_id: int = Field(foreign_key="root_cause.id", primary_key=True, ondelete="CASCADE", index=True)
    role: CauseRole = enum_column(CauseRole, "cause_role", nullable=False)
    note: str = Field(default="", sa_type=sa.Text)


class Action(SQLModel, table=True):
    """A corrective or preventive action; shown as ``ACT-<id>``. ``version`` guards stale writes."""

    __tablename__ = "action"
    __table_args__ = (
        sa.Index("ix_action_status_due_date_id", "status", "due_date", "id"),
        sa.Index("ix_action_owner_due_date_id", "owner", "due_date", "id"),
        sa.Index("ix_action_priority_due_date_id", "priority", "due_date", "id"),
        sa.Index("ix_action_updated_at_id", "updated_at", "id"),
        sa.Index("ix_action_owner_status_due_date", "owner", "status", "due_date"),
        sa.Index("ix_action_status_updated_at", "status", "updated_at"),
        sa.Index("ix_action_status_completed_at", "status", "completed_at"),
        sa.Index("ix_action_created_at", "created_at"),
        sa.Index("ix_action_runbook_path_root_cause_id", "runbook_path", "root_cause_id"),
        sa.Index("ix_action_incident_id_status", "incident_id", "status"),
        sa.Index("ix_action_root_cause_id_status_completed_at", "root_cause_id", "status", "completed_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=300)
    description: str = Field(default="", sa_type=sa.Text)
    kind: ActionKind = enum_column(ActionKind, "action_kind", nullable=False)
    owner: str | None = Field(default=None, max_length=100)
    priority: Priority = enum_column(Priority, "priority", nullable=False)
    due_date: date = Field(index=True)
    status: ActionStatus = enum_column(ActionStatus, "action_status", nullable=False)
    created_at: datetime = stamp_column(nullable=False)
    updated_at: datetime = stamp_column(nullable=False)
    completed_at: datetime | None = stamp_column()
    incident_id: int | None = Field(default=None, foreign_key="incident.id", index=True, ondelete="SET NULL")
    root_cause_id: int | None = Field(
        default=None, foreign_key="root_cause.id", index=True, ondelete="SET NULL"
    )
    runbook_path: str | None = Field(default=None, max_length=500)
    version: int = Field(default=1, sa_column_kwargs={"server_default": "1"})


class ActionEvent(SQLModel, table=True):
    """One change to an action: who changed which field from what to what, and why."""

    __tablename__ = "action_event"
    __table_args__ = (
        # On PostgreSQL the index is on ``note COLLATE "C"``, so a prefix range (a review's decisions) can use it.
        sa.Index("ix_action_event_note", "note"),
    )

    id: int | None = Field(default=None, primary_key=True)
    action_id: int = Field(foreign_key="action.id", index=True, ondelete="CASCADE")
    at: datetime = Field(default=None, sa_column=sa.Column(UTCDateTime(), nullable=False, index=True))
    actor: str = Field(max_length=200)
    field: str = Field(max_length=40)
    old_value: str | None = Field(default=None, sa_type=sa.Text)
    new_value: str | None = Field(default=None, sa_type=sa.Text)
    note: str = Field(default="", sa_type=sa.Text)


class ActionTally(SQLModel, table=True):
    """How many actions have this status, due date and owner (``''``: none); kept by triggers on ``action``."""

    __tablename__ = "action_tally"

    status: str = Field(max_length=16, primary_key=True)
    due_date: date = Field(primary_key=True)
    owner: str = Field(max_length=100, primary_key=True)
    n: int


class ActionDayTally(SQLModel, table=True):
    """How many actions with this status were created, last updated or completed (``stamp``: the column's
    name) on this UTC day; kept by triggers on ``action``."""

    __tablename__ = "action_day_tally"

    stamp: str = Field(max_length=16, primary_key=True)
    status: str = Field(max_length=16, primary_key=True)
    day: date = Field(primary_key=True)
    n: int


class CauseTally(SQLModel, table=True):
    """How many actions against this root cause have this kind and status; kept by triggers on ``action``."""

    __tablename__ = "cause_tally"

    root_cause_id: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    kind: str = Field(max_length=16, primary_key=True)
    status: str = Field(max_length=16, primary_key=True)
    n: int


class IncidentTally(SQLModel, table=True):
    """How many actions belong to each incident (every incident has its row); kept by triggers."""

    __tablename__ = "incident_tally"

    incident_id: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    n: int = Field(index=True)


class RowTally(SQLModel, table=True):
    """How many rows a table holds (``incident``); kept by triggers."""

    __tablename__ = "row_tally"

    name: str = Field(max_length=40, primary_key=True)
    n: int


class Runbook(SQLModel, table=True):
    """The index of one runbook file: its front matter, content hash and last commit."""

    __tablename__ = "runbook"

    id: int | None = Field(default=None, primary_key=True)
    path: str = Field(max_length=500, unique=True)
    title: str = Field(default="", max_length=300)
    owner: str = Field(default="", max_length=100)
    services: str = Field(default="", sa_type=sa.Text)
    """Comma-separated service names from the front matter."""
    last_reviewed: date | None = None
    review_every_days: int | None = None
    content_hash: str = Field(default="", max_length=64)
    last_commit: str | None = Field(default=None, max_length=40)
    last_commit_at: datetime | None = stamp_column()
    error: str | None = Field(default=None, sa_type=sa.Text)
    """Why the file could not be indexed (a front matter error naming the line), if it could not."""
    indexed_at: datetime = stamp_column(nullable=False)


class RunbookCause(SQLModel, table=True):
    """A runbook covers a root cause (by slug, so a runbook may name a cause not yet in the taxonomy)."""

    __tablename__ = "runbook_cause"

    runbook_id: int = Field(foreign_key="runbook.id", primary_key=True, ondelete="CASCADE")
    slug: str = Field(max_length=80, primary_key=True, index=True)


class Meta(SQLModel, table=True):
    """Small facts the tracker keeps about itself (e.g. the last commit scanned for trailers)."""

    __tablename__ = "tracker_meta"

    key: str = Field(max_length=80, primary_key=True)
    value: str = Field(default="", sa_type=sa.Text)
