"""What every ManageEngine resource module shares: sending JSON, reading objects, paging.

Paging starts with ``limit``/``offset`` and then follows ``paging.next``, resolved by
``paging.NextLinks``: relative links against the configured base, absolute ones only on the
configured origin (or a declared alias of it): anywhere else raises before a request is sent.
The server clamps ``limit`` to 200, so the SDK asks for at most that.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping
from typing import Any, TypeAlias, TypeVar
from urllib.parse import urlencode

import cattrs

from mdmkit.core.errors import InvalidRequestError, PaginationError
from mdmkit.core.interface import checked_flag
from mdmkit.core.pagination import Page, Paginator
from mdmkit.core.parallel import IN_FLIGHT, offset_pages
from mdmkit.http import params
from mdmkit.http.client import ResourceBase
from mdmkit.http.convert import structurer
from mdmkit.http.params import check_range
from mdmkit.http.response import Response
from mdmkit.http.transport import Transport
from mdmkit.manageengine.envelope import read_collection, read_object
from mdmkit.manageengine.paging import NextLinks, next_offset

__all__ = [
    "API",
    "DEFAULT_PAGE_SIZE",
    "MAX_PAGE_SIZE",
    "Id",
    "Resource",
    "numeric_id",
    "numeric_ids",
]

T = TypeVar("T")
Id: TypeAlias = int | str
API = "/api/v1/mdm"
MAX_PAGE_SIZE = 200
"""The server silently clamps ``limit`` to 200 (its ``PagingUtil``); asking more is refused."""
DEFAULT_PAGE_SIZE = MAX_PAGE_SIZE
"""Lists ask for full pages: fewer round trips, one page of memory either way."""


ID_LIMIT = 2**63
"""ManageEngine ids are Java longs: 17-19 digits, below 2**63."""


def numeric_id(value: object, field: str) -> int:
    """An id for a JSON body: a safe id (``params.body_id``) that is also a plain number below
    2**63, sent as an exact JSON number. ManageEngine ids are numbers, so ``"abc"``, ``"012"``,
    ``" 12"`` and ``"1/wipe"`` (and floats, bools, negatives) are InvalidRequestError naming
    ``field``, before anything is sent."""
    checked = params.body_id(value, field)
    if not isinstance(checked, int) or checked >= ID_LIMIT:
        raise InvalidRequestError(
            f"{field} must be a ManageEngine id (a number), got {value!r:.80}", field=field
        )
    return checked


def numeric_ids(values: Iterable[object], field: str, *, required: bool = True) -> list[int]:
    """A list of ids for a JSON body, each checked by ``numeric_id``; ``required``: not empty."""
    if isinstance(values, Mapping):
        raise InvalidRequestError(f"{field} must be a list of ids, not an object", field=field)
    ids = [numeric_id(value, field) for value in params.id_list(values, field)]
    if required and not ids:
        raise InvalidRequestError(f"{field} must not be empty", field=field)
    return ids


class Resource(ResourceBase):
    """One section of the ManageEngine API, bound to a client's transport and converter.

    ``links`` says where ``paging.next`` may lead (default: the transport's origin only).
    """

    def __init__(
        self, transport: Transport, converter: cattrs.Converter, links: NextLinks | None = None
    ) -> None:
        super().__init__(transport, converter)
        self._links = links if links is not None else NextLinks.of(transport.base_url)

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
        parallel: bool = False,
        in_flight: int = IN_FLIGHT,
        ident: Callable[[T], Hashable] | None = None,
    ) -> Paginator[T]:
        """Every item under ``key``: ``limit``/``offset`` first, then ``paging.next``.

        ``parallel``: once the first page gives ``total_record_count``, the other offsets are
        read ``in_flight`` at a time (``core.parallel.offset_pages``), told apart by ``ident``.
        """
        check_range(limit, 1, MAX_PAGE_SIZE, "limit")
        query = {k: v for k, v in (params or {}).items() if v is not None}

        def at(offset: int) -> str:
            return f"{path}?{urlencode({**query, 'limit': limit, 'offset': offset})}"

        first = at(0)
        links = self._links
        refused: dict[str, PaginationError] = {}  # next links that may not be followed

        structure = structurer(self._converter, cls)

        def models(items: list[Any]) -> list[T]:
            return [structure(item) for item in items]

        async def raw(cursor: str | None) -> Page[Any]:
            if cursor is not None and cursor in refused:
                raise refused.pop(cursor)  # raised for the page it points to, nothing lost
            url = cursor or first
            if url.startswith(("http://", "https://")):
                url = links.resolve(url, url)  # a cursor given back: the same checks again
            response = await self._transport.request("GET", url)
            page = read_collection(response, key)
            items = list(page.items)
            # Offsets are derived only for URLs the client built (relative): after a server's
            # paging.next, a page without one is the last (skip-token lists included).
            next_url = None
            if page.next_url is not None:
                try:
                    next_url = links.resolve(page.next_url, response.url)
                except PaginationError as exc:
                    next_url = page.next_url
                    refused[next_url] = exc
            elif not url.startswith(("http://", "https://")):
                next_url = next_offset(url, len(items), page.total)
            return Page(
                items=items, has_more=next_url is not None, cursor=next_url, total=page.total
            )

        async def fetch(cursor: str | None) -> Page[T]:
            page = await raw(cursor)
            return Page(
                items=models(list(page.items)),
                has_more=page.has_more,
                cursor=page.cursor,
                total=page.total,
            )

        def offset_page(response: Response) -> Page[Any]:
            """A page at an offset, read from its answer (the listing knows where it ends)."""
            page = read_collection(response, key)
            return Page(items=list(page.items), has_more=False, total=page.total)

        if checked_flag(parallel, "parallel"):
            if ident is None:
                raise InvalidRequestError("this list cannot be read in parallel", field="parallel")
            return offset_pages(
                lambda: raw(None),
                lambda o: self._transport.request("GET", at(o)),  # read by offset_page
                key=ident,
                convert=models,
                rest=raw,
                in_flight=in_flight,
                read=offset_page,
            )
        return Paginator(fetch)
