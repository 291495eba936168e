"""Assignment groups (classic standard/munki and NGE static/dynamic) and legacy device groups
(which only classic accounts have: on an NGE account ``/device_groups`` lists none).

Assigning something already assigned, or unassigning something that is not, answers 409.
``sync_profiles`` allows one call per group every 30 s of the fake clock, then 429 with
``X-RateLimit-Reset``, as the reference says.
"""

from __future__ import annotations

import math
from typing import Any

from aiohttp import web

from mdmkit.testing._server import Problem
from mdmkit.testing.simplemdm import events
from mdmkit.testing.simplemdm.common import (
    Routes,
    SCall,
    choice,
    find,
    one,
    read_routes,
    require,
    status_only,
    toggle_member,
)
from mdmkit.testing.simplemdm.records import AssignmentGroup, DeviceGroup
from mdmkit.testing.simplemdm.render import assignment_group_json, device_group_json

__all__ = ["routes"]

routes = Routes()
GROUP_TYPES = ("standard", "munki", "static", "dynamic")
INSTALL_TYPES = ("managed", "self_serve", "default_installs", "managed_updates")
GROUP = "/assignment_groups/{group_id}"


read_routes(
    routes, "/assignment_groups", "group_id", lambda s: s.assignment_groups, assignment_group_json
)
read_routes(
    routes, "/device_groups", "device_group_id", lambda s: s.device_groups, device_group_json
)


def _settings(call: SCall, group: AssignmentGroup) -> None:
    """Apply the writable attributes shared by create and update."""
    group.name = call.arg("name") or group.name
    group.auto_deploy = bool(call.boolean("auto_deploy", group.auto_deploy))
    group.app_track_location = bool(call.boolean("app_track_location", group.app_track_location))
    priority = call.integer("priority")
    group.priority = group.priority if priority is None else priority


@routes.post("/assignment_groups")
def create_group(call: SCall) -> web.Response:
    state = call.state
    name = require(call, "name")
    kind = choice(call, "group_type", ("static", "dynamic")) or choice(call, "type", GROUP_TYPES)
    if kind in ("static", "dynamic") and not state.new_groups:
        raise Problem(422, "static and dynamic groups need the New Groups Experience")
    install = choice(call, "install_type", INSTALL_TYPES, "managed") or "managed"
    group = state.new_assignment_group(name, kind)
    group.install_type = install
    _settings(call, group)
    state.assignment_groups.add(group.id, group)
    return one(assignment_group_json(group), 201)


@routes.patch(GROUP)
def update_group(call: SCall) -> web.Response:
    _settings(call, find(call.state.assignment_groups, call, "group_id"))
    return status_only(204)


@routes.delete(GROUP)
def delete_group(call: SCall) -> web.Response:
    group = find(call.state.assignment_groups, call, "group_id")
    call.state.assignment_groups.remove(group.id)
    return status_only(204)


def _member_routes(segment: str, table: str, attribute: str) -> None:
    """POST and DELETE ``/assignment_groups/{id}/<segment>/{member_id}``."""

    def handler(add: bool) -> Any:
        def handle(call: SCall) -> web.Response:
            group = find(call.state.assignment_groups, call, "group_id")
            member = find(getattr(call.state, table), call, "member_id")
            if add and segment == "apps":
                settings = dict(call.body.form) | dict(call.query_pairs)
                group.app_settings[member.id] = settings
            answer = toggle_member(getattr(group, attribute), member.id, add)
            if segment == "devices":  # a device joined or left a (static) group
                events.changed_group(call.state, call.now, [member])
            return answer

        return handle

    path = f"{GROUP}/{segment}/{{member_id}}"
    routes.post(path)(handler(True))
    routes.delete(path)(handler(False))


_member_routes("apps", "apps", "app_ids")
_member_routes("device_groups", "device_groups", "device_group_ids")
_member_routes("devices", "devices", "device_ids")
_member_routes("profiles", "profiles", "profile_ids")


@routes.post(GROUP + "/push_apps")
def push_apps(call: SCall) -> web.Response:
    find(call.state.assignment_groups, call, "group_id").push_apps_count += 1
    return status_only(202)


@routes.post(GROUP + "/update_apps")
def update_apps(call: SCall) -> web.Response:
    find(call.state.assignment_groups, call, "group_id").update_apps_count += 1
    return status_only(202)


@routes.post(GROUP + "/sync_profiles")
def sync_profiles(call: SCall) -> web.Response:
    group = find(call.state.assignment_groups, call, "group_id")
    window = call.state.sync_profiles_window
    last = group.last_sync_profiles_at
    if last is not None and call.now < last + window:
        reset = str(math.ceil(last + window))
        raise Problem(429, "rate limit exceeded", {"X-RateLimit-Reset": reset})
    group.last_sync_profiles_at = call.now
    group.sync_profiles_count += 1
    return status_only(204)


@routes.post(GROUP + "/clone")
def clone_group(call: SCall) -> web.Response:
    state = call.state
    group = find(state.assignment_groups, call, "group_id")
    if not group.is_nge:
        raise Problem(422, "only static and dynamic groups can be cloned")
    copy = state.new_assignment_group(f"{group.name} (1)", group.type)
    copy.app_ids = list(group.app_ids)
    copy.profile_ids = list(group.profile_ids)
    copy.device_ids = set(group.device_ids)
    copy.auto_deploy, copy.install_type = group.auto_deploy, group.install_type
    state.assignment_groups.add(copy.id, copy)
    return status_only(204)


@routes.post("/device_groups/{device_group_id}/devices/{device_id}")
def assign_device(call: SCall) -> web.Response:
    group = find(call.state.device_groups, call, "device_group_id")
    device = find(call.state.devices, call, "device_id")
    moved = device.device_group_id != group.id
    device.device_group_id = group.id
    call.state.log(call.now, "device.changed_group", device=device, device_group_id=group.id)
    if moved:
        events.changed_group(call.state, call.now, [device])
    return status_only(202)


@routes.post("/device_groups/{device_group_id}/clone")
def clone_device_group(call: SCall) -> web.Response:
    state = call.state
    group = find(state.device_groups, call, "device_group_id")
    copy = DeviceGroup(state.device_groups.next_id(), f"{group.name} (1)")
    copy.custom_attribute_values = dict(group.custom_attribute_values)
    state.device_groups.add(copy.id, copy)
    return one(device_group_json(copy, devices=[]), 201)
