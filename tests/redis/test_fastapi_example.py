"""examples/fastapi_app.py with MDMKIT_REDIS_URL set: its workers share a token and a budget."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from examples.fastapi_app import create_app
from mdmkit import Fleet
from mdmkit.testing import FakeManageEngine, FakeSimpleMDM
from mdmkit.testing.redisserver import RedisServer

if TYPE_CHECKING:
    from redis.asyncio import Redis

pytestmark = pytest.mark.anyio


async def test_the_lifespan_shares_redis_with_the_fleet(
    redis_server: RedisServer, redis_raw: Redis, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with FakeSimpleMDM(devices=3) as sm_fake, FakeManageEngine(devices=3) as me_fake:
        for name, value in {
            "MDMKIT_REDIS_URL": redis_server.url,
            "SIMPLEMDM_REQUESTS_PER_SECOND": "50",
            "SIMPLEMDM_API_KEY": sm_fake.api_key,
            "SIMPLEMDM_BASE_URL": sm_fake.url,
            "MANAGEENGINE_CLIENT_ID": me_fake.client_id,
            "MANAGEENGINE_CLIENT_SECRET": me_fake.client_secret,
            "MANAGEENGINE_REFRESH_TOKEN": me_fake.refresh_token,
            "MANAGEENGINE_BASE_URL": me_fake.base_url,
            "MANAGEENGINE_ACCOUNTS_URL": me_fake.accounts_url,
        }.items():
            monkeypatch.setenv(name, value)
        app = create_app()
        async with app.router.lifespan_context(app):
            fleet: Fleet = app.state.fleet
            assert len(await fleet.devices.list().collect()) == 6
        # the Zoho token and the SimpleMDM budget live in Redis, for every worker to share
        kinds = sorted(str(k).split(":")[1] for k in await redis_raw.keys("mdmkit:*"))
        assert kinds == ["budget", "token"]
