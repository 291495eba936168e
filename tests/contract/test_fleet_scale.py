"""A Fleet of two 500-device fakes, and a bulk lock of 200 devices under injected faults."""

from __future__ import annotations

from collections import Counter

import pytest

from mdmkit.core.errors import ServerError, TransportError
from mdmkit.core.fleet import Fleet
from mdmkit.core.models import Device, DeviceStatus, Platform
from mdmkit.testing import Drop, FakeClock, FakeManageEngine, FakeSimpleMDM, RateLimited
from mdmkit.testing import ServerError as FakeServerError
from tests.contract.conftest import manageengine_on, simplemdm_on

pytestmark = pytest.mark.anyio

PHONES = (Platform.IOS, Platform.IPADOS, Platform.ANDROID)  # locked without a PIN


async def test_500_devices_per_vendor_list_through_a_fleet_exactly_once(clock: FakeClock) -> None:
    async with (
        FakeSimpleMDM(devices=500, seed=11, clock=clock) as sm_fake,
        FakeManageEngine(devices=500, seed=11, clock=clock) as me_fake,
        Fleet(simplemdm_on(sm_fake, clock), manageengine_on(me_fake, clock)) as fleet,
    ):
        seen = Counter([(d.source, d.id) async for d in fleet.devices.list()])
    assert len(seen) == 1000
    assert set(seen.values()) == {1}
    assert {source for source, _ in seen} == {"simplemdm", "manageengine"}
    assert {i for s, i in seen if s == "simplemdm"} == {str(i) for i in sm_fake.state.devices}
    assert {i for s, i in seen if s == "manageengine"} == {str(i) for i in me_fake.state.devices}


def lock_route(device: Device) -> str:
    if device.vendor.value == "simplemdm":
        return f"POST */devices/{device.id}/lock"
    return f"POST */devices/{device.id}/actions/lock"


async def test_bulk_lock_of_200_devices_under_faults(clock: FakeClock) -> None:
    async with (
        FakeSimpleMDM(devices=260, seed=12, clock=clock) as sm_fake,
        FakeManageEngine(devices=260, seed=12, clock=clock) as me_fake,
        Fleet(simplemdm_on(sm_fake, clock), manageengine_on(me_fake, clock)) as fleet,
    ):
        phones: list[Device] = []
        for member in fleet.members.values():
            taken = 0
            async for device in member.devices.list():
                if device.status is DeviceStatus.ENROLLED and device.platform in PHONES:
                    phones.append(device)
                    taken += 1
                    if taken == 100:
                        break
        assert len(phones) == 200
        phones = phones[::2] + phones[1::2]  # interleave the two vendors
        fakes: dict[str, FakeSimpleMDM | FakeManageEngine] = {
            "simplemdm": sm_fake,
            "manageengine": me_fake,
        }
        # a tenth of the devices get a fault: 5 of each kind per vendor
        faulty: dict[str, list[Device]] = {
            "refused": [],
            "unavailable": [],
            "failed": [],
            "dropped": [],
        }
        for vendor in fakes:
            mine = [d for d in phones if d.vendor.value == vendor][:20]
            for kind, chunk in zip(
                faulty, (mine[0:5], mine[5:10], mine[10:15], mine[15:20]), strict=True
            ):
                faulty[kind] += chunk
        for device in faulty["refused"]:
            fakes[device.vendor.value].faults.add(
                RateLimited(retry_after=2), route=lock_route(device)
            )
        for device in faulty["unavailable"]:
            fakes[device.vendor.value].faults.add(FakeServerError(503), route=lock_route(device))
        for device in faulty["failed"]:
            fakes[device.vendor.value].faults.add(FakeServerError(500), route=lock_route(device))
        for device in faulty["dropped"]:
            fakes[device.vendor.value].faults.add(Drop(after=True), route=lock_route(device))

        result = await fleet.devices.run("lock", phones, message="Fleet drill")

    assert len(result) == 200
    assert [o.target for o in result] == phones
    failed_ids = {(d.source, d.id) for d in faulty["failed"]}
    dropped_ids = {(d.source, d.id) for d in faulty["dropped"]}
    for outcome in result:
        key = (outcome.target.source, outcome.target.id)
        if key in failed_ids:
            assert isinstance(outcome.error, ServerError)
        elif key in dropped_ids:
            assert isinstance(outcome.error, TransportError)
        else:
            assert outcome.ok, outcome.error
    assert len(result.succeeded) == 180
    assert result.summary() == "180 ok, 20 failed (ServerError: 10, TransportError: 10)"

    for device in phones:
        fake = fakes[device.vendor.value]
        record = fake.state.devices[int(device.id)]
        expected = 0 if (device.source, device.id) in failed_ids else 1
        assert record.lock_count == expected, device  # never locked twice
        sent = fake.requests.count(method="POST", path=lock_route(device).split(" ", 1)[1])
        if device in faulty["refused"] or device in faulty["unavailable"]:
            assert sent == 2  # refused once, retried once
        else:
            assert sent == 1  # a 500 or a drop after applying is never re-sent


async def test_two_tenants_of_one_vendor_in_one_fleet(clock: FakeClock) -> None:
    async with (
        FakeSimpleMDM(devices=40, seed=21, clock=clock) as east_fake,
        FakeSimpleMDM(devices=30, seed=22, clock=clock) as west_fake,
        Fleet(
            simplemdm_on(east_fake, clock, name="east"),
            simplemdm_on(west_fake, clock, name="west"),
        ) as fleet,
    ):
        devices = await fleet.devices.list().collect()
        by_source = Counter(d.source for d in devices)
        assert by_source == {"east": 40, "west": 30}
        # ids overlap between the tenants: routing must follow the source, not the id
        shared = {d.id for d in devices if d.source == "east"} & {
            d.id for d in devices if d.source == "west"
        }
        assert shared
        target = next(
            d
            for d in devices
            if d.source == "west"
            and d.id in shared
            and d.platform in PHONES
            and d.status is DeviceStatus.ENROLLED
        )
        await fleet.devices.lock(target, message="West only")
    assert west_fake.state.devices[int(target.id)].lock_count == 1
    assert east_fake.state.devices[int(target.id)].lock_count == 0
