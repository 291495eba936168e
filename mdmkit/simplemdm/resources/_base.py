"""What every SimpleMDM resource module shares: sending, reading envelopes, and paging."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal, TypeAlias, TypeVar, get_args

from mdmkit.core.errors import InvalidRequestError, ResponseFormatError
from mdmkit.core.interface import checked_flag
from mdmkit.core.pagination import Page, PageFetcher, Paginator
from mdmkit.core.parallel import both_ends
from mdmkit.http.client import ResourceBase
from mdmkit.http.params import check_choice, check_range
from mdmkit.simplemdm.envelope import (
    read_envelope,
    read_list,
    read_one,
    read_resources,
    resource_id,
)

__all__ = ["MAX_PAGE_SIZE", "Direction", "Id", "Resource"]

T = TypeVar("T")
Id: TypeAlias = int | str
Direction: TypeAlias = Literal["asc", "desc"]
MAX_PAGE_SIZE = 100


class Resource(ResourceBase):
    """One section of the SimpleMDM reference, bound to a client's transport and converter."""

    async def _one(self, method: str, path: str, cls: type[T], **kwargs: Any) -> T:
        response = await self._transport.request(method, path, **kwargs)
        return read_one(response, cls, self._converter)

    async def _all(
        self, path: str, cls: type[T], params: Mapping[str, str] | None = None
    ) -> list[T]:
        response = await self._transport.request("GET", path, params=params)
        items, _, _ = read_list(response, cls, self._converter)
        return items

    def _paginate(
        self,
        path: str,
        cls: type[T],
        *,
        params: Mapping[str, str | None] | None = None,
        limit: int = MAX_PAGE_SIZE,
        starting_after: Id | None = None,
        direction: Direction | None = None,
        parallel: bool = False,
    ) -> Paginator[T]:
        """Cursor paging: ``limit`` per request, next page ``starting_after`` the last id.

        ``parallel``: the whole list read from both ends at once (``core.parallel.both_ends``),
        in no particular order; it has no ``starting_after`` or ``direction`` of its own.
        """
        check_range(limit, 1, MAX_PAGE_SIZE, "limit")
        if direction is not None:
            check_choice(direction, get_args(Direction), "direction")
        if checked_flag(parallel, "parallel") and (
            starting_after is not None or direction is not None
        ):
            raise InvalidRequestError(
                "a parallel listing reads the whole list from both ends: "
                "it takes no starting_after or direction",
                field="parallel",
            )
        base: list[tuple[str, str]] = [(k, v) for k, v in (params or {}).items() if v is not None]
        base.append(("limit", str(limit)))

        def raw_pages(order: Direction | None) -> PageFetcher[Any]:
            ordered = base if order is None else [*base, ("direction", order)]

            async def fetch(cursor: str | None) -> Page[Any]:
                query: Sequence[tuple[str, str]] = ordered
                if cursor is not None:
                    query = [*ordered, ("starting_after", cursor)]
                response = await self._transport.request("GET", path, params=query)
                items, has_more = read_envelope(response)
                last = resource_id(items[-1]) if items and has_more else None
                return Page(items=items, has_more=has_more, cursor=last)

            return fetch

        def models(items: list[Any]) -> list[T]:
            return read_resources(items, cls, self._converter)

        if parallel:
            return both_ends(raw_pages("asc"), raw_pages("desc"), key=_key, convert=models)
        raw = raw_pages(direction)

        async def fetch(cursor: str | None) -> Page[T]:
            page = await raw(cursor)
            return Page(items=models(list(page.items)), has_more=page.has_more, cursor=page.cursor)

        start = None if starting_after is None else str(starting_after)
        return Paginator(fetch, start=start)


def _key(resource: Any) -> int:
    """A resource object's id, the key SimpleMDM pages by (ascending or descending)."""
    ident = resource_id(resource)
    if ident is None or not ident.isascii() or not ident.lstrip("-").isdigit():
        raise ResponseFormatError(
            "a listed object has no numeric id to page by", excerpt=repr(resource)[:200]
        )
    return int(ident)


def flag(value: bool | None, field: str) -> str | None:
    """A boolean query flag as "true"/"false", or None when not given; 1 or "yes" is refused."""
    if value is None:
        return None
    return "true" if checked_flag(value, field) else "false"
