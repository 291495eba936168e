"""Devices: inventory, details, asset fields, summaries, installed apps and actions."""

from __future__ import annotations

import builtins
from collections.abc import Iterable
from datetime import datetime
from typing import Literal, get_args

from mdmkit.core.errors import InvalidRequestError
from mdmkit.core.pagination import Paginator
from mdmkit.core.parallel import IN_FLIGHT
from mdmkit.http.convert import structure_model
from mdmkit.http.params import check_choice
from mdmkit.http.paths import path_id
from mdmkit.manageengine.envelope import read_collection
from mdmkit.manageengine.models import Device, DeviceAction, DeviceSummary, InstalledApp
from mdmkit.manageengine.resources._base import API, DEFAULT_PAGE_SIZE, Id
from mdmkit.manageengine.resources.actions import DeviceActions

__all__ = ["DEVICE_TYPES", "PLATFORMS", "Devices"]

PLATFORMS = {"ios": "iOS", "android": "Android", "windows": "Windows"}
DEVICE_TYPES = {"smartphone": "smartphone", "tablet": "Tablet", "laptop": "Laptop"} | {
    "desktop": "Desktop",
    "tv": "Tv",
}
OwnedBy = Literal["Corporate", "Personal"]


def _choices(values: str | Iterable[str] | None, table: dict[str, str], field: str) -> str | None:
    """A comma list of values, each checked against ``table`` (case-insensitive)."""
    if values is None:
        return None
    items = [values] if isinstance(values, str) else list(values)
    normalised = []
    for item in items:
        key = item.lower() if isinstance(item, str) else item
        if key not in table:
            raise InvalidRequestError(
                f"{field} must be among {', '.join(table.values())}; got {item!r}", field=field
            )
        normalised.append(table[key])
    return ",".join(normalised) or None


def _flag(value: bool | None) -> str | None:
    return None if value is None else ("true" if value else "false")


def _epoch_ms(value: datetime | None, field: str) -> int | None:
    if value is None:
        return None
    if value.tzinfo is None:
        raise InvalidRequestError(f"{field} needs a time zone", field=field)
    return int(value.timestamp() * 1000)


def _device_id(device: Device) -> int:
    return device.device_id


class Devices(DeviceActions):
    """``/api/v1/mdm/devices``."""

    def _path(self, device_id: Id, *rest: str) -> str:
        return "/".join([f"{API}/devices", path_id(device_id, "device_id"), *rest])

    def list(
        self,
        *,
        search: str | None = None,
        platform: str | Iterable[str] | None = None,
        group_id: Id | None = None,
        exclude_removed: bool | None = None,
        include_all: bool | None = None,
        imei: str | None = None,
        serial_number: str | None = None,
        owned_by: OwnedBy | None = None,
        device_type: str | Iterable[str] | None = None,
        email: str | None = None,
        limit: int = DEFAULT_PAGE_SIZE,
        parallel: bool = False,
        in_flight: int = IN_FLIGHT,
    ) -> Paginator[Device]:
        """Every device matching the filters (``platform``: iOS, Android, Windows; a list ORs).

        ``parallel=True``: once the first page says how many there are, the other pages are
        read ``in_flight`` at a time, in no particular order; see docs/performance.md."""
        if owned_by is not None:
            check_choice(owned_by, get_args(OwnedBy), "owned_by")
        params = {
            "search": search,
            "platform": _choices(platform, PLATFORMS, "platform"),
            "group_id": None if group_id is None else path_id(group_id, "group_id"),
            "exclude_removed": _flag(exclude_removed),
            "include_all": _flag(include_all),
            "imei": imei,
            "serial_number": serial_number,
            "owned_by": owned_by,
            "device_type": _choices(device_type, DEVICE_TYPES, "device_type"),
            "email": email,
        }
        return self._paginate(
            f"{API}/devices",
            "devices",
            Device,
            params=params,
            limit=limit,
            parallel=parallel,
            in_flight=in_flight,
            ident=_device_id,
        )

    async def get(self, device_id: Id) -> Device:
        """One device with its full details."""
        return await self._one("GET", self._path(device_id), Device)

    async def update(
        self,
        device_id: Id,
        *,
        name: str | None = None,
        asset_tag: str | None = None,
        asset_owner: str | None = None,
        description: str | None = None,
        office: str | None = None,
        purchase_date: datetime | None = None,
        purchase_price: float | None = None,
        purchase_type: str | None = None,
        purchase_order_number: str | None = None,
        warranty_number: str | None = None,
        warranty_type: str | None = None,
        warranty_expiration_date: datetime | None = None,
    ) -> Device:
        """Change a device's name and asset details (dates must carry a time zone)."""
        body = {
            "name": name,
            "asset_tag": asset_tag,
            "asset_owner": asset_owner,
            "description": description,
            "office": office,
            "purchase_date": _epoch_ms(purchase_date, "purchase_date"),
            "purchase_price": purchase_price,
            "purchase_type": purchase_type,
            "purchase_order_number": purchase_order_number,
            "warranty_number": warranty_number,
            "warranty_type": warranty_type,
            "warranty_expiration_date": _epoch_ms(
                warranty_expiration_date, "warranty_expiration_date"
            ),
        }
        fields = {key: value for key, value in body.items() if value is not None}
        if not fields:
            raise InvalidRequestError("give at least one field to change", field="name")
        return await self._one("PUT", self._path(device_id), Device, json=fields)

    async def summary(self, device_id: Id) -> DeviceSummary:
        """Counts, agent version, last contact and groups of a device."""
        return await self._one("GET", self._path(device_id, "summary"), DeviceSummary)

    def installed_apps(
        self, device_id: Id, *, limit: int = DEFAULT_PAGE_SIZE
    ) -> Paginator[InstalledApp]:
        """The apps on a device."""
        return self._paginate(self._path(device_id, "apps"), "apps", InstalledApp, limit=limit)

    async def available_actions(self, device_id: Id) -> builtins.list[DeviceAction]:
        """The actions the device supports, and whether each can run now."""
        response = await self._send("GET", self._path(device_id, "actions"))
        items = read_collection(response, "actions").items
        return [structure_model(self._converter, item, DeviceAction) for item in items]
