"""run_bulk and DeviceService.run: every outcome kept, in order, under the cap."""

from __future__ import annotations

from typing import Any

import anyio
import pytest

from mdmkit.core.bulk import Outcome, first_error, run_bulk, task_group
from mdmkit.core.errors import (
    InvalidRequestError,
    NotFoundError,
    ServerError,
    TransportError,
    UnsupportedOperation,
)
from mdmkit.core.models import Capability
from tests.core.stub import StubMDM

pytestmark = pytest.mark.anyio


async def test_outcomes_come_back_in_input_order_with_failures_kept() -> None:
    async def call(n: int) -> int:
        await anyio.sleep(0.001 * (10 - n))  # later items finish first
        if n % 3 == 0:
            raise ServerError("boom", status=500)
        return n * n

    result = await run_bulk(call, list(range(10)), concurrency=4)
    assert [o.index for o in result] == list(range(10))
    assert [o.target for o in result] == list(range(10))
    assert [o.value for o in result.succeeded] == [1, 4, 16, 25, 49, 64]
    assert [o.index for o in result.failed] == [0, 3, 6, 9]
    assert all(isinstance(o.error, ServerError) for o in result.failed)
    assert result.summary() == "6 ok, 4 failed (ServerError: 4)"
    assert not result.all_ok
    with pytest.raises(ServerError):
        result.raise_for_errors()


async def test_concurrency_is_capped_and_progress_is_reported() -> None:
    running = peak = 0
    seen: list[tuple[int, int]] = []

    async def call(n: int) -> None:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await anyio.sleep(0.005)
        running -= 1

    async def progress(outcome: Outcome[Any], done: int, total: int) -> None:
        seen.append((done, total))

    result = await run_bulk(call, list(range(20)), concurrency=3, on_progress=progress)
    assert peak == 3
    assert len(result) == 20
    assert result.all_ok
    assert seen == [(i, 20) for i in range(1, 21)]
    assert result.summary() == "20 ok, 0 failed"


async def test_empty_input_and_bad_concurrency() -> None:
    async def never(n: int) -> None:
        raise AssertionError

    assert len(await run_bulk(never, [], concurrency=5)) == 0
    for bad in (0, -1, True):
        with pytest.raises(InvalidRequestError, match="concurrency"):
            await run_bulk(never, [1], concurrency=bad)


async def test_cancelling_the_run_propagates() -> None:
    started = anyio.Event()

    async def slow(n: int) -> None:
        started.set()
        await anyio.sleep(10)

    with anyio.move_on_after(0.05) as scope:
        await run_bulk(slow, list(range(5)), concurrency=5)
    assert scope.cancelled_caught
    assert started.is_set()


async def test_device_run_checks_the_action_before_sending() -> None:
    mdm = StubMDM("a", 4)
    with pytest.raises(InvalidRequestError, match="unknown action 'explode'"):
        await mdm.devices.run("explode", mdm.device_list)  # type: ignore[arg-type]
    with pytest.raises(InvalidRequestError, match="unexpected keyword") as info:
        await mdm.devices.run("restart", mdm.device_list, message="x")
    assert info.value.field == "arguments"
    without_wipe = StubMDM("b", capabilities=frozenset(Capability) - {Capability.DEVICES_WIPE})
    with pytest.raises(UnsupportedOperation, match=r"devices\.wipe"):
        await without_wipe.devices.run("wipe", without_wipe.device_list)
    assert mdm.devices.calls == []
    assert without_wipe.devices.calls == []


async def test_device_run_keeps_every_device_and_never_stops_on_one_failure() -> None:
    mdm = StubMDM("a", 6)
    mdm.failing["a-2"] = TransportError("dropped")
    result = await mdm.devices.run("lock", mdm.device_list, message="Lost")
    assert [o.target.id for o in result] == [f"a-{i}" for i in range(6)]
    assert [o.ok for o in result] == [True, True, False, True, True, True]
    assert sorted(c[1] for c in mdm.devices.calls) == ["a-0", "a-1", "a-3", "a-4", "a-5"]
    assert all(c[2] == {"message": "Lost"} for c in mdm.devices.calls)


def test_a_failed_task_group_raises_its_first_error_and_names_the_others() -> None:
    first, second, third = ValueError("one"), KeyError("two"), OSError("three")
    group = ExceptionGroup("tasks", [first, ExceptionGroup("inner", [second, third])])
    assert first_error(group) is first
    assert first.__notes__ == ["2 more failed at the same time: KeyError: 'two'; OSError: three"]
    alone = RuntimeError("alone")
    assert first_error(ExceptionGroup("tasks", [alone])) is alone
    assert not hasattr(alone, "__notes__")
    interrupted = BaseExceptionGroup("tasks", [ValueError("x"), KeyboardInterrupt()])
    assert first_error(interrupted) is interrupted  # not only errors: left as it is


async def test_the_task_group_raises_a_task_error_as_itself_without_a_group_in_its_chain() -> None:
    async def fail() -> None:
        raise NotFoundError("gone", status=404)

    with pytest.raises(NotFoundError) as info:
        async with task_group() as group:
            group.start_soon(fail)
    assert info.value.__context__ is None
    assert info.value.__cause__ is None
