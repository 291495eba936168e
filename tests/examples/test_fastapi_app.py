"""examples/fastapi_app.py served by uvicorn on a real socket, with the fakes behind it."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator

import aiohttp
import pytest

from examples.fastapi_app import configured_backends, create_app
from mdmkit import Fleet, ManageEngine, SimpleMDM
from mdmkit.testing import FakeClock, FakeManageEngine, FakeSimpleMDM
from tests.contract.conftest import manageengine_on, simplemdm_on
from tests.examples import serve
from tests.examples.serve import free_port


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
        async with serve.serving(app) as url:
            yield url, sm_fake, me_fake


@pytest.mark.anyio
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


@pytest.mark.anyio
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


@pytest.mark.anyio
async def test_the_readme_command_serves_the_fakes_when_no_credentials_are_set() -> None:
    """``uvicorn examples.fastapi_app:app`` as the README says, in a clean environment."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SIMPLEMDM_", "MANAGEENGINE_"))}
    async with serve.uvicorn(["examples.fastapi_app:app", "--port", str(port)], env) as output:
        assert b"serving the built-in fakes" in output.text
        async with (
            aiohttp.ClientSession() as http,
            http.get(f"http://127.0.0.1:{port}/devices", params={"limit": "1000"}) as reply,
        ):
            assert reply.status == 200
            devices = await reply.json()
        assert len(devices) == 100
        assert {d["source"] for d in devices} == {"simplemdm", "manageengine"}


def test_credentials_in_the_environment_choose_the_backends(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in [n for n in os.environ if n.startswith(("SIMPLEMDM_", "MANAGEENGINE_"))]:
        monkeypatch.delenv(name)
    assert configured_backends() == []
    monkeypatch.setenv("SIMPLEMDM_API_KEY", "key")
    (only,) = configured_backends()
    assert isinstance(only, SimpleMDM)
    monkeypatch.setenv("MANAGEENGINE_API_KEY", "key")
    monkeypatch.setenv("MANAGEENGINE_SERVER_URL", "https://mdm.corp.example:8383")
    assert [type(b) for b in configured_backends()] == [SimpleMDM, ManageEngine]
