"""Profiles and custom configuration profiles (uploaded mobileconfigs): list, CRUD, download,
and assignment to devices and device groups (409 when already so).

Both share one id space, as custom profiles also appear among ``/profiles``.
"""

from __future__ import annotations

import hashlib
import plistlib
from collections.abc import Callable
from typing import Any

from aiohttp import web

from mdmkit.testing._server import Problem
from mdmkit.testing.simplemdm.common import (
    Routes,
    SCall,
    find,
    listing,
    one,
    require,
    status_only,
    toggle_member,
)
from mdmkit.testing.simplemdm.records import Profile
from mdmkit.testing.simplemdm.render import custom_profile_json, profile_json

__all__ = ["routes"]

routes = Routes()
CUSTOM = "/custom_configuration_profiles"
_FLAGS = ("user_scope", "attribute_support", "escape_attributes", "reinstall_after_os_update")


def _search(call: SCall, *fields: Callable[[Profile], str]) -> Callable[[Profile], bool]:
    needle = (call.arg("search") or "").lower()
    return lambda p: not needle or any(needle in field(p).lower() for field in fields)


@routes.get("/profiles")
def list_profiles(call: SCall) -> web.Response:
    accept = _search(call, lambda p: p.name, lambda p: p.kind)
    return listing(
        call, call.state.profiles.after, lambda p: profile_json(call.state, p), accept=accept
    )


@routes.get("/profiles/{profile_id}")
def get_profile(call: SCall) -> web.Response:
    return one(profile_json(call.state, find(call.state.profiles, call, "profile_id")))


def _custom(call: SCall) -> Profile:
    profile = find(call.state.profiles, call, "profile_id")
    if not profile.is_custom:
        raise Problem(404, "object not found")
    return profile


@routes.get(CUSTOM)
def list_custom(call: SCall) -> web.Response:
    search = _search(call, lambda p: p.name)
    return listing(
        call,
        call.state.profiles.after,
        lambda p: custom_profile_json(call.state, p),
        accept=lambda p: p.is_custom and search(p),
    )


def _mobileconfig(call: SCall) -> bytes | None:
    """The uploaded file (multipart), or the field sent as text."""
    part = call.file("mobileconfig")
    if part is not None:
        return part.data
    text = call.arg("mobileconfig")
    return text.encode() if text else None


def _identifier(data: bytes, fallback: str) -> str:
    try:
        loaded: Any = plistlib.loads(data)
    except Exception:
        return fallback
    found = loaded.get("PayloadIdentifier") if isinstance(loaded, dict) else None
    return str(found) if found else fallback


def _apply_flags(call: SCall, profile: Profile) -> None:
    for flag in _FLAGS:
        setattr(profile, flag, call.boolean(flag, getattr(profile, flag)))


@routes.post(CUSTOM)
def create_custom(call: SCall) -> web.Response:
    state = call.state
    name = require(call, "name")
    data = _mobileconfig(call)
    if not data:
        raise Problem(422, "mobileconfig is required")
    ident = state.profiles.next_id()
    identifier = _identifier(data, f"com.unwiredmdm.{state.hex_id(32)}")
    profile = Profile(ident, "custom_configuration_profile", name, identifier, mobileconfig=data)
    _apply_flags(call, profile)
    state.profiles.add(ident, profile)
    return one(custom_profile_json(state, profile), 201)


@routes.patch(CUSTOM + "/{profile_id}")
def update_custom(call: SCall) -> web.Response:
    profile = _custom(call)
    profile.name = call.arg("name") or profile.name
    data = _mobileconfig(call)
    if data:
        profile.mobileconfig = data
        profile.profile_identifier = _identifier(data, profile.profile_identifier)
    _apply_flags(call, profile)
    return one(custom_profile_json(call.state, profile))


@routes.get(CUSTOM + "/{profile_id}/download")
def download_custom(call: SCall) -> web.Response:
    """The raw mobileconfig, with a weak ETag of its MD5 (used by clients as a checksum)."""
    data = _custom(call).mobileconfig or b""
    etag = f'W/"{hashlib.md5(data, usedforsecurity=False).hexdigest()}"'
    return web.Response(
        body=data, headers={"Content-Type": "application/x-apple-aspen-config", "ETag": etag}
    )


@routes.delete(CUSTOM + "/{profile_id}")
def delete_custom(call: SCall) -> web.Response:
    profile = _custom(call)
    call.state.profiles.remove(profile.id)
    for group in call.state.assignment_groups.values():
        if profile.id in group.profile_ids:
            group.profile_ids.remove(profile.id)
    return status_only(204)


def _assignment_routes(base: str, custom_only: bool) -> None:
    """POST/DELETE ``<base>/{profile_id}/devices/{id}`` and ``.../device_groups/{id}``."""
    for segment, table, attribute in (
        ("devices", "devices", "device_ids"),
        ("device_groups", "device_groups", "device_group_ids"),
    ):
        for add in (True, False):

            def handle(
                call: SCall, add: bool = add, table: str = table, attribute: str = attribute
            ) -> web.Response:
                profile = (
                    _custom(call) if custom_only else find(call.state.profiles, call, "profile_id")
                )
                target = find(getattr(call.state, table), call, "target_id")
                return toggle_member(getattr(profile, attribute), target.id, add)

            routes.add(
                "POST" if add else "DELETE", f"{base}/{{profile_id}}/{segment}/{{target_id}}"
            )(handle)


_assignment_routes("/profiles", custom_only=False)
_assignment_routes(CUSTOM, custom_only=True)
