"""URLs and path parameters, checked before they are used: ids quoted, origins compared.

What a safe id is lives in ``mdmkit.core.ids``; this module quotes it into a URL. What a
usable URL is lives here (``url_problem``), for base URLs and for links a server sends.
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import SplitResult, quote, urlsplit

from mdmkit.core.errors import ConfigurationError
from mdmkit.core.ids import checked_id

__all__ = ["check_base_url", "path_id", "redacted", "same_origin", "text_problem", "url_problem"]

DEFAULT_PORTS = {"http": 80, "https": 443}
_HOST = re.compile(r"[a-z0-9._-]+")  # urlsplit lowercases; an IPv6 literal (with ':') it checks
_UNFIT_CHARACTER = re.compile(r"[\x00-\x20\x7f]")  # whitespace and controls (one C scan)


def path_id(value: object, field: str) -> str:
    """``value`` as one quoted URL path segment; InvalidRequestError naming ``field`` otherwise."""
    if type(value) is int and value >= 0:  # digits alone: nothing to check or quote
        return str(value)
    return quote(checked_id(value, field), safe="")


def check_base_url(url: str, *, allow_insecure: bool = False, setting: str = "base_url") -> str:
    """``url`` without a trailing slash; ConfigurationError if it is no usable http(s) root.

    Refused: what ``url_problem`` refuses (user info, bad ports, broken IPv6 literals,
    whitespace and control characters), a query or fragment, and plain http:// to anything
    but a loopback address unless ``allow_insecure``. The error never shows a password.
    """
    problem = url_problem(url)
    if problem is None and ("?" in url or "#" in url):
        problem = "must not have a query or a fragment"
    if problem is not None:
        raise ConfigurationError(f"{setting} {problem}, got {redacted(url)!r}")
    parts = urlsplit(url)
    if parts.scheme == "http" and not allow_insecure and not _is_loopback(parts.hostname or ""):
        raise ConfigurationError(
            f"{setting} {url!r} uses plain http to a remote host; credentials would travel "
            "unencrypted. Use https, or pass allow_insecure=True if you really mean it."
        )
    return url.rstrip("/")


def redacted(url: object) -> object:
    """``url`` with any user info replaced, so a password in it never reaches an error."""
    return _USERINFO.sub("//***@", url) if isinstance(url, str) else url


_USERINFO = re.compile(r"//.*@")  # up to the last @: over-redacting is harmless


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def url_problem(url: object) -> str | None:
    """What makes ``url`` unfit as an absolute http(s) URL to send credentials to; None if fit.

    Unfit: whitespace, control or non-ASCII characters, a backslash (browsers read it as
    ``/``, Python as part of a user name), a user name or password, no host or a host name
    with other characters, a broken IPv6 literal, a port that is not a number from 1 to
    65535. Never raises.
    """
    if not isinstance(url, str):
        return "is not a string"
    unfit = text_problem(url)
    if unfit is not None:
        return unfit
    try:
        parts = urlsplit(url)
    except ValueError:  # "Invalid IPv6 URL" and the like
        return "is not a well-formed URL (a broken IPv6 literal?)"
    if parts.scheme.lower() not in DEFAULT_PORTS or not parts.netloc:
        return "must be an absolute http:// or https:// URL"
    if "@" in parts.netloc:
        return "holds a user name or password (give credentials as settings, never in a URL)"
    if not parts.hostname:
        return "has no host"
    if ":" not in parts.hostname and not _HOST.fullmatch(parts.hostname):
        return "has a host name with characters no host name holds"
    if _port(parts) is None:
        return "has a port that is not a number from 1 to 65535"
    return None


def text_problem(text: str) -> str | None:
    """What no part of a URL may hold: whitespace, control or non-ASCII characters, or a
    backslash; None if ``text`` holds none. (A path under a checked base URL needs no more.)"""
    if not text.isascii() or _UNFIT_CHARACTER.search(text) is not None:
        return "holds whitespace, control or non-ASCII characters (percent-encode them)"
    if "\\" in text:
        return "holds a backslash"
    return None


def _port(parts: SplitResult) -> int | None:
    try:
        port = parts.port
    except ValueError:  # not a number, or past 65535
        return None
    if port is None:
        return DEFAULT_PORTS[parts.scheme.lower()]
    return port if port > 0 else None


def same_origin(url: str, base_url: str) -> bool:
    """Whether ``url`` has the scheme, host and port of ``base_url``; False if either is unfit."""
    if url_problem(url) is not None or url_problem(base_url) is not None:
        return False
    a, b = urlsplit(url), urlsplit(base_url)
    return (a.scheme.lower(), a.hostname, _port(a)) == (b.scheme.lower(), b.hostname, _port(b))
