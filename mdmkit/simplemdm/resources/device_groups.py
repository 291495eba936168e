"""Device groups (legacy; the New Groups Experience replaces them with assignment groups)."""

from __future__ import annotations

from mdmkit.core.pagination import Paginator
from mdmkit.http.paths import path_id
from mdmkit.simplemdm.models import DeviceGroup
from mdmkit.simplemdm.resources._base import MAX_PAGE_SIZE, Direction, Id, Resource

__all__ = ["DeviceGroups"]


class DeviceGroups(Resource):
    """``/device_groups``."""

    def _path(self, group_id: Id, *rest: str) -> str:
        return "/".join(["/device_groups", path_id(group_id, "device_group_id"), *rest])

    def list(
        self,
        *,
        limit: int = MAX_PAGE_SIZE,
        starting_after: Id | None = None,
        direction: Direction | None = None,
    ) -> Paginator[DeviceGroup]:
        """Every device group."""
        return self._paginate(
            "/device_groups",
            DeviceGroup,
            limit=limit,
            starting_after=starting_after,
            direction=direction,
        )

    async def get(self, device_group_id: Id) -> DeviceGroup:
        """One device group."""
        return await self._one("GET", self._path(device_group_id), DeviceGroup)

    async def assign_device(self, device_group_id: Id, device_id: Id) -> None:
        """Move a device into this group (a device is in one legacy group at a time)."""
        device = path_id(device_id, "device_id")
        await self._send("POST", self._path(device_group_id, "devices", device))

    async def clone(self, device_group_id: Id) -> DeviceGroup:
        """A copy of the group's configuration, without its devices."""
        return await self._one("POST", self._path(device_group_id, "clone"), DeviceGroup)
