"""A FakeManageEngine (with its Zoho accounts server) and a ManageEngineClient on it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest

from mdmkit.manageengine import ManageEngineClient
from mdmkit.testing import FakeClock, FakeManageEngine


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def fake(clock: FakeClock) -> AsyncIterator[FakeManageEngine]:
    # uploads stay pending 5 clock seconds, so the tests see the client poll their status
    async with FakeManageEngine(devices=120, seed=1, clock=clock, upload_delay=5.0) as server:
        yield server
    assert server.errors == [], "a fake handler crashed"


def client_for(fake: FakeManageEngine, clock: FakeClock, **options: object) -> ManageEngineClient:
    """A Cloud client on the fake, sleeping on the virtual clock."""
    return fake.client(clock=clock.time, sleep=clock.sleep, **options)


@pytest.fixture
async def me(fake: FakeManageEngine, clock: FakeClock) -> AsyncIterator[ManageEngineClient]:
    async with client_for(fake, clock) as client:
        yield client


@pytest.fixture
def device_of(fake: FakeManageEngine) -> Callable[[str], int]:
    """``device_of("android")``: the id of the first managed device of a platform."""

    def pick(platform: str) -> int:
        return next(
            d.id
            for d in fake.state.devices.values()
            if d.platform == platform and d.managed_status == 2
        )

    return pick
