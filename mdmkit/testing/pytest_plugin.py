"""pytest fixtures for your own tests: running fakes and clients already pointed at them.

Installing mdmkit registers this module with pytest (the ``pytest11`` entry point): the
fixtures are there with no conftest line. Async tests are marked ``@pytest.mark.anyio`` and
run on anyio's asyncio backend (the ``anyio_backend`` default below; a conftest fixture of
that name overrides it). The fakes are imported when a fixture first needs them, so a run
that uses none pays nothing; the clients come from ``fake.client()`` and ``fake.mdm()``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from mdmkit.manageengine import ManageEngine, ManageEngineClient
    from mdmkit.simplemdm import SimpleMDM, SimpleMDMClient
    from mdmkit.testing.clock import FakeClock
    from mdmkit.testing.manageengine import FakeManageEngine
    from mdmkit.testing.simplemdm import FakeSimpleMDM

__all__ = [
    "fake_clock",
    "fake_manageengine",
    "fake_simplemdm",
    "manageengine_client",
    "manageengine_mdm",
    "simplemdm_client",
    "simplemdm_mdm",
]


@pytest.hookimpl(trylast=True)
def pytest_configure(config: pytest.Config) -> None:
    """Register the ``anyio_backend`` default (``_backend``) once every plugin is loaded."""
    from mdmkit.testing import _backend

    config.pluginmanager.register(_backend, "mdmkit-anyio-backend")


@pytest.fixture
def fake_clock() -> FakeClock:
    """A virtual clock shared by the fakes and clients below: backoff waits take no time."""
    from mdmkit.testing.clock import FakeClock

    return FakeClock()


@pytest.fixture
async def fake_simplemdm(fake_clock: FakeClock) -> AsyncIterator[FakeSimpleMDM]:
    """A running FakeSimpleMDM with 50 generated devices (seed 1) on ``fake_clock``."""
    from mdmkit.testing.simplemdm import FakeSimpleMDM

    async with FakeSimpleMDM(devices=50, seed=1, clock=fake_clock) as fake:
        yield fake


@pytest.fixture
async def simplemdm_client(fake_simplemdm: FakeSimpleMDM) -> AsyncIterator[SimpleMDMClient]:
    """An open ``SimpleMDMClient`` on ``fake_simplemdm`` (``fake_simplemdm.client()``)."""
    async with fake_simplemdm.client() as client:
        yield client


@pytest.fixture
async def simplemdm_mdm(fake_simplemdm: FakeSimpleMDM) -> AsyncIterator[SimpleMDM]:
    """An open neutral ``SimpleMDM`` on ``fake_simplemdm`` (``fake_simplemdm.mdm()``)."""
    async with fake_simplemdm.mdm() as mdm:
        yield mdm


@pytest.fixture
async def fake_manageengine(fake_clock: FakeClock) -> AsyncIterator[FakeManageEngine]:
    """A running FakeManageEngine (Cloud, with its Zoho accounts server), 50 devices, seed 1."""
    from mdmkit.testing.manageengine import FakeManageEngine

    async with FakeManageEngine(devices=50, seed=1, clock=fake_clock) as fake:
        yield fake


@pytest.fixture
async def manageengine_client(
    fake_manageengine: FakeManageEngine,
) -> AsyncIterator[ManageEngineClient]:
    """An open ``ManageEngineClient`` on ``fake_manageengine`` (``fake_manageengine.client()``)."""
    async with fake_manageengine.client() as client:
        yield client


@pytest.fixture
async def manageengine_mdm(fake_manageengine: FakeManageEngine) -> AsyncIterator[ManageEngine]:
    """An open neutral ``ManageEngine`` on ``fake_manageengine`` (``fake_manageengine.mdm()``)."""
    async with fake_manageengine.mdm() as mdm:
        yield mdm
