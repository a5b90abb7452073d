"""The notify digest on hand-made data, and its two payloads (Slack blocks, plain JSON)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from tests.conftest import TODAY
from tracker.base.clock import Clock
from tracker.core.actions.changes import insert_action
from tracker.core.digest import build_digest
from tracker.core.runbooks.index import RunbookRow
from tracker.core.slo import DEFAULT_SLO_DAYS
from tracker.exchange.webhook import check_url, json_payload, retry_after, shown_url, slack_payload
from tracker.storage.database import Db

pytestmark = [pytest.mark.both_backends, pytest.mark.date_sensitive]


def at(day: str) -> datetime:
    return datetime.fromisoformat(f"{day}T12:00:00+00:00").astimezone(UTC)


def action(db: Db, title: str, *, owner: str | None, due: date, created: str = "2026-11-20", priority: str = "P2",
           status: str = "open") -> None:
    with db.write():
        insert_action(db, {"title": title, "kind": "prevent", "priority": priority, "status": status, "due_date": due,
                           "created_at": at(created), "owner": owner, "incident_id": 1,
                           "completed_at": at(created) if status in ("done", "wont_do") else None})


def runbook(path: str, owner: str, stale: tuple[str, ...]) -> RunbookRow:
    return RunbookRow(path, path, owner, (), (), None, None, None, None, None, stale)


@pytest.fixture
def digest_db(db: Db) -> Db:
    """The demo catalog (INC-1 exists) with its actions closed, then purpose-made ones; TODAY is 2026-11-23."""
    with db.write():
        db.execute("UPDATE action SET status = 'done', completed_at = created_at")
    action(db, "late", owner="ana", due=date(2026, 11, 20))
    action(db, "later", owner="ana", due=date(2026, 11, 10))
    action(db, "today", owner="ana", due=TODAY)  # due today: due soon, not overdue
    action(db, "in a week", owner="bo", due=date(2026, 11, 30))
    action(db, "in eight days", owner="bo", due=date(2026, 12, 1))  # beyond the horizon: nowhere
    action(db, "moved past its SLO", owner="bo", due=date(2027, 3, 1), created="2026-08-01")  # 56-day P2 SLO
    action(db, "late and past SLO", owner=None, due=date(2026, 10, 1), created="2026-08-01")  # overdue only
    action(db, "done late", owner="ana", due=date(2026, 11, 1), status="done")
    return db


def test_sections_by_owner_each_action_once(digest_db: Db) -> None:
    books = [runbook("runbooks/a.md", "ana", ("review overdue",)), runbook("runbooks/b.md", "", ("cause struck",)),
             runbook("runbooks/c.md", "ana", ())]
    digest = build_digest(digest_db, today=TODAY, targets=DEFAULT_SLO_DAYS, runbooks=books)
    shown = {o.owner: {s: [a.title for a in o.actions[s]] for s in ("overdue", "due_soon", "breaching")}
             for o in digest.owners}
    assert shown == {
        "ana": {"overdue": ["later", "late"], "due_soon": ["today"], "breaching": []},
        "bo": {"overdue": [], "due_soon": ["in a week"], "breaching": ["moved past its SLO"]},
        None: {"overdue": ["late and past SLO"], "due_soon": [], "breaching": []},
    }
    assert [o.owner for o in digest.owners] == ["ana", "bo", None]
    assert digest.counts == {"overdue": 3, "due_soon": 2, "breaching": 1, "stale_runbooks": 2}
    assert {owner: [b.path for b in found] for owner, found in digest.stale_runbooks.items()} == {
        "ana": ["runbooks/a.md"], "": ["runbooks/b.md"]}
    data = digest.to_json()
    assert data["owners"][2]["overdue"][0]["past_slo"] is True and data["owners"][0]["overdue"][0]["past_slo"] is False
    assert data["stale_runbooks"][1] == {"owner": None, "runbooks": [
        {"path": "runbooks/b.md", "title": "runbooks/b.md", "reasons": ["cause struck"]}]}


def test_each_list_is_capped_but_totals_are_true(digest_db: Db) -> None:
    for n in range(15):
        action(digest_db, f"old {n:02d}", owner="cy", due=date(2026, 1, 1 + n))
    digest = build_digest(digest_db, today=TODAY, targets=DEFAULT_SLO_DAYS, runbooks=[], limit=4)
    cy = next(o for o in digest.owners if o.owner == "cy")
    assert [a.title for a in cy.actions["overdue"]] == ["old 00", "old 01", "old 02", "old 03"]
    assert cy.totals["overdue"] == 15
    texts = [b["text"]["text"] for b in slack_payload(digest)["blocks"] if b["type"] == "section"]
    text = next(t for t in texts if t.startswith("*cy*"))
    assert "_Overdue (15)_" in text and "• and 11 more" in text


def test_slack_payload_has_text_and_blocks_and_escapes(digest_db: Db) -> None:
    with digest_db.write():
        digest_db.execute("UPDATE action SET title = :t WHERE title = 'late'", {"t": "Fix <!channel> & \x1b[31mred"})
    payload = slack_payload(build_digest(digest_db, today=TODAY, targets=DEFAULT_SLO_DAYS, runbooks=[]))
    assert payload["text"] == ("Action digest 2026-11-23: 3 overdue, 2 due within 7 days, 1 more past their SLO,"
                               " 0 stale runbooks.")
    header = {"type": "header", "text": {"type": "plain_text", "text": "Action digest 2026-11-23"}}
    assert payload["blocks"][0] == header
    body = "\n".join(b["text"]["text"] for b in payload["blocks"] if b["type"] == "section")
    assert "Fix &lt;!channel&gt; &amp; [31mred (due 2026-11-20, 3d late)" in body and "\x1b" not in body
    assert "moved past its SLO (due 2027-03-01; opened 2026-08-01, past its 56-day SLO)" in body


def test_slack_payload_stays_within_fifty_blocks(db: Db) -> None:
    for n in range(60):
        action(db, "x", owner=f"team-{n:02d}", due=date(2026, 11, 1))
    payload = slack_payload(build_digest(db, today=TODAY, targets=DEFAULT_SLO_DAYS, runbooks=[]))
    assert len(payload["blocks"]) == 50 and payload["blocks"][-1]["type"] == "context"
    assert "more" in payload["blocks"][-1]["elements"][0]["text"]


def test_json_payload_is_the_digest(digest_db: Db) -> None:
    data = json_payload(build_digest(digest_db, today=TODAY, targets=DEFAULT_SLO_DAYS, runbooks=[]))
    assert list(data) == ["date", "counts", "owners", "stale_runbooks"] and data["date"] == "2026-11-23"
    assert data["owners"][0]["totals"] == {"overdue": 2, "due_soon": 1, "breaching": 0}


def test_urls_are_shown_by_host_only() -> None:
    assert shown_url("https://hooks.slack.com/services/T0/B0/SECRET") == "https://hooks.slack.com/…"
    assert shown_url("http://127.0.0.1:8080/hook?token=SECRET") == "http://127.0.0.1:8080/…"
    assert shown_url("http://user:SECRET@[::1]:9/x") == "http://[::1]:9/…"
    for bad in ("ftp://host/SECRET", "hooks.slack.com/SECRET", "https:///SECRET", "http://host:99999/SECRET"):
        with pytest.raises(Exception) as info:
            check_url(bad)
        assert "SECRET" not in str(info.value) and "webhook URL" in str(info.value)


class Fixed(Clock):
    def now(self) -> datetime:
        return datetime(2026, 11, 23, 9, 0, 0, tzinfo=UTC)


def test_retry_after_in_seconds_or_as_a_date() -> None:
    assert retry_after("3", 0.5, Fixed()) == 3.0
    assert retry_after(None, 0.5, Fixed()) == 0.5 and retry_after("soon", 0.5, Fixed()) == 0.5
    assert retry_after("Mon, 23 Nov 2026 09:00:07 GMT", 0.5, Fixed()) == 7.0
    assert retry_after("Mon, 23 Nov 2026 08:00:00 GMT", 0.5, Fixed()) == 0.0
