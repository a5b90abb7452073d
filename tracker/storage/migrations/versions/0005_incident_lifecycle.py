"""The incident's life: a version (stale writes refused), a history, the ``closed`` status; the taxonomy
gets aliases (renamed and merged causes keep resolving) and retirement.

Revision ID: 0005_incident_lifecycle
Revises: 0004_review_indexes
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_incident_lifecycle"
down_revision = "0004_review_indexes"
branch_labels = None
depends_on = None

STAMP = sa.String(length=32).with_variant(sa.DateTime(timezone=True), "postgresql")
OLD_STATUSES = ("investigating", "identified", "monitoring", "resolved", "postmortem")
NEW_STATUSES = (*OLD_STATUSES, "closed")


def _status(values: tuple[str, ...]) -> sa.Enum:
    return sa.Enum(*values, name="incident_status", native_enum=False, create_constraint=True, length=16)


def _status_check(values: tuple[str, ...]) -> str:
    return "status IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        # SQLite cannot change a CHECK constraint in place: the table is rebuilt (foreign keys are
        # off for the rebuild, see tracker.storage.migrate, so dropping the old table cascades nothing).
        with op.batch_alter_table("incident", recreate="always") as batch:
            batch.alter_column("status", existing_type=_status(OLD_STATUSES), type_=_status(NEW_STATUSES),
                               existing_nullable=False)
            batch.add_column(sa.Column("version", sa.Integer(), server_default="1", nullable=False))
        with op.batch_alter_table("root_cause") as batch:
            batch.add_column(sa.Column("retired_at", STAMP, nullable=True))
    else:
        op.drop_constraint(op.f("ck_incident_incident_status"), "incident", type_="check")
        op.create_check_constraint("incident_status", "incident", _status_check(NEW_STATUSES))
        op.add_column("incident", sa.Column("version", sa.Integer(), server_default="1", nullable=False))
        op.add_column("root_cause", sa.Column("retired_at", STAMP, nullable=True))

    op.create_table(
        "incident_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("at", STAMP, nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("field", sa.String(length=40), nullable=False),
        sa.Column("old_value", sa.Text(), nullable=True),
        sa.Column("new_value", sa.Text(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["incident_id"], ["incident.id"], name=op.f("fk_incident_event_incident_id_incident"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_event")),
    )
    op.create_index(op.f("ix_incident_event_incident_id"), "incident_event", ["incident_id"])
    op.create_table(
        "root_cause_alias",
        sa.Column("slug", sa.String(length=80), nullable=False),
        sa.Column("root_cause_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["root_cause_id"], ["root_cause.id"],
                                name=op.f("fk_root_cause_alias_root_cause_id_root_cause"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("slug", name=op.f("pk_root_cause_alias")),
    )
    op.create_index(op.f("ix_root_cause_alias_root_cause_id"), "root_cause_alias", ["root_cause_id"])


def downgrade() -> None:
    op.drop_table("root_cause_alias")
    op.drop_table("incident_event")
    if op.get_bind().dialect.name == "sqlite":
        with op.batch_alter_table("incident", recreate="always") as batch:
            batch.drop_column("version")
            batch.alter_column("status", existing_type=_status(NEW_STATUSES), type_=_status(OLD_STATUSES),
                               existing_nullable=False)
        with op.batch_alter_table("root_cause") as batch:
            batch.drop_column("retired_at")
    else:
        op.drop_column("root_cause", "retired_at")
        op.drop_column("incident", "version")
        op.drop_constraint(op.f("ck_incident_incident_status"), "incident", type_="check")
        op.create_check_constraint("incident_status", "incident", _status_check(OLD_STATUSES))
