"""``tracker actions next`` end to end on the demo catalog: order, explanations, filters, bad input."""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.date_sensitive


def test_json_gives_score_and_why(cli) -> None:
    result = cli("actions", "next", "--json", "--limit", "20")
    assert result.code == 0, result.err
    data = json.loads(result.out)
    # The demo's eight open actions (ACT-1..6, 8, 9), best first; ties by due date.
    assert [a["id"] for a in data] == ["ACT-3", "ACT-8", "ACT-1", "ACT-5", "ACT-9", "ACT-2", "ACT-6", "ACT-4"]
    assert [a["score"] for a in data] == [100, 100, 90, 90, 90, 80, 80, 65]
    for item in data:
        assert item["score"] == sum(part["points"] for part in item["why"])
        assert item["status"] in ("proposed", "open", "in_progress", "blocked")
    assert data[-1]["why"][3] == {"factor": "state", "points": -15, "reason": "blocked: it waits on something else"}


def test_text_explains_each_line(cli) -> None:
    result = cli("actions", "next", "--owner", "sre-team")
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[0].split()[:3] == ["KEY", "SCORE", "PRI"]
    assert lines[1].split()[:3] == ["ACT-1", "90", "P2"]
    assert "past its 56-day SLO +60" in lines[2] and "P2 +20" in lines[2]


@pytest.mark.parametrize("limit", ["0", "-1", "10001"])
def test_bad_limit_is_one_line(cli, limit: str) -> None:
    result = cli("actions", "next", "--limit", limit)
    assert result.code == 1 and result.out == "" and result.err.count("\n") == 1 and "--limit" in result.err
