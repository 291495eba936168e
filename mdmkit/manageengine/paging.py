"""Where a ManageEngine ``paging.next`` link may lead, decided before anything is sent.

The server builds the link from the request URL it saw, so it may be relative, absolute on
the configured origin, or absolute on the scheme and host the server saw behind a proxy.
Relative links resolve against the configured base; a proxy's inner origin is followed only
when the client was told it is the same server (``server_aliases``); any other origin, and
any link that does not parse cleanly, raises PaginationError. Pure functions, no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import SplitResult, parse_qsl, urlencode, urljoin, urlsplit

import attrs

from mdmkit.core.errors import ConfigurationError, PaginationError

__all__ = ["NextLinks", "next_offset"]

_CLEAN = re.compile(r"[\x21-\x7e]+")
"""What a link may hold: visible ASCII (no spaces, controls, backslashes checked apart)."""


def _origin(parts: SplitResult) -> tuple[str, str, int]:
    """(scheme, host, port) with the scheme's default port filled in; ValueError if malformed."""
    scheme = parts.scheme.lower()
    port = parts.port  # raises ValueError for a port that is not a number or out of range
    host = parts.hostname
    if scheme not in ("http", "https") or not host:
        raise ValueError("not an http(s) URL with a host")
    return scheme, host, port if port is not None else (443 if scheme == "https" else 80)


def _split(url: str) -> SplitResult:
    if not _CLEAN.fullmatch(url) or "\\" in url:
        raise ValueError("holds spaces, control characters or backslashes")
    parts = urlsplit(url)
    if "@" in parts.netloc:
        raise ValueError("carries user information")
    if parts.netloc:
        _origin(parts)
    return parts


def _check_alias(url: str) -> tuple[str, str, int]:
    try:
        parts = _split(url)
        if not parts.netloc:
            raise ValueError("has no host")
        return _origin(parts)
    except ValueError as exc:
        raise ConfigurationError(f"server_aliases: {url!r} is not an origin: {exc}") from None


@attrs.frozen
class NextLinks:
    """Resolves ``paging.next`` links for one client: its ``base_url`` and ``aliases``.

    ``aliases`` are origins (``http://mdm-internal:9020``) the server may call itself behind
    a proxy; a link on one is fetched from ``base_url`` with the link's path and query.
    """

    base_url: str
    aliases: frozenset[tuple[str, str, int]] = attrs.field(factory=frozenset)

    @classmethod
    def of(cls, base_url: str, aliases: Iterable[str] = ()) -> NextLinks:
        """Links for ``base_url``; ConfigurationError if an alias is not an http(s) origin."""
        if isinstance(aliases, str):
            aliases = (aliases,)
        return cls(base_url.rstrip("/"), frozenset(_check_alias(a) for a in aliases))

    def resolve(self, link: str, current: str) -> str:
        """The absolute URL on ``base_url`` to fetch for ``link``, found on page ``current``."""
        try:
            parts = _split(link)
            base = _origin(urlsplit(self.base_url))
            if not parts.netloc and not parts.scheme:
                if link.startswith("/"):
                    return self.base_url + link
                resolved = urljoin(current, link)
                if _origin(_split(resolved)) != base:
                    raise ValueError("resolves to another origin")
                return resolved
            origin = _origin(parts)
        except ValueError as exc:
            raise PaginationError(
                f"paging.next is not a usable link ({exc}): {link[:200]!r}", url=link[:200]
            ) from None
        if origin == base:
            return link
        if origin in self.aliases:
            rest = parts.path or "/"
            return self.base_url + rest + (f"?{parts.query}" if parts.query else "")
        raise PaginationError(
            f"refusing to follow paging.next to another origin: {link[:200]!r}. If that is the "
            "server's own address behind a proxy, pass it as server_aliases=[...]",
            url=link[:200],
        )


def next_offset(url: str, received: int, total: int | None) -> str | None:
    """The next offset page of a URL the client built, when the server gave a total but no link."""
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    if total is None or received == 0 or "offset" not in query or "skip-token" in query:
        return None
    offset = int(query["offset"]) + received
    if offset >= total:
        return None
    query["offset"] = str(offset)
    return parts._replace(query=urlencode(query)).geturl()
