"""Configuration profiles built in SimpleMDM, and where they are assigned."""

from __future__ import annotations

from mdmkit.core.pagination import Paginator
from mdmkit.http.paths import path_id
from mdmkit.simplemdm.models import Profile
from mdmkit.simplemdm.resources._base import MAX_PAGE_SIZE, Direction, Id, Resource

__all__ = ["ProfileAssignments", "Profiles"]


class ProfileAssignments(Resource):
    """The assign/unassign routes both kinds of profile share, under ``collection``."""

    collection = "/profiles"

    def _path(self, profile_id: Id, *rest: str) -> str:
        return "/".join([self.collection, path_id(profile_id, "profile_id"), *rest])

    async def assign_device_group(self, profile_id: Id, device_group_id: Id) -> None:
        """Push the profile to every device of a device group."""
        group = path_id(device_group_id, "device_group_id")
        await self._send("POST", self._path(profile_id, "device_groups", group))

    async def unassign_device_group(self, profile_id: Id, device_group_id: Id) -> None:
        """Remove the profile from every device of a device group."""
        group = path_id(device_group_id, "device_group_id")
        await self._send("DELETE", self._path(profile_id, "device_groups", group))

    async def assign_device(self, profile_id: Id, device_id: Id) -> None:
        """Push the profile to one device."""
        device = path_id(device_id, "device_id")
        await self._send("POST", self._path(profile_id, "devices", device))

    async def unassign_device(self, profile_id: Id, device_id: Id) -> None:
        """Remove the profile from one device."""
        device = path_id(device_id, "device_id")
        await self._send("DELETE", self._path(profile_id, "devices", device))


class Profiles(ProfileAssignments):
    """``/profiles``."""

    def list(
        self,
        *,
        search: str | None = None,
        limit: int = MAX_PAGE_SIZE,
        starting_after: Id | None = None,
        direction: Direction | None = None,
    ) -> Paginator[Profile]:
        """Every profile; ``search`` matches the profile name or type."""
        return self._paginate(
            "/profiles",
            Profile,
            params={"search": search},
            limit=limit,
            starting_after=starting_after,
            direction=direction,
        )

    async def get(self, profile_id: Id) -> Profile:
        """One profile."""
        return await self._one("GET", self._path(profile_id), Profile)
