"""examples/fastapi_app.py served by uvicorn on a real socket, with the fakes behind it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import anyio
import pytest
import uvicorn

from examples.fastapi_app import create_app
from mdmkit import Fleet
from mdmkit.testing import FakeClock, FakeManageEngine, FakeSimpleMDM
from tests.contract.conftest import manageengine_on, simplemdm_on

pytestmark = pytest.mark.anyio


@pytest.fixture
async def service() -> AsyncIterator[tuple[str, FakeSimpleMDM, FakeManageEngine]]:
    """The app served on 127.0.0.1, its lifespan opening a Fleet over both fakes."""
    clock = FakeClock()
    async with (
        FakeSimpleMDM(devices=30, seed=5, clock=clock) as sm_fake,
        FakeManageEngine(devices=30, seed=5, clock=clock) as me_fake,
    ):
        app = create_app(
            lambda: Fleet(simplemdm_on(sm_fake, clock), manageengine_on(me_fake, clock))
        )
        server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="on")
        )
        async with anyio.create_task_group() as group:
            group.start_soon(server.serve)
            while not server.started:  # noqa: ASYNC110  (uvicorn offers a flag, not an event)
                await anyio.sleep(0.01)
            port = server.servers[0].sockets[0].getsockname()[1]
            yield f"http://127.0.0.1:{port}", sm_fake, me_fake
            server.should_exit = True


async def test_lists_devices_across_the_fleet(
    service: tuple[str, FakeSimpleMDM, FakeManageEngine],
) -> None:
    url, _, _ = service
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{url}/devices", params={"limit": "1000"}) as response:
            assert response.status == 200
            devices = await response.json()
        async with http.get(f"{url}/devices", params={"platform": "android"}) as response:
            android = await response.json()
        async with http.get(f"{url}/devices", params={"platform": "pda"}) as response:
            assert response.status == 422
    assert len(devices) == 60
    assert {d["source"] for d in devices} == {"simplemdm", "manageengine"}
    assert android
    assert {d["platform"] for d in android} == {"android"}


async def test_locks_a_lost_device(service: tuple[str, FakeSimpleMDM, FakeManageEngine]) -> None:
    url, _, me_fake = service
    phone = next(
        d
        for d in me_fake.state.devices.values()
        if d.platform == "android" and d.managed_status == 2
    )
    body = {"message": "Lost: call IT", "phone_number": "+15555550100"}
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{url}/devices/manageengine/{phone.id}/lock", json=body) as response:
            assert response.status == 202
            assert (await response.json())["status"] == "lock queued"
        async with http.post(f"{url}/devices/simplemdm/999999/lock", json=body) as response:
            assert response.status == 404
        async with http.post(f"{url}/devices/nowhere/1/lock", json=body) as response:
            assert response.status == 422
    assert me_fake.state.devices[phone.id].lock_count == 1
    assert me_fake.state.devices[phone.id].last_lock_message == "Lost: call IT"
