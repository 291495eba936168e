"""What is on a device: installed apps (and the per-app installs view), profiles, macOS users."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from aiohttp import web

from mdmkit.testing._server import Problem
from mdmkit.testing.simplemdm.common import (
    Routes,
    SCall,
    find,
    listing,
    listing_of,
    one,
    status_only,
)
from mdmkit.testing.simplemdm.records import Device, InstalledApp
from mdmkit.testing.simplemdm.render import profile_json
from mdmkit.testing.simplemdm.render_device import device_user_json, installed_app_json
from mdmkit.testing.simplemdm.state import APPS_PER_DEVICE

__all__ = ["routes"]

routes = Routes()


@routes.get("/devices/{device_id}/installed_apps")
def list_installed_apps(call: SCall) -> web.Response:
    device = find(call.state.devices, call, "device_id")
    return listing_of(call, call.state.installed_apps(device), lambda a: a.id, installed_app_json)


@routes.get("/devices/{device_id}/profiles")
def list_device_profiles(call: SCall) -> web.Response:
    """Profiles assigned directly to the device (not through groups)."""
    device = find(call.state.devices, call, "device_id")
    direct = [p for p in call.state.profiles.values() if device.id in p.device_ids]
    return listing_of(call, direct, lambda p: p.id, lambda p: _device_profile(call, p.id))


def _device_profile(call: SCall, profile_id: int) -> dict[str, Any]:
    profile = call.state.profiles[profile_id]
    if not profile.is_custom:
        return profile_json(call.state, profile)
    return {
        "type": "custom_configuration_profile",
        "id": profile.id,
        "attributes": {
            "name": profile.name,
            "profile_identifier": profile.profile_identifier,
            "user_scope": profile.user_scope,
            "attribute_support": profile.attribute_support,
        },
    }


@routes.get("/devices/{device_id}/users")
def list_users(call: SCall) -> web.Response:
    """macOS local accounts; other devices answer 422 ("Available for macOS devices only")."""
    device = find(call.state.devices, call, "device_id")
    if not device.is_macos:
        raise Problem(422, "listing users is available for macOS devices only")
    return listing_of(call, call.state.users(device), lambda u: u.id, device_user_json)


@routes.delete("/devices/{device_id}/users/{user_id}")
def delete_user(call: SCall) -> web.Response:
    device = find(call.state.devices, call, "device_id")
    user_id = call.path_int("user_id")
    if not device.is_macos or device.gen is None or not device.gen.supervised:
        raise Problem(422, "deleting users is available for supervised macOS devices only")
    users = call.state.own_users(device)
    match = [u for u in users if u.id == user_id]
    if not match:
        raise Problem(404, "object not found")
    users.remove(match[0])
    device.commands.append(("delete_user", {"user_id": str(user_id)}))
    return status_only(202)


def _installed(call: SCall) -> tuple[Device, InstalledApp]:
    ident = call.path_int("installed_app_id")
    device = call.state.devices.get(ident // APPS_PER_DEVICE)
    if device is not None:
        for app in call.state.installed_apps(device):
            if app.id == ident:
                return device, app
    raise Problem(404, "object not found")


@routes.get("/installed_apps/{installed_app_id}")
def get_installed_app(call: SCall) -> web.Response:
    return one(installed_app_json(_installed(call)[1]))


@routes.post("/installed_apps/{installed_app_id}/request_management")
def request_management(call: SCall) -> web.Response:
    device, app = _installed(call)
    device.commands.append(("request_management", {"installed_app_id": str(app.id)}))
    return status_only(202)


@routes.post("/installed_apps/{installed_app_id}/update")
def update_installed_app(call: SCall) -> web.Response:
    device, app = _installed(call)
    if not app.managed:
        raise Problem(422, "the app must be managed")
    device.commands.append(("update_app", {"installed_app_id": str(app.id)}))
    return status_only(202)


@routes.delete("/installed_apps/{installed_app_id}")
def uninstall(call: SCall) -> web.Response:
    """Queue the uninstall; the fake drops the app from the device's list at once."""
    device, app = _installed(call)
    if not app.managed:
        raise Problem(422, "the app must be managed")
    apps = call.state.own_installed_apps(device)
    apps[:] = [a for a in apps if a.id != app.id]
    device.commands.append(("uninstall_app", {"installed_app_id": str(app.id)}))
    return status_only(202)


@routes.get("/apps/{app_id}/installs")
def list_installs(call: SCall) -> web.Response:
    """Devices the app is installed on, as installed_app objects (matched by bundle id)."""
    state = call.state
    app = find(state.apps, call, "app_id")

    def walk(cursor: int | None, desc: bool) -> Iterator[InstalledApp]:
        device_cursor = None if cursor is None else cursor // APPS_PER_DEVICE
        for device in state.devices.after(device_cursor, desc):
            for item in state.installed_apps(device):
                if item.identifier == app.bundle_identifier:
                    yield item  # one install per device, so the cursor's device is done

    return listing(call, walk, lambda a: installed_app_json(a, with_device=True))
