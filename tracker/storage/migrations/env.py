"""Alembic environment: runs on the connection the tracker hands over, never on a URL of its own."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import tracker.core.models  # noqa: F401  (registers the tables on the metadata)

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=SQLModel.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
