"""Download a feed: HTTP(S) only, with a timeout on the whole download and a size cap applied while reading.

Errors are :class:`~tracker.base.errors.InputError` with one line naming the URL; nothing here retries or caches.
The standard library's ``urllib`` is imported on first use (start-up cost).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from tracker.base.errors import InputError

MAX_FEED_BYTES = 10 * 1024 * 1024
"""The largest feed accepted: a page's history feed is a few hundred kilobytes."""

DEFAULT_TIMEOUT = 20.0
"""Seconds to wait for the whole download."""

_CHUNK = 64 * 1024


def is_url(name: str) -> bool:
    """True when ``name`` is an ``http://`` or ``https://`` address rather than a file name."""
    return name.lower().startswith(("http://", "https://"))


def shown_url(url: str) -> str:
    """The URL as errors show it: without a password, query or fragment (they may hold tokens), 80 characters."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return re.sub(r"//[^/?#]*@", "//", re.split(r"[?#]", url, maxsplit=1)[0])[:80]
    return f"{parts.scheme}://{host}{port}{parts.path}"[:80]


def fetch(url: str, *, timeout: float = DEFAULT_TIMEOUT, max_bytes: int = MAX_FEED_BYTES) -> bytes:
    """The body of ``url``; InputError when it cannot be had in ``timeout`` seconds or exceeds ``max_bytes``."""
    import time
    import urllib.error
    import urllib.request
    from http.client import HTTPException

    from tracker import __version__

    name = shown_url(url)
    if not is_url(url):
        raise InputError(f"{name}: only http:// and https:// addresses can be fetched")
    # No file: or ftp: handler, so a redirect cannot lead anywhere else either.
    opener = urllib.request.OpenerDirector()
    for handler in (urllib.request.ProxyHandler(), urllib.request.HTTPHandler(), urllib.request.HTTPSHandler(),
                    urllib.request.HTTPRedirectHandler(), urllib.request.HTTPErrorProcessor(),
                    urllib.request.HTTPDefaultErrorHandler()):
        opener.add_handler(handler)
    deadline = time.monotonic() + timeout
    limit = f"{max_bytes / 1_048_576:g} MB" if max_bytes >= 1_048_576 else f"{max_bytes:,} bytes"
    try:
        request = urllib.request.Request(url, headers={
            "User-Agent": f"tracker/{__version__}",
            "Accept": "application/atom+xml, application/rss+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.1",
            "Accept-Encoding": "identity",
        })
        try:
            response = opener.open(request, timeout=timeout)
        except TimeoutError:
            raise InputError(f"{name}: no answer within {timeout:g} s") from None
        with response:
            declared = response.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > max_bytes:
                raise InputError(f"{name}: the response is larger than {limit} ({int(declared):,} bytes announced)")
            chunks: list[bytes] = []
            total = 0
            while True:
                if time.monotonic() > deadline:
                    raise InputError(f"{name}: no complete answer within {timeout:g} s")
                chunk = response.read1(_CHUNK)
                if not chunk:
                    break
                total += len(chunk)
                if total > max_bytes:
                    raise InputError(f"{name}: the response is larger than {limit}")
                chunks.append(chunk)
    except urllib.error.HTTPError as error:
        raise InputError(f"{name}: the server answered HTTP {error.code} {error.reason}") from None
    except urllib.error.URLError as error:
        if isinstance(error.reason, TimeoutError):
            raise InputError(f"{name}: no answer within {timeout:g} s") from None
        raise InputError(f"{name}: cannot fetch ({' '.join(str(error.reason).split())[:120]})") from None
    except TimeoutError:
        raise InputError(f"{name}: no complete answer within {timeout:g} s") from None
    except (HTTPException, OSError, ValueError) as error:
        raise InputError(f"{name}: cannot fetch ({type(error).__name__}: {str(error)[:120]})") from None
    return b"".join(chunks)
