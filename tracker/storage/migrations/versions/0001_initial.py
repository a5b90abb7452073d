"""Initial schema: incidents, timeline, components, root causes, actions and their history.

Revision ID: 0001_initial
Revises: 
Create Date: 2026-11-23 17:53:52.115832
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

STAMP = sa.String(length=32).with_variant(sa.DateTime(timezone=True), "postgresql")
"""UTC timestamps: fixed-width ISO text on SQLite, timestamptz on PostgreSQL."""

revision = '0001_initial'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('component',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('group_name', sa.String(length=200), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_component')),
    sa.UniqueConstraint('group_name', 'name', name=op.f('uq_component_group_name_name'))
    )
    op.create_table('incident',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('company', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.Enum('incident', 'maintenance', name='incident_kind', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('severity', sa.Enum('SEV1', 'SEV2', 'SEV3', 'SEV4', name='severity', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('status', sa.Enum('investigating', 'identified', 'monitoring', 'resolved', 'postmortem', name='incident_status', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('started_at', STAMP, nullable=True),
    sa.Column('detected_at', STAMP, nullable=True),
    sa.Column('mitigated_at', STAMP, nullable=True),
    sa.Column('resolved_at', STAMP, nullable=True),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('impact', sa.Text(), nullable=False),
    sa.Column('customer_action', sa.Text(), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('postmortem', sa.Text(), nullable=False),
    sa.Column('created_at', STAMP, nullable=False),
    sa.Column('updated_at', STAMP, nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_incident'))
    )
    with op.batch_alter_table('incident', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_incident_source'), ['source'], unique=False)

    op.create_table('root_cause',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=80), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('category', sa.String(length=80), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_root_cause')),
    sa.UniqueConstraint('slug', name=op.f('uq_root_cause_slug'))
    )
    op.create_table('action',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('kind', sa.Enum('prevent', 'mitigate', 'detect', 'repair', 'process', name='action_kind', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('owner', sa.String(length=100), nullable=True),
    sa.Column('priority', sa.Enum('P1', 'P2', 'P3', name='priority', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.Column('status', sa.Enum('proposed', 'open', 'in_progress', 'blocked', 'done', 'wont_do', name='action_status', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('created_at', STAMP, nullable=False),
    sa.Column('updated_at', STAMP, nullable=False),
    sa.Column('completed_at', STAMP, nullable=True),
    sa.Column('incident_id', sa.Integer(), nullable=True),
    sa.Column('root_cause_id', sa.Integer(), nullable=True),
    sa.Column('runbook_path', sa.String(length=500), nullable=True),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.ForeignKeyConstraint(['incident_id'], ['incident.id'], name=op.f('fk_action_incident_id_incident'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['root_cause_id'], ['root_cause.id'], name=op.f('fk_action_root_cause_id_root_cause'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_action'))
    )
    with op.batch_alter_table('action', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_action_due_date'), ['due_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_action_incident_id'), ['incident_id'], unique=False)
        batch_op.create_index('ix_action_owner_due_date_id', ['owner', 'due_date', 'id'], unique=False)
        batch_op.create_index('ix_action_priority_due_date_id', ['priority', 'due_date', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_action_root_cause_id'), ['root_cause_id'], unique=False)
        batch_op.create_index('ix_action_status_due_date_id', ['status', 'due_date', 'id'], unique=False)
        batch_op.create_index('ix_action_updated_at_id', ['updated_at', 'id'], unique=False)

    op.create_table('incident_component',
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('component_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['component_id'], ['component.id'], name=op.f('fk_incident_component_component_id_component'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['incident_id'], ['incident.id'], name=op.f('fk_incident_component_incident_id_incident'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('incident_id', 'component_id', name=op.f('pk_incident_component'))
    )
    op.create_table('incident_root_cause',
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('root_cause_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.Enum('trigger', 'root', 'contributing', name='cause_role', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['incident_id'], ['incident.id'], name=op.f('fk_incident_root_cause_incident_id_incident'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['root_cause_id'], ['root_cause.id'], name=op.f('fk_incident_root_cause_root_cause_id_root_cause'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('incident_id', 'root_cause_id', name=op.f('pk_incident_root_cause'))
    )
    with op.batch_alter_table('incident_root_cause', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_incident_root_cause_root_cause_id'), ['root_cause_id'], unique=False)

    op.create_table('timeline_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('at', STAMP, nullable=True),
    sa.Column('label', sa.String(length=100), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['incident_id'], ['incident.id'], name=op.f('fk_timeline_entry_incident_id_incident'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_timeline_entry'))
    )
    with op.batch_alter_table('timeline_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_timeline_entry_incident_id'), ['incident_id'], unique=False)

    op.create_table('action_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('action_id', sa.Integer(), nullable=False),
    sa.Column('at', STAMP, nullable=False),
    sa.Column('actor', sa.String(length=200), nullable=False),
    sa.Column('field', sa.String(length=40), nullable=False),
    sa.Column('old_value', sa.Text(), nullable=True),
    sa.Column('new_value', sa.Text(), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['action_id'], ['action.id'], name=op.f('fk_action_event_action_id_action'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_action_event'))
    )
    with op.batch_alter_table('action_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_action_event_action_id'), ['action_id'], unique=False)


    if op.get_bind().dialect.name == "sqlite":
        _create_action_fts()


def _create_action_fts() -> None:
    """Full-text search over action titles and descriptions, kept in step by triggers."""
    op.execute(
        "CREATE VIRTUAL TABLE action_fts USING fts5("
        "title, description, content='action', content_rowid='id', tokenize='unicode61 remove_diacritics 2')"
    )
    op.execute(
        "CREATE TRIGGER action_fts_ai AFTER INSERT ON action BEGIN "
        "INSERT INTO action_fts(rowid, title, description) VALUES (new.id, new.title, new.description); END"
    )
    op.execute(
        "CREATE TRIGGER action_fts_ad AFTER DELETE ON action BEGIN "
        "INSERT INTO action_fts(action_fts, rowid, title, description) "
        "VALUES ('delete', old.id, old.title, old.description); END"
    )
    op.execute(
        "CREATE TRIGGER action_fts_au AFTER UPDATE OF title, description ON action BEGIN "
        "INSERT INTO action_fts(action_fts, rowid, title, description) "
        "VALUES ('delete', old.id, old.title, old.description); "
        "INSERT INTO action_fts(rowid, title, description) VALUES (new.id, new.title, new.description); END"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for trigger in ("action_fts_ai", "action_fts_ad", "action_fts_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS action_fts")
    with op.batch_alter_table('action_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_action_event_action_id'))

    op.drop_table('action_event')
    with op.batch_alter_table('timeline_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_timeline_entry_incident_id'))

    op.drop_table('timeline_entry')
    with op.batch_alter_table('incident_root_cause', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_incident_root_cause_root_cause_id'))

    op.drop_table('incident_root_cause')
    op.drop_table('incident_component')
    with op.batch_alter_table('action', schema=None) as batch_op:
        batch_op.drop_index('ix_action_updated_at_id')
        batch_op.drop_index('ix_action_status_due_date_id')
        batch_op.drop_index(batch_op.f('ix_action_root_cause_id'))
        batch_op.drop_index('ix_action_priority_due_date_id')
        batch_op.drop_index('ix_action_owner_due_date_id')
        batch_op.drop_index(batch_op.f('ix_action_incident_id'))
        batch_op.drop_index(batch_op.f('ix_action_due_date'))

    op.drop_table('action')
    op.drop_table('root_cause')
    with op.batch_alter_table('incident', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_incident_source'))

    op.drop_table('incident')
    op.drop_table('component')
