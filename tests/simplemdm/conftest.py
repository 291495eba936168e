"""A FakeSimpleMDM and a SimpleMDMClient pointed at it, sharing one virtual clock."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest

from mdmkit.simplemdm import SimpleMDMClient
from mdmkit.testing import FakeClock, FakeSimpleMDM
from tests.support import new_groups


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def fake(clock: FakeClock, request: pytest.FixtureRequest) -> AsyncIterator[FakeSimpleMDM]:
    """A New Groups Experience account, or a classic one for tests marked ``CLASSIC``."""
    async with FakeSimpleMDM(
        devices=250, seed=1, clock=clock, new_groups=new_groups(request)
    ) as server:
        yield server
    assert server.errors == [], "a fake handler crashed"


@pytest.fixture
async def sm(fake: FakeSimpleMDM, clock: FakeClock) -> AsyncIterator[SimpleMDMClient]:
    """A client on the fake; backoff sleeps advance the virtual clock instead of waiting."""
    async with SimpleMDMClient(
        fake.api_key, base_url=fake.url, clock=clock.time, sleep=clock.sleep
    ) as client:
        yield client


@pytest.fixture
def device_of(fake: FakeSimpleMDM) -> Callable[[str], int]:
    """``device_of("macos")``: the id of the first enrolled device of a platform."""

    def pick(platform: str) -> int:
        devices = fake.state.devices.values()
        return next(d.id for d in devices if d.platform == platform and d.status == "enrolled")

    return pick
