"""pytest fixtures for your own tests: running fakes and clients already pointed at them.

Enable it in your ``conftest.py`` with ``pytest_plugins = ["mdmkit.testing.pytest_plugin"]``
(it needs anyio's pytest plugin, which ships with anyio, and async tests marked
``@pytest.mark.anyio``). The only module of ``mdmkit.testing`` that imports the clients.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from mdmkit.simplemdm import SimpleMDMClient
from mdmkit.testing.clock import FakeClock
from mdmkit.testing.simplemdm import FakeSimpleMDM

__all__ = ["fake_clock", "fake_simplemdm", "simplemdm_client"]


@pytest.fixture
def fake_clock() -> FakeClock:
    """A virtual clock shared by the fakes and clients below: backoff waits take no time."""
    return FakeClock()


@pytest.fixture
async def fake_simplemdm(fake_clock: FakeClock) -> AsyncIterator[FakeSimpleMDM]:
    """A running FakeSimpleMDM with 50 generated devices (seed 1)."""
    async with FakeSimpleMDM(devices=50, seed=1, clock=fake_clock) as fake:
        yield fake


@pytest.fixture
async def simplemdm_client(
    fake_simplemdm: FakeSimpleMDM, fake_clock: FakeClock
) -> AsyncIterator[SimpleMDMClient]:
    """A SimpleMDMClient on ``fake_simplemdm``, sleeping on the virtual clock."""
    async with SimpleMDMClient(
        fake_simplemdm.api_key,
        base_url=fake_simplemdm.url,
        clock=fake_clock.time,
        sleep=fake_clock.sleep,
    ) as client:
        yield client
