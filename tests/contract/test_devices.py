"""The neutral device service, the same for SimpleMDM, ManageEngine and a Fleet of both."""

from __future__ import annotations

import attrs
import pytest

from mdmkit.core.errors import InvalidRequestError
from mdmkit.core.fleet import Fleet
from mdmkit.core.models import Device, DeviceStatus, Platform, Vendor
from tests.contract.conftest import Backend

pytestmark = pytest.mark.anyio

# The command each neutral action leaves on the fake's device record, per vendor.
COMMANDS = {
    "simplemdm": {"restart": "restart", "shutdown": "shutdown", "refresh": "refresh"}
    | {"clear_passcode": "clear_passcode", "wipe": "wipe"},
    "manageengine": {"restart": "restart", "shutdown": "shutdown", "refresh": "scan"}
    | {"clear_passcode": "clear_passcode", "wipe": "complete_wipe"},
}


async def test_list_gives_every_device_once_as_neutral_models(backend: Backend) -> None:
    devices = await backend.mdm.devices.list().collect()
    expected = sum(
        len(fake.state.devices) for fake in (backend.simplemdm, backend.manageengine) if fake
    )
    assert len(devices) == expected
    assert len({(d.source, d.id) for d in devices}) == expected
    for device in devices:
        assert isinstance(device.id, str)
        assert device.native is not None
        assert device.source in {m.name for m in backend.members}
        for moment in (device.last_seen_at, device.enrolled_at):
            assert moment is None or moment.tzinfo is not None
    assert {d.status for d in devices} >= {DeviceStatus.ENROLLED}
    assert Platform.UNKNOWN not in {d.platform for d in devices if d.model}


@pytest.mark.parametrize("platform", [Platform.IOS, Platform.ANDROID, Platform.MACOS])
async def test_list_filters_by_platform(backend: Backend, platform: Platform) -> None:
    everything = await backend.mdm.devices.list().collect()
    matching = await backend.mdm.devices.list(platform=platform).collect()
    assert sorted(d.id for d in matching) == sorted(
        d.id for d in everything if d.platform is platform
    )


async def test_search_and_get(backend: Backend) -> None:
    first = await backend.mdm.devices.list().first()
    assert first is not None
    assert first.name
    found = await backend.mdm.devices.list(search=first.name).collect()
    assert first.id in {d.id for d in found}
    again = await backend.mdm.devices.get(first)
    assert again.id == first.id
    assert again.serial_number == first.serial_number
    if not isinstance(backend.mdm, Fleet):
        assert (await backend.mdm.devices.get(first.id)).id == first.id


async def test_every_listed_device_comes_back_from_get(backend: Backend) -> None:
    """Whatever its status (ManageEngine has no summary for unmanaged devices), with its
    groups either known and true, or said to be unknown."""
    one_of_each: dict[tuple[str, DeviceStatus], Device] = {}
    for device in await backend.mdm.devices.list().collect():
        one_of_each.setdefault((device.source, device.status), device)
    assert {status for _, status in one_of_each} >= {
        DeviceStatus.ENROLLED,
        DeviceStatus.AWAITING_ENROLLMENT,
    }
    for device in one_of_each.values():
        again = await backend.mdm.devices.get(device)
        assert (again.id, again.status) == (device.id, device.status)
        assert isinstance(again.group_ids_known, bool)
        if again.group_ids_known and not isinstance(backend.mdm, Fleet):
            for group_id in again.group_ids:
                members = await backend.mdm.groups.members(group_id).collect()
                assert device.id in {m.id for m in members}
        if not again.group_ids_known and again.vendor is Vendor.MANAGEENGINE:
            assert again.group_ids == ()  # no summary: nothing claimed


async def test_lock_reaches_the_device_once(backend: Backend) -> None:
    (phone,) = await backend.lockable(1)
    await backend.mdm.devices.lock(phone, message="Lost: call IT", phone_number="+15555550100")
    record = backend.fake_device(phone)
    assert record.lock_count == 1
    assert record.last_lock_message == "Lost: call IT"


@pytest.mark.parametrize("action", ["restart", "shutdown", "refresh", "clear_passcode", "wipe"])
async def test_device_actions(backend: Backend, action: str) -> None:
    (phone,) = await backend.lockable(1)
    await getattr(backend.mdm.devices, action)(phone)
    assert COMMANDS[phone.vendor.value][action] in backend.fake_device(phone).command_names()


async def test_lost_mode_on_and_off(backend: Backend) -> None:
    (phone,) = await backend.lockable(1)
    await backend.mdm.devices.enable_lost_mode(phone, message="Lost", phone_number="+15555550100")
    assert backend.fake_device(phone).lost_mode_enabled
    await backend.mdm.devices.disable_lost_mode(phone)
    assert not backend.fake_device(phone).lost_mode_enabled


async def test_lost_mode_needs_a_message_or_a_number(backend: Backend) -> None:
    (phone,) = await backend.lockable(1)
    requests = backend.fake_requests(phone)
    before = len(requests)
    with pytest.raises(InvalidRequestError):
        await backend.mdm.devices.enable_lost_mode(phone)
    assert len(requests) == before


async def test_bulk_run_gives_one_outcome_per_device_in_order(backend: Backend) -> None:
    phones = await backend.lockable(6)
    seen: list[int] = []
    result = await backend.mdm.devices.run(
        "refresh", phones, on_progress=lambda outcome, done, total: seen.append(done)
    )
    assert [o.target for o in result] == phones
    assert result.all_ok
    assert sorted(seen) == list(range(1, len(phones) + 1))
    for phone in phones:
        assert COMMANDS[phone.vendor.value]["refresh"] in backend.fake_device(phone).command_names()


async def test_models_compare_without_their_native_part(backend: Backend) -> None:
    device = await backend.mdm.devices.list().first()
    assert isinstance(device, Device)
    assert "native" not in repr(device)
    assert attrs.evolve(device, native=object()) == device
