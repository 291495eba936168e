"""ZohoOAuth on a RedisTokenStore, in one process: clients that share Redis share one token."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import anyio
import pytest

from mdmkit.http.redis import RedisBudget, RedisTokenStore
from mdmkit.http.retry import RetryPolicy
from mdmkit.manageengine import ManageEngineClient, TokenRateLimitError
from mdmkit.testing import FakeManageEngine, RateLimited
from mdmkit.testing.redisserver import RedisServer
from tests.leaks import leaks
from tests.redis.test_token_store import outage_warnings, unreachable_url

if TYPE_CHECKING:
    from redis.asyncio import Redis

pytestmark = pytest.mark.anyio


def client(fake: FakeManageEngine, store: RedisTokenStore, **options: Any) -> ManageEngineClient:
    return ManageEngineClient(
        fake.client_id,
        fake.client_secret,
        fake.refresh_token,
        base_url=fake.base_url,
        accounts_url=fake.accounts_url,
        token_store=store,
        **options,
    )


def a_device(fake: FakeManageEngine) -> int:
    return next(iter(fake.state.devices))


async def many_calls(clients: Sequence[ManageEngineClient], device_id: int, each: int) -> None:
    async with anyio.create_task_group() as group:
        for one in clients:
            for _ in range(each):
                group.start_soon(one.devices.get, device_id)


async def test_clients_on_separate_stores_of_one_redis_mint_once(
    redis_server: RedisServer,
) -> None:
    async with FakeManageEngine(devices=3) as fake:
        stores = [RedisTokenStore.from_url(redis_server.url) for _ in range(3)]
        clients = [client(fake, store) for store in stores]
        try:
            await many_calls(clients, a_device(fake), each=30)
            tokens = {c.auth.token["access_token"] for c in clients}  # type: ignore[attr-defined]
        finally:
            for one, store in zip(clients, stores, strict=True):
                await one.aclose()
                await store.aclose()
        assert fake.accounts.mints == 1
        assert len(tokens) == 1


async def test_access_denied_cools_down_every_client_of_the_store(
    redis_server: RedisServer, redis_raw: Redis
) -> None:
    async with (
        FakeManageEngine(devices=1, mint_limit=0) as fake,  # every mint is refused
        RedisTokenStore.from_url(redis_server.url) as first_store,
        RedisTokenStore.from_url(redis_server.url) as second_store,
        client(fake, first_store) as first,
        client(fake, second_store) as second,
    ):
        with pytest.raises(TokenRateLimitError):
            await first.devices.get(1)
        asked = fake.accounts.requests.count(path="/oauth/v2/token")
        assert asked == 1
        with pytest.raises(TokenRateLimitError) as refused:
            await second.devices.get(1)
        assert fake.accounts.requests.count(path="/oauth/v2/token") == asked  # nobody asked
        assert refused.value.retry_after is not None
        assert 590 < refused.value.retry_after <= 600
        cooldown = first_store.keys(first.auth.store_key).cooldown  # type: ignore[attr-defined]
        assert 590_000 < await redis_raw.pttl(cooldown) <= 600_000


async def test_without_redis_each_client_mints_locally_and_warns_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="mdmkit")
    async with (
        FakeManageEngine(devices=2) as fake,
        RedisTokenStore.from_url(unreachable_url()) as store,
    ):
        clients = [client(fake, store) for _ in range(2)]
        try:
            await many_calls(clients, a_device(fake), each=20)
        finally:
            for one in clients:
                await one.aclose()
        # one store shared in-process still serves both clients from its local copy
        assert fake.accounts.mints == 1
    assert len(outage_warnings(caplog)) == 1


async def test_no_secret_in_reprs_keys_or_debug_logs_of_the_shared_store(
    redis_server: RedisServer, redis_raw: Redis, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="mdmkit")
    password = "redis-pass-0f1e2d3c"
    await redis_raw.config_set("requirepass", password)
    url = redis_server.url.replace("redis://", f"redis://:{password}@")
    async with FakeManageEngine(devices=1) as fake:
        store = RedisTokenStore.from_url(url)
        budget = RedisBudget.from_url(url, key="acct", requests_per_second=100)
        me = client(fake, store)
        try:
            await me.devices.get(a_device(fake))
            fake.accounts.expire_tokens()
            await me.devices.get(a_device(fake))  # a 401, a second mint through the store
            await budget.acquire()
            names = [str(n) for n in await budget.client.keys("*")]
        finally:
            await me.aclose()
            await store.aclose()
            await budget.aclose()
        secrets = [
            password,
            fake.client_secret,
            fake.refresh_token,
            *(mint.access_token for mint in fake.accounts.mints),
        ]
        assert fake.accounts.mints == 2
    texts = [("store", repr(store)), ("budget", repr(budget)), ("client", repr(me))]
    texts += [(f"key {n}", n) for n in names]
    texts += [(f"log {r.name}", r.getMessage()) for r in caplog.records]
    assert leaks(texts, secrets) == []
    assert not any("unreachable" in r.getMessage() for r in caplog.records)  # it authenticated


async def test_a_429_from_the_token_endpoint_is_shared_for_its_retry_after(
    redis_server: RedisServer,
) -> None:
    async with (
        FakeManageEngine(devices=1) as fake,
        RedisTokenStore.from_url(redis_server.url) as first_store,
        RedisTokenStore.from_url(redis_server.url) as second_store,
        client(fake, first_store, retry=RetryPolicy.never()) as first,
        client(fake, second_store) as second,
    ):
        fake.accounts.faults.add(RateLimited(retry_after=30), route="POST /oauth/v2/token")
        with pytest.raises(TokenRateLimitError):
            await first.devices.get(1)
        with pytest.raises(TokenRateLimitError) as refused:
            await second.devices.get(1)
        assert fake.accounts.requests.count(path="/oauth/v2/token") == 1
        assert refused.value.retry_after is not None
        assert 25 < refused.value.retry_after <= 30
