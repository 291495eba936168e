"""Apple Business Manager (automated enrollment) servers and the device records Apple holds."""

from __future__ import annotations

from mdmkit.core.pagination import Paginator
from mdmkit.http.paths import path_id
from mdmkit.simplemdm.models import DepDevice, DepServer
from mdmkit.simplemdm.resources._base import MAX_PAGE_SIZE, Direction, Id, Resource

__all__ = ["DepServers"]


class DepServers(Resource):
    """``/dep_servers``."""

    def _path(self, server_id: Id, *rest: str) -> str:
        return "/".join(["/dep_servers", path_id(server_id, "dep_server_id"), *rest])

    def list(
        self,
        *,
        limit: int = MAX_PAGE_SIZE,
        starting_after: Id | None = None,
        direction: Direction | None = None,
    ) -> Paginator[DepServer]:
        """Every DEP server association."""
        return self._paginate(
            "/dep_servers",
            DepServer,
            limit=limit,
            starting_after=starting_after,
            direction=direction,
        )

    async def get(self, dep_server_id: Id) -> DepServer:
        """One DEP server."""
        return await self._one("GET", self._path(dep_server_id), DepServer)

    async def sync(self, dep_server_id: Id) -> None:
        """Sync with Apple now instead of at the next scheduled sync."""
        await self._send("POST", self._path(dep_server_id, "sync"))

    def list_devices(
        self,
        dep_server_id: Id,
        *,
        limit: int = MAX_PAGE_SIZE,
        starting_after: Id | None = None,
        direction: Direction | None = None,
    ) -> Paginator[DepDevice]:
        """The device records Apple lists for this server."""
        return self._paginate(
            self._path(dep_server_id, "dep_devices"),
            DepDevice,
            limit=limit,
            starting_after=starting_after,
            direction=direction,
        )

    async def get_device(self, dep_server_id: Id, dep_device_id: Id) -> DepDevice:
        """One DEP device record."""
        path = self._path(dep_server_id, "dep_devices", path_id(dep_device_id, "dep_device_id"))
        return await self._one("GET", path, DepDevice)
