"""A real ``redis-server`` per test on a free loopback port, and worker processes around it.

Where redis-server (or redis-py) is missing, every test here is skipped with a reason that
names it, so the summary says why.
"""

from __future__ import annotations

import importlib.util
from collections.abc import AsyncIterator, Iterator
from typing import TYPE_CHECKING

import pytest

from mdmkit.testing.redisserver import RedisServer, redis_server_path

if TYPE_CHECKING:
    from redis.asyncio import Redis


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    if redis_server_path() is None:
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    if importlib.util.find_spec("redis") is None:
        pytest.skip("redis-py is not installed (pip install 'mdmkit[redis]')")
    with RedisServer() as server:
        yield server


@pytest.fixture
async def redis_raw(redis_server: RedisServer) -> AsyncIterator[Redis]:
    """A plain redis-py client on the server, for looking at the keys mdmkit wrote."""
    import redis.asyncio

    client = redis.asyncio.Redis.from_url(redis_server.url, decode_responses=True)
    yield client
    await client.aclose()
