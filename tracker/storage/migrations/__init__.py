"""Alembic migrations of the tracker schema."""
