"""Device commands: lock, wipe, lost mode, restart, ... Each is recorded on ``Device.commands``.

Every command answers 202 Accepted except ``set_time_zone`` (204), as the reference documents.
Validation follows the reference: a Mac lock needs a 6-digit pin, lost mode needs a message
or phone number, ``update_os`` on a Mac needs a valid ``os_update_mode``.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from aiohttp import web

from mdmkit.testing._server import Problem
from mdmkit.testing.simplemdm import events
from mdmkit.testing.simplemdm.common import Routes, SCall, choice, find, require, status_only
from mdmkit.testing.simplemdm.records import UNENROLLED, Device

__all__ = ["routes"]

routes = Routes()
Effect = Callable[[SCall, Device], None]
_PIN = re.compile(r"\d{6}")
OS_UPDATE_MODES = ("smart_update", "download_only", "notify_only", "install_asap", "force_update")
VERSION_TYPES = ("latest_minor_version", "latest_major_version")


def _arguments(call: SCall) -> dict[str, str]:
    args = dict(call.query_pairs) | dict(call.body.form)
    if isinstance(call.body.json, dict):
        args |= {k: str(v) for k, v in call.body.json.items() if v is not None}
    return args


def command(method: str, path: str, name: str, status: int = 202) -> Callable[[Effect], Effect]:
    """Register a device command: find the device, apply ``effect``, record, log, answer."""

    def register(effect: Effect) -> Effect:
        def handler(call: SCall) -> web.Response:
            device = find(call.state.devices, call, "device_id")
            effect(call, device)
            device.commands.append((name, _arguments(call)))
            call.state.log(call.now, f"device.{name}", device=device)
            return status_only(status)

        routes.add(method, f"/devices/{{device_id}}{path}")(handler)
        return effect

    return register


def _nothing(call: SCall, device: Device) -> None:
    """Commands the fake only records."""


for _path, _name in (
    ("/push_apps", "push_apps"),
    ("/refresh", "refresh"),
    ("/shutdown", "shutdown"),
    ("/clear_passcode", "clear_passcode"),
    ("/clear_firmware_password", "clear_firmware_password"),
    ("/rotate_firmware_password", "rotate_firmware_password"),
    ("/clear_recovery_lock_password", "clear_recovery_lock_password"),
    ("/clear_restrictions_password", "clear_restrictions_password"),
    ("/rotate_recovery_lock_password", "rotate_recovery_lock_password"),
    ("/rotate_filevault_key", "rotate_filevault_key"),
    ("/rotate_admin_password", "rotate_admin_password"),
    ("/lost_mode/play_sound", "lost_mode_play_sound"),
):
    command("POST", _path, _name)(_nothing)


@command("POST", "/restart", "restart")
def _restart(call: SCall, device: Device) -> None:
    call.boolean("rebuild_kernel_cache")
    call.boolean("notify_user")


@command("POST", "/lock", "lock")
def _lock(call: SCall, device: Device) -> None:
    pin = call.arg("pin")
    if device.is_macos and not (pin and _PIN.fullmatch(pin)):
        raise Problem(422, "pin is required for macOS devices and must be a 6-digit number")
    device.record_lock(call.arg("message"), call.arg("phone_number"))
    events.device_event(call.state, call.now, "device.lock.enabled", device)


@command("POST", "/wipe", "wipe")
def _wipe(call: SCall, device: Device) -> None:
    pin = call.arg("pin")
    if pin and not _PIN.fullmatch(pin):
        raise Problem(422, "pin must be a 6-digit number")
    device.record_wipe()
    was, device.status = device.status, UNENROLLED
    events.unenrolled(call.state, call.now, device, was)


@command("POST", "/set_admin_password", "set_admin_password")
def _set_admin_password(call: SCall, device: Device) -> None:
    require(call, "new_password")


@command("POST", "/update_os", "update_os")
def _update_os(call: SCall, device: Device) -> None:
    mode = choice(call, "os_update_mode", OS_UPDATE_MODES)
    if device.is_macos and mode is None:
        raise Problem(422, "os_update_mode is required for macOS devices")
    choice(call, "version_type", VERSION_TYPES)


def _switch(attribute: str, value: bool) -> Effect:
    def effect(call: SCall, device: Device) -> None:
        setattr(device, attribute, value)

    return effect


for _feature, _attribute in (
    ("remote_desktop", "remote_desktop_enabled"),
    ("bluetooth", "bluetooth_enabled"),
):
    command("POST", f"/{_feature}", f"enable_{_feature}")(_switch(_attribute, True))
    command("DELETE", f"/{_feature}", f"disable_{_feature}")(_switch(_attribute, False))


@command("POST", "/set_time_zone", "set_time_zone", status=204)
def _set_time_zone(call: SCall, device: Device) -> None:
    device.time_zone = require(call, "time_zone")


@command("POST", "/unenroll", "unenroll")
def _unenroll(call: SCall, device: Device) -> None:
    was, device.status = device.status, UNENROLLED
    events.unenrolled(call.state, call.now, device, was)


@command("POST", "/lost_mode", "enable_lost_mode")
def _enable_lost_mode(call: SCall, device: Device) -> None:
    message, phone = call.arg("message"), call.arg("phone_number")
    if not message and not phone:
        raise Problem(422, "a message or phone number is required to enable lost mode")
    device.record_lost_mode(message, phone)
    device.lost_mode_footnote = call.arg("footnote")


@command("DELETE", "/lost_mode", "disable_lost_mode")
def _disable_lost_mode(call: SCall, device: Device) -> None:
    device.lost_mode_enabled = False


@command("POST", "/lost_mode/update_location", "lost_mode_update_location")
def _update_location(call: SCall, device: Device) -> None:
    device.location_updated_at = call.now
