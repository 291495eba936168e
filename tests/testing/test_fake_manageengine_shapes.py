"""The fake ManageEngine answers in the real server's shapes (shared/research/real-world.md).

Over real sockets with a plain aiohttp client: "--" and 0 for unknown detail fields, COM0008
summaries for unmanaged devices, the summary's own scope, ``limit`` clamped to 200, relative
and proxy-host ``paging.next`` links, and the documented numeric error code.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from mdmkit.testing import FakeClock, FakeManageEngine
from mdmkit.testing.manageengine.records import Device
from tests.testing.fakeapi import MDM, Api, mint, oauth

pytestmark = pytest.mark.anyio

PENDING, REMOVED, MANAGED = 1, 4, 2


async def api_for(
    session: aiohttp.ClientSession, fake: FakeManageEngine, refresh_token: str | None = None
) -> Api:
    token = await mint(
        session,
        fake.accounts_url,
        fake.client_id,
        fake.client_secret,
        refresh_token or fake.refresh_token,
    )
    return Api(session, fake.base_url, None, authorization=oauth(token))


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client:
        yield client


def device(fake: FakeManageEngine, status: int, *, cellular: bool | None = None) -> Device:
    return next(
        d
        for d in fake.state.devices.values()
        if d.managed_status == status and cellular in (None, d.gen.imei is not None)
    )


async def test_unknown_detail_fields_are_dashes_and_unknown_dates_zero(
    me_fake: FakeManageEngine, me_api: Api
) -> None:
    wifi = device(me_fake, MANAGED, cellular=False)
    detail = (await me_api.get(f"{MDM}/devices/{wifi.id}")).json
    assert detail["imei"] == "--"
    assert detail["network"]["iccid"] == "--"
    assert detail["model_name"] == wifi.gen.model.model_name  # known: as it is
    assert (detail["purchase_date"], detail["warranty_expiration_date"]) == (0, "0")

    pending = device(me_fake, PENDING)
    detail = (await me_api.get(f"{MDM}/devices/{pending.id}")).json
    assert detail["imei"] == ([pending.gen.imei] if pending.gen.imei else "--")
    assert (detail["model_name"], detail["os_version"], detail["os"]["os_version"]) == ("--",) * 3
    assert detail["last_contact_time"] == 0
    assert detail["serial_number"] == pending.gen.serial_number

    listed = (await me_api.get(f"{MDM}/devices?limit=200")).json["devices"]
    assert all(isinstance(item["imei"], list) for item in listed)  # the list keeps its shape


@pytest.mark.parametrize("status", [PENDING, REMOVED])
async def test_only_managed_devices_have_a_summary(
    me_fake: FakeManageEngine, me_api: Api, status: int
) -> None:
    unmanaged = device(me_fake, status, cellular=False)
    reply = await me_api.get(f"{MDM}/devices/{unmanaged.id}/summary")
    assert (reply.status, reply.json["error_code"]) == (404, "COM0008")
    assert (await me_api.get(f"{MDM}/devices/{unmanaged.id}")).status == 200
    managed = device(me_fake, MANAGED, cellular=False)
    assert (await me_api.get(f"{MDM}/devices/{managed.id}/summary")).status == 200


async def test_the_summary_needs_device_management_read(
    me_fake: FakeManageEngine, session: aiohttp.ClientSession
) -> None:
    managed = device(me_fake, MANAGED, cellular=False)
    inventory = await api_for(
        session, me_fake, me_fake.accounts.new_refresh_token("MDMOnDemand.MDMInventory.ALL")
    )
    assert (await inventory.get(f"{MDM}/devices/{managed.id}")).status == 200
    denied = await inventory.get(f"{MDM}/devices/{managed.id}/summary")
    assert (denied.status, denied.json["error_code"]) == (403, "COM0013")
    assert "MDMOnDemand.MDMDeviceMgmt.READ" in denied.json["error_description"]
    reader = await api_for(
        session, me_fake, me_fake.accounts.new_refresh_token("MDMOnDemand.MDMDeviceMgmt.READ")
    )
    assert (await reader.get(f"{MDM}/devices/{managed.id}/summary")).status == 200


async def test_limit_is_clamped_to_200(clock: FakeClock, session: aiohttp.ClientSession) -> None:
    async with FakeManageEngine(devices=230, clock=clock) as fake:
        api = await api_for(session, fake)
        big = (await api.get(f"{MDM}/devices?limit=5000")).json
        assert len(big["devices"]) == 200
        assert big["paging"]["next"].endswith("?limit=200&offset=200")
        assert len((await api.get(f"{MDM}/devices")).json["devices"]) == 50  # the default


@pytest.mark.parametrize(
    ("style", "start"),
    [
        ("absolute", "http://127.0.0.1:"),
        ("relative", "/api/v1/mdm/"),
        ("proxy", "http://inner:81/"),
    ],
)
async def test_paging_links_in_the_three_styles(
    clock: FakeClock, session: aiohttp.ClientSession, style: str, start: str
) -> None:
    async with FakeManageEngine(
        devices=30,
        clock=clock,
        next_links=style,  # type: ignore[arg-type]
        proxy_origin="http://inner:81",
    ) as fake:
        api = await api_for(session, fake)
        devices = (await api.get(f"{MDM}/devices?limit=10&offset=10")).json["paging"]
        users = (await api.get(f"{MDM}/users?limit=1")).json["paging"]
        for link in (devices["next"], devices["previous"], users["next"]):
            assert link.startswith(start)
        assert devices["next"].endswith("/api/v1/mdm/devices?limit=10&offset=20")
        assert "skip-token=" in users["next"]


async def test_numeric_error_codes_as_documented(
    clock: FakeClock, session: aiohttp.ClientSession
) -> None:
    async with FakeManageEngine(devices=3, clock=clock, numeric_error_codes=True) as fake:
        api = await api_for(session, fake)
        unknown = await api.get(f"{MDM}/devices/108870000001999999")
        assert unknown.status == 400
        assert unknown.json["error_code"] == 1002
        assert unknown.json["error_description"] == "Unknown ID"
        bad = await api.get(f"{MDM}/devices?limit=0")  # other errors keep their codes
        assert (bad.status, bad.json["error_code"]) == (400, "COM0014")
