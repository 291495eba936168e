"""The webhook events of the fake SimpleMDM, rendered from its own records.

Handlers call these where the state changes as SimpleMDM's events describe; the state hands
each event to its listeners (``fake.webhooks`` delivers them). Devices are sent as the
reference's examples show them: ``{id, udid, serial_number, device_group_id}``.
"""

from __future__ import annotations

from typing import Any

from mdmkit.testing.simplemdm.records import ENROLLED, Device
from mdmkit.testing.simplemdm.state import SimpleMDMState

__all__ = ["changed_group", "device_event", "unenrolled", "webhook_device"]


def webhook_device(device: Device) -> dict[str, Any]:
    """A device as a webhook carries it (no udid or serial before it enrolled)."""
    gen = device.gen
    return {
        "id": device.id,
        "udid": gen.udid if gen is not None else None,
        "serial_number": gen.serial_number if gen is not None else None,
        "device_group_id": device.device_group_id,
    }


def device_event(state: SimpleMDMState, now: float, event_type: str, device: Device) -> None:
    """An event about one device: ``device.enrolled``, ``device.lock.enabled``, ..."""
    state.announce(now, event_type, {"device": webhook_device(device)})


def unenrolled(state: SimpleMDMState, now: float, device: Device, was: str) -> None:
    """``device.unenrolled``, when a device that was enrolled (status ``was``) left."""
    if was == ENROLLED:
        device_event(state, now, "device.unenrolled", device)


def changed_group(state: SimpleMDMState, now: float, devices: list[Device]) -> None:
    """``device.changed_group``: one event for every device moved at once."""
    state.announce(now, "device.changed_group", {"devices": [webhook_device(d) for d in devices]})
