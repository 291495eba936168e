"""RedisTokenStore against a real redis-server: sharing, the mint lock, outages, secrecy."""

from __future__ import annotations

import importlib.util
import logging
import socket
import sys
import time
from typing import TYPE_CHECKING

import anyio
import pytest

from mdmkit.core.errors import ConfigurationError
from mdmkit.http.redis import RedisTokenStore, redis_client
from mdmkit.testing.redisserver import RedisServer

if TYPE_CHECKING:
    from redis.asyncio import Redis

pytestmark = pytest.mark.anyio

KEY = "accounts.example\0client\0refresh-secret"


def token(lifetime: float = 3600.0, value: str = "1000.access") -> dict[str, object]:
    return {"access_token": value, "token_type": "Bearer", "expires_at": time.time() + lifetime}


def unreachable_url() -> str:
    """A Redis URL on a loopback port nothing listens on (needs redis-py, not redis-server)."""
    if importlib.util.find_spec("redis") is None:
        pytest.skip("redis-py is not installed (pip install 'mdmkit[redis]')")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"redis://127.0.0.1:{port}/0"


def outage_warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if "unreachable" in r.getMessage()]


async def test_a_token_saved_by_one_store_is_loaded_by_another(
    redis_server: RedisServer, redis_raw: Redis
) -> None:
    async with (
        RedisTokenStore.from_url(redis_server.url) as first,
        RedisTokenStore.from_url(redis_server.url) as second,
    ):
        assert await second.load(KEY) is None
        saved = token(lifetime=120)
        await first.save(KEY, saved)
        assert await second.load(KEY) == saved
        ttl = await redis_raw.pttl(first.keys(KEY).token)
        assert 110_000 < ttl <= 120_000  # the entry expires with the token


async def test_an_expired_token_is_not_written_and_corrupt_entries_read_as_none(
    redis_server: RedisServer, redis_raw: Redis
) -> None:
    async with RedisTokenStore.from_url(redis_server.url) as store:
        await store.save(KEY, token(lifetime=-5))
        assert await redis_raw.exists(store.keys(KEY).token) == 0
        await redis_raw.set(store.keys(KEY).token, "{not json")
        assert await store.load(KEY) is None
        await redis_raw.set(store.keys(KEY).token, "[1, 2]")
        assert await store.load(KEY) is None


async def test_keys_carry_a_hash_never_the_store_key(
    redis_server: RedisServer, redis_raw: Redis
) -> None:
    async with RedisTokenStore.from_url(redis_server.url, prefix="svc") as store:
        await store.save(KEY, token())
        async with store.lock(KEY):
            await store.save_cooldown(KEY, 60)
            names = sorted(str(name) for name in await redis_raw.keys("*"))  # decoded: str
    assert len(names) == 3
    assert all(name.startswith("svc:token:{") for name in names)
    assert not any("refresh-secret" in name or "client" in name for name in names)
    assert {n.rsplit("}", 1)[1] for n in names} == {"", ":lock", ":cooldown"}


async def test_the_lock_is_exclusive_across_stores_and_passes_on_release(
    redis_server: RedisServer,
) -> None:
    events: list[str] = []
    async with (
        RedisTokenStore.from_url(redis_server.url, poll_interval=0.01) as first,
        RedisTokenStore.from_url(redis_server.url, poll_interval=0.01) as second,
    ):

        async def waiter() -> None:
            async with second.lock(KEY):
                events.append("second holds")
                loaded = await second.load(KEY)
                assert loaded is not None
                events.append(f"second read {loaded['access_token']}")

        async with anyio.create_task_group() as group, first.lock(KEY):
            events.append("first holds")
            group.start_soon(waiter)
            await anyio.sleep(0.2)  # the waiter polls meanwhile
            await first.save(KEY, token(value="minted-by-first"))
            events.append("first releases")
    assert events == [
        "first holds",
        "first releases",
        "second holds",
        "second read minted-by-first",
    ]


async def test_release_is_fenced_a_lock_taken_over_by_another_worker_survives(
    redis_server: RedisServer, redis_raw: Redis
) -> None:
    async with RedisTokenStore.from_url(redis_server.url) as store:
        name = store.keys(KEY).lock
        async with store.lock(KEY):
            # our lock "expired" and another worker took it with its own fence
            await redis_raw.set(name, "another-workers-fence", px=5000)
        assert await redis_raw.get(name) == "another-workers-fence"


async def test_a_living_holder_keeps_its_lock_past_the_timeout(
    redis_server: RedisServer,
) -> None:
    order: list[str] = []
    async with (
        RedisTokenStore.from_url(redis_server.url, lock_timeout=0.3, poll_interval=0.02) as first,
        RedisTokenStore.from_url(redis_server.url, lock_timeout=0.3, poll_interval=0.02) as second,
    ):

        async def waiter() -> None:
            async with second.lock(KEY):
                order.append("second")

        async with anyio.create_task_group() as group, first.lock(KEY):
            group.start_soon(waiter)
            await anyio.sleep(1.0)  # more than three lock timeouts: a slow mint
            order.append("first done")
    assert order == ["first done", "second"]


async def test_a_dead_holders_lock_expires_and_the_waiter_takes_it(
    redis_server: RedisServer, redis_raw: Redis
) -> None:
    async with RedisTokenStore.from_url(redis_server.url, poll_interval=0.02) as store:
        name = store.keys(KEY).lock
        await redis_raw.set(name, "fence-of-a-killed-worker", px=400)
        async with store.lock(KEY):
            assert await redis_raw.get(name) != "fence-of-a-killed-worker"
        assert await redis_raw.exists(name) == 0  # released


async def test_the_cool_down_is_shared_and_expires(
    redis_server: RedisServer, redis_raw: Redis
) -> None:
    async with (
        RedisTokenStore.from_url(redis_server.url) as first,
        RedisTokenStore.from_url(redis_server.url) as second,
    ):
        assert await second.load_cooldown(KEY) == 0.0
        await first.save_cooldown(KEY, 600)
        assert 599 < await second.load_cooldown(KEY) <= 600
        await first.save_cooldown(KEY, 0.05)
        await anyio.sleep(0.1)
        assert await second.load_cooldown(KEY) == 0.0


async def test_unreachable_redis_means_local_tokens_and_one_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="mdmkit")
    url = unreachable_url().replace("redis://", "redis://:hunter2-password@")
    async with RedisTokenStore.from_url(url, retry_interval=0.01) as store:
        for attempt in range(10):
            await anyio.sleep(0.02)  # past the quiet interval: every round tries Redis again
            async with store.lock(KEY):
                if attempt == 0:
                    assert await store.load(KEY) is None
                    await store.save(KEY, token(value="local"))
                loaded = await store.load(KEY)
                assert loaded is not None
                assert loaded["access_token"] == "local"
            assert await store.load_cooldown(KEY) == 0.0
            await store.save_cooldown(KEY, 60)
        assert "hunter2" not in repr(store)
    warnings = outage_warnings(caplog)
    assert len(warnings) == 1, warnings
    assert "token store" in warnings[0]
    assert not any("hunter2" in r.getMessage() for r in caplog.records)


async def test_the_store_shares_again_once_redis_answers(
    redis_server: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="mdmkit")
    async with (
        RedisTokenStore.from_url(redis_server.url, retry_interval=0.2) as store,
        RedisTokenStore.from_url(redis_server.url) as other,
    ):
        redis_server.kill()
        await store.save(KEY, token(value="during-outage"))
        assert (await store.load(KEY) or {})["access_token"] == "during-outage"
        redis_server.start()
        await store.save(KEY, token(value="in-the-quiet-interval"))
        assert await other.load(KEY) is None  # an outage is not retried on every call
        await anyio.sleep(0.25)
        await store.save(KEY, token(value="after-outage"))
        assert (await other.load(KEY) or {})["access_token"] == "after-outage"
    messages = [r.getMessage() for r in caplog.records]
    assert len(outage_warnings(caplog)) == 1
    assert sum("answers again" in m for m in messages) == 1


async def test_repr_and_url_checks(redis_server: RedisServer) -> None:
    url = redis_server.url.replace("redis://", "redis://user:s3cret@")
    store = RedisTokenStore.from_url(url)
    try:
        assert repr(store) == f"RedisTokenStore(127.0.0.1:{redis_server.port}/0, prefix='mdmkit')"
        assert "s3cret" not in repr(store)
    finally:
        await store.aclose()
    with pytest.raises(ConfigurationError, match="redis://"):
        redis_client("http://127.0.0.1:6379")


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"lock_timeout": 0}, "lock_timeout"),
        ({"poll_interval": -1}, "poll_interval"),
        ({"retry_interval": float("nan")}, "retry_interval"),
        ({"prefix": ""}, "prefix"),
        ({"prefix": "a{b"}, "prefix"),
    ],
)
async def test_bad_settings_are_configuration_errors(
    redis_server: RedisServer, options: dict[str, object], message: str
) -> None:
    with pytest.raises(ConfigurationError, match=message):
        RedisTokenStore(redis_client(redis_server.url), **options)  # type: ignore[arg-type]


async def test_an_empty_store_key_is_refused(redis_server: RedisServer) -> None:
    async with RedisTokenStore.from_url(redis_server.url) as store:
        with pytest.raises(ConfigurationError, match="non-empty"):
            await store.load("")


def test_without_redis_py_the_error_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "redis", None)
    monkeypatch.setitem(sys.modules, "redis.asyncio", None)
    with pytest.raises(ConfigurationError, match=r"mdmkit\[redis\]"):
        RedisTokenStore.from_url("redis://127.0.0.1:6379/0")


def test_importing_mdmkit_does_not_import_redis() -> None:
    import subprocess

    code = "import mdmkit, mdmkit.http.redis, sys; print('redis' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
