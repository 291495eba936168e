"""The fixtures users get from ``mdmkit.testing.pytest_plugin``, used as a user would."""

from __future__ import annotations

import pytest

from mdmkit.manageengine import ManageEngineClient
from mdmkit.simplemdm import SimpleMDMClient
from mdmkit.testing import FakeManageEngine, FakeSimpleMDM, RateLimited

pytest_plugins = ["mdmkit.testing.pytest_plugin"]


@pytest.mark.anyio
async def test_fixtures_give_a_working_client_on_a_fake(
    fake_simplemdm: FakeSimpleMDM, simplemdm_client: SimpleMDMClient
) -> None:
    fake_simplemdm.faults.add(RateLimited(retry_after=30), route="GET */devices")
    devices = await simplemdm_client.devices.list(include_awaiting_enrollment=True).collect()
    assert len(devices) == 50
    assert [r.status for r in fake_simplemdm.requests.filter(path="*/devices")] == [429, 200]


@pytest.mark.anyio
async def test_manageengine_fixtures(
    fake_manageengine: FakeManageEngine, manageengine_client: ManageEngineClient
) -> None:
    devices = await manageengine_client.devices.list().collect()
    assert len(devices) == 50
    assert fake_manageengine.accounts.mints == 1
