"""Full-text search on PostgreSQL: a generated tsvector over action titles and descriptions.

SQLite already has its FTS5 index (0001); on SQLite this revision does nothing.

Revision ID: 0003_postgres_search
Revises: 0002_runbooks
"""

from __future__ import annotations

from alembic import op

revision = "0003_postgres_search"
down_revision = "0002_runbooks"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        "ALTER TABLE action ADD COLUMN search tsvector GENERATED ALWAYS AS"
        " (to_tsvector('simple', coalesce(title, '') || ' ' || coalesce(description, ''))) STORED"
    )
    op.execute("CREATE INDEX ix_action_search ON action USING gin (search)")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX IF EXISTS ix_action_search")
    op.execute("ALTER TABLE action DROP COLUMN IF EXISTS search")
