"""Groups: list, create, get (``?include=members``), delete, add and remove members.

``group_type`` is 6 (device group, the default), 7 (user group) or 11 (tag group), sent as a
number or a string. Device and tag groups hold device ids, user groups user ids; adding an
unknown member answers 400, removing a non-member 404. Names are unique (any case): a
duplicate answers 400. Create answers 200 with the group. Deleting a group also ends the app
associations that target it.
"""

from __future__ import annotations

from aiohttp import web

from mdmkit.testing.manageengine.common import (
    MDM,
    MCall,
    Routes,
    body_object,
    find,
    id_list,
    invalid,
    listing,
    not_found,
    number,
    reply,
    status_only,
    text,
)
from mdmkit.testing.manageengine.records import DEVICE_GROUP, TAG_GROUP, USER_GROUP, Group
from mdmkit.testing.manageengine.render import group_json
from mdmkit.testing.manageengine.state import GROUP_BASE, ManageEngineState

__all__ = ["routes"]

routes = Routes(MDM)
GROUP = "/groups/{group_id}"
GROUP_TYPES = (DEVICE_GROUP, USER_GROUP, TAG_GROUP)


def _check_members(state: ManageEngineState, group: Group, ids: list[int]) -> None:
    table = state.users if group.holds_users else state.devices
    unknown = [i for i in ids if i not in table]
    if unknown:
        kind = "user" if group.holds_users else "device"
        raise invalid("member_ids", f"member_ids: unknown {kind} {unknown[0]}")


@routes.get("/groups")
def list_groups(call: MCall) -> web.Response:
    state = call.state
    search = (call.arg("search") or "").strip().lower()
    items = (
        [g for g in state.groups.values() if search in g.name.lower()] if search else state.groups
    )
    return listing(call, "groups", items, group_json)


@routes.post("/groups")
def create_group(call: MCall) -> web.Response:
    state = call.state
    body = body_object(call)
    name = (text(body, "name", required=True) or "").strip()
    group_type = number(body, "group_type")
    if group_type is None:
        group_type = DEVICE_GROUP
    if group_type not in GROUP_TYPES:
        raise invalid("group_type", "group_type must be 6 (device), 7 (user) or 11 (tag)")
    if any(g.name.lower() == name.lower() for g in state.groups.values()):
        raise invalid("name", f"name: a group named {name} exists")
    group = Group(state.groups.next_id(GROUP_BASE + 1), name, group_type)
    group.domain = text(body, "domain") or group.domain
    group.description = text(body, "description") or ""
    members = id_list(body, "member_ids", required=False)
    _check_members(state, group, members)
    group.member_ids = set(members)
    group.created_at = group.modified_at = call.now
    state.groups.add(group.id, group)
    return reply(group_json(group))


@routes.get(GROUP)
def get_group(call: MCall) -> web.Response:
    group = find(call.state.groups, call, "group_id", "Group")
    include = {part.strip() for part in (call.arg("include") or "").split(",")}
    return reply(group_json(group, members="members" in include))


@routes.get(GROUP + "/members")
def list_members(call: MCall) -> web.Response:
    group = find(call.state.groups, call, "group_id", "Group")
    return reply({"member_ids": sorted(group.member_ids)})


@routes.delete(GROUP)
def delete_group(call: MCall) -> web.Response:
    state = call.state
    group = find(state.groups, call, "group_id", "Group")
    state.groups.remove(group.id)
    for app in state.apps.values():
        app.groups.pop(group.id, None)
    return status_only(204)


@routes.post(GROUP + "/members")
def add_members(call: MCall) -> web.Response:
    state = call.state
    group = find(state.groups, call, "group_id", "Group")
    ids = id_list(body_object(call), "member_ids")
    _check_members(state, group, ids)
    group.member_ids |= set(ids)
    group.modified_at = call.now
    return status_only(202)


@routes.delete(GROUP + "/members/{member_id}")
def remove_member(call: MCall) -> web.Response:
    group = find(call.state.groups, call, "group_id", "Group")
    member = call.match["member_id"]
    if not member.isdigit() or int(member) not in group.member_ids:
        raise not_found("Group member")
    group.member_ids.discard(int(member))
    group.modified_at = call.now
    return status_only(204)
