"""Device actions: the actions a device offers, one device's action, and bulk actions.

Every action is recorded on ``Device.commands`` as ``(name, JSON body)``; ``lock`` counts
``lock_count``, lost mode sets ``lost_mode_enabled``, ``complete_wipe`` and ``corporate_wipe``
mark the device removed (``managed_status`` 4) and ``wiped``/``corporate_wiped``.

``POST /devices/{id}/actions/{name}`` answers 202 with an empty body; an unknown name 404
COM0008; an action the device's platform lacks, or any action on a removed device, 400
COM0014 "Action not applicable". An enrollment-pending device takes actions (they wait for it).

``POST /actions/{name}`` takes ``{"device_ids": [...], "group_ids": [...]}`` (either or both)
and only shutdown, restart, clear_app_data, enable_lost_mode and disable_lost_mode (others:
400). It answers 200 with ``success_list`` (``status`` "success", ``remarks`` "Command
initiated"), ``na_list`` (``status`` "not_applicable", ``remarks`` why: not applicable,
removed, or "Device not found" for an unknown id) and the counts.

``GET /devices/{id}/actions`` lists every action with ``is_enabled`` (applicable now) and the
state of the last one sent: ``status_code`` 1 / "Initiated", or null when never sent.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs
from aiohttp import web

from mdmkit.testing.manageengine.common import (
    MDM,
    MCall,
    Routes,
    body_object,
    find,
    flag,
    id_list,
    invalid,
    not_found,
    reply,
    status_only,
    text,
)
from mdmkit.testing.manageengine.records import REMOVED, Device

__all__ = ["ACTIONS", "Action", "applicable", "routes"]

routes = Routes(MDM)
Effect = Callable[[Device, dict[str, Any], float], None]
ALL = ("ios", "ipados", "macos", "tvos", "android", "windows")
APPLE_MOBILE = ("ios", "ipados")


@attrs.frozen
class Action:
    """An action name, its display name, the platforms that take it and whether it bulks."""

    name: str
    title: str
    platforms: tuple[str, ...]
    bulk: bool = False


ACTIONS = {
    action.name: action
    for action in (
        Action("scan", "Scan Now", ALL),
        Action("lock", "Remote Lock", ("ios", "ipados", "macos", "android", "windows")),
        Action("remote_alarm", "Remote Alarm", ("android",)),
        Action("complete_wipe", "Complete Wipe", ALL),
        Action("corporate_wipe", "Corporate Wipe", ALL),
        Action("clear_passcode", "Clear Passcode", (*APPLE_MOBILE, "android")),
        Action("reset_passcode", "Reset Passcode", ("android", "windows")),
        Action("fetch_location", "Fetch Location", (*APPLE_MOBILE, "android", "windows")),
        Action("enable_lost_mode", "Enable Lost Mode", (*APPLE_MOBILE, "android"), bulk=True),
        Action("disable_lost_mode", "Disable Lost Mode", (*APPLE_MOBILE, "android"), bulk=True),
        Action("restart", "Restart", ALL, bulk=True),
        Action("shutdown", "Shut Down", ALL, bulk=True),
        Action("scheduled_restart", "Scheduled Restart", ALL),
        Action("scheduled_shutdown", "Scheduled Shut Down", ALL),
        Action("pause_kiosk", "Pause Kiosk", ("android",)),
        Action("re_apply_kiosk", "Re-apply Kiosk", ("android",)),
        Action("clear_app_data", "Clear App Data", ("android",), bulk=True),
        Action("remote_control", "Remote Control", ("macos", "android", "windows")),
        Action("remote_view", "Remote View", (*APPLE_MOBILE, "android")),
        Action("remote_debug", "Remote Debug", ("android",)),
        Action("unlock_user_account", "Unlock User Account", ("macos",)),
        Action("rotate_filevault_personal_key", "Rotate FileVault Key", ("macos",)),
        Action("logout_user", "Log Out User", ("ipados",)),
    )
}
"""Every action name the server knows (research §4.3), with where it applies."""

_EFFECTS: dict[str, Effect] = {}


def effect(name: str) -> Callable[[Effect], Effect]:
    def register(function: Effect) -> Effect:
        _EFFECTS[name] = function
        return function

    return register


@effect("lock")
def _lock(device: Device, body: dict[str, Any], now: float) -> None:
    flag(body, "email_sent_to_user", False)
    text(body, "unlock_pin")
    device.record_lock(text(body, "lock_message"), text(body, "phone_number"))


@effect("complete_wipe")
def _complete_wipe(device: Device, body: dict[str, Any], now: float) -> None:
    flag(body, "wipe_sd_card", False)
    flag(body, "wipe_but_retain_mdm", False)
    text(body, "wipe_lock_pin")
    device.record_wipe()
    device.managed_status = REMOVED


@effect("corporate_wipe")
def _corporate_wipe(device: Device, body: dict[str, Any], now: float) -> None:
    device.corporate_wiped = True
    device.managed_status = REMOVED
    device.lost_mode_enabled = False


@effect("enable_lost_mode")
def _enable_lost_mode(device: Device, body: dict[str, Any], now: float) -> None:
    device.record_lost_mode(text(body, "lock_message"), text(body, "phone_number"))


@effect("disable_lost_mode")
def _disable_lost_mode(device: Device, body: dict[str, Any], now: float) -> None:
    device.lost_mode_enabled = False


@effect("fetch_location")
def _fetch_location(device: Device, body: dict[str, Any], now: float) -> None:
    device.location_requested_at = now


def applicable(action: Action, device: Device) -> bool:
    """Whether the device takes the action now (its platform, and not removed)."""
    return device.platform in action.platforms and not device.is_removed


def _why_not(action: Action, device: Device) -> str:
    if device.is_removed:
        return "Action not applicable: the device is removed"
    return f"Action not applicable: {action.name} is not supported on {device.platform}"


def run(action: Action, device: Device, body: dict[str, Any], now: float) -> None:
    """Apply the action's effect and record it on the device."""
    apply = _EFFECTS.get(action.name)
    if apply is not None:
        apply(device, body, now)
    device.commands.append((action.name, body))


def _action(call: MCall) -> Action:
    action = ACTIONS.get(call.match["action"])
    if action is None:
        raise not_found("Action")
    return action


@routes.get("/devices/{device_id}/actions")
def list_actions(call: MCall) -> web.Response:
    device = find(call.state.devices, call, "device_id", "Device")
    sent = set(device.command_names())
    return reply(
        {
            "actions": [
                {
                    "name": action.name,
                    "localized_name": action.title,
                    "is_enabled": applicable(action, device),
                    "status_code": 1 if action.name in sent else None,
                    "status_description": "Initiated" if action.name in sent else None,
                    "localized_status_description": "Initiated" if action.name in sent else None,
                }
                for action in ACTIONS.values()
            ]
        }
    )


@routes.post("/devices/{device_id}/actions/{action}")
def run_action(call: MCall) -> web.Response:
    device = find(call.state.devices, call, "device_id", "Device")
    action = _action(call)
    body = body_object(call)
    if not applicable(action, device):
        raise invalid("action", _why_not(action, device))
    run(action, device, body, call.now)
    return status_only(202)


@routes.post("/actions/{action}")
def run_bulk_action(call: MCall) -> web.Response:
    state = call.state
    action = _action(call)
    if not action.bulk:
        raise invalid("action", f"Action {action.name} cannot be run on several devices")
    body = body_object(call)
    device_ids = id_list(body, "device_ids", required=False)
    group_ids = id_list(body, "group_ids", required=False)
    if not device_ids and not group_ids:
        raise invalid("device_ids", "Required parameter missing: device_ids or group_ids")
    targets = dict.fromkeys(device_ids)
    for group_id in group_ids:
        group = state.groups.get(group_id)
        if group is None:
            raise invalid("group_ids", f"Unknown group: {group_id}")
        targets |= dict.fromkeys(state.devices_of_group(group))
    options = {k: v for k, v in body.items() if k not in ("device_ids", "group_ids")}
    done: list[dict[str, Any]] = []
    skipped: list[dict[str, Any]] = []
    for device_id in targets:
        device = state.devices.get(device_id)
        if device is None or not applicable(action, device):
            why = "Device not found" if device is None else _why_not(action, device)
            skipped.append({"device_id": device_id, "status": "not_applicable", "remarks": why})
            continue
        run(action, device, dict(options), call.now)
        done.append({"device_id": device_id, "status": "success", "remarks": "Command initiated"})
    return reply(
        {
            "success_list": done,
            "na_list": skipped,
            "total_count": len(targets),
            "success_count": len(done),
            "not_applicable_count": len(skipped),
        }
    )
