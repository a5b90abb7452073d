"""Alembic environment: runs on the connection the tracker hands over, never on a URL of its own."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import tracker.storage.schema  # noqa: F401  (registers the tables on the metadata)

connection = context.config.attributes["connection"]


def include_object(obj: object, name: str | None, kind: str, reflected: bool, compare_to: object) -> bool:
    """The SQLite FTS5 index is created by hand in migrations; autogenerate must leave it alone."""
    return not (kind == "table" and name is not None and name.startswith("action_fts"))


context.configure(
    connection=connection,
    target_metadata=SQLModel.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
    include_object=include_object,
)
with context.begin_transaction():
    context.run_migrations()
