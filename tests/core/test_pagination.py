"""Paginator over a scripted page function: laziness, resuming, loop guards."""

from __future__ import annotations

import gc
import weakref

import pytest

from mdmkit.core.errors import PaginationError
from mdmkit.core.pagination import Page, Paginator


def numbered(total: int, size: int) -> tuple[Paginator[int], list[str | None]]:
    """A paginator over 1..total in pages of ``size``; the list records each cursor asked for."""
    asked: list[str | None] = []

    async def fetch(cursor: str | None) -> Page[int]:
        asked.append(cursor)
        start = int(cursor) if cursor else 0
        items = list(range(start + 1, min(start + size, total) + 1))
        more = start + size < total
        return Page(
            items=items, has_more=more, cursor=str(items[-1]) if more else None, total=total
        )

    return Paginator(fetch), asked


@pytest.mark.anyio
async def test_async_for_yields_every_item_once_in_order() -> None:
    pager, asked = numbered(250, 100)
    seen = [item async for item in pager]
    assert seen == list(range(1, 251))
    assert asked == [None, "100", "200"]


@pytest.mark.anyio
async def test_await_gives_the_first_page_only() -> None:
    pager, asked = numbered(250, 100)
    page = await pager
    assert len(page) == 100
    assert page.has_more
    assert page.cursor == "100"
    assert page.total == 250
    assert asked == [None]


@pytest.mark.anyio
async def test_pages_resume_from_a_cursor() -> None:
    pager, _ = numbered(250, 100)
    pages = [page async for page in pager.pages(start="200")]
    assert [list(p) for p in pages] == [list(range(201, 251))]


@pytest.mark.anyio
async def test_fetching_is_lazy() -> None:
    pager, asked = numbered(1000, 10)
    async for item in pager:
        if item == 15:
            break
    assert asked == [None, "10"]


@pytest.mark.anyio
async def test_collect_and_first() -> None:
    pager, asked = numbered(250, 100)
    assert await pager.collect(limit=150) == list(range(1, 151))
    assert asked == [None, "100"]
    assert await pager.collect(limit=0) == []
    assert await pager.first() == 1
    assert len(await pager.collect()) == 250

    empty, _ = numbered(0, 10)
    assert await empty.first() is None


@pytest.mark.anyio
async def test_map_converts_items_and_keeps_page_data() -> None:
    pager, _ = numbered(5, 2)
    page = await pager.map(str)
    assert list(page) == ["1", "2"]
    assert page.cursor == "2"
    assert [x async for x in pager.map(lambda n: n * 10)] == [10, 20, 30, 40, 50]


@pytest.mark.anyio
async def test_a_cursor_that_does_not_advance_raises() -> None:
    async def stuck(cursor: str | None) -> Page[int]:
        return Page(items=[1], has_more=True, cursor="same")

    with pytest.raises(PaginationError, match="did not advance"):
        await Paginator(stuck).collect()


@pytest.mark.anyio
async def test_a_cursor_cycle_raises() -> None:
    order = {None: "a", "a": "b", "b": "a"}

    async def cycling(cursor: str | None) -> Page[int]:
        return Page(items=[1], has_more=True, cursor=order[cursor])

    with pytest.raises(PaginationError, match="did not advance"):
        await Paginator(cycling).collect()


@pytest.mark.anyio
async def test_more_pages_without_a_cursor_raises() -> None:
    async def broken(cursor: str | None) -> Page[int]:
        return Page(items=[], has_more=True)

    with pytest.raises(PaginationError, match="no cursor"):
        await Paginator(broken).collect()


@pytest.mark.anyio
async def test_filter_keeps_cursors_and_drops_the_total() -> None:
    pager, _ = numbered(25, 10)
    evens = pager.filter(lambda n: n % 2 == 0)
    assert [n async for n in evens] == list(range(2, 26, 2))
    page = await evens
    assert (list(page), page.cursor, page.total) == ([2, 4, 6, 8, 10], "10", None)
    nothing = [p async for p in pager.filter(lambda n: False).pages()]
    assert [len(p) for p in nothing] == [0, 0, 0]
    assert [p.has_more for p in nothing] == [True, True, False]


@pytest.mark.anyio
@pytest.mark.parametrize(("lead", "cycle"), [(0, 2), (3, 5), (1, 17), (40, 33)])
async def test_a_long_cursor_cycle_raises_within_a_few_turns(lead: int, cycle: int) -> None:
    """Cursors 0..lead-1 lead into a cycle of ``cycle`` cursors; one earlier cursor is kept at a
    time, so the cycle is found within a few turns of it, keeping no cursor a page."""
    pages = 0

    async def cycling(cursor: str | None) -> Page[int]:
        nonlocal pages
        pages += 1
        at = -1 if cursor is None else int(cursor)
        following = at + 1 if at + 1 < lead + cycle else lead
        return Page(items=[1], has_more=True, cursor=str(following))

    with pytest.raises(PaginationError, match="did not advance"):
        await Paginator(cycling).collect()
    assert pages <= 2 * (lead + cycle) + cycle + 2


class _Item:
    """An item a weak reference can watch."""

    def __init__(self, number: int) -> None:
        self.number = number


@pytest.mark.anyio
async def test_the_last_page_is_let_go_before_the_next_one_is_fetched() -> None:
    # memory one page deep: neither the page nor its items are held by the listing while
    # the next page is fetched (a consumer that keeps nothing keeps nothing alive)
    alive_when_fetched: list[int] = []
    watched: list[weakref.ref[_Item]] = []

    async def fetch(cursor: str | None) -> Page[_Item]:
        gc.collect()
        alive_when_fetched.append(sum(ref() is not None for ref in watched))
        start = int(cursor) if cursor else 0
        items = [_Item(n) for n in range(start + 1, start + 4)]
        watched.extend(weakref.ref(item) for item in items)
        more = start < 9
        return Page(items=items, has_more=more, cursor=str(start + 3) if more else None)

    count = 0
    async for item in Paginator(fetch):
        count += item.number > 0
        del item
    assert count == 12
    assert alive_when_fetched == [0, 0, 0, 0]
    async for page in Paginator(fetch).pages():
        assert len(page) == 3
        del page
    assert alive_when_fetched[4:] == [0, 0, 0, 0]
