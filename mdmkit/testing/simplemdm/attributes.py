"""Custom attributes and their values per device and per device group (with the JSON bulk
endpoints). A device's effective value comes from the device, else its group, else the default.
"""

from __future__ import annotations

import re
from typing import Any

from aiohttp import web

from mdmkit.testing._server import Problem
from mdmkit.testing.simplemdm.common import (
    Routes,
    SCall,
    find,
    find_key,
    listing,
    one,
    require,
    status_only,
)
from mdmkit.testing.simplemdm.records import CustomAttribute, Device, DeviceGroup
from mdmkit.testing.simplemdm.render import custom_attribute_json, value_json
from mdmkit.testing.simplemdm.state import SimpleMDMState

__all__ = ["routes"]

routes = Routes()
_NAME = re.compile(r"[A-Za-z0-9_]+")


@routes.get("/custom_attributes")
def list_attributes(call: SCall) -> web.Response:
    return listing(call, call.state.custom_attributes.after, custom_attribute_json, int_ids=False)


@routes.get("/custom_attributes/{name}")
def get_attribute(call: SCall) -> web.Response:
    return one(custom_attribute_json(_attribute(call.state, call.match["name"])))


def _attribute(state: SimpleMDMState, name: str) -> CustomAttribute:
    """Attribute names are case-insensitive."""
    return find_key(state.custom_attributes, name.lower())


@routes.post("/custom_attributes")
def create_attribute(call: SCall) -> web.Response:
    name = require(call, "name")
    if not _NAME.fullmatch(name):
        raise Problem(422, "name may contain only letters, digits and underscores")
    key = name.lower()
    if key in call.state.custom_attributes:
        raise Problem(422, "name has already been taken")
    attribute = CustomAttribute(key, call.arg("default_value"))
    call.state.custom_attributes.add(key, attribute)
    return one(custom_attribute_json(attribute), 201)


@routes.patch("/custom_attributes/{name}")
def update_attribute(call: SCall) -> web.Response:
    attribute = _attribute(call.state, call.match["name"])
    if call.has("default_value"):
        attribute.default_value = call.arg("default_value")
    return status_only(204)


@routes.delete("/custom_attributes/{name}")
def delete_attribute(call: SCall) -> web.Response:
    state = call.state
    attribute = _attribute(state, call.match["name"])
    state.custom_attributes.remove(attribute.name)
    holders: list[Device | DeviceGroup] = [*state.devices.values(), *state.device_groups.values()]
    for holder in holders:
        holder.custom_attribute_values.pop(attribute.name, None)
    return status_only(204)


def _values(
    state: SimpleMDMState, own: dict[str, str], group: DeviceGroup | None, level: str
) -> list[dict[str, Any]]:
    """Every attribute's effective value and where it came from (``level``, group, account)."""
    out = []
    for attribute in state.custom_attributes.values():
        name = attribute.name
        if name in own:
            value, source = own[name], level
        elif group is not None and name in group.custom_attribute_values:
            value, source = group.custom_attribute_values[name], "group"
        else:
            value, source = attribute.default_value or "", "account"
        out.append(value_json(name, value, secret=attribute.secret, source=source))
    return out


@routes.get("/devices/{device_id}/custom_attribute_values")
def device_values(call: SCall) -> web.Response:
    state = call.state
    device = find(state.devices, call, "device_id")
    group = state.device_groups.get(device.device_group_id or 0)
    return one(_values(state, device.custom_attribute_values, group, "device"))


def _set(call: SCall, holder: Device | DeviceGroup) -> web.Response:
    attribute = _attribute(call.state, call.match["name"])
    value = call.arg("value")
    if value is None:
        raise Problem(422, "value is required")
    holder.custom_attribute_values[attribute.name] = value
    return one(value_json(attribute.name, value))


@routes.put("/devices/{device_id}/custom_attribute_values/{name}")
def set_device_value(call: SCall) -> web.Response:
    return _set(call, find(call.state.devices, call, "device_id"))


def _json_rows(call: SCall, keys: tuple[str, str]) -> list[tuple[str, str]]:
    """The ``{"data": [{...}, ...]}`` body of the bulk endpoints, as (key, value) pairs."""
    body = call.body.json
    rows = body.get("data") if isinstance(body, dict) else None
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise Problem(422, 'the body must be JSON: {"data": [...]}')
    first, second = keys
    try:
        return [(str(r[first]), "" if r[second] is None else str(r[second])) for r in rows]
    except KeyError as exc:
        raise Problem(422, f"every entry needs {first} and {second}: {exc} missing") from None


@routes.put("/devices/{device_id}/custom_attribute_values")
def set_device_values(call: SCall) -> web.Response:
    device = find(call.state.devices, call, "device_id")
    pairs = _json_rows(call, ("name", "value"))
    rows = [(_attribute(call.state, name).name, value) for name, value in pairs]
    device.custom_attribute_values.update(rows)
    return one([value_json(name, value) for name, value in rows])


@routes.put("/custom_attribute_values/{name}")
def set_value_for_devices(call: SCall) -> web.Response:
    state = call.state
    attribute = _attribute(state, call.match["name"])
    rows = _json_rows(call, ("device_id", "value"))
    devices = []
    for device_id, value in rows:
        device = state.devices.get(int(device_id)) if device_id.isdigit() else None
        if device is None:
            raise Problem(404, "object not found")
        devices.append((device, value))
    out = []
    for device, value in devices:
        device.custom_attribute_values[attribute.name] = value
        item = value_json(attribute.name, value)
        item["relationships"] = {"device": {"data": {"type": "device", "id": device.id}}}
        out.append(item)
    return one(out)


@routes.get("/device_groups/{device_group_id}/custom_attribute_values")
def group_values(call: SCall) -> web.Response:
    group = find(call.state.device_groups, call, "device_group_id")
    return one(_values(call.state, group.custom_attribute_values, None, "group"))


@routes.put("/device_groups/{device_group_id}/custom_attribute_values/{name}")
def set_group_value(call: SCall) -> web.Response:
    return _set(call, find(call.state.device_groups, call, "device_group_id"))
