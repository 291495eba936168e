"""The token bucket and the shared 429 pause, on a virtual clock."""

from __future__ import annotations

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
