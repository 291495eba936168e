"""Parallel listings: every item once, whatever the fleet size, page size and concurrent change.

A pure model of each kind of paging (a list of ids that changes between page requests, read
by cursor or by offset as the services do) drives ``both_ends`` and ``offset_pages`` under
hypothesis; then both vendors' fakes are listed in parallel over real sockets, with devices
added and removed while the listing runs, and through the neutral interface and a Fleet.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
from collections.abc import Callable
from functools import partial
from typing import Any

import anyio
import anyio.lowlevel
import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mdmkit import Fleet, Platform
from mdmkit.core.errors import InvalidRequestError, PaginationError
from mdmkit.core.pagination import Page
from mdmkit.core.parallel import InFlight, Meeting, StreamedPaginator, both_ends, offset_pages
from mdmkit.testing import FakeManageEngine, FakeSimpleMDM

MODEL = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@attrs.define
class Fleet_:
    """A changing list of ids: ``changes[n]`` happens just before page request ``n``."""

    ids: list[int]
    changes: dict[int, tuple[str, int]]
    requests: int = 0
    anywhere: bool = False  # an added id goes anywhere (an offset list's order), else at the end
    ever: set[int] = attrs.field(factory=set)
    removed: set[int] = attrs.field(factory=set)

    def __attrs_post_init__(self) -> None:
        self.ever = set(self.ids)

    def change(self) -> None:
        kind, value = self.changes.get(self.requests, ("none", 0))
        self.requests += 1
        if kind == "add":
            new = max(self.ever, default=0) + 1 + value
            self.ids.insert(value % (len(self.ids) + 1) if self.anywhere else len(self.ids), new)
            self.ever.add(new)
        elif kind == "remove" and self.ids:
            gone = self.ids.pop(value % len(self.ids))
            self.removed.add(gone)

    def stable(self, initial: list[int]) -> set[int]:
        return set(initial) - self.removed


def cursor_fetchers(fleet: Fleet_, size: int) -> tuple[Any, Any]:
    """SimpleMDM's paging: ``starting_after`` an id (compared, so a removed cursor still works)."""

    def fetch(desc: bool) -> Callable[[str | None], Any]:
        async def page(cursor: str | None) -> Page[int]:
            fleet.change()
            await anyio.lowlevel.checkpoint()
            ids = fleet.ids
            if desc:
                end = len(ids) if cursor is None else bisect.bisect_left(ids, int(cursor))
                chosen = ids[max(0, end - size) : end][::-1]
                more = end - size > 0
            else:
                start = 0 if cursor is None else bisect.bisect_right(ids, int(cursor))
                chosen = ids[start : start + size]
                more = start + size < len(ids)
            return Page(items=chosen, has_more=more, cursor=str(chosen[-1]) if more else None)

        return page

    return fetch(False), fetch(True)


def offset_fetchers(fleet: Fleet_, size: int) -> tuple[Any, Any]:
    """ManageEngine's paging: ``offset``/``limit`` with ``total_record_count``."""

    async def at(offset: int) -> Page[int]:
        fleet.change()
        await anyio.lowlevel.checkpoint()
        chosen = fleet.ids[offset : offset + size]
        more = offset + size < len(fleet.ids)
        return Page(items=chosen, has_more=more, cursor=None, total=len(fleet.ids))

    return (lambda: at(0)), at


CHANGES = st.dictionaries(
    st.integers(0, 40),
    st.tuples(st.sampled_from(["add", "remove"]), st.integers(0, 10_000)),
    max_size=8,
)


def listed(paginator: Any) -> list[int]:
    async def run() -> list[int]:
        return [item async for item in paginator]

    return anyio.run(run)


@MODEL
@given(
    initial=st.lists(st.integers(1, 5_000), unique=True, max_size=700).map(sorted),
    size=st.integers(1, 100),
    changes=CHANGES,
)
def test_both_ends_yield_each_id_once_and_every_id_present_throughout(
    initial: list[int], size: int, changes: dict[int, tuple[str, int]]
) -> None:
    fleet = Fleet_(list(initial), changes)
    up, down = cursor_fetchers(fleet, size)
    found = listed(both_ends(up, down, key=lambda i: i))
    assert len(found) == len(set(found)), "an id came twice"
    assert set(found) <= fleet.ever
    assert fleet.stable(initial) <= set(found), "an id present throughout was missed"
    if not changes:
        assert sorted(found) == initial
        assert fleet.requests <= 2 * (len(initial) // size) + 2 + 2  # about one pass, not two


@MODEL
@given(devices=st.integers(0, 700), size=st.integers(1, 100))
def test_ends_that_touch_ask_for_no_page_past_each_other(devices: int, size: int) -> None:
    """Ids one apart leave nothing between the ends: each page is read once, none twice, and
    no request goes past the meeting (reading in rounds asked for one page more on each end)."""
    fleet = Fleet_(list(range(1, devices + 1)), {})
    up, down = cursor_fetchers(fleet, size)
    found = listed(both_ends(up, down, key=lambda i: i))
    assert sorted(found) == list(range(1, devices + 1))
    pages = -(-devices // size)
    assert fleet.requests <= max(2, pages + 1)  # a last page shared by both ends, at most


@MODEL
@given(
    initial=st.lists(st.integers(1, 5_000), unique=True, max_size=700).map(sorted),
    size=st.integers(1, 200),
    in_flight=st.integers(1, 10),
    changes=CHANGES,
)
def test_offset_pages_yield_each_id_once(
    initial: list[int], size: int, in_flight: int, changes: dict[int, tuple[str, int]]
) -> None:
    fleet = Fleet_(list(initial), changes, anywhere=True)
    first, at = offset_fetchers(fleet, size)
    found = listed(offset_pages(first, at, key=lambda i: i, in_flight=in_flight))
    assert len(found) == len(set(found)), "an id came twice"
    assert set(found) <= fleet.ever
    if not changes:
        assert sorted(found) == initial
        assert fleet.requests == max(1, -(-len(initial) // size))  # each offset read once
    elif all(kind == "add" for kind, _ in changes.values()):
        assert set(initial) <= set(found)  # an insertion shifts ids up: seen again, not missed


@pytest.mark.parametrize(
    ("low", "high", "up", "down"),
    [
        (None, None, ([1, 2, 3], False), ([9, 8], False)),
        (3, 8, ([4, 5, 8, 9], True), ([7, 6, 5, 3], True)),
        (3, None, ([2], True), ([], False)),  # an ascending page that went backwards stops
    ],
)
def test_the_meeting_point_keeps_each_end_to_its_side(
    low: int | None, high: int | None, up: tuple[list[int], bool], down: tuple[list[int], bool]
) -> None:
    meeting: Meeting[int] = Meeting()
    meeting.low, meeting.high = low, high
    kept_up, met_up = meeting.take_up(up[0])
    kept_down, met_down = meeting.take_down(down[0])
    assert met_up is up[1]
    assert met_down is down[1]
    assert all(low is None or up[0][p] > low for p in kept_up)
    assert all(meeting.low is None or down[0][p] > meeting.low for p in kept_down)


def test_a_stuck_cursor_raises_instead_of_looping() -> None:
    async def stuck(cursor: str | None) -> Page[int]:
        return Page(items=[1], has_more=True, cursor="1")

    async def empty(cursor: str | None) -> Page[int]:
        return Page(items=[], has_more=True, cursor=None)

    with pytest.raises(PaginationError, match="did not advance"):
        listed(both_ends(stuck, empty, key=lambda i: i))


def test_a_failing_end_raises_its_own_error_not_a_group() -> None:
    async def fine(cursor: str | None) -> Page[int]:
        await anyio.sleep(0.05)
        return Page(items=[1], has_more=False)

    async def broken(cursor: str | None) -> Page[int]:
        raise InvalidRequestError("server says no")

    with pytest.raises(InvalidRequestError, match="server says no"):
        listed(both_ends(fine, broken, key=lambda i: i))


def test_a_streamed_listing_has_no_cursor_to_resume_from() -> None:
    async def pages() -> Any:
        yield Page(items=[1, 2], has_more=True)
        yield Page(items=[3], has_more=False)

    paginator = StreamedPaginator(pages)

    async def run() -> None:
        assert (await paginator).items == [1, 2]
        assert await paginator.map(lambda i: i * 10).filter(lambda i: i > 10).collect() == [20, 30]
        with pytest.raises(InvalidRequestError):
            async for _ in paginator.pages(start="x"):
                pass

    anyio.run(run)


# -- the fakes, over real sockets ----------------------------------------------------------------


@pytest.mark.anyio
@pytest.mark.parametrize("devices", [0, 1, 99, 100, 101, 250])
async def test_simplemdm_parallel_lists_every_device_once_from_both_ends(devices: int) -> None:
    async with FakeSimpleMDM(devices=devices, seed=2) as fake, fake.client() as client:
        sequential = [d.id async for d in client.devices.list(include_awaiting_enrollment=True)]
        parallel = [
            d.id async for d in client.devices.list(include_awaiting_enrollment=True, parallel=True)
        ]
        assert sorted(parallel) == sorted(sequential)
        assert len(parallel) == len(set(parallel)) == devices
        directions = {r.query.get("direction") for r in fake.requests.filter("GET", "*/devices")}
        assert {"asc", "desc"} <= directions


@pytest.mark.anyio
async def test_simplemdm_parallel_listing_while_devices_come_and_go() -> None:
    async with FakeSimpleMDM(devices=400, seed=4) as fake, fake.client() as client:
        initial = {d.id async for d in client.devices.list(include_awaiting_enrollment=True)}
        removed: set[int] = set()
        found: list[int] = []

        async def churn() -> None:
            for device_id in sorted(initial)[150:250:10]:
                await client.devices.delete(device_id)
                removed.add(device_id)
                await client.devices.create(name="new")

        async def read() -> None:
            listing = client.devices.list(include_awaiting_enrollment=True, parallel=True, limit=20)
            async for device in listing:
                found.append(device.id)
                await anyio.lowlevel.checkpoint()

        async with anyio.create_task_group() as group:
            group.start_soon(churn)
            group.start_soon(read)
        assert len(found) == len(set(found))
        assert initial - removed <= set(found)


@pytest.mark.anyio
@pytest.mark.parametrize("devices", [0, 1, 200, 201, 1_000])
async def test_manageengine_parallel_reads_offsets_at_once(devices: int) -> None:
    async with FakeManageEngine(devices=devices, seed=2) as fake, fake.client() as client:
        sequential = [d.device_id async for d in client.devices.list()]
        fake.requests.clear()
        parallel = [d.device_id async for d in client.devices.list(parallel=True, in_flight=3)]
        assert sorted(parallel) == sorted(sequential)
        assert len(parallel) == len(set(parallel)) == devices
        offsets = [int(r.query["offset"]) for r in fake.requests.filter("GET", "*/devices")]
        assert sorted(offsets) == list(range(0, max(devices, 1), 200))


@pytest.mark.anyio
async def test_neutral_and_fleet_listings_take_parallel() -> None:
    async with (
        FakeSimpleMDM(devices=130, seed=1) as sm_fake,
        FakeManageEngine(devices=230, seed=1) as me_fake,
        Fleet(sm_fake.mdm(), me_fake.mdm()) as fleet,
    ):
        found = [(d.source, d.id) async for d in fleet.devices.list(parallel=True)]
        assert len(found) == len(set(found)) == 360
        assert any(r.query.get("direction") == "desc" for r in sm_fake.requests)
        sm = fleet.member("simplemdm")
        macs = [d async for d in sm.devices.list(parallel=True, platform=Platform.MACOS)]
        assert macs
        assert {d.platform for d in macs} == {Platform.MACOS}


@pytest.mark.anyio
async def test_parallel_takes_no_cursor_direction_or_non_boolean_before_sending() -> None:
    async with FakeSimpleMDM(devices=5, seed=1) as fake, fake.client() as client:
        with pytest.raises(InvalidRequestError, match="starting_after"):
            client.devices.list(parallel=True, starting_after=3)
        with pytest.raises(InvalidRequestError, match="direction"):
            client.devices.list(parallel=True, direction="desc")
        with pytest.raises(InvalidRequestError, match="parallel"):
            client.devices.list(parallel=1)  # type: ignore[arg-type]
        with pytest.raises(InvalidRequestError):
            await client.devices.list(parallel=True).pages(start="3").__anext__()
        assert len(fake.requests) == 0


def test_offsets_without_a_total_follow_the_cursor_and_convert_every_page() -> None:
    async def first() -> Page[dict[str, int]]:
        return Page(items=[{"id": 1}, {"id": 2}], has_more=True, cursor="next")

    async def rest(cursor: str | None) -> Page[dict[str, int]]:
        assert cursor == "next"
        return Page(items=[{"id": 3}], has_more=False)

    async def never(offset: int) -> Page[dict[str, int]]:
        raise AssertionError("no total: no offsets")

    def convert(items: list[dict[str, int]]) -> list[int]:
        return [item["id"] * 10 for item in items]

    listing = offset_pages(first, never, key=lambda i: i, convert=convert, rest=rest)
    assert listed(listing) == [10, 20, 30]


def test_a_page_is_converted_in_steps_that_let_other_tasks_run() -> None:
    """Conversion yields to the loop every CONVERT_STEP items, so the pages in flight (and
    any other task on the loop) run between the steps of a big page."""
    from mdmkit.core.parallel import CONVERT_STEP

    ticks: list[int] = []
    steps: list[tuple[int, int]] = []

    async def up(cursor: str | None) -> Page[int]:
        return Page(items=list(range(1, 4 * CONVERT_STEP + 1)), has_more=False)

    async def down(cursor: str | None) -> Page[int]:
        return Page(items=[], has_more=False)

    def convert(items: list[int]) -> list[int]:
        steps.append((len(items), len(ticks)))
        return items

    async def run() -> list[int]:
        async def ticker() -> None:
            while True:
                ticks.append(1)
                await anyio.lowlevel.checkpoint()

        async with anyio.create_task_group() as group:
            group.start_soon(ticker)
            items = [i async for i in both_ends(up, down, key=lambda i: i, convert=convert)]
            group.cancel_scope.cancel()
        return items

    assert anyio.run(run) == list(range(1, 4 * CONVERT_STEP + 1))
    assert [size for size, _ in steps] == [CONVERT_STEP] * 4
    assert len({seen for _, seen in steps}) == 4  # the ticker ran between every two steps


# -- the window of requests in flight -----------------------------------------------------------


def test_an_end_asks_for_its_next_page_while_the_other_ends_request_is_out() -> None:
    """The descending end's second page is answered only once the ascending end has read
    four pages: in rounds (both ends' requests awaited together) this would never finish."""
    ups: list[str | None] = []
    four_up = anyio.Event()

    async def up(cursor: str | None) -> Page[int]:
        ups.append(cursor)
        if len(ups) == 4:
            four_up.set()
        start = 0 if cursor is None else int(cursor)
        return Page(items=[start + 1], has_more=start + 1 < 10, cursor=str(start + 1))

    async def down(cursor: str | None) -> Page[int]:
        if cursor is not None:
            await four_up.wait()
        end = 20 if cursor is None else int(cursor)
        return Page(items=[end - 1], has_more=True, cursor=str(end - 1))

    async def run() -> list[int]:
        with anyio.fail_after(5):
            listing: StreamedPaginator[int] = both_ends(up, down, key=int)
            return [i async for i in listing]

    found = anyio.run(run)
    assert sorted(found) == list(range(1, 20))  # up stops at 10, down walks to 11
    assert len(ups) == 10


def test_offset_pages_keep_in_flight_requests_out_past_a_slow_page() -> None:
    """The page at offset 10 is answered only after six later offsets were asked for: with
    three in flight, only a window topped up as pages come in gets there."""
    asked: list[int] = []
    most = 0
    six_more = anyio.Event()
    running = 0

    async def at(offset: int) -> Page[int]:
        nonlocal most, running
        asked.append(offset)
        running += 1
        most = max(most, running)
        if len([o for o in asked if o > 10]) >= 6:
            six_more.set()
        try:
            if offset == 10:
                await six_more.wait()
            await anyio.lowlevel.checkpoint()
            return Page(
                items=list(range(offset, offset + 10)), has_more=offset + 10 < 200, total=200
            )
        finally:
            running -= 1

    async def run() -> list[int]:
        with anyio.fail_after(5):
            listing: StreamedPaginator[int] = offset_pages(
                lambda: at(0), at, key=lambda i: i, in_flight=3
            )
            return [i async for i in listing]

    assert sorted(anyio.run(run)) == list(range(200))
    assert sorted(asked) == list(range(0, 200, 10))  # every offset once
    assert most <= 3  # the window never holds more than in_flight


def test_offset_pages_top_the_window_up_as_answers_come_while_the_reader_pauses() -> None:
    """A reader that stops after the first page: the answers that come in meanwhile start
    the next requests at once (not when the listing is next read), up to twice the window."""
    asked: list[int] = []

    async def at(offset: int) -> tuple[int, int]:  # the raw answer; ``read`` makes the page
        asked.append(offset)
        await anyio.sleep(0.001)
        return offset, 20

    def read(answer: tuple[int, int]) -> Page[int]:
        offset, total = answer
        return Page(items=[offset], has_more=offset + 1 < total, total=total)

    async def first() -> Page[int]:  # offset 0, read already: it says the total
        return Page(items=[0], has_more=True, total=20)

    async def run() -> tuple[list[int], list[int]]:
        listing: StreamedPaginator[int] = offset_pages(
            first, at, key=lambda i: i, in_flight=2, read=read
        )
        got: list[int] = []
        during_pause: list[int] = []
        with anyio.fail_after(5):
            async for item in listing:
                got.append(item)
                if item == 0:
                    await anyio.sleep(0.2)  # the reader pauses after the first page
                    during_pause = list(asked)
        return got, during_pause

    got, during_pause = anyio.run(run)
    assert sorted(got) == list(range(20))
    assert sorted(asked) == list(range(1, 20))  # every offset once
    # 2 in flight at first; each answer started the next while the reader paused, until 4
    # answers (twice the window) were held unread
    assert during_pause == [1, 2, 3, 4], during_pause


@pytest.mark.anyio
async def test_an_answer_that_comes_in_as_the_window_closes_starts_nothing() -> None:
    topped_up: list[str] = []

    async def answer() -> int:
        return 1

    for closing in (False, True):
        flight: InFlight[int, int] = InFlight()
        flight.start(1, answer, then=partial(topped_up.append, f"{closing}"))
        await asyncio.sleep(0)  # the task ran and succeeded; its callback runs next turn
        if closing:
            flight.cancel()
        await asyncio.sleep(0.01)
        await flight.close()
    assert topped_up == ["False"]  # the open window topped up, the closed one did not


def test_ending_a_listing_early_cancels_the_requests_still_in_flight() -> None:
    cancelled: list[str] = []
    sleeping: list[str] = []
    both_asleep = anyio.Event()

    def slow(name: str) -> Any:
        step = 1 if name == "up" else -1

        async def fetch(cursor: str | None) -> Page[int]:
            if cursor is not None:
                sleeping.append(name)
                if len(sleeping) == 2:
                    both_asleep.set()
                try:
                    await anyio.sleep(10)
                except anyio.get_cancelled_exc_class():
                    cancelled.append(name)
                    raise
            start = int(cursor) if cursor is not None else (0 if name == "up" else 1000)
            return Page(items=[start + step], has_more=True, cursor=str(start + step))

        return fetch

    async def run() -> int:
        listing: StreamedPaginator[int] = both_ends(slow("up"), slow("down"), key=int)
        with anyio.fail_after(5):
            async with contextlib.aclosing(listing.pages()) as pages:
                async for page in pages:
                    assert page.items
                    await both_asleep.wait()  # both ends' second requests are out
                    break
        return len(asyncio.all_tasks())

    assert anyio.run(run) == 1  # only the test's own task is left
    assert sorted(cancelled) == ["down", "up"]


def test_a_failing_offset_page_cancels_the_others_and_raises_its_own_error() -> None:
    cancelled: list[int] = []

    async def at(offset: int) -> Page[int]:
        if offset == 20:
            raise PaginationError("offset 20 broke")
        if offset:
            try:
                await anyio.sleep(10)
            except anyio.get_cancelled_exc_class():
                cancelled.append(offset)
                raise
        return Page(items=list(range(offset, offset + 10)), has_more=True, total=100)

    async def run() -> int:
        with pytest.raises(PaginationError, match="offset 20 broke"):
            await offset_pages(lambda: at(0), at, key=lambda i: i, in_flight=4).collect()
        return len(asyncio.all_tasks())

    assert anyio.run(run) == 1
    assert sorted(cancelled) == [10, 30, 40]


def test_a_cancelled_listing_leaves_no_request_behind() -> None:
    started = anyio.Event()

    async def at(offset: int) -> Page[int]:
        if offset:
            started.set()
            await anyio.sleep(10)
        return Page(items=list(range(offset, offset + 10)), has_more=True, total=100)

    async def run() -> int:
        async with anyio.create_task_group() as group:

            async def read() -> None:
                await offset_pages(lambda: at(0), at, key=lambda i: i).collect()

            group.start_soon(read)
            await started.wait()
            group.cancel_scope.cancel()
        await anyio.lowlevel.checkpoint()
        return len(asyncio.all_tasks())

    assert anyio.run(run) == 1


@pytest.mark.parametrize(
    ("low", "high", "closed"),
    [(None, None, False), (3, None, False), (3, 5, False), (3, 4, True), ("a", "b", False)],
)
def test_the_ends_are_closed_only_when_no_integer_lies_between(
    low: Any, high: Any, closed: bool
) -> None:
    meeting: Meeting[Any] = Meeting()
    meeting.low, meeting.high = low, high
    assert meeting.closed() is closed


@pytest.mark.anyio
async def test_a_plain_break_stops_the_paging_and_cancels_what_is_in_flight() -> None:
    """No ``aclosing``: asyncio finalizes the abandoned listing within a few loop turns,
    which cancels its requests; the fakes see far fewer pages than a whole listing."""
    from mdmkit.core.parallel import TASK_NAME

    def requests_out() -> list[asyncio.Task[Any]]:
        return [t for t in asyncio.all_tasks() if t.get_name().startswith(TASK_NAME)]

    async with (
        FakeSimpleMDM(devices=2_000, seed=1) as sm_fake,
        FakeManageEngine(devices=3_000, seed=1) as me_fake,
        sm_fake.client() as sm,
        me_fake.client() as me,
    ):
        async for _ in sm.devices.list(parallel=True, limit=20):
            break
        async for _ in me.devices.list(parallel=True, in_flight=4, limit=20):
            break
        out = requests_out()
        assert out  # the windows were full when the loops broke
        done, pending = await asyncio.wait(out, timeout=5)
        assert not pending
        assert any(task.cancelled() for task in done)
        await anyio.sleep(0.1)  # and nothing starts again
        assert requests_out() == []
        assert len(sm_fake.requests.filter("GET", "*/devices")) <= 4  # of 100 pages
        # the first page and the window of 4; a page that comes in during the loop turns
        # before asyncio finalizes the listing may top the window up once more
        assert len(me_fake.requests.filter("GET", "*/devices")) <= 1 + 4 + 4  # of 150 pages
