"""Settings: ``tracker.toml`` in the working directory, then environment variables, then flags.

Nothing is read at import time; ``load_settings`` is called once by each entry point.
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from typing import Any, NamedTuple

from tracker.base.clock import Clock
from tracker.base.errors import InputError
from tracker.core.slo import DEFAULT_SLO_DAYS

DEFAULT_DB = "actions.db"


class Settings(NamedTuple):
    """Everything the tracker can be told, typed and resolved."""

    db: str = DEFAULT_DB
    """Database location: a SQLite file path or a SQLAlchemy URL (``postgresql+psycopg://...``)."""

    user: str | None = None
    """Who is acting, for the history (``TRACKER_USER``); when unset, git's ``user.email``."""

    slo_days: dict[str, int] = DEFAULT_SLO_DAYS
    """Days to close an action, by priority (``[actions] slo_days``): its SLO target, and the distance from
    today to a new action's default due date (see ``tracker.core.slo``)."""

    stale_days: int = 14
    """An open action with no change for this many days is stale in reviews."""

    runbooks_dir: str = "runbooks"
    """Folder of the runbooks, relative to the working directory."""

    cause_rules: dict[str, list[str]] | None = None
    """Keyword rules suggesting root causes on import (``[import.cause_rules]``), added to the built-in ones."""

    refresh_seconds: int = 10
    """How often the app looks for changes made elsewhere (0: never; r refreshes at any time)."""

    webhook_url: str | None = None
    """Where ``tracker notify`` posts its digest (``[notify] webhook_url``, ``TRACKER_WEBHOOK_URL``): a secret."""

    warnings: tuple[str, ...] = ()
    """What the settings file should change (deprecated keys), for the entry point to print."""

    today: date | None = None
    """Fixed "today" (``TRACKER_TODAY``) for reproducible reports and tests; None means the clock."""

    config_file: Path | None = None
    """The ``tracker.toml`` the settings came from, if any."""

    @property
    def clock(self) -> Clock:
        """The program's one clock, with ``today`` fixed when the settings fix it."""
        return Clock(self.today)

    def today_date(self) -> date:
        return self.clock.today()


def _read_toml(path: Path) -> dict[str, Any]:
    import tomllib  # only when a settings file exists: it costs start-up time

    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{path}: invalid TOML ({exc})") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})") from None


def _positive_int(value: Any, where: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1 or value > 3650:
        raise InputError(f"{where}: expected a whole number of days from 1 to 3650, got {value!r}")
    return value


def _days_by_priority(value: Any, where: str) -> dict[str, int]:
    """``{ P1 = 28, ... }``: days by priority, the ones not given keeping their defaults."""
    if not isinstance(value, dict):
        raise InputError(f"{where}: expected a table of days by priority, e.g. {{ P1 = 28, P2 = 56, P3 = 90 }}")
    days = dict(DEFAULT_SLO_DAYS)
    for key, number in value.items():
        if key not in days:
            raise InputError(f"{where} has unknown priority {key!r} (P1, P2, P3)")
        days[key] = _positive_int(number, f"{where}.{key}")
    return days


def load_settings(
    *,
    db: str | None = None,
    config_path: Path | None = None,
    env: dict[str, str] | None = None,
) -> Settings:
    """Resolve settings: flag > environment > ``tracker.toml`` > defaults."""
    env = dict(os.environ) if env is None else env
    path = config_path or Path(env.get("TRACKER_CONFIG", "tracker.toml"))
    data: dict[str, Any] = {}
    if path.is_file():
        data = _read_toml(path)
    elif config_path is not None:
        raise InputError(f"{path}: configuration file not found")

    values: dict[str, Any] = {}
    database = data.get("database", {})
    if "url" in database:
        values["db"] = str(database["url"])
        if not values["db"].strip():
            raise InputError(f"{path}: [database] url is empty (give a SQLite file path or a SQLAlchemy URL)")
    warnings: list[str] = []
    actions = data.get("actions", {})
    if "slo_days" in actions:
        values["slo_days"] = _days_by_priority(actions["slo_days"], f"{path}: [actions] slo_days")
        if "due_days" in actions:
            warnings.append(f"{path}: [actions] due_days is ignored: slo_days replaces it")
    elif "due_days" in actions:  # the older name of the same rule, still read
        values["slo_days"] = _days_by_priority(actions["due_days"], f"{path}: [actions] due_days")
        warnings.append(f"{path}: [actions] due_days is deprecated: rename it slo_days (the same days, by priority)")
    review = data.get("review", {})
    if "stale_days" in review:
        values["stale_days"] = _positive_int(review["stale_days"], f"{path}: [review] stale_days")
    rules = data.get("import", {}).get("cause_rules")
    if rules is not None:
        if not isinstance(rules, dict) or not all(
            isinstance(k, str) and isinstance(v, list) and all(isinstance(w, str) and w.strip() for w in v)
            for k, v in rules.items()
        ):
            raise InputError(f"{path}: [import.cause_rules] maps a root-cause slug to a list of keywords")
        values["cause_rules"] = {k: list(v) for k, v in rules.items()}
    app = data.get("app", {})
    if "refresh_seconds" in app:
        seconds = app["refresh_seconds"]
        if not isinstance(seconds, int) or isinstance(seconds, bool) or not 0 <= seconds <= 3600:
            raise InputError(f"{path}: [app] refresh_seconds must be a whole number from 0 to 3600, got {seconds!r}")
        values["refresh_seconds"] = seconds
    runbooks = data.get("runbooks", {})
    if "dir" in runbooks:
        values["runbooks_dir"] = str(runbooks["dir"])
    notify = data.get("notify", {})
    if "webhook_url" in notify:
        if not isinstance(notify["webhook_url"], str):
            raise InputError(f"{path}: [notify] webhook_url must be a string")
        values["webhook_url"] = notify["webhook_url"]

    if env.get("TRACKER_DB"):  # set but empty counts as unset
        if not env["TRACKER_DB"].strip() and db is None:
            raise InputError("TRACKER_DB is blank (give a SQLite file path or a SQLAlchemy URL, or unset it)")
        values["db"] = env["TRACKER_DB"]
    if env.get("TRACKER_WEBHOOK_URL"):
        values["webhook_url"] = env["TRACKER_WEBHOOK_URL"]
    if env.get("TRACKER_USER"):
        values["user"] = env["TRACKER_USER"]
    if env.get("TRACKER_TODAY"):
        from tracker.base.timeutil import check_day

        try:
            values["today"] = check_day(date.fromisoformat(env["TRACKER_TODAY"]), "TRACKER_TODAY")
        except ValueError:
            raise InputError(f"TRACKER_TODAY: bad date {env['TRACKER_TODAY']!r} (use YYYY-MM-DD)") from None
    if db is not None:
        if not db.strip():
            raise InputError(f"--db {db!r}: no database given (give a SQLite file path or a SQLAlchemy URL)")
        values["db"] = db
    return Settings(config_file=path if data else None, warnings=tuple(warnings), **values)
