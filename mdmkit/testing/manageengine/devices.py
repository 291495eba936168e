"""Devices: list (filters, limit/offset paging), details, asset update, summary, installed apps.

The list shows every device the tenant knows, managed, enrollment pending and removed alike
(``include_all`` is accepted and changes nothing); ``exclude_removed=true`` drops removed ones.
Only managed devices have a summary: for the others ``/summary`` answers 404 COM0008.
Filters: ``search`` (device or user name, any case), ``platform`` (iOS, Android, Windows;
comma list, any case), ``group_id``, ``exclude_removed``, ``imei``, ``serial_number``,
``owned_by`` (Corporate or Personal), ``device_type`` (smartphone, Tablet, Laptop, Desktop,
Tv; comma list, any case) and ``email`` (the user's). An unknown filter value answers 400.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiohttp import web

from mdmkit.testing._server import Problem
from mdmkit.testing.manageengine.common import (
    MDM,
    MCall,
    Routes,
    body_object,
    find,
    invalid,
    listing,
    not_found,
    reply,
    whole,
)
from mdmkit.testing.manageengine.records import CORPORATE, MANAGED, PERSONAL, Device
from mdmkit.testing.manageengine.render import (
    ASSET_FIELDS,
    device_detail_json,
    device_json,
    summary_json,
)

__all__ = ["routes"]

routes = Routes(MDM)
DEVICE = "/devices/{device_id}"
PLATFORMS = {"ios": 1, "android": 2, "windows": 3}
DEVICE_TYPES = ("smartphone", "tablet", "laptop", "desktop", "tv")
OWNERS = {"corporate": CORPORATE, "personal": PERSONAL, "1": CORPORATE, "2": PERSONAL}
_UPDATABLE = {*ASSET_FIELDS, "name", "apn_username", "apn_password"}
Test = Callable[[Device], bool]


def _choices(call: MCall, name: str, allowed: dict[str, int] | tuple[str, ...]) -> set[str] | None:
    value = call.arg(name)
    if not value:
        return None
    chosen = {part.strip().lower() for part in value.split(",") if part.strip()}
    if not chosen or not chosen <= set(allowed):
        raise invalid(name)
    return chosen


def _filters(call: MCall) -> list[Test]:
    state = call.state
    tests: list[Test] = []
    search = (call.arg("search") or "").strip().lower()
    if search:

        def matches(d: Device) -> bool:
            user = state.users.get(d.user_id) if d.user_id is not None else None
            return search in d.name.lower() or (user is not None and search in user.name.lower())

        tests.append(matches)
    platforms = _choices(call, "platform", PLATFORMS)
    if platforms is not None:
        ids = {PLATFORMS[p] for p in platforms}
        tests.append(lambda d: d.platform_type_id in ids)
    types = _choices(call, "device_type", DEVICE_TYPES)
    if types is not None:
        tests.append(lambda d: d.device_type.lower() in types)
    group_id = call.integer("group_id")
    if group_id is not None:
        group = state.groups.get(group_id)
        members = set(state.devices_of_group(group)) if group is not None else set()
        tests.append(lambda d: d.id in members)
    if call.boolean("exclude_removed", False):
        tests.append(lambda d: not d.is_removed)
    call.boolean("include_all", False)
    imei = call.arg("imei")
    if imei:
        tests.append(lambda d: d.gen.imei == imei.strip())
    serial = (call.arg("serial_number") or "").strip().upper()
    if serial:
        tests.append(lambda d: d.gen.serial_number.upper() == serial)
    owner = call.arg("owned_by")
    if owner:
        if owner.strip().lower() not in OWNERS:
            raise invalid("owned_by")
        owned_by = OWNERS[owner.strip().lower()]
        tests.append(lambda d: d.owned_by == owned_by)
    email = (call.arg("email") or "").strip().lower()
    if email:
        user_ids = {u.id for u in state.users.values() if u.email.lower() == email}
        tests.append(lambda d: d.user_id in user_ids)
    return tests


@routes.get("/devices")
def list_devices(call: MCall) -> web.Response:
    state = call.state
    tests = _filters(call)
    if not tests:
        return listing(call, "devices", state.devices, lambda d: device_json(state, d))
    chosen = [d for d in state.devices.values() if all(test(d) for test in tests)]
    return listing(call, "devices", chosen, lambda d: device_json(state, d))


@routes.get(DEVICE)
def get_device(call: MCall) -> web.Response:
    return reply(
        device_detail_json(call.state, find(call.state.devices, call, "device_id", "Device"))
    )


def _asset_value(name: str, value: Any) -> Any:
    if value is None:
        return None
    if name in ("purchase_date", "warranty_expiration_date"):
        parsed = whole(value)
        if parsed is None:
            raise invalid(name, f"{name} must be a time in epoch milliseconds")
        return parsed
    if name == "purchase_price":
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise invalid(name)
        try:
            return float(value)
        except ValueError:
            raise invalid(name) from None
    if not isinstance(value, str) or (name == "name" and not value.strip()):
        raise invalid(name)
    return value


@routes.put(DEVICE)
def update_device(call: MCall) -> web.Response:
    device = find(call.state.devices, call, "device_id", "Device")
    body = body_object(call)
    if not body:
        raise invalid("body", "Nothing to update: send at least one asset field")
    unknown = sorted(set(body) - _UPDATABLE)
    if unknown:
        raise Problem(400, f"Unexpected parameter: {unknown[0]}", code="COM0024")
    values = {name: _asset_value(name, value) for name, value in body.items()}
    name = values.pop("name", None)
    if name:
        device.name = name
    device.asset |= values
    return reply(device_detail_json(call.state, device))


@routes.get(DEVICE + "/summary")
def device_summary(call: MCall) -> web.Response:
    """Only a managed device has a summary: the server's query filters on managed status 2,
    so a pending, removed or retired device answers COM0008 as an unknown id would."""
    device = find(call.state.devices, call, "device_id", "Device")
    if device.managed_status != MANAGED:
        raise not_found("Device")
    return reply(summary_json(call.state, device))


@routes.get(DEVICE + "/apps")
def device_apps(call: MCall) -> web.Response:
    device = find(call.state.devices, call, "device_id", "Device")
    apps = [
        {
            "app_id": app.id,
            "app_name": app.name,
            "app_version": version,
            "identifier": app.bundle_identifier,
            "platform_type": app.platform_type,
        }
        for app, version in call.state.installed_apps(device)
    ]
    return reply({"apps": apps})
