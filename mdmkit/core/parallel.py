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

from collections.abc import AsyncIterator, Awaitable, Callable, Hashable
from typing import Any, Generic, TypeVar

import anyio
import anyio.lowlevel

from mdmkit.core.errors import InvalidRequestError, PaginationError
from mdmkit.core.pagination import Page, PageFetcher, StreamedPaginator

__all__ = ["IN_FLIGHT", "Meeting", "StreamedPaginator", "both_ends", "offset_pages"]

T = TypeVar("T")
K = TypeVar("K")
IN_FLIGHT = 8
"""Offset pages requested at once by default (each client's ``max_concurrency`` still caps
the requests actually in flight)."""


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
    ascending: PageFetcher[Any],
    descending: PageFetcher[Any],
    key: Callable[[Any], Any],
    convert: Callable[[list[Any]], list[T]] | None = None,
) -> StreamedPaginator[T]:
    """Every item of a cursor list, read from the start (``ascending``) and from the end
    (``descending``) at once, each page's cursor the key of its last item; the listing ends
    where they meet. The fetchers give raw pages (items as sent, ``key`` reads their key);
    ``convert`` turns the items kept into models while the next round is on the wire."""

    async def produce() -> AsyncIterator[Page[T]]:
        meeting: Meeting[Any] = Meeting()
        cursors: dict[str, str | None] = {"up": None, "down": None}
        fetchers = {"up": ascending, "down": descending}
        ends = list(cursors)
        raws = await _all_at_once([_fetcher(fetchers[end], None) for end in ends])
        while True:
            kept: list[list[Any]] = []
            for end, page in zip(ends, raws, strict=True):
                take = meeting.take_up if end == "up" else meeting.take_down
                positions, met = take([key(item) for item in page.items])
                if met or not page.has_more:
                    del cursors[end]
                elif page.cursor is None or page.cursor == cursors[end]:
                    raise PaginationError(f"the page cursor did not advance ({page.cursor!r})")
                else:
                    cursors[end] = page.cursor
                kept.append([page.items[p] for p in positions])
            ends = list(cursors)
            calls = [_fetcher(fetchers[end], cursors[end]) for end in ends]
            results: list[Any] = await _all_at_once(
                [*calls, *(_converter(convert, k) for k in kept)]
            )
            raws, converted = results[: len(ends)], results[len(ends) :]
            for index, items in enumerate(converted):
                more = bool(ends) or index < len(converted) - 1
                yield Page(items=items, has_more=more)
            if not ends:
                return

    return StreamedPaginator(produce, listing="a parallel listing")


def _fetcher(fetch: PageFetcher[T], cursor: str | None) -> Callable[[], Awaitable[Page[T]]]:
    return lambda: fetch(cursor)


CONVERT_STEP = 25
"""Items turned into models between two checkpoints: the next round's requests go out, and
their answers come in, while this round's pages are converted (and the loop stays free)."""


def _converter(
    convert: Callable[[list[Any]], list[T]] | None, items: list[Any]
) -> Callable[[], Awaitable[Any]]:
    async def run() -> Any:
        if convert is None:
            return items
        models: list[T] = []
        for start in range(0, len(items), CONVERT_STEP):
            await anyio.lowlevel.checkpoint()
            models += convert(items[start : start + CONVERT_STEP])
        return models

    return run


def offset_pages(
    first: Callable[[], Awaitable[Page[Any]]],
    at: Callable[[int], Awaitable[Page[Any]]],
    *,
    key: Callable[[T], Hashable],
    convert: Callable[[list[Any]], list[T]] | None = None,
    rest: PageFetcher[Any] | None = None,
    in_flight: int = IN_FLIGHT,
) -> StreamedPaginator[T]:
    """Every item of an offset list: ``first()`` reads offset 0 and says the total; then the
    offsets up to the total are read ``in_flight`` at a time with ``at(offset)``, continuing
    while a page says the total has grown, each round's items converted (``convert``) while
    the next round is on the wire. An item seen once is not yielded again (``key`` tells the
    converted items apart). Without a total, ``rest`` follows the first page's cursor."""
    if isinstance(in_flight, bool) or not isinstance(in_flight, int) or in_flight < 1:
        raise InvalidRequestError(f"in_flight must be a positive int, got {in_flight!r}")

    def converted(items: list[Any]) -> list[T]:
        return items if convert is None else convert(items)

    async def produce() -> AsyncIterator[Page[T]]:
        page = await first()
        seen: set[Hashable] = set()
        size = len(page.items)
        if page.total is None or size == 0 or not page.has_more:
            yield Page(items=converted(list(page.items)), has_more=page.has_more, total=page.total)
            cursor = page.cursor
            while page.has_more and rest is not None and cursor is not None:
                page = await rest(cursor)
                cursor = page.cursor
                yield Page(items=converted(list(page.items)), has_more=page.has_more)
            return
        total, offset = page.total, size
        waiting = [page]
        while waiting:
            offsets = [offset + size * i for i in range(in_flight) if offset + size * i < total]
            calls = [_at(at, o) for o in offsets]
            work: list[Callable[[], Awaitable[Any]]] = [*calls]
            work += [_converter(convert, list(p.items)) for p in waiting]
            results = await _all_at_once(work)
            fetched, done = results[: len(calls)], results[len(calls) :]
            if offsets:
                offset = offsets[-1] + size
                total = max([total, *(p.total for p in fetched if p.total is not None)])
            for index, items in enumerate(done):
                more = bool(fetched) or index < len(done) - 1
                yield _unseen(items, seen, key, has_more=more, total=total)
            waiting = fetched

    return StreamedPaginator(produce, listing="a parallel listing")


def _at(at: Callable[[int], Awaitable[Page[T]]], offset: int) -> Callable[[], Awaitable[Page[T]]]:
    return lambda: at(offset)


def _unseen(
    items: list[T], seen: set[Hashable], key: Callable[[T], Hashable], *, has_more: bool, total: int
) -> Page[T]:
    fresh = []
    for item in items:
        ident = key(item)
        if ident not in seen:
            seen.add(ident)
            fresh.append(item)
    return Page(items=fresh, has_more=has_more, total=total)
