"""An attempt's time limit: its own expiry becomes a TimeoutError, anyone else's cancellation
goes on as it is, and the task's cancellation count is left as it was found."""

from __future__ import annotations

import asyncio

import pytest

from mdmkit.http.time_limit import TimeLimit

pytestmark = pytest.mark.anyio


async def attempt(seconds: float, work: float) -> str:
    """What ``Transport._send`` does with a limit: TimeoutError only for the limit's own."""
    limit = TimeLimit(seconds)
    try:
        await asyncio.sleep(work)
    except BaseException as raised:
        if limit.stop(raised):
            raise TimeoutError("the limit") from None
        raise
    limit.stop()
    return "done"


async def test_an_attempt_within_its_limit_is_left_alone_and_its_timer_stopped() -> None:
    assert await attempt(0.05, 0.001) == "done"
    await asyncio.sleep(0.1)  # a timer left running would cancel this task here
    task = asyncio.current_task()
    assert task is not None
    assert task.cancelling() == 0


async def test_its_own_expiry_is_a_timeout_and_takes_its_cancellation_back() -> None:
    with pytest.raises(TimeoutError, match="the limit") as info:
        await attempt(0.01, 10)
    assert info.value.__cause__ is None
    assert info.value.__suppress_context__  # no CancelledError shown with it
    task = asyncio.current_task()
    assert task is not None
    assert task.cancelling() == 0
    await asyncio.sleep(0)  # and the task goes on: nothing cancels it later


async def test_a_callers_cancellation_goes_on_as_a_cancellation() -> None:
    task = asyncio.ensure_future(attempt(10, 10))
    await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_a_cancellation_that_comes_with_the_expiry_is_the_callers() -> None:
    # both at once: the caller asked too, so it stays a cancellation (asyncio.timeout's rule)
    async def both() -> str:
        limit = TimeLimit(0)  # due at once: it goes off in the loop's next turn
        task = asyncio.current_task()
        assert task is not None
        asyncio.get_running_loop().call_soon(task.cancel)
        try:
            await asyncio.sleep(10)
        except BaseException as raised:
            if limit.stop(raised):
                return "timeout"
            raise
        return "done"

    task = asyncio.ensure_future(both())
    with pytest.raises(asyncio.CancelledError):
        await task
    assert task.cancelling() == 1  # the caller's, still counted; the limit's taken back


async def test_an_outer_timeout_that_ends_first_is_the_outer_ones() -> None:
    with pytest.raises(TimeoutError) as info:
        async with asyncio.timeout(0.01):
            await attempt(10, 10)
    assert str(info.value) != "the limit"


async def test_another_failure_when_the_limit_went_off_is_not_a_timeout() -> None:
    # the limit's cancellation became some other error on its way out: that error goes on

    async def failing() -> None:
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            raise ValueError("failed while cancelled") from None

    limit = TimeLimit(0)
    with pytest.raises(ValueError, match="failed while cancelled") as info:
        await failing()
    assert limit.expired
    assert not limit.stop(info.value)
    task = asyncio.current_task()
    assert task is not None
    assert task.cancelling() == 0  # taken back all the same


async def test_a_limit_needs_a_running_task() -> None:
    made: list[BaseException] = []

    def in_a_callback() -> None:  # the loop runs it, but no task does
        try:
            TimeLimit(1)
        except RuntimeError as error:
            made.append(error)

    asyncio.get_running_loop().call_soon(in_a_callback)
    await asyncio.sleep(0.01)
    assert [str(error) for error in made] == ["a time limit needs a running task"]
