"""The token bucket and the shared 429 pause, on a virtual clock."""

from __future__ import annotations

import anyio.lowlevel
import pytest

from mdmkit.core.errors import ConfigurationError
from mdmkit.http.ratelimit import RateLimiter
from mdmkit.testing.clock import FakeClock


@pytest.mark.anyio
async def test_bucket_allows_a_burst_then_paces() -> None:
    clock = FakeClock()
    limiter = RateLimiter(2.0, burst=2, clock=clock.time, sleep=clock.sleep)
    start = clock.time()
    for _ in range(6):
        await limiter.acquire()
    # two at once, then one every half second
    assert clock.time() - start == pytest.approx(2.0)


@pytest.mark.anyio
async def test_no_rate_means_no_waiting() -> None:
    clock = FakeClock()
    limiter = RateLimiter(None, clock=clock.time, sleep=clock.sleep)
    for _ in range(100):
        await limiter.acquire()
    assert clock.sleeps == []


@pytest.mark.anyio
async def test_pause_holds_every_caller_back() -> None:
    clock = FakeClock()
    limiter = RateLimiter(None, clock=clock.time, sleep=clock.sleep)
    limiter.pause(5.0)
    limiter.pause(1.0)  # a shorter pause never shortens a longer one
    start = clock.time()
    await limiter.acquire()
    assert clock.time() - start == pytest.approx(5.0)


@pytest.mark.parametrize("rate", [0.0, -1.0, float("nan"), float("inf")])
def test_rate_must_be_positive(rate: float) -> None:
    with pytest.raises(ConfigurationError, match="requests_per_second"):
        RateLimiter(rate)


@pytest.mark.anyio
async def test_a_caller_arriving_while_another_waits_goes_after_it() -> None:
    # a token comes back while B is waiting for it: C, arriving then, must not take it
    clock = FakeClock()
    limiter = RateLimiter(1.0, burst=1, clock=clock.time, sleep=clock.sleep)
    served: list[str] = []
    await limiter.acquire()  # A takes the only token

    async def caller(name: str) -> None:
        await limiter.acquire()
        served.append(name)

    async def late_caller() -> None:
        while not clock.sleeps:  # until B waits, and its wait has moved the clock on
            await anyio.lowlevel.checkpoint()
        await caller("C")

    async with anyio.create_task_group() as tg:
        tg.start_soon(caller, "B")
        tg.start_soon(late_caller)
    assert served == ["B", "C"]
