"""``tracker insights`` end to end: the three formats on the demo catalog, on both backends, and bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytestmark = [pytest.mark.both_backends, pytest.mark.date_sensitive]


def test_json_on_each_backend(cli, db_url: str) -> None:
    result = cli("--db", db_url, "insights", "--format", "json", "--weeks", "52")
    assert result.code == 0, result.err
    assert result.out.count("\n") == 1
    data = json.loads(result.out)
    # The demo's window from Monday 2025-12-01 to 2026-11-23 holds INC-5 (2025-12-22) and its four actions,
    # opened on 2025-12-22/23 and closed within two days.
    assert data["window"] == {"start": "2025-12-01", "end": "2026-11-23", "weeks": 52, "incidents": 1,
                              "recurring_incidents": 0}
    slo = {row["priority"]: row for row in data["slo"]}
    assert (slo["P1"]["opened"], slo["P1"]["closed_in_slo"], slo["P1"]["open_breaching"]) == (2, 2, 2)
    assert (slo["P2"]["opened"], slo["P2"]["closed_in_slo"], slo["P2"]["open_breaching"]) == (2, 2, 4)
    assert slo["P3"]["breach_rate"] == 1.0
    assert data["time_to_close"]["p50_days"] == 2 and data["recurrence"] == {"rate": 0.0, "causes": []}
    assert [w["week"] for w in data["weekly"]][-1] == "2026-W48" and len(data["weekly"]) == 52


def test_text_and_markdown(cli, db_url: str) -> None:
    text = cli("--db", db_url, "insights")
    assert text.code == 0, text.err
    assert text.out.startswith("Insights 2026-09-07 to 2026-11-23 (12 weeks; SLO targets in days: P1 28, P2 56, P3 90)")
    assert "Prevent actions did not prevent: 0" in text.out and "\x1b[" not in text.out
    md = cli("--db", db_url, "insights", "--format", "md")
    assert md.code == 0 and md.out.startswith("# Insights 2026-09-07 to 2026-11-23\n")
    assert "## Weekly" in md.out


def test_targets_come_from_the_settings(cli, db_url: str, tmp_path: Path) -> None:
    (tmp_path / "tracker.toml").write_text("[actions]\nslo_days = { P3 = 3650 }\n")
    data = json.loads(cli("--db", db_url, "insights", "--format", "json").out)
    assert data["targets"] == {"P1": 28, "P2": 56, "P3": 3650}
    assert data["slo"][2]["open_breaching"] == 0


@pytest.mark.parametrize("weeks", ["0", "105", "-3"])
def test_bad_weeks_is_one_line_and_touches_nothing(cli, tmp_path: Path, weeks: str) -> None:
    target = tmp_path / "never.db"
    result = cli("--db", str(target), "insights", "--weeks", weeks)
    assert result.code == 1 and result.out == "" and result.err.count("\n") == 1
    assert f"bad number of weeks {weeks}" in result.err and not target.exists()
