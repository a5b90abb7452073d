"""The project's own errors. Each carries a one-line message fit to show a user as is."""

from __future__ import annotations


class TrackerError(Exception):
    """Base of every error a user may see; ``str(err)`` is a complete one-line message."""

    exit_code = 1


class InputError(TrackerError):
    """A value given by a user or a file is not acceptable."""


class NotFoundError(TrackerError):
    """A key (``ACT-3``, ``INC-1``, a slug) names nothing in the database."""


class StaleWriteError(TrackerError):
    """The row changed since the caller loaded it; the write was refused."""

    def __init__(self, key: str, expected: int, current: int | None) -> None:
        self.key = key
        self.expected = expected
        self.current = current
        now = "it was deleted" if current is None else f"now at version {current}"
        super().__init__(
            f"{key} was changed by someone else since you loaded it "
            f"(you had version {expected}, {now}); reload and try again"
        )


class DatabaseError(TrackerError):
    """The database cannot be opened or used: wrong file, corrupt, locked, too new."""


class SchemaTooNewError(DatabaseError):
    """The database was written by a newer tracker."""


class NotATrackerDatabaseError(DatabaseError):
    """The file is not a tracker database (or not a SQLite file at all)."""


class DatabaseBusyError(DatabaseError):
    """Another process holds the database's lock, or is upgrading it: retry later."""


class DatabaseReadOnlyError(DatabaseError):
    """The database file, or the folder it lives in, cannot be written."""


class DatabaseDamagedError(DatabaseError):
    """SQLite found damaged pages in the database file."""

    def __init__(self, message: str, detail: str) -> None:
        super().__init__(message)
        self.detail = detail
        """SQLite's own words for the damage (``database disk image is malformed``)."""
