"""Schema revisions this tracker knows, without importing Alembic (kept in step by a test)."""

from __future__ import annotations

REVISIONS: tuple[str, ...] = ("0001_initial", "0002_runbooks", "0003_postgres_search", "0004_review_indexes",
                              "0005_incident_lifecycle", "0006_tallies", "0007_tally_moves")
"""Every migration revision, oldest first; the last one is the head."""

HEAD = REVISIONS[-1]
