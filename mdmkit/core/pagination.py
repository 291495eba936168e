"""Lazy, cursor-driven listing: ``await p`` gives the first page, ``async for x in p`` every item.

A ``Paginator`` knows nothing of HTTP: it is given a function that fetches the page at a
cursor. Pages are fetched one at a time, so memory stays one page deep however long the list.
"""

from __future__ import annotations

import contextlib
from collections.abc import (
    AsyncGenerator,
    AsyncIterator,
    Awaitable,
    Callable,
    Generator,
    Iterator,
    Sequence,
)
from typing import Any, Generic, TypeVar

import attrs

from mdmkit.core.errors import InvalidRequestError, PaginationError

__all__ = ["Page", "PageFetcher", "Paginator", "StreamedPaginator"]

T = TypeVar("T")
U = TypeVar("U")


@attrs.frozen(kw_only=True)
class Page(Generic[T]):
    """One page: its items, whether more follow, the cursor to resume from, the total if known."""

    items: Sequence[T]
    has_more: bool
    cursor: str | None = None
    total: int | None = None

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self) -> Iterator[T]:
        return iter(self.items)


PageFetcher = Callable[[str | None], Awaitable[Page[T]]]


class Paginator(Generic[T]):
    """Every item of a list endpoint, fetched page by page as they are consumed.

    ``list()`` methods return one of these without awaiting: ``async for item in p``,
    ``await p`` (the first page), ``p.pages()``, ``await p.collect()``, ``await p.first()``.
    """

    def __init__(self, fetch: PageFetcher[T], *, start: str | None = None) -> None:
        self._fetch = fetch
        self._start = start

    def __repr__(self) -> str:
        return f"<Paginator start={self._start!r}>"

    def __await__(self) -> Generator[Any, None, Page[T]]:
        return self._fetch(self._start).__await__()

    def __aiter__(self) -> AsyncIterator[T]:
        return self._items()

    async def _items(self) -> AsyncIterator[T]:
        async for page in self.pages():
            items = iter(page.items)
            del page  # neither the page nor an item is held while the next page is fetched
            for item in items:
                yield item
                del item

    async def pages(self, start: str | None = None) -> AsyncGenerator[Page[T], None]:
        """Every page in order, from ``start`` (a cursor from an earlier page) or the beginning.

        Cursors that go round in a cycle raise within a few turns of the cycle: one earlier
        cursor is kept at a time, moved on at doubling distances (Brent's cycle detection), so
        memory stays one page deep however long the list.
        """
        cursor = start if start is not None else self._start
        mark, distance, steps = cursor, 1, 0
        while True:
            page = await self._fetch(cursor)
            yield page
            more, after = page.has_more, page.cursor
            del page  # not held while the next page is fetched: memory one page deep
            if not more:
                return
            if after is None:
                raise PaginationError("the server said more pages follow but gave no cursor")
            if after in (cursor, mark):
                raise PaginationError(f"the page cursor did not advance (stuck at {after!r})")
            steps += 1
            if steps == distance:
                mark, distance, steps = after, distance * 2, 0
            cursor = after

    async def collect(self, limit: int | None = None) -> list[T]:
        """The items in a list, all of them or the first ``limit``."""
        items: list[T] = []
        if limit is not None and limit <= 0:
            return items
        async for page in self.pages():
            for item in page.items:
                items.append(item)
                if limit is not None and len(items) >= limit:
                    return items
        return items

    async def first(self) -> T | None:
        """The first item, or None when the list is empty."""
        found = await self.collect(limit=1)
        return found[0] if found else None

    def filter(self, keep: Callable[[T], bool]) -> Paginator[T]:
        """A paginator over the same pages keeping only the items ``keep`` accepts.

        Pages may come back short (or empty while more follow); ``total`` is dropped, since
        the server's count no longer applies.
        """

        async def fetch(cursor: str | None) -> Page[T]:
            page = await self._fetch(cursor)
            return Page(
                items=[item for item in page.items if keep(item)],
                has_more=page.has_more,
                cursor=page.cursor,
            )

        return Paginator(fetch, start=self._start)

    def map(self, convert: Callable[[T], U]) -> Paginator[U]:
        """A paginator over the same pages with every item passed through ``convert``."""

        async def fetch(cursor: str | None) -> Page[U]:
            page = await self._fetch(cursor)
            return Page(
                items=[convert(item) for item in page.items],
                has_more=page.has_more,
                cursor=page.cursor,
                total=page.total,
            )

        return Paginator(fetch, start=self._start)


class StreamedPaginator(Paginator[T]):
    """A listing whose pages come from ``produce()`` rather than from a cursor (a parallel
    listing, a Fleet's merged one): it reads like any Paginator (``async for``, ``await``,
    ``pages()``, ``collect()``, ``map``, ``filter``) but cannot resume, each page's ``cursor``
    None. ``listing`` names it in the errors that say so."""

    def __init__(
        self, produce: Callable[[], AsyncIterator[Page[T]]], *, listing: str = "this listing"
    ) -> None:
        super().__init__(self._not_by_cursor)
        self._produce = produce
        self._listing = listing

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"

    async def _not_by_cursor(self, cursor: str | None) -> Page[T]:
        raise InvalidRequestError(f"{self._listing} has no cursors", field="start")

    def __await__(self) -> Generator[Any, None, Page[T]]:
        return self._first_page().__await__()

    async def _first_page(self) -> Page[T]:
        async with contextlib.aclosing(self.pages()) as pages:
            async for page in pages:
                return page
        return Page(items=[], has_more=False)

    async def pages(self, start: str | None = None) -> AsyncGenerator[Page[T], None]:
        """Every page, in the order ``produce()`` brings them."""
        if start is not None:
            raise InvalidRequestError(f"{self._listing} cannot resume from a cursor")
        produced = self._produce()
        try:
            async for page in produced:
                yield page
                del page  # not held while the next page is produced
        finally:
            closing = getattr(produced, "aclose", None)
            if closing is not None:
                await closing()

    def map(self, convert: Callable[[T], U]) -> Paginator[U]:
        return self._each_page(lambda items: [convert(item) for item in items])

    def filter(self, keep: Callable[[T], bool]) -> Paginator[T]:
        return self._each_page(lambda items: [item for item in items if keep(item)])

    def _each_page(self, change: Callable[[Sequence[T]], list[U]]) -> StreamedPaginator[U]:
        """The same listing with ``change`` applied to every page's items."""

        async def produce() -> AsyncIterator[Page[U]]:
            async with contextlib.aclosing(self.pages()) as pages:
                async for page in pages:
                    yield Page(items=change(page.items), has_more=page.has_more)
                    del page

        return StreamedPaginator(produce, listing=self._listing)
