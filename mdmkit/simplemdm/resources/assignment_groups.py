"""Assignment groups: they pair apps and profiles with devices and device groups.

Assign/unassign calls raise ``ConflictError`` (409) when the object is already in that state.
"""

from __future__ import annotations

from typing import Literal, get_args

from mdmkit.core.errors import InvalidRequestError
from mdmkit.core.pagination import Paginator
from mdmkit.http.params import check_choice, check_range, check_text, form_fields
from mdmkit.http.paths import path_id
from mdmkit.simplemdm.models import AssignmentGroup
from mdmkit.simplemdm.resources._base import MAX_PAGE_SIZE, Direction, Id, Resource, flag

__all__ = ["GROUP_TYPES", "INSTALL_TYPES", "AssignmentGroups"]

GroupType = Literal["standard", "munki"]
InstallType = Literal["managed", "self_serve", "default_installs", "managed_updates"]
GROUP_TYPES = get_args(GroupType)
INSTALL_TYPES = get_args(InstallType)


def _priority(value: int | None) -> int | None:
    """An assignment group's priority: an integer (the reference gives no range; 32 bits)."""
    return None if value is None else check_range(value, -(2**31), 2**31 - 1, "priority")


class AssignmentGroups(Resource):
    """``/assignment_groups``."""

    def _path(self, group_id: Id, *rest: str) -> str:
        return "/".join(["/assignment_groups", path_id(group_id, "assignment_group_id"), *rest])

    def list(
        self,
        *,
        limit: int = MAX_PAGE_SIZE,
        starting_after: Id | None = None,
        direction: Direction | None = None,
    ) -> Paginator[AssignmentGroup]:
        """Every assignment group."""
        return self._paginate(
            "/assignment_groups",
            AssignmentGroup,
            limit=limit,
            starting_after=starting_after,
            direction=direction,
        )

    async def get(self, assignment_group_id: Id) -> AssignmentGroup:
        """One assignment group with its app, device and device group ids."""
        return await self._one("GET", self._path(assignment_group_id), AssignmentGroup)

    async def create(
        self,
        *,
        name: str,
        auto_deploy: bool | None = None,
        priority: int | None = None,
        type: GroupType | None = None,
        install_type: InstallType | None = None,
        app_track_location: bool | None = None,
    ) -> AssignmentGroup:
        """A new assignment group (``type`` and ``install_type`` are legacy, Munki-era knobs)."""
        if type is not None:
            check_choice(type, GROUP_TYPES, "type")
        if install_type is not None:
            check_choice(install_type, INSTALL_TYPES, "install_type")
        fields = form_fields(
            name=check_text(name, "name"),
            auto_deploy=flag(auto_deploy, "auto_deploy"),
            priority=_priority(priority),
            type=type,
            install_type=install_type,
            app_track_location=flag(app_track_location, "app_track_location"),
        )
        return await self._one("POST", "/assignment_groups", AssignmentGroup, form=fields)

    async def update(
        self,
        assignment_group_id: Id,
        *,
        name: str | None = None,
        auto_deploy: bool | None = None,
        priority: int | None = None,
    ) -> None:
        """Change the name, auto deploy or priority of an assignment group."""
        fields = form_fields(
            name=None if name is None else check_text(name, "name"),
            auto_deploy=flag(auto_deploy, "auto_deploy"),
            priority=_priority(priority),
        )
        if not fields:
            raise InvalidRequestError("give name, auto_deploy or priority", field="name")
        await self._send("PATCH", self._path(assignment_group_id), form=fields)

    async def delete(self, assignment_group_id: Id) -> None:
        """Delete an assignment group."""
        await self._send("DELETE", self._path(assignment_group_id))

    async def _link(self, method: str, group_id: Id, kind: str, other: Id, field: str) -> None:
        await self._send(method, self._path(group_id, kind, path_id(other, field)))

    async def assign_app(self, assignment_group_id: Id, app_id: Id) -> None:
        """Add an app to the group."""
        await self._link("POST", assignment_group_id, "apps", app_id, "app_id")

    async def unassign_app(self, assignment_group_id: Id, app_id: Id) -> None:
        """Remove an app from the group."""
        await self._link("DELETE", assignment_group_id, "apps", app_id, "app_id")

    async def assign_device_group(self, assignment_group_id: Id, device_group_id: Id) -> None:
        """Add a device group to the group."""
        await self._link(
            "POST", assignment_group_id, "device_groups", device_group_id, "device_group_id"
        )

    async def unassign_device_group(self, assignment_group_id: Id, device_group_id: Id) -> None:
        """Remove a device group from the group."""
        await self._link(
            "DELETE", assignment_group_id, "device_groups", device_group_id, "device_group_id"
        )

    async def assign_device(self, assignment_group_id: Id, device_id: Id) -> None:
        """Add a device to the group."""
        await self._link("POST", assignment_group_id, "devices", device_id, "device_id")

    async def unassign_device(self, assignment_group_id: Id, device_id: Id) -> None:
        """Remove a device from the group."""
        await self._link("DELETE", assignment_group_id, "devices", device_id, "device_id")

    async def assign_profile(self, assignment_group_id: Id, profile_id: Id) -> None:
        """Add a profile to the group (then ``sync_profiles`` to push it)."""
        await self._link("POST", assignment_group_id, "profiles", profile_id, "profile_id")

    async def unassign_profile(self, assignment_group_id: Id, profile_id: Id) -> None:
        """Remove a profile from the group (then ``sync_profiles``)."""
        await self._link("DELETE", assignment_group_id, "profiles", profile_id, "profile_id")

    async def push_apps(self, assignment_group_id: Id) -> None:
        """Install the group's apps on the group's devices."""
        await self._send("POST", self._path(assignment_group_id, "push_apps"))

    async def update_apps(self, assignment_group_id: Id) -> None:
        """Update the group's apps on the group's devices."""
        await self._send("POST", self._path(assignment_group_id, "update_apps"))

    async def sync_profiles(self, assignment_group_id: Id) -> None:
        """Push profile changes to the group's devices (at most once per 30 s per group)."""
        await self._send("POST", self._path(assignment_group_id, "sync_profiles"))

    async def clone(self, assignment_group_id: Id) -> None:
        """Copy a static or dynamic group with its apps, profiles and devices (NGE accounts)."""
        await self._send("POST", self._path(assignment_group_id, "clone"))
