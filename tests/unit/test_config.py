"""Settings: tracker.toml, environment and flags, in that order of strength."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from tracker.base.errors import InputError
from tracker.config import load_settings


def test_defaults() -> None:
    settings = load_settings(env={}, config_path=None)
    assert settings.db == "actions.db"
    assert settings.slo_days == {"P1": 28, "P2": 56, "P3": 90}
    assert settings.warnings == () and settings.webhook_url is None
    assert settings.stale_days == 14 and settings.today is None


def test_file_then_env_then_flag(tmp_path: Path) -> None:
    cfg = tmp_path / "tracker.toml"
    cfg.write_text('[database]\nurl = "team.db"\n[actions]\nslo_days = { P1 = 7 }\n[review]\nstale_days = 21\n')
    settings = load_settings(env={}, config_path=cfg)
    assert settings.db == "team.db" and settings.slo_days == {"P1": 7, "P2": 56, "P3": 90}
    assert settings.stale_days == 21
    assert load_settings(env={"TRACKER_DB": "env.db"}, config_path=cfg).db == "env.db"
    assert load_settings(db="flag.db", env={"TRACKER_DB": "env.db"}, config_path=cfg).db == "flag.db"


def test_today_and_user_from_env() -> None:
    settings = load_settings(env={"TRACKER_TODAY": "2027-01-04", "TRACKER_USER": "ana"})
    assert settings.today == date(2027, 1, 4) and settings.user == "ana"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[actions]\nslo_days = { P1 = 0 }\n", "slo_days.P1"),
        ("[actions]\nslo_days = { P7 = 3 }\n", "unknown priority 'P7'"),
        ("[actions]\nslo_days = 28\n", "slo_days: expected a table"),
        ("[actions]\ndue_days = { P1 = 0 }\n", "due_days.P1"),
        ("[notify]\nwebhook_url = 3\n", "webhook_url must be a string"),
        ("[review]\nstale_days = 'soon'\n", "stale_days"),
        ("[database\nurl = 1\n", "invalid TOML"),
    ],
)
def test_bad_settings_name_the_file_and_key(tmp_path: Path, text: str, message: str) -> None:
    cfg = tmp_path / "tracker.toml"
    cfg.write_text(text)
    with pytest.raises(InputError, match=message) as info:
        load_settings(env={}, config_path=cfg)
    assert str(cfg) in str(info.value)


def test_bad_today_env() -> None:
    with pytest.raises(InputError, match="TRACKER_TODAY"):
        load_settings(env={"TRACKER_TODAY": "someday"})


def test_due_days_is_read_as_a_deprecated_alias_of_slo_days(tmp_path: Path) -> None:
    cfg = tmp_path / "tracker.toml"
    cfg.write_text("[actions]\ndue_days = { P1 = 15, P3 = 60 }\n")
    settings = load_settings(env={}, config_path=cfg)
    assert settings.slo_days == {"P1": 15, "P2": 56, "P3": 60}
    assert len(settings.warnings) == 1 and "due_days is deprecated: rename it slo_days" in settings.warnings[0]


def test_slo_days_wins_over_due_days(tmp_path: Path) -> None:
    cfg = tmp_path / "tracker.toml"
    cfg.write_text("[actions]\nslo_days = { P1 = 20 }\ndue_days = { P1 = 15 }\n")
    settings = load_settings(env={}, config_path=cfg)
    assert settings.slo_days["P1"] == 20 and "due_days is ignored" in settings.warnings[0]


def test_webhook_url_from_file_then_env(tmp_path: Path) -> None:
    cfg = tmp_path / "tracker.toml"
    cfg.write_text('[notify]\nwebhook_url = "https://hooks.example.com/file"\n')
    assert load_settings(env={}, config_path=cfg).webhook_url == "https://hooks.example.com/file"
    env = {"TRACKER_WEBHOOK_URL": "https://hooks.example.com/env"}
    assert load_settings(env=env, config_path=cfg).webhook_url == "https://hooks.example.com/env"


@pytest.mark.parametrize("flag", ["", "   "])
def test_an_empty_db_flag_is_refused_not_defaulted(flag: str) -> None:
    with pytest.raises(InputError, match="no database given"):
        load_settings(db=flag, env={"TRACKER_DB": "env.db"})


def test_an_empty_database_url_in_the_settings_file_is_refused(tmp_path: Path) -> None:
    cfg = tmp_path / "tracker.toml"
    cfg.write_text('[database]\nurl = ""\n')
    with pytest.raises(InputError, match=r"\[database\] url is empty") as info:
        load_settings(env={}, config_path=cfg)
    assert str(cfg) in str(info.value)


def test_tracker_db_set_to_nothing_counts_as_unset_but_blank_is_refused() -> None:
    assert load_settings(env={"TRACKER_DB": ""}).db == "actions.db"
    with pytest.raises(InputError, match="TRACKER_DB is blank"):
        load_settings(env={"TRACKER_DB": "  "})
    assert load_settings(db="flag.db", env={"TRACKER_DB": "  "}).db == "flag.db"
