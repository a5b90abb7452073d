"""Runbook index: runbook files, the causes they cover, and the tracker's own facts.

Revision ID: 0002_runbooks
Revises: 0001_initial
Create Date: 2026-11-23 18:16:52.982008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

STAMP = sa.String(length=32).with_variant(sa.DateTime(timezone=True), "postgresql")

revision = '0002_runbooks'
down_revision = '0001_initial'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('runbook',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('path', sa.String(length=500), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('owner', sa.String(length=100), nullable=False),
    sa.Column('services', sa.Text(), nullable=False),
    sa.Column('last_reviewed', sa.Date(), nullable=True),
    sa.Column('review_every_days', sa.Integer(), nullable=True),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('last_commit', sa.String(length=40), nullable=True),
    sa.Column('last_commit_at', STAMP, nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('indexed_at', STAMP, nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_runbook')),
    sa.UniqueConstraint('path', name=op.f('uq_runbook_path'))
    )
    op.create_table('tracker_meta',
    sa.Column('key', sa.String(length=80), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_tracker_meta'))
    )
    op.create_table('runbook_cause',
    sa.Column('runbook_id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=80), nullable=False),
    sa.ForeignKeyConstraint(['runbook_id'], ['runbook.id'], name=op.f('fk_runbook_cause_runbook_id_runbook'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('runbook_id', 'slug', name=op.f('pk_runbook_cause'))
    )
    with op.batch_alter_table('runbook_cause', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_runbook_cause_slug'), ['slug'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('runbook_cause', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_runbook_cause_slug'))

    op.drop_table('runbook_cause')
    op.drop_table('tracker_meta')
    op.drop_table('runbook')
