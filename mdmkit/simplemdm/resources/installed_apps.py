"""Installed apps: apps found on devices, and requests about one install."""

from __future__ import annotations

from mdmkit.http.paths import path_id
from mdmkit.simplemdm.models import InstalledApp
from mdmkit.simplemdm.resources._base import Id, Resource

__all__ = ["InstalledApps"]


class InstalledApps(Resource):
    """``/installed_apps`` (list them per device with ``devices.installed_apps``)."""

    def _path(self, installed_app_id: Id, *rest: str) -> str:
        return "/".join(["/installed_apps", path_id(installed_app_id, "installed_app_id"), *rest])

    async def get(self, installed_app_id: Id) -> InstalledApp:
        """One installed app."""
        return await self._one("GET", self._path(installed_app_id), InstalledApp)

    async def request_management(self, installed_app_id: Id) -> None:
        """Ask the device to let MDM manage an app the user installed."""
        await self._send("POST", self._path(installed_app_id, "request_management"))

    async def update(self, installed_app_id: Id) -> None:
        """Ask the device to update a managed app to its latest version."""
        await self._send("POST", self._path(installed_app_id, "update"))

    async def uninstall(self, installed_app_id: Id) -> None:
        """Ask the device to remove a managed app."""
        await self._send("DELETE", self._path(installed_app_id))
