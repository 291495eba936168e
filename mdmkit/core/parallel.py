"""Whole listings read with several pages in flight, for inventories of large fleets.

Two ways, one for each kind of paging: a cursor list read from both ends at once (ascending
from the start, descending from the end, meeting in the middle), and an offset list whose
total is known, read several offsets at a time. Pages are fetched in rounds (both ends, or
``in_flight`` offsets, at once), so no task outlives a round and memory stays a round deep.

What a change made while listing can and cannot cause: an item is never yielded twice (both
ends keep to their side of the meeting point; offset pages are told apart by id). An item
present for the whole listing is yielded once by both ends (cursors are ids, so removals
shift nothing); with offsets, a removal shifts later items down and one may be missed, as
sequential offset paging would. An item added or removed while listing may be yielded or not.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Hashable
from typing import Any, Generic, TypeVar

import anyio

from mdmkit.core.errors import InvalidRequestError, PaginationError
from mdmkit.core.pagination import Page, PageFetcher, Paginator

__all__ = ["IN_FLIGHT", "Meeting", "StreamedPaginator", "both_ends", "offset_pages"]

T = TypeVar("T")
U = TypeVar("U")
K = TypeVar("K")
IN_FLIGHT = 8
"""Offset pages requested at once by default (each client's ``max_concurrency`` still caps
the requests actually in flight)."""


class StreamedPaginator(Paginator[T]):
    """A listing whose pages come from ``produce()`` rather than from a cursor.

    It reads like any Paginator (``async for``, ``await``, ``pages()``, ``collect()``...) but
    cannot resume: each page's ``cursor`` is None.
    """

    def __init__(self, produce: Callable[[], AsyncIterator[Page[T]]]) -> None:
        super().__init__(self._not_by_cursor)
        self._produce = produce

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"

    @staticmethod
    async def _not_by_cursor(cursor: str | None) -> Page[T]:
        raise InvalidRequestError("a parallel listing has no cursors", field="start")

    def __await__(self) -> Any:
        return self._first_page().__await__()

    async def _first_page(self) -> Page[T]:
        async with contextlib.aclosing(self.pages()) as pages:
            async for page in pages:
                return page
        return Page(items=[], has_more=False)

    async def pages(self, start: str | None = None) -> AsyncGenerator[Page[T], None]:
        """Every page, in the order the rounds bring them."""
        if start is not None:
            raise InvalidRequestError("a parallel listing cannot resume from a cursor")
        produced = self._produce()
        try:
            async for page in produced:
                yield page
        finally:
            closing = getattr(produced, "aclose", None)
            if closing is not None:
                await closing()

    def map(self, convert: Callable[[T], U]) -> Paginator[U]:
        async def produce() -> AsyncIterator[Page[U]]:
            async with contextlib.aclosing(self.pages()) as pages:
                async for page in pages:
                    yield Page(items=[convert(i) for i in page.items], has_more=page.has_more)

        return StreamedPaginator(produce)

    def filter(self, keep: Callable[[T], bool]) -> Paginator[T]:
        async def produce() -> AsyncIterator[Page[T]]:
            async with contextlib.aclosing(self.pages()) as pages:
                async for page in pages:
                    yield Page(items=[i for i in page.items if keep(i)], has_more=page.has_more)

        return StreamedPaginator(produce)


async def _all_at_once(calls: list[Callable[[], Awaitable[T]]]) -> list[T]:
    """The calls' results, run concurrently; the first failure cancels the rest and is raised
    as it is (not wrapped in an exception group)."""
    results: list[Any] = [None] * len(calls)
    failures: list[BaseException] = []

    async def run(index: int, call: Callable[[], Awaitable[T]]) -> None:
        try:
            results[index] = await call()
        except Exception as error:
            failures.append(error)
            group.cancel_scope.cancel()

    async with anyio.create_task_group() as group:
        for index, call in enumerate(calls):
            group.start_soon(run, index, call)
    if failures:
        raise failures[0]
    return results


class Meeting(Generic[K]):
    """Where the two ends of a listing meet: ``low`` is the last key taken going up, ``high``
    the last going down; an end keeps only the items on its side, and stops at the other's.

    Pure bookkeeping (no I/O): the property tests drive it over changing lists.
    """

    def __init__(self) -> None:
        self.low: Any = None  # nothing taken going up yet
        self.high: Any = None  # nothing taken going down yet

    def take_up(self, keys: list[K]) -> tuple[list[int], bool]:
        """The positions to keep of an ascending page's ``keys``, and whether this end met
        the other (or the page went backwards) and must stop."""
        kept: list[int] = []
        for position, key in enumerate(keys):
            if (self.high is not None and key >= self.high) or (
                self.low is not None and key <= self.low
            ):
                return kept, True
            kept.append(position)
            self.low = key
        return kept, False

    def take_down(self, keys: list[K]) -> tuple[list[int], bool]:
        """The same for a descending page."""
        kept: list[int] = []
        for position, key in enumerate(keys):
            if (self.low is not None and key <= self.low) or (
                self.high is not None and key >= self.high
            ):
                return kept, True
            kept.append(position)
            self.high = key
        return kept, False


def both_ends(
    ascending: PageFetcher[T], descending: PageFetcher[T], key: Callable[[T], Any]
) -> StreamedPaginator[T]:
    """Every item of a cursor list, read from the start (``ascending``) and from the end
    (``descending``) at once, each page's cursor the key of its last item. Each round fetches
    the next page of both ends together; the listing ends where they meet."""

    async def produce() -> AsyncIterator[Page[T]]:
        meeting: Meeting[Any] = Meeting()
        cursors: dict[str, str | None] = {"up": None, "down": None}
        fetchers = {"up": ascending, "down": descending}
        while cursors:
            ends = list(cursors)
            calls = [_fetcher(fetchers[end], cursors[end]) for end in ends]
            pages = await _all_at_once(calls)
            for end, page in zip(ends, pages, strict=True):
                keys = [key(item) for item in page.items]
                take = meeting.take_up if end == "up" else meeting.take_down
                positions, met = take(keys)
                if met or not page.has_more:
                    del cursors[end]
                elif page.cursor is None or page.cursor == cursors[end]:
                    raise PaginationError(f"the page cursor did not advance ({page.cursor!r})")
                else:
                    cursors[end] = page.cursor
                items = [page.items[p] for p in positions]
                yield Page(items=items, has_more=bool(cursors), total=page.total)

    return StreamedPaginator(produce)


def _fetcher(fetch: PageFetcher[T], cursor: str | None) -> Callable[[], Awaitable[Page[T]]]:
    return lambda: fetch(cursor)


def offset_pages(
    first: Callable[[], Awaitable[Page[T]]],
    at: Callable[[int], Awaitable[Page[T]]],
    *,
    key: Callable[[T], Hashable],
    rest: PageFetcher[T] | None = None,
    in_flight: int = IN_FLIGHT,
) -> StreamedPaginator[T]:
    """Every item of an offset list: ``first()`` reads offset 0 and says the total; then the
    offsets up to the total are read ``in_flight`` at a time with ``at(offset)``, continuing
    while a page says the total has grown. An item seen once is not yielded again (``key``
    tells them apart). Without a total, ``rest`` follows the first page's cursor in turn."""
    if isinstance(in_flight, bool) or not isinstance(in_flight, int) or in_flight < 1:
        raise InvalidRequestError(f"in_flight must be a positive int, got {in_flight!r}")

    async def produce() -> AsyncIterator[Page[T]]:
        page = await first()
        seen: set[Hashable] = set()
        size = len(page.items)
        if page.total is None or size == 0 or not page.has_more:
            yield page
            cursor = page.cursor
            while page.has_more and rest is not None and cursor is not None:
                page = await rest(cursor)
                cursor = page.cursor
                yield page
            return
        total, offset = page.total, size
        yield _unseen(page, seen, key, has_more=offset < total)
        while offset < total:
            offsets = [offset + size * i for i in range(in_flight) if offset + size * i < total]
            pages = await _all_at_once([_at(at, o) for o in offsets])
            offset = offsets[-1] + size
            total = max([total, *(p.total for p in pages if p.total is not None)])
            for index, found in enumerate(pages):
                last = index == len(pages) - 1
                yield _unseen(found, seen, key, has_more=not last or offset < total)

    return StreamedPaginator(produce)


def _at(at: Callable[[int], Awaitable[Page[T]]], offset: int) -> Callable[[], Awaitable[Page[T]]]:
    return lambda: at(offset)


def _unseen(
    page: Page[T], seen: set[Hashable], key: Callable[[T], Hashable], *, has_more: bool
) -> Page[T]:
    items = []
    for item in page.items:
        ident = key(item)
        if ident not in seen:
            seen.add(ident)
            items.append(item)
    return Page(items=items, has_more=has_more, total=page.total)
