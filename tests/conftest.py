"""Shared test setup. mdmkit's pytest plugin (loaded from its entry point, as in a user's
project) supplies the fakes' fixtures and pins anyio's backend to asyncio, which aiohttp needs.

``redis_server`` is a real ``redis-server`` on a free loopback port for the tests that share
state over Redis (tests/redis, the command's Redis settings); where redis-server or redis-py
is missing those tests are skipped with a reason that names it."""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator

import pytest

from mdmkit.testing.redisserver import RedisServer, redis_server_path


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    if redis_server_path() is None:
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    if importlib.util.find_spec("redis") is None:
        pytest.skip("redis-py is not installed (pip install 'mdmkit[redis]')")
    with RedisServer() as server:
        yield server
