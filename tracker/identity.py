"""Who is acting: written into every ActionEvent."""

from __future__ import annotations

import getpass

from tracker.config import Settings


def current_actor(settings: Settings) -> str:
    """``TRACKER_USER``, else git's ``user.email``, else the login name."""
    if settings.user:
        return settings.user.strip()[:200]
    from tracker.repo.gitsync import configured_email

    email = configured_email()
    if email:
        return email[:200]
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"
