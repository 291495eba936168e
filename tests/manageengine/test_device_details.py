"""``devices.get`` when the summary fails, and the server's "unknown" spellings ("--", 0).

The fake answers as the real server's code does: only managed devices have a summary (COM0008
for pending, removed or retired ones), the summary needs ``MDMOnDemand.MDMDeviceMgmt.READ``, and
details write what the server does not know as ``"--"`` and unknown dates as ``0``/``"0"``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from mdmkit.core.errors import ResponseFormatError
from mdmkit.core.models import DeviceStatus
from mdmkit.http.convert import structure_model
from mdmkit.manageengine import ManageEngine, ManageEngineClient
from mdmkit.manageengine import models as native
from mdmkit.testing import FakeClock, FakeManageEngine
from mdmkit.testing import ServerError as Fail
from mdmkit.testing.manageengine.records import Device as FakeDevice
from tests.contract.conftest import manageengine_on

pytestmark = pytest.mark.anyio

M = "/api/v1/mdm"
PENDING, REMOVED, MANAGED = 1, 4, 2
CONVERTER = native.make_converter()


@pytest.fixture
async def mdm(fake: FakeManageEngine, clock: FakeClock) -> AsyncIterator[ManageEngine]:
    async with manageengine_on(fake, clock) as backend:
        yield backend


def record(fake: FakeManageEngine, status: int, *, cellular: bool | None = None) -> FakeDevice:
    return next(
        d
        for d in fake.state.devices.values()
        if d.managed_status == status
        and fake.state.group_ids_of(d)
        and (cellular is None or (d.gen.imei is not None) == cellular)
    )


def summaries(fake: FakeManageEngine) -> int:
    return fake.requests.count(method="GET", path=f"{M}/devices/*/summary")


@pytest.mark.parametrize("status", [PENDING, REMOVED])
async def test_a_device_without_a_summary_still_comes_back(
    fake: FakeManageEngine, mdm: ManageEngine, status: int
) -> None:
    device = record(fake, status)
    got = await mdm.devices.get(device.id)
    assert got.id == str(device.id)
    assert got.status is {PENDING: DeviceStatus.AWAITING_ENROLLMENT}.get(
        status, DeviceStatus.REMOVED
    )
    assert (got.group_ids, got.group_ids_known) == ((), False)  # unknown, not "in no group"
    (summary,) = fake.requests.filter(path=f"{M}/devices/{device.id}/summary")
    assert summary.status == 404  # the fake answered COM0008, as the server does


async def test_a_managed_device_names_its_groups(fake: FakeManageEngine, mdm: ManageEngine) -> None:
    device = record(fake, MANAGED)
    got = await mdm.devices.get(device.id)
    assert got.group_ids_known
    assert got.group_ids == tuple(str(g) for g in fake.state.group_ids_of(device))


async def test_a_token_without_the_summary_scope_still_gets_devices(
    fake: FakeManageEngine, clock: FakeClock
) -> None:
    refresh_token = fake.accounts.new_refresh_token("MDMOnDemand.MDMInventory.ALL")
    client = ManageEngineClient(
        fake.client_id,
        fake.client_secret,
        refresh_token,
        base_url=fake.base_url,
        accounts_url=fake.accounts_url,
        clock=clock.time,
        sleep=clock.sleep,
    )
    async with ManageEngine.from_client(client) as mdm:
        first, second = record(fake, MANAGED), list(fake.state.devices.values())[-1]
        for device in (first, second):
            got = await mdm.devices.get(device.id)
            assert (got.id, got.group_ids_known) == (str(device.id), False)
    assert [r.status for r in fake.requests.filter(path=f"{M}/devices/*/summary")] == [403]
    assert summaries(fake) == 1  # a 403 on the scope is not asked again


async def test_a_summary_that_keeps_failing_does_not_fail_the_device(
    fake: FakeManageEngine, mdm: ManageEngine
) -> None:
    fake.faults.add(Fail(500), route="GET */summary", times=None)
    device = record(fake, MANAGED)
    got = await mdm.devices.get(device.id)
    assert (got.id, got.group_ids_known) == (str(device.id), False)
    assert summaries(fake) == 4  # the policy's attempts, then the device without its groups


async def test_unknown_detail_fields_are_none_not_dashes_or_1970(
    fake: FakeManageEngine, mdm: ManageEngine
) -> None:
    pending = record(fake, PENDING, cellular=False)
    detail = (await mdm.native.request("GET", f"{M}/devices/{pending.id}")).json()
    assert (detail["imei"], detail["model_name"], detail["os_version"]) == ("--", "--", "--")
    assert (detail["last_contact_time"], detail["purchase_date"]) == (0, 0)
    assert detail["warranty_expiration_date"] == "0"

    item = await mdm.native.devices.get(pending.id)
    assert item.imei == ()
    assert (item.model_name, item.model, item.product_name, item.os_version) == (None,) * 4
    assert item.os is not None
    assert item.os.os_version is None
    assert (item.last_contact_time, item.purchase_date, item.warranty_expiration_date) == (
        None,
        None,
        None,
    )
    got = await mdm.devices.get(pending.id)
    assert (got.imei, got.model, got.os_version, got.last_seen_at) == ((), None, None, None)
    assert got.serial_number == pending.gen.serial_number  # what is known stays


DETAIL: dict[str, Any] = {"device_id": 108870000001000001, "device_name": "iPad"}


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"imei": "--"}, {"imei": ()}),
        ({"imei": ["--", "354445066521325"]}, {"imei": ("354445066521325",)}),
        ({"imei": 354445066521325}, {"imei": ("354445066521325",)}),
        ({"imei": ["35 4445 066521325"]}, {"imei": ("35 4445 066521325",)}),
        ({"model_name": "--", "udid": "", "agent_version": "--"}, {"model_name": None}),
        ({"last_contact_time": 0, "registered_time": "0"}, {"last_contact_time": None}),
        ({"purchase_date": "--", "added_time": ""}, {"purchase_date": None}),
        ({"battery_level": "--", "purchase_price": "--"}, {"battery_level": None}),
        ({"is_supervised": "--", "owned_by": "--"}, {"is_supervised": None, "owned_by": None}),
        ({"platform_type_id": "--", "managed_status": "2"}, {"managed_status": 2}),
        ({"last_contact_time": 1700000000000}, {}),
    ],
)
def test_unknown_spellings_read_as_none(fields: dict[str, Any], expected: dict[str, Any]) -> None:
    device = structure_model(CONVERTER, {**DETAIL, **fields}, native.Device)
    for name, value in expected.items():
        assert getattr(device, name) == value
    if fields.get("last_contact_time"):
        assert device.last_contact_time is not None
        assert device.last_contact_time.year == 2023


@pytest.mark.parametrize(
    "fields",
    [
        {"imei": {"a": 1}},
        {"imei": [["354445066521325"]]},
        {"imei": True},
        {"imei": 3.5},
        {"imei": [None, {"x": 1}]},
        {"platform_type_id": True},
        {"platform_type_id": "iOS 17"},
        {"managed_status": "two"},
        {"owned_by": 1.5},
        {"device_id": "--"},
        {"device_id": 1e18},
    ],
)
def test_what_is_not_a_documented_quirk_is_refused(fields: dict[str, Any]) -> None:
    with pytest.raises(ResponseFormatError):
        structure_model(CONVERTER, {**DETAIL, **fields}, native.Device)


def test_nineteen_digit_ids_and_numbers_as_strings_are_kept_exact() -> None:
    device = structure_model(
        CONVERTER,
        {"device_id": "9223372036854775807", "managed_status": "2", "owned_by": 1},
        native.Device,
    )
    assert device.device_id == 2**63 - 1
    assert (device.managed_status, device.owned_by) == (2, 1)
