"""Who is acting: written into every ActionEvent."""

from __future__ import annotations

import getpass

from tracker.base.errors import InputError
from tracker.config import Settings


def current_actor(settings: Settings) -> str:
    """``TRACKER_USER``, else git's ``user.email``, else the login name; checked like any actor in the history."""
    from tracker.core.validate import clean_actor

    if settings.user:
        return clean_actor(settings.user, "TRACKER_USER")
    from tracker.repo.gitsync import configured_email

    email = configured_email()
    if email:
        return clean_actor(email, "git's user.email")
    try:
        return clean_actor(getpass.getuser()[:200], "the login name")
    except (KeyError, OSError, InputError):
        return "unknown"
