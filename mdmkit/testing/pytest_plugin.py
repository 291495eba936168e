"""pytest fixtures for your own tests: running fakes and clients already pointed at them.

Enable it in your ``conftest.py`` with ``pytest_plugins = ["mdmkit.testing.pytest_plugin"]``
(it needs anyio's pytest plugin, which ships with anyio, and async tests marked
``@pytest.mark.anyio``). The only module of ``mdmkit.testing`` that imports the clients.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from mdmkit.manageengine import ManageEngineClient
from mdmkit.simplemdm import SimpleMDMClient
from mdmkit.testing.clock import FakeClock
from mdmkit.testing.manageengine import FakeManageEngine
from mdmkit.testing.simplemdm import FakeSimpleMDM

__all__ = [
    "fake_clock",
    "fake_manageengine",
    "fake_simplemdm",
    "manageengine_client",
    "simplemdm_client",
]


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


@pytest.fixture
async def fake_manageengine(fake_clock: FakeClock) -> AsyncIterator[FakeManageEngine]:
    """A running FakeManageEngine (Cloud, with its Zoho accounts server), 50 devices, seed 1."""
    async with FakeManageEngine(devices=50, seed=1, clock=fake_clock) as fake:
        yield fake


@pytest.fixture
async def manageengine_client(
    fake_manageengine: FakeManageEngine, fake_clock: FakeClock
) -> AsyncIterator[ManageEngineClient]:
    """A ManageEngineClient on ``fake_manageengine``, sleeping on the virtual clock."""
    async with ManageEngineClient(
        fake_manageengine.client_id,
        fake_manageengine.client_secret,
        fake_manageengine.refresh_token,
        base_url=fake_manageengine.base_url,
        accounts_url=fake_manageengine.accounts_url,
        clock=fake_clock.time,
        sleep=fake_clock.sleep,
    ) as client:
        yield client
