"""What every ManageEngine resource module shares: sending JSON, reading objects, paging.

Paging starts with ``limit``/``offset`` and then follows ``paging.next`` verbatim, but only
on the configured origin: a next link anywhere else raises before a request is sent.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeAlias, TypeVar
from urllib.parse import parse_qsl, urlencode, urlsplit

from mdmkit.core.errors import PaginationError
from mdmkit.core.pagination import Page, Paginator
from mdmkit.http.client import ResourceBase
from mdmkit.http.convert import structure_model
from mdmkit.http.params import check_range
from mdmkit.http.paths import same_origin
from mdmkit.manageengine.envelope import read_collection, read_object

__all__ = ["API", "DEFAULT_PAGE_SIZE", "Id", "Resource"]

T = TypeVar("T")
Id: TypeAlias = int | str
API = "/api/v1/mdm"
DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000


class Resource(ResourceBase):
    """One section of the ManageEngine API, bound to a client's transport and converter."""

    async def _one(self, method: str, path: str, cls: type[T], **kwargs: Any) -> T:
        response = await self._transport.request(method, path, **kwargs)
        return read_object(response, cls, self._converter)

    def _paginate(
        self,
        path: str,
        key: str,
        cls: type[T],
        *,
        params: Mapping[str, str | None] | None = None,
        limit: int = DEFAULT_PAGE_SIZE,
    ) -> Paginator[T]:
        """Every item under ``key``: ``limit``/``offset`` first, then ``paging.next``."""
        check_range(limit, 1, MAX_PAGE_SIZE, "limit")
        query = {k: v for k, v in (params or {}).items() if v is not None}
        first = f"{path}?{urlencode({**query, 'limit': limit, 'offset': 0})}"
        base_url = self._transport.base_url

        async def fetch(cursor: str | None) -> Page[T]:
            url = cursor or first
            if url.startswith(("http://", "https://")) and not same_origin(url, base_url):
                raise PaginationError(
                    f"refusing to follow paging.next to another origin: {url!r}", url=url
                )
            response = await self._transport.request("GET", url)
            page = read_collection(response, key)
            items = [structure_model(self._converter, item, cls) for item in page.items]
            # Offsets are derived only for URLs the client built (relative): after a server's
            # absolute paging.next, a page without one is the last (skip-token lists included).
            next_url = page.next_url
            if next_url is None and not url.startswith(("http://", "https://")):
                next_url = _next_offset(url, len(items), page.total)
            return Page(
                items=items, has_more=next_url is not None, cursor=next_url, total=page.total
            )

        return Paginator(fetch)


def _next_offset(url: str, received: int, total: int | None) -> str | None:
    """The next offset page when the server gave a total but no next link."""
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    if total is None or received == 0 or "offset" not in query or "skip-token" in query:
        return None
    offset = int(query["offset"]) + received
    if offset >= total:
        return None
    query["offset"] = str(offset)
    return parts._replace(query=urlencode(query)).geturl()
