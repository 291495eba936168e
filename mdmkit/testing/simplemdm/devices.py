"""Devices: list (search, awaiting enrollment, secret attributes), get, create, update, delete."""

from __future__ import annotations

from aiohttp import web

from mdmkit.testing._server import Problem
from mdmkit.testing.simplemdm import events
from mdmkit.testing.simplemdm.build import ENROLL_URL
from mdmkit.testing.simplemdm.common import (
    Routes,
    SCall,
    find,
    listing,
    one,
    require,
    status_only,
)
from mdmkit.testing.simplemdm.records import AWAITING, Device, Enrollment
from mdmkit.testing.simplemdm.render_device import device_json
from mdmkit.testing.simplemdm.state import SimpleMDMState

__all__ = ["create_device", "routes"]

routes = Routes()


def _matches(device: Device, needle: str) -> bool:
    """The reference's search: name, UDID, serial, IMEI, MAC address or phone number."""
    gen = device.gen
    fields = [device.name, device.device_name or ""]
    if gen is not None and gen.enrolled_at is not None:
        fields += [gen.udid, gen.serial_number, gen.wifi_mac, gen.bluetooth_mac]
        fields += [gen.imei or "", gen.phone_number or ""]
    return any(needle in field.lower() for field in fields)


@routes.get("/devices")
def list_devices(call: SCall) -> web.Response:
    search = (call.arg("search") or "").strip().lower()
    awaiting = call.boolean("include_awaiting_enrollment", False)
    secret = bool(call.boolean("include_secret_custom_attributes", False))

    def accept(device: Device) -> bool:
        if not awaiting and device.status == AWAITING:
            return False
        return not search or _matches(device, search)

    return listing(
        call,
        call.state.devices.after,
        lambda d: device_json(call.state, d, include_secret=secret),
        accept=accept,
    )


@routes.get("/devices/{device_id}")
def get_device(call: SCall) -> web.Response:
    device = find(call.state.devices, call, "device_id")
    secret = bool(call.boolean("include_secret_custom_attributes", False))
    return one(device_json(call.state, device, include_secret=secret))


def create_device(
    state: SimpleMDMState, name: str, *, group_id: int | None = None, static_group_ids: list[int]
) -> Device:
    """A new device awaiting enrollment, with its one-time enrollment URL."""
    device_id = state.devices.next_id()
    url = ENROLL_URL + state.token()
    device = Device(device_id, name, AWAITING, device_group_id=group_id, enrollment_url=url)
    state.devices.add(device_id, device)
    for gid in static_group_ids:
        state.assignment_groups[gid].device_ids.add(device_id)
    eid = state.enrollments.next_id()
    state.enrollments.add(eid, Enrollment(eid, url, device_id=device_id, device_group_id=group_id))
    return device


@routes.post("/devices")
def post_device(call: SCall) -> web.Response:
    state = call.state
    name = require(call, "name")
    group_id = call.integer("group_id")
    if group_id is not None and group_id not in state.device_groups:
        raise Problem(404, "object not found")
    static: list[int] = []
    for value in call.args("static_group_ids"):
        for part in filter(None, value.split(",")):
            if not part.strip().isdigit() or int(part) not in state.assignment_groups:
                raise Problem(404, "object not found")
            static.append(int(part))
    device = create_device(state, name, group_id=group_id, static_group_ids=static)
    state.log(call.now, "device.created", device=device)
    return one(device_json(state, device), 201)


@routes.patch("/devices/{device_id}")
def update_device(call: SCall) -> web.Response:
    device = find(call.state.devices, call, "device_id")
    name = call.arg("name")
    device_name = call.arg("device_name")
    if name:
        device.name = name
    if device_name:
        device.device_name = device_name
        device.commands.append(("set_device_name", {"device_name": device_name}))
    return one(device_json(call.state, device))


@routes.delete("/devices/{device_id}")
def delete_device(call: SCall) -> web.Response:
    state = call.state
    device = find(state.devices, call, "device_id")
    state.devices.remove(device.id)
    for group in state.assignment_groups.values():
        group.device_ids.discard(device.id)
    for profile in state.profiles.values():
        profile.device_ids.discard(device.id)
    state.log(call.now, "device.deleted", device=device)
    events.unenrolled(state, call.now, device, device.status)  # deleting unenrolls it
    return status_only(204)
