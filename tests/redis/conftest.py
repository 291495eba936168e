"""A plain client on the test's real ``redis-server`` (``redis_server``: tests/conftest.py).

Where redis-server (or redis-py) is missing, every test here is skipped with a reason that
names it, so the summary says why.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

import pytest

from mdmkit.testing.redisserver import RedisServer

if TYPE_CHECKING:
    from redis.asyncio import Redis


@pytest.fixture
async def redis_raw(redis_server: RedisServer) -> AsyncIterator[Redis]:
    """A plain redis-py client on the server, for looking at the keys mdmkit wrote."""
    import redis.asyncio

    client = redis.asyncio.Redis.from_url(redis_server.url, decode_responses=True)
    yield client
    await client.aclose()
