"""Indexes for the weekly review: its sections become index range scans instead of sorts.

Revision ID: 0004_review_indexes
Revises: 0003_postgres_search
"""

from __future__ import annotations

from alembic import op

revision = "0004_review_indexes"
down_revision = "0003_postgres_search"
branch_labels = None
depends_on = None

INDEXES = {
    "ix_action_owner_status_due_date": ("action", ["owner", "status", "due_date"]),
    "ix_action_status_updated_at": ("action", ["status", "updated_at"]),
    "ix_action_status_completed_at": ("action", ["status", "completed_at"]),
    "ix_action_created_at": ("action", ["created_at"]),
    "ix_action_runbook_path_root_cause_id": ("action", ["runbook_path", "root_cause_id"]),
    "ix_action_event_at": ("action_event", ["at"]),
}


def upgrade() -> None:
    for name, (table, columns) in INDEXES.items():
        op.create_index(name, table, columns)


def downgrade() -> None:
    for name, (table, _) in INDEXES.items():
        op.drop_index(name, table_name=table)
