"""Fleet over in-memory backends: merging as pages arrive, routing by source, bulk runs."""

from __future__ import annotations

import anyio
import pytest

from mdmkit.core.errors import (
    ConfigurationError,
    InvalidRequestError,
    NotFoundError,
    ServerError,
    TransportError,
    UnsupportedOperation,
)
from mdmkit.core.fleet import Fleet
from mdmkit.core.models import Capability
from tests.core.stub import StubMDM

pytestmark = pytest.mark.anyio


async def test_members_need_distinct_names() -> None:
    with pytest.raises(ConfigurationError, match="at least one"):
        Fleet()
    with pytest.raises(ConfigurationError, match="two members are named 'a'"):
        Fleet(StubMDM("a"), StubMDM("a"))


async def test_every_device_once_and_the_fast_member_first() -> None:
    slow = StubMDM("slow", 6, page_size=3, delay=0.05)
    fast = StubMDM("fast", 4, page_size=2)
    async with Fleet(slow, fast) as fleet:
        seen = [d async for d in fleet.devices.list()]
    assert sorted(d.id for d in seen) == sorted(
        [f"slow-{i}" for i in range(6)] + [f"fast-{i}" for i in range(4)]
    )
    assert [d.source for d in seen[:4]] == ["fast"] * 4  # arrived before the slow first page
    assert slow.closed  # closing the fleet closes its members
    assert fast.closed


async def test_a_merged_listing_filters_and_maps_like_any_paginator() -> None:
    async with Fleet(StubMDM("a", 3), StubMDM("b", 4)) as fleet:
        listing = fleet.devices.list()
        odd = await listing.filter(lambda d: d.id.endswith(("1", "3"))).collect()
        names = await listing.map(lambda d: d.id).collect()
        first = await listing
    assert sorted(d.id for d in odd) == ["a-1", "b-1", "b-3"]
    assert sorted(names) == ["a-0", "a-1", "a-2", "b-0", "b-1", "b-2", "b-3"]
    assert first.items
    assert first.cursor is None


async def test_pages_report_has_more_until_every_member_is_done() -> None:
    async with Fleet(StubMDM("a", 3, page_size=2), StubMDM("b", 1)) as fleet:
        pages = [page async for page in fleet.devices.list().pages()]
        first = await fleet.devices.list()
        assert first.items
        assert await fleet.devices.list().first() is not None
        names = [name async for name in fleet.devices.list().map(lambda d: d.name or "")]
    assert [p.has_more for p in pages][-1] is False
    assert all(p.has_more for p in pages[:-1])
    assert sum(len(p) for p in pages) == 4
    assert len(names) == 4


async def test_stopping_early_stops_the_members_reading() -> None:
    slow = StubMDM("slow", 1000, page_size=10, delay=0.01)
    async with Fleet(slow) as fleet:
        pager = fleet.devices.list().pages()
        async for page in pager:
            if page.items[-1].id == "slow-19":
                break
        await pager.aclose()
        fetched = len(slow.fetches)
        await anyio.sleep(0.1)  # a producer still running would fetch ten more pages
        assert len(slow.fetches) == fetched
        assert fetched <= 4  # two pages read, at most one in hand and one in flight
    assert slow.closed


async def test_a_member_failure_is_raised_with_its_name() -> None:
    healthy, broken = StubMDM("ok", 4), StubMDM("bad", 4)
    broken.list_error = ServerError("down", status=503)
    async with Fleet(healthy, broken) as fleet:
        with pytest.raises(ServerError) as info:
            await fleet.devices.list().collect()
    assert "raised while listing fleet member 'bad'" in "\n".join(info.value.__notes__)


async def test_listing_needs_the_fleet_entered() -> None:
    fleet = Fleet(StubMDM("a"))
    with pytest.raises(ConfigurationError, match="async with"):
        await fleet.devices.list().collect()
    with pytest.raises(InvalidRequestError, match="cannot resume"):
        async for _ in fleet.devices.list().pages(start="x"):
            pass


async def test_gets_and_actions_route_by_source() -> None:
    a, b = StubMDM("a"), StubMDM("b")
    async with Fleet(a, b) as fleet:
        device = await fleet.devices.get(("b", "b-3"))
        assert device.source == "b"
        await fleet.devices.lock(device, message="Lost")
        await fleet.devices.restart(a.device_list[0])
        with pytest.raises(InvalidRequestError, match="needs the device object"):
            await fleet.devices.lock("b-3")  # type: ignore[arg-type]
        with pytest.raises(InvalidRequestError, match="no fleet member is named 'c'"):
            await fleet.devices.get(("c", "1"))
    assert b.devices.calls == [("lock", "b-3", {"message": "Lost"})]
    assert a.devices.calls == [("restart", "a-0", {})]


async def test_bulk_run_across_members_keeps_input_order() -> None:
    a, b = (
        StubMDM("a", 3),
        StubMDM("b", 3, capabilities=frozenset(Capability) - {Capability.DEVICES_SHUTDOWN}),
    )
    a.failing["a-1"] = TransportError("dropped")
    progress: list[int] = []
    targets = [
        b.device_list[0],
        a.device_list[0],
        b.device_list[1],
        a.device_list[1],
        a.device_list[2],
    ]
    async with Fleet(a, b) as fleet:
        locked = await fleet.devices.run(
            "lock", targets, on_progress=lambda o, d, t: progress.append(d)
        )
        shut = await fleet.devices.run("shutdown", targets)
    assert [o.target.id for o in locked] == ["b-0", "a-0", "b-1", "a-1", "a-2"]
    assert [o.ok for o in locked] == [True, True, True, False, True]
    assert sorted(progress) == [1, 2, 3, 4, 5]
    assert [o.ok for o in shut] == [False, True, False, False, True]
    assert isinstance(shut[0].error, UnsupportedOperation)
    assert [c[1] for c in b.devices.calls] == ["b-0", "b-1"]  # no shutdown reached b


async def test_capabilities_are_per_member_and_missing_ones_raise() -> None:
    a = StubMDM("a")
    b = StubMDM("b", capabilities=frozenset(Capability) - {Capability.ASSIGNMENTS_LIST})
    async with Fleet(a, b) as fleet:
        assert Capability.ASSIGNMENTS_LIST in fleet.capabilities["a"]
        assert Capability.ASSIGNMENTS_LIST not in fleet.capabilities["b"]
        with pytest.raises(UnsupportedOperation, match=r"assignments\.list"):
            fleet.assignments.list()
        assert await fleet.assignments.list(app=("a", "1")).collect() == []
        app = await fleet.apps.upload(b"x", member="a", name="X")
        made = await fleet.assignments.assign(app, devices=[a.device_list[0]])
        assert [m.target.id for m in made] == ["a-0"]
        with pytest.raises(InvalidRequestError, match="target is on 'b'"):
            await fleet.assignments.assign(app, devices=[b.device_list[0]])
        await fleet.assignments.unassign(made[0])
        group = await fleet.groups.create("Pilot", member="b")
        await fleet.groups.add_device(group, b.device_list[0])
        with pytest.raises(InvalidRequestError, match="device is on 'a'"):
            await fleet.groups.add_device(group, a.device_list[0])
        assert [g.id async for g in fleet.groups.list()] == ["g1", "g1"]
        assert repr(fleet) == "<Fleet ['a', 'b']>"


# -- errors come out as themselves -------------------------------------------------------------


async def test_an_error_in_the_fleet_block_comes_out_as_itself() -> None:
    a, b = StubMDM("a", 100, page_size=2, delay=0.01), StubMDM("b")

    async def look_up() -> None:
        async with Fleet(a, b) as fleet:
            async for _ in fleet.devices.list():  # listings running in the fleet's tasks
                raise NotFoundError("no such device", status=404)

    with pytest.raises(NotFoundError) as info:
        await look_up()
    assert type(info.value) is NotFoundError  # not an ExceptionGroup around it
    assert a.closed
    assert b.closed


async def test_cancelling_the_fleet_block_still_cancels() -> None:
    with anyio.move_on_after(0.05) as scope:
        async with Fleet(StubMDM("a", 1000, page_size=1, delay=0.01)) as fleet:
            await fleet.devices.list().collect()
    assert scope.cancelled_caught


async def test_bad_arguments_to_a_fleet_run_are_refused_once_before_any_backend_runs() -> None:
    a, b = StubMDM("a", 2), StubMDM("b", 2)
    async with Fleet(a, b) as fleet:
        with pytest.raises(InvalidRequestError, match="unexpected keyword") as info:
            await fleet.devices.run("restart", a.device_list + b.device_list, message="x")
        with pytest.raises(InvalidRequestError, match="unknown action 'lok'"):
            await fleet.devices.run("lok", a.device_list)  # type: ignore[arg-type]
    assert type(info.value) is InvalidRequestError
    assert not hasattr(info.value, "__notes__")  # once, not once per backend
    assert a.devices.calls == b.devices.calls == []


async def test_a_progress_callback_that_raises_stops_the_run_as_itself() -> None:
    a, b = StubMDM("a", 3), StubMDM("b", 3)

    def broken(outcome: object, done: int, total: int) -> None:
        raise ValueError("the progress bar broke")

    async with Fleet(a, b) as fleet:
        with pytest.raises(ValueError, match="progress bar broke"):
            await fleet.devices.run("refresh", a.device_list + b.device_list, on_progress=broken)
        with pytest.raises(ValueError, match="progress bar broke"):
            await a.devices.run("refresh", a.device_list, on_progress=broken)
