"""Worker processes sharing a real Redis: one token, outages, a killed lock holder, one budget.

Each worker is ``python -m tests.redis.worker`` (see worker.py); the fakes run here, in the
test process, so the test counts what the services saw (mints, 429s).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import anyio
import pytest

from mdmkit.testing import FakeManageEngine, FakeSimpleMDM, Latency
from mdmkit.testing.redisserver import RedisServer
from tests.redis.workers import expect, finish, workers

if TYPE_CHECKING:
    from redis.asyncio import Redis

pytestmark = pytest.mark.anyio

TOKEN_PATH = "/oauth/v2/token"


def me_settings(fake: FakeManageEngine, redis_url: str, **extra: Any) -> dict[str, Any]:
    return {
        "mode": "manageengine",
        "redis_url": redis_url,
        "client_id": fake.client_id,
        "client_secret": fake.client_secret,
        "refresh_token": fake.refresh_token,
        "base_url": fake.base_url,
        "accounts_url": fake.accounts_url,
        "device_id": next(iter(fake.state.devices)),
        **extra,
    }


def assert_every_call_succeeded(results: list[dict[str, Any]], calls: int) -> None:
    for result in results:
        assert result["errors"] == [], result
        assert result["ok"] == calls


async def test_eight_workers_of_two_hundred_calls_share_one_minted_token(
    redis_server: RedisServer,
) -> None:
    async with FakeManageEngine(devices=5) as fake:
        settings = [me_settings(fake, redis_server.url, calls=200) for _ in range(8)]
        with anyio.fail_after(120):
            async with workers(settings) as started:
                await expect(started, "ready")  # all eight start their calls at once
                results = [await finish(w) for w in started]
        assert_every_call_succeeded(results, 200)
        assert fake.accounts.mints == 1
        assert sum(r["mints"] for r in results) == 1
        assert len({r["token"] for r in results}) == 1  # every worker used the same token
        assert all(r["outages"] == 0 for r in results)


async def test_redis_killed_halfway_every_call_succeeds_within_zohos_mint_limit(
    redis_server: RedisServer,
) -> None:
    async with FakeManageEngine(devices=5) as fake:  # the fake refuses an 11th mint in 10 min
        settings = [me_settings(fake, redis_server.url, calls=200, pause_at=100) for _ in range(8)]
        with anyio.fail_after(120):
            async with workers(settings) as started:
                await expect(started, "ready")
                for worker in started:
                    assert (await worker.event())["event"] == "half"
                assert fake.accounts.mints == 1
                redis_server.kill()
                fake.accounts.expire_tokens()  # the worst case: everyone must mint in the outage
                for worker in started:
                    await worker.send("go")
                results = [await finish(w) for w in started]
        assert_every_call_succeeded(results, 200)
        assert fake.accounts.state.denied == 0
        assert 1 < len(fake.accounts.mints) <= 1 + 8  # one shared, then at most one per worker
        assert all(r["outages"] == 1 for r in results)  # one WARNING per worker, not per call


async def test_a_killed_lock_holder_delays_the_others_until_its_lock_expires(
    redis_server: RedisServer, redis_raw: Redis
) -> None:
    lock_timeout = 2.0
    async with FakeManageEngine(devices=5) as fake:
        fake.accounts.faults.add(Latency(60), route=f"POST {TOKEN_PATH}")  # the mint hangs
        settings = me_settings(fake, redis_server.url, calls=20, lock_timeout=lock_timeout)
        with anyio.fail_after(60):
            async with workers([settings]) as (holder,):
                await expect([holder], "ready")
                # the lock lives in another process's Redis: nothing to wait on but polling
                while not (locks := await redis_raw.keys("mdmkit:token:*:lock")):  # noqa: ASYNC110
                    await anyio.sleep(0.02)
                async with workers([settings] * 3) as waiters:
                    await expect(waiters, "ready")
                    await anyio.sleep(lock_timeout * 1.5)  # the holder keeps its lock alive
                    assert fake.accounts.mints == 0
                    fake.accounts.faults.clear()
                    holder.kill()
                    await holder.process.wait()
                    expires_at = time.time() + await redis_raw.pttl(locks[0]) / 1000
                    results = [await finish(w) for w in waiters]
        assert_every_call_succeeded(results, 20)
        assert fake.accounts.mints == 1
        minted_at = fake.accounts.mints[0].at
        assert expires_at - 0.05 <= minted_at <= expires_at + lock_timeout


async def test_four_workers_share_one_request_budget_without_a_429_storm(
    redis_server: RedisServer,
) -> None:
    async with FakeSimpleMDM(devices=1, requests_per_second=20) as fake:
        settings = {
            "mode": "budget",
            "redis_url": redis_server.url,
            "url": fake.url,
            "api_key": fake.api_key,
            "key": "simplemdm:test-account",
            "requests_per_second": 20,
            "calls": 15,
        }
        with anyio.fail_after(60):
            async with workers([settings] * 4) as started:
                await expect(started, "ready")
                results = [await finish(w) for w in started]
        assert_every_call_succeeded(results, 15)
        assert fake.throttle is not None
        assert fake.throttle.passed == 60
        # at most a stray 429 when a loaded machine stalls the fake; without the shared
        # budget (each worker its own 20/s limiter) this run sees dozens
        assert fake.throttle.hits <= 3
        assert all(r["outages"] == 0 for r in results)  # Redis decided, not a local fallback
