"""Sending the digest to a webhook: a Slack-compatible message or plain JSON, posted with care.

The URL is a secret (whoever holds a Slack incoming-webhook URL can post to the channel), so it is shown
only as its scheme and host (``https://hooks.slack.com/…``), in errors too. Posting:

- every attempt has a timeout (connect and each read);
- 429 (rate limited) is retried after ``Retry-After`` (seconds or an HTTP date; at most ``MAX_WAIT``), and 5xx
  after a growing pause (``backoff``, doubled each time), up to ``attempts`` attempts in all;
- a timeout or a broken connection is not retried: the server may have received the message already,
  and a second post would show it twice; a refused connection means nothing listens there;
- any other status is an error naming it (with the first words of the answer: Slack says what is wrong).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

from tracker.base.clock import SYSTEM_CLOCK, Clock
from tracker.base.errors import InputError, TrackerError
from tracker.core.digest import SECTIONS, Digest

MAX_WAIT = 60.0
"""The longest pause a ``Retry-After`` may ask for; asking more fails instead of hanging a cron job."""

MAX_BLOCKS = 50
"""Slack's limit of blocks in one message."""

SECTION_TEXT = 3000
"""Slack's limit on the text of one section block."""


class WebhookError(TrackerError):
    """The webhook could not be reached or refused the message."""


def shown_url(url: str) -> str:
    """The URL as it may be shown: scheme and host only (``https://hooks.slack.com/…``)."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or "?"
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "(the webhook URL)"
    if ":" in host:
        host = f"[{host}]"
    return f"{parts.scheme}://{host}{port}/…"


def check_url(url: str) -> str:
    """The URL if it is an http(s) URL with a host; errors never repeat it whole."""
    try:
        parts = urlsplit(url.strip())
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        raise InputError("the webhook URL cannot be read (check its host and port)") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        scheme = parts.scheme or "none"
        raise InputError(f"the webhook URL must start with https:// (or http://) and name a host (scheme: {scheme})")
    return url.strip()


# -- payloads ---------------------------------------------------------------------------------------


def _plain(text: str) -> str:
    """User text on one line without control characters."""
    return " ".join("".join(c if c.isprintable() else " " for c in text).split())


def _mrkdwn(text: str) -> str:
    """User text for Slack's mrkdwn: the three characters Slack asks to escape, escaped."""
    return _plain(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


_TITLES = {"overdue": "Overdue", "due_soon": "Due within 7 days", "breaching": "Past their SLO, due later"}


def _summary(digest: Digest) -> str:
    counts = digest.counts
    if digest.empty:
        return f"Action digest {digest.today.isoformat()}: nothing overdue, due soon or past its SLO."
    return (f"Action digest {digest.today.isoformat()}: {counts['overdue']} overdue, {counts['due_soon']} due within"
            f" 7 days, {counts['breaching']} more past their SLO, {counts['stale_runbooks']} stale runbooks.")


def _action_line(digest: Digest, section: str, action: Any) -> str:
    when = f"due {action.due.isoformat()}"
    if section == "overdue":
        when += f", {(digest.today - action.due).days}d late"
    if digest.past_slo(action):
        when += f"; opened {action.created_at.date().isoformat()}, past its {digest.targets[action.priority]}-day SLO"
    return f"• {action.key} {action.priority} {_mrkdwn(action.title)} ({when})"


def _section(text: str) -> dict[str, Any]:
    if len(text) > SECTION_TEXT:
        text = text[: SECTION_TEXT - 2] + " …"
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def slack_payload(digest: Digest) -> dict[str, Any]:
    """A Slack incoming-webhook message: ``text`` (the notification's fallback) and ``blocks``."""
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": f"Action digest {digest.today.isoformat()}"}},
        _section(_mrkdwn(_summary(digest))),
    ]
    owner_blocks = []
    for group in digest.owners:
        lines = [f"*{_mrkdwn(group.owner) if group.owner else '(no owner)'}*"]
        for section in SECTIONS:
            total = group.totals[section]
            if total:
                lines.append(f"_{_TITLES[section]} ({total})_")
                lines += [_action_line(digest, section, a) for a in group.actions[section]]
                if total > len(group.actions[section]):
                    lines.append(f"• and {total - len(group.actions[section])} more")
        owner_blocks.append(_section("\n".join(lines)))
    if digest.stale_runbooks:
        lines = ["*Stale runbooks*"]
        for owner, books in digest.stale_runbooks.items():
            lines += [f"• {_mrkdwn(b.path)} ({_mrkdwn(owner) if owner else 'no owner'}):"
                      f" {_mrkdwn('; '.join(b.stale))}" for b in books]
        owner_blocks.append(_section("\n".join(lines)))
    room = MAX_BLOCKS - len(blocks) - 2
    if owner_blocks:
        blocks.append({"type": "divider"})
        blocks += owner_blocks[:room]
        if len(owner_blocks) > room:
            more = len(owner_blocks) - room
            blocks.append({"type": "context", "elements": [
                {"type": "mrkdwn", "text": f"and {more} more (tracker notify --format json has everything)"}]})
    return {"text": _summary(digest), "blocks": blocks}


def json_payload(digest: Digest) -> dict[str, Any]:
    """The digest as plain JSON (``Digest.to_json``), for webhooks other than Slack."""
    return digest.to_json()


# -- posting ----------------------------------------------------------------------------------------


def retry_after(value: str | None, default: float, clock: Clock) -> float:
    """Seconds to wait from a ``Retry-After`` header (seconds, or an HTTP date); ``default`` if absent or unreadable.

    An HTTP date is compared with the clock's real "now" (not a fixed "today"): the server meant wall time.
    """
    if not value:
        return default
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return default
    if when.tzinfo is None:
        return default
    return max(0.0, (when - clock.now()).total_seconds())


def _first_words(body: bytes) -> str:
    text = _plain(body[:200].decode("utf-8", "replace"))
    return f" ({text[:80]})" if text else ""


def post_json(url: str, payload: Any, *, timeout: float, attempts: int = 3, backoff: float = 0.5,
              sleep: Callable[[float], None] = time.sleep, clock: Clock = SYSTEM_CLOCK) -> int:
    """POST ``payload`` as JSON to ``url``; returns the final HTTP status (2xx) or raises WebhookError."""
    import urllib.error
    import urllib.request

    where = f"webhook {shown_url(url)}"
    data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(url, data=data, method="POST", headers={
        "Content-Type": "application/json; charset=utf-8", "User-Agent": "tracker-notify"})
    pause = backoff
    for attempt in range(1, attempts + 1):
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - http(s) checked
                response.read(1024)
                return int(response.status)
        except urllib.error.HTTPError as error:
            status, body = error.code, error.read(1024)
            error.close()
            if status == 429 or status >= 500:
                wait = retry_after(error.headers.get("Retry-After"), pause, clock) if status == 429 else pause
                if attempt == attempts:
                    tries = f"after {attempts} attempts" if attempts > 1 else "(one attempt)"
                    raise WebhookError(f"{where}: HTTP {status} {tries}{_first_words(body)}") from None
                if wait > MAX_WAIT:
                    raise WebhookError(f"{where}: HTTP 429, asked to wait {wait:.0f} s (more than {MAX_WAIT:.0f})"
                                       ) from None
                sleep(wait)
                pause *= 2
                continue
            raise WebhookError(f"{where}: HTTP {status}{_first_words(body)}") from None
        except TimeoutError:
            raise WebhookError(f"{where}: no answer within {timeout:g} s (not retried: it may have arrived)") from None
        except urllib.error.URLError as error:
            reason = error.reason
            if isinstance(reason, TimeoutError):
                raise WebhookError(f"{where}: no connection within {timeout:g} s") from None
            if isinstance(reason, ConnectionRefusedError):
                raise WebhookError(f"{where}: connection refused (nothing listens there)") from None
            text = getattr(reason, "strerror", None) or str(reason)
            raise WebhookError(f"{where}: cannot connect ({_plain(str(text))[:100]})") from None
        except (OSError, ValueError) as error:  # a connection reset, a malformed answer
            text = getattr(error, "strerror", None) or type(error).__name__
            raise WebhookError(f"{where}: the connection failed ({_plain(str(text))[:100]})") from None
    raise WebhookError(f"{where}: no attempt made")  # attempts < 1
