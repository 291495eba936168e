"""RedisBudget against a real redis-server, paced on a virtual clock: shared rate, shared pause."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import anyio
import pytest

from mdmkit.core.errors import ConfigurationError
from mdmkit.http.ratelimit import RateLimiter
from mdmkit.http.redis import RedisBudget, default_burst, redis_client
from mdmkit.simplemdm import SimpleMDMClient
from mdmkit.testing import FakeClock, FakeSimpleMDM, RateLimited
from mdmkit.testing.redisserver import RedisServer
from tests.redis.test_token_store import outage_warnings, unreachable_url

if TYPE_CHECKING:
    from redis.asyncio import Redis

pytestmark = pytest.mark.anyio


def budget(url: str, clock: FakeClock, **options: Any) -> RedisBudget:
    options.setdefault("key", "simplemdm:acme")
    return RedisBudget.from_url(url, clock=clock.time, sleep=clock.sleep, **options)


async def test_two_budgets_on_one_key_share_the_rate(redis_server: RedisServer) -> None:
    clock = FakeClock()
    async with (
        budget(redis_server.url, clock, requests_per_second=10, burst=2) as first,
        budget(redis_server.url, clock, requests_per_second=10, burst=2) as second,
    ):
        start = clock.time()
        for _ in range(6):
            await first.acquire()
            await second.acquire()
        # 12 requests at 10/s with a burst of 2: the last goes 1.0 s after the first
        assert clock.time() - start == pytest.approx(1.0, abs=1e-3)


async def test_each_alone_would_have_gone_twice_as_fast(redis_server: RedisServer) -> None:
    clock = FakeClock()
    async with (
        budget(redis_server.url, clock, key="a", requests_per_second=10, burst=2) as first,
        budget(redis_server.url, clock, key="b", requests_per_second=10, burst=2) as second,
    ):
        start = clock.time()
        for _ in range(6):
            await first.acquire()
            await second.acquire()
        assert clock.time() - start == pytest.approx(0.4, abs=1e-3)  # two separate budgets


async def test_a_429_pause_holds_every_budget_of_the_key(
    redis_server: RedisServer, redis_raw: Redis
) -> None:
    clock = FakeClock()
    async with (
        budget(redis_server.url, clock) as first,
        budget(redis_server.url, clock) as second,
    ):
        await first.throttled(3.0)
        await first.throttled(1.0)  # a shorter pause never cuts a longer one
        assert await redis_raw.exists(first.keys.pause) == 1
        start = clock.time()
        await second.acquire()
        assert clock.time() - start == pytest.approx(3.0, abs=1e-3)
        assert first.rate is None  # no rate: only the pause


async def test_the_arrival_time_expires_when_idle(
    redis_server: RedisServer, redis_raw: Redis
) -> None:
    async with RedisBudget.from_url(redis_server.url, key="k", requests_per_second=5) as shared:
        await shared.acquire()
        assert 0 < await redis_raw.pttl(shared.keys.arrival) <= 1200
        assert shared.keys.arrival.startswith("mdmkit:budget:{")


async def test_on_redis_time_the_budget_paces_too(redis_server: RedisServer) -> None:
    slept: list[float] = []

    async def record(seconds: float) -> None:
        slept.append(seconds)
        await anyio.sleep(seconds)

    async with RedisBudget.from_url(
        redis_server.url, key="k", requests_per_second=50, burst=1, sleep=record
    ) as shared:
        for _ in range(3):
            await shared.acquire()
    assert slept
    assert all(0 < s <= 0.021 for s in slept)


async def test_unreachable_redis_falls_back_to_the_local_limiter(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="mdmkit")
    clock = FakeClock()
    async with budget(
        unreachable_url(), clock, requests_per_second=2, burst=2, retry_interval=0.01
    ) as shared:
        start = clock.time()
        for _ in range(6):
            await shared.acquire()
        assert clock.time() - start == pytest.approx(2.0)  # the local bucket: 2 at once, then 2/s
        await shared.throttled(5.0)
        before = clock.time()
        await shared.acquire()
        assert clock.time() - before == pytest.approx(5.0)
    warnings = outage_warnings(caplog)
    assert len(warnings) == 1
    assert "request budget" in warnings[0]


async def test_fallback_rate_is_what_one_process_gets_alone() -> None:
    clock = FakeClock()
    async with budget(
        unreachable_url(), clock, requests_per_second=20, fallback_rate=5, burst=1
    ) as shared:
        start = clock.time()
        for _ in range(6):
            await shared.acquire()
        assert clock.time() - start == pytest.approx(1.0)


async def test_repr_names_the_server_and_rate_not_the_key(redis_server: RedisServer) -> None:
    url = redis_server.url.replace("redis://", "redis://:pw-secret@")
    async with RedisBudget.from_url(url, key="acct-secret", requests_per_second=20) as shared:
        text = repr(shared)
    assert text == f"RedisBudget(127.0.0.1:{redis_server.port}/0, 20/s burst 2)"


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"key": ""}, "non-empty"),
        ({"requests_per_second": 0}, "requests_per_second"),
        ({"requests_per_second": float("inf")}, "requests_per_second"),
        ({"fallback_rate": -1}, "requests_per_second"),
        ({"burst": 0}, "burst"),
        ({"prefix": "x{"}, "prefix"),
    ],
)
async def test_bad_settings_are_configuration_errors(
    redis_server: RedisServer, options: dict[str, Any], message: str
) -> None:
    options.setdefault("key", "k")
    client = redis_client(redis_server.url)
    try:
        with pytest.raises(ConfigurationError, match=message):
            RedisBudget(client, **options)
    finally:
        await client.aclose()


@pytest.mark.parametrize(
    ("rate", "burst"), [(None, 2), (0.5, 2), (20, 2), (25, 3), (100, 10), (1000, 100)]
)
def test_default_burst_is_a_tenth_of_a_second_and_at_least_two(
    rate: float | None, burst: int
) -> None:
    assert default_burst(rate) == burst


async def test_a_client_s_429_becomes_the_budget_s_shared_pause(
    redis_server: RedisServer, redis_raw: Redis
) -> None:
    clock = FakeClock()
    async with (
        FakeSimpleMDM(devices=1, clock=clock) as fake,
        budget(redis_server.url, clock, requests_per_second=50) as shared,
        SimpleMDMClient(
            fake.api_key,
            base_url=fake.url,
            rate_limiter=shared,
            clock=clock.time,
            sleep=clock.sleep,
        ) as client,
    ):
        assert client.transport.rate_limiter is shared
        fake.faults.add(RateLimited(retry_after=4), route="GET */account")
        refused_at = clock.time()
        await client.account.get()  # 429, a 4 s wait, then the retry succeeds
        pause_ends = float(await redis_raw.get(shared.keys.pause) or 0) / 1000
        assert pause_ends == pytest.approx(refused_at + 4, abs=0.01)  # every worker waits


def test_a_limiter_and_a_rate_together_are_refused() -> None:
    with pytest.raises(ConfigurationError, match="not both"):
        SimpleMDMClient("key", requests_per_second=5, rate_limiter=RateLimiter(5))
