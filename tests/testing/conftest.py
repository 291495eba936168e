"""Fixtures for the fakes' own tests: running fakes and plain aiohttp clients on them."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import aiohttp
import pytest

from mdmkit.testing import FakeClock, FakeManageEngine, FakeSimpleMDM
from tests.support import new_groups
from tests.testing.fakeapi import API_KEY, Api, mint, oauth


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def fake(clock: FakeClock, request: pytest.FixtureRequest) -> AsyncIterator[FakeSimpleMDM]:
    """A New Groups Experience account, or a classic one for tests marked ``CLASSIC``."""
    async with FakeSimpleMDM(
        devices=250, seed=1, api_key=API_KEY, clock=clock, new_groups=new_groups(request)
    ) as server:
        yield server
    assert server.errors == [], "a fake handler crashed"


@pytest.fixture
async def api(fake: FakeSimpleMDM) -> AsyncIterator[Api]:
    async with aiohttp.ClientSession() as session:
        yield Api(session, fake.url)


@pytest.fixture
def device_of(fake: FakeSimpleMDM) -> Callable[[str], int]:
    """``device_of("macos")``: the id of the first enrolled generated device of a platform."""

    def pick(platform: str) -> int:
        devices = fake.state.devices.values()
        return next(d.id for d in devices if d.platform == platform and d.status == "enrolled")

    return pick


@pytest.fixture
async def me_fake(clock: FakeClock) -> AsyncIterator[FakeManageEngine]:
    """A running FakeManageEngine (Cloud) with 120 devices, seed 1, on the virtual clock."""
    async with FakeManageEngine(devices=120, seed=1, clock=clock) as server:
        yield server
    assert server.errors == [], "a fake handler crashed"
    assert server.accounts.errors == [], "a Zoho fake handler crashed"


@pytest.fixture
async def me_api(me_fake: FakeManageEngine) -> AsyncIterator[Api]:
    """A client on the MDM server root with a freshly minted access token."""
    async with aiohttp.ClientSession() as session:
        fake = me_fake
        token = await mint(
            session, fake.accounts_url, fake.client_id, fake.client_secret, fake.refresh_token
        )
        yield Api(session, fake.base_url, None, authorization=oauth(token))
