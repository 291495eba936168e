"""Where a ManageEngine ``paging.next`` link may lead, decided before anything is sent.

The server builds the link from the request URL it saw, so it may be relative, absolute on
the configured origin, or absolute on the scheme and host the server saw behind a proxy.
Relative links resolve against the configured base; a link on a proxy's inner origin is
fetched from the configured base, and only when the client was told that origin is the same
server (``server_aliases``); any other origin, and any link ``mdmkit.http.paths.url_problem``
finds unfit, raises PaginationError. Pure functions, no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

import attrs

from mdmkit.core.errors import ConfigurationError, PaginationError
from mdmkit.http.paths import same_origin, url_problem

__all__ = ["NextLinks", "next_offset"]


def _relative_problem(link: str) -> str | None:
    """What makes a relative link unusable (``url_problem`` judges the absolute ones)."""
    if not link:
        return "is empty"
    if not link.isascii() or any(ch <= " " or ch == "\x7f" for ch in link):
        return "holds whitespace, control or non-ASCII characters"
    if "\\" in link:
        return "holds a backslash"
    return None


@attrs.frozen
class NextLinks:
    """Resolves ``paging.next`` links for one client: its ``base_url`` and ``aliases``.

    ``aliases`` are origins (``http://mdm-internal:9020``) the server may call itself behind
    a proxy; a link on one is fetched from ``base_url`` with the link's path and query.
    """

    base_url: str
    aliases: tuple[str, ...] = ()

    @classmethod
    def of(cls, base_url: str, aliases: Iterable[str] = ()) -> NextLinks:
        """Links for ``base_url``; ConfigurationError if an alias is not an http(s) origin."""
        checked = []
        for alias in (aliases,) if isinstance(aliases, str) else aliases:
            problem = url_problem(alias)
            if problem is None and urlsplit(alias).path not in ("", "/"):
                problem = "has a path (an origin is a scheme, a host and a port)"
            if problem is not None:
                raise ConfigurationError(f"server_aliases: {alias!r:.80} {problem}")
            checked.append(alias)
        return cls(base_url.rstrip("/"), tuple(checked))

    def resolve(self, link: str, current: str) -> str:
        """The absolute URL on ``base_url`` to fetch for ``link``, found on page ``current``."""
        shown = f"{link[:200]!r}"
        problem = _relative_problem(link)
        try:
            parts = urlsplit(link) if problem is None else None
        except ValueError:  # "Invalid IPv6 URL" and the like
            parts, problem = None, "is not a well-formed URL (a broken IPv6 literal?)"
        if parts is not None and (parts.scheme or parts.netloc):
            problem = url_problem(link)
        if parts is None or problem is not None:
            raise PaginationError(f"paging.next {problem}: {shown}", url=link[:200])
        if parts.scheme or parts.netloc:
            if same_origin(link, self.base_url):
                return link
            if any(same_origin(link, alias) for alias in self.aliases):
                query = f"?{parts.query}" if parts.query else ""
                return self.base_url + (parts.path or "/") + query
            raise PaginationError(
                f"refusing to follow paging.next to another origin: {shown}. If that is the "
                "server's own address behind a proxy, pass it as server_aliases=[...]",
                url=link[:200],
            )
        resolved = self.base_url + link if link.startswith("/") else urljoin(current, link)
        if not same_origin(resolved, self.base_url):
            raise PaginationError(
                f"paging.next resolves to another origin: {shown}", url=link[:200]
            )
        return resolved


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
