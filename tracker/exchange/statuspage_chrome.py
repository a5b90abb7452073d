"""The site around a status-page report saved from a browser: menus, subscribe forms, country codes, footers.

Pure functions over single lines; they never raise. :func:`is_chrome` says whether a line belongs to the page's
frame rather than to the incident; :func:`split_window_title` separates a window title such as
``Quillmoth Status - Exports delayed`` into the site's name and the incident's title.
"""

from __future__ import annotations

import re

_CHROME = re.compile(
    r"(?:"
    # navigation and footers
    r"powered by atlassian statuspage|(?:\u2190 ?)?current status|back to (?:the )?current status"
    r"|view (?:the )?(?:incident )?history|incident history|skip to (?:main )?content|menu|close|\u00d7|x"
    r"|privacy(?: policy| notice| statement)?|terms(?: of (?:service|use))?|(?:manage )?cookies?(?: \w+){0,2}"
    r"|(?:\u00a9|copyright|\(c\)) .{0,80}|all rights reserved\.?|status page|loading\.{0,3}"
    # subscribe forms: email, text message, webhook, Slack, feeds, social
    r"|subscribe(?: to updates?)?|subscribe (?:via|with|to) .{1,40}|get (?:\w+ ){0,3}notifications .*"
    r"|get incident updates .*|get the (?:atom|rss) feed.*"
    r"|(?:atom|rss)(?: feed)?(?: (?:or|and) (?:atom|rss)(?: feed)?)?"
    r"|follow @\S+.*|visit our (?:support )?(?:site|page|center|centre)\.?|by subscribing .*"
    r"|message and data rates may apply.*|this site is protected by recaptcha.*"
    r"|(?:email|e-mail|phone|mobile|mobile phone|webhook|webhook url) ?(?:address|number)?:?"
    r"|country(?: code)?:?|change country|(?:enter|resend|verify)(?: the)? (?:otp|code|number).*"
    r"|didn'?t receive the (?:otp|code)\??|to receive sms updates.*|the url we should send the webhooks to\.?"
    r"|we'?ll send you (?:an )?email if your endpoint fails\.?|manage (?:your )?subscriptions?.*"
    r"|(?:select|choose) (?:all|none|the components?.*)|unsubscribe.*"
    # a phone form's country list: "+44", "Afghanistan (+93)", "Antigua and Barbuda (+1-268)"
    r"|\+[0-9]{1,4}(?:[- ][0-9]{1,4})?|\S.{0,60}? \(\+[0-9]{1,4}(?:[- ][0-9]{1,4})?\)"
    r")",
    re.IGNORECASE,
)
_SEPARATORS = re.compile(r"\s+[\u00b7|\u2022\u2013-]\s+|\s*[\u00b7|\u2022]\s*")
_WINDOW_TITLE = re.compile(
    r"(?P<site>.{1,80}?\bstatus(?: page)?)\s+[-\u2013\u2014|\u00b7:]\s+(?P<title>\S.*)"
    r"|(?P<title2>\S.*?)\s+[-\u2013\u2014|\u00b7]\s+(?P<site2>.{1,80}?\bstatus(?: page)?)",
    re.IGNORECASE,
)


def _squeeze(line: str) -> str:
    return " ".join(line.split())


def is_chrome(line: str) -> bool:
    """True for a line of the page's frame: navigation, a subscribe form, a country code, a footer.

    A footer line joining several such items (``Privacy Policy · Terms of Service``) counts as chrome too.
    """
    text = _squeeze(line).strip("*_[]# ")
    if not text or len(text) > 300:
        return False
    if _CHROME.fullmatch(text):
        return True
    pieces = [piece for piece in _SEPARATORS.split(text) if piece.strip()]
    return len(pieces) > 1 and all(_CHROME.fullmatch(piece.strip()) for piece in pieces)


def split_window_title(line: str) -> tuple[str, str] | None:
    """``(site, title)`` of ``Quillmoth Status - Title`` (or ``Title | Quillmoth Status``); None otherwise.

    The site is returned without its ``Status`` word: ``Quillmoth``.
    """
    match = _WINDOW_TITLE.fullmatch(_squeeze(line))
    if match is None:
        return None
    site = match["site"] or match["site2"] or ""
    title = (match["title"] or match["title2"] or "").strip()
    name = re.sub(r"\s*\bstatus(?: page)?$", "", site.strip(), flags=re.IGNORECASE).strip(" -\u2013|")
    if not title or not name:
        return None
    return name, title
