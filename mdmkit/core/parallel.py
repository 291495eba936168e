"""Whole listings read with several pages in flight, for inventories of large fleets.

Two ways, one for each kind of paging: a cursor list read from both ends at once (ascending
from the start, descending from the end, meeting in the middle), and an offset list whose
total is known, read several offsets at a time. The requests run as tasks in a window
(``InFlight``) that is topped up the moment a page comes in, also between the steps of
converting the page before it: neither end waits for the other, and an offset listing keeps
``in_flight`` requests on the wire (it starts the next as each answer is in, before decoding
it). The window is a page per end (or at most ``2 * in_flight`` pages) deep, so memory is
too; ending the listing early cancels what is still in flight.

What a change made while listing can and cannot cause: an item is never yielded twice (both
ends keep to their side of the meeting point; offset pages are told apart by id). An item
present for the whole listing is yielded once by both ends (cursors are ids, so removals
shift nothing); with offsets, a removal shifts later items down and one may be missed, as
sequential offset paging would. An item added or removed while listing may be yielded or not.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable
from functools import partial
from typing import Any, Generic, TypeVar

import anyio
import anyio.lowlevel

from mdmkit.core.errors import InvalidRequestError, PaginationError
from mdmkit.core.pagination import Page, PageFetcher, StreamedPaginator

__all__ = ["IN_FLIGHT", "InFlight", "Meeting", "StreamedPaginator", "both_ends", "offset_pages"]

T = TypeVar("T")
K = TypeVar("K")
TASK_NAME = "mdmkit parallel listing"
"""How the tasks of a parallel listing's requests are named (then the end, or the offset)."""
IN_FLIGHT = 8
"""Offset pages requested at once by default (each client's ``max_concurrency`` still caps
the requests actually in flight)."""


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

    def closed(self) -> bool:
        """Whether no key can lie between the two ends: integer keys one apart (or crossed).
        Then neither end needs another page, and a request still out may be dropped."""
        low, high = self.low, self.high
        return type(low) is int and type(high) is int and high - low <= 1

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


class InFlight(Generic[K, T]):
    """Requests running as tasks, each under a key (an end, an offset), taken as they finish.

    A listing's generator starts them and takes their pages; the tasks are leaves (one request
    each), so they may outlive a ``yield`` without a cancel scope spanning it. ``close()``
    cancels and awaits what is left, shielded, so an early end leaves no task behind.
    """

    def __init__(self) -> None:
        self._tasks: dict[K, asyncio.Task[T]] = {}
        self._dropped: list[asyncio.Task[T]] = []
        self.closed: bool = False  # cancelled: nothing more starts

    def __len__(self) -> int:
        """Tasks not yet taken: running, or done and waiting for ``finished``."""
        return len(self._tasks)

    def running(self) -> int:
        """Tasks not done yet."""
        return sum(not task.done() for task in self._tasks.values())

    def start(
        self, key: K, call: Callable[[], Awaitable[T]], then: Callable[[], None] | None = None
    ) -> None:
        """Run ``call()`` as a task under ``key`` (called in the task, so a task cancelled
        before it starts leaves no coroutine behind); ``then()`` runs the moment it succeeds,
        unless the window is closed by then."""

        async def run() -> T:
            return await call()

        task = asyncio.get_running_loop().create_task(run(), name=f"{TASK_NAME} {key}")
        if then is not None:
            task.add_done_callback(partial(self._succeeded, then))
        self._tasks[key] = task

    def _succeeded(self, then: Callable[[], None], task: asyncio.Task[T]) -> None:
        if not (self.closed or task.cancelled() or task.exception() is not None):
            then()  # (a failure is raised by ``finished``, to the listing)

    def cancel(self) -> None:
        """Cancel every task still running (``close`` awaits them); nothing more starts."""
        self.closed = True
        for task in self._tasks.values():
            task.cancel()
        self._dropped += self._tasks.values()
        self._tasks.clear()

    def finished(self) -> list[tuple[K, T]]:
        """The results of the tasks done so far, in the order they were started; the first
        failure among them is raised as it is (the listing's ``close`` cancels the rest)."""
        done = [(key, task) for key, task in self._tasks.items() if task.done()]
        for key, _ in done:
            del self._tasks[key]
        return [(key, task.result()) for key, task in done]

    async def wait(self) -> None:
        """Until at least one task is done."""
        await asyncio.wait(self._tasks.values(), return_when=asyncio.FIRST_COMPLETED)

    async def close(self) -> None:
        self.cancel()
        tasks, self._dropped = self._dropped, []
        if tasks:
            with anyio.CancelScope(shield=True):
                await asyncio.wait(tasks)
        for task in tasks:  # retrieved, so asyncio does not log them as never retrieved
            if not task.cancelled():
                task.exception()


def both_ends(
    ascending: PageFetcher[Any],
    descending: PageFetcher[Any],
    key: Callable[[Any], Any],
    convert: Callable[[list[Any]], list[T]] | None = None,
) -> StreamedPaginator[T]:
    """Every item of a cursor list, read from the start (``ascending``) and from the end
    (``descending``) at once, each page's cursor the key of its last item; the listing ends
    where they meet. The fetchers give raw pages (items as sent, ``key`` reads their key);
    ``convert`` turns the items kept into models while both ends' next pages are on the wire.
    Each end asks for its next page as soon as its last one is in."""
    fetchers = {"up": ascending, "down": descending}

    async def produce() -> AsyncIterator[Page[T]]:
        meeting: Meeting[Any] = Meeting()
        last: dict[str, str | None] = {"up": None, "down": None}
        flight: InFlight[str, Page[Any]] = InFlight()
        kept: deque[list[Any]] = deque()

        def advance() -> None:
            for end, page in flight.finished():
                take = meeting.take_up if end == "up" else meeting.take_down
                positions, met = take([key(item) for item in page.items])
                kept.append([page.items[p] for p in positions])
                if met or not page.has_more or meeting.closed():
                    continue
                if page.cursor is None or page.cursor == last[end]:
                    raise PaginationError(f"the page cursor did not advance ({page.cursor!r})")
                last[end] = page.cursor
                flight.start(end, partial(fetchers[end], page.cursor))
            if meeting.closed():
                flight.cancel()  # the ends touch: a page still out could only hold met keys

        try:
            for end, fetch in fetchers.items():
                flight.start(end, partial(fetch, None))
            while flight or kept:
                advance()
                if not kept:
                    await flight.wait()
                    continue
                items = await _converted(convert, kept.popleft(), advance)
                yield Page(items=items, has_more=bool(flight or kept))
                del items  # not held while the next pages come in
        finally:
            await flight.close()

    return StreamedPaginator(produce, listing="a parallel listing")


CONVERT_STEP = 25
"""Items turned into models between two checkpoints: the pages in flight come in, and the
next requests go out, while a page is converted (and the loop stays free for other tasks)."""


async def _converted(
    convert: Callable[[list[Any]], list[T]] | None,
    items: list[Any],
    between: Callable[[], None],
) -> list[Any]:
    """``items`` converted ``CONVERT_STEP`` at a time, ``between()`` run after each step."""
    if convert is None:
        return items
    models: list[T] = []
    for start in range(0, len(items), CONVERT_STEP):
        await anyio.lowlevel.checkpoint()
        between()
        models += convert(items[start : start + CONVERT_STEP])
    return models


def offset_pages(
    first: Callable[[], Awaitable[Page[Any]]],
    at: Callable[[int], Awaitable[Any]],
    *,
    key: Callable[[T], Hashable],
    convert: Callable[[list[Any]], list[T]] | None = None,
    rest: PageFetcher[Any] | None = None,
    in_flight: int = IN_FLIGHT,
    read: Callable[[Any], Page[Any]] | None = None,
) -> StreamedPaginator[T]:
    """Every item of an offset list: ``first()`` reads offset 0 and says the total; then the
    offsets up to the total are read with ``at(offset)``, ``in_flight`` requests kept on the
    wire (a new one starts the moment each answer is in, while the listing is busy or its
    reader is not reading, up to ``2 * in_flight`` pages held), continuing while a page says
    the total has grown; each page is converted (``convert``) while the others are in flight.
    ``read`` makes a page of what ``at`` gave, in the listing's own task: ``at`` may return
    the raw answer, so the next request is not kept waiting while one is decoded. An item seen
    once is not yielded again (``key`` tells the converted items apart). Without a total,
    ``rest`` follows the first page's cursor."""
    if isinstance(in_flight, bool) or not isinstance(in_flight, int) or in_flight < 1:
        raise InvalidRequestError(f"in_flight must be a positive int, got {in_flight!r}")

    def converted(items: list[Any]) -> list[T]:
        return items if convert is None else convert(items)

    async def produce() -> AsyncIterator[Page[T]]:
        page = await first()
        size = len(page.items)
        if page.total is None or size == 0 or not page.has_more:
            yield Page(items=converted(list(page.items)), has_more=page.has_more, total=page.total)
            cursor = page.cursor
            while page.has_more and rest is not None and cursor is not None:
                page = await rest(cursor)
                cursor = page.cursor
                yield Page(items=converted(list(page.items)), has_more=page.has_more)
            return
        seen: set[Hashable] = set()
        total, following = page.total, size
        flight: InFlight[int, Any] = InFlight()
        arrived: deque[Any] = deque()  # answers taken from the window, not yet read
        ready: Page[Any] | None = page  # the first page, read already
        del page  # held by ``ready`` until it is converted, no longer

        def top_up() -> None:
            """Start requests while fewer than ``in_flight`` are on the wire, holding at most
            ``2 * in_flight`` answers (come in or asked for) the listing has not read."""
            nonlocal following
            while (
                flight.running() < in_flight
                and len(flight) + len(arrived) < 2 * in_flight
                and following < total
            ):
                flight.start(following, partial(at, following), then=top_up)
                following += size

        def advance() -> None:
            for _, fetched in flight.finished():
                arrived.append(fetched)
            top_up()

        try:
            while True:
                advance()
                if ready is not None or arrived:
                    if ready is not None:
                        fetched, ready = ready, None
                    else:
                        fetched = arrived.popleft()
                        fetched = fetched if read is None else read(fetched)
                    total = max(total, fetched.total if fetched.total is not None else total)
                    items = await _converted(convert, list(fetched.items), advance)
                    del fetched
                    more = bool(flight or arrived or following < total)
                    yield _unseen(items, seen, key, has_more=more, total=total)
                    del items
                elif flight:
                    await flight.wait()
                else:
                    return
        finally:
            await flight.close()

    return StreamedPaginator(produce, listing="a parallel listing")


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
