"""Fixtures for the fakes' own tests: a running FakeSimpleMDM and a plain aiohttp client."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import aiohttp
import pytest

from mdmkit.testing import FakeClock, FakeSimpleMDM
from tests.testing.fakeapi import API_KEY, Api


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def fake(clock: FakeClock) -> AsyncIterator[FakeSimpleMDM]:
    async with FakeSimpleMDM(devices=250, seed=1, api_key=API_KEY, clock=clock) as server:
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
