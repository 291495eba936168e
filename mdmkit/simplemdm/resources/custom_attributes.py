"""Custom attributes, and their values per device and per device group."""

from __future__ import annotations

import builtins
import re
from collections.abc import Mapping

from mdmkit.core.errors import InvalidRequestError
from mdmkit.core.pagination import Paginator
from mdmkit.http.params import form_fields
from mdmkit.http.paths import path_id
from mdmkit.simplemdm.models import CustomAttribute, CustomAttributeValue
from mdmkit.simplemdm.resources._base import Id, Resource

__all__ = ["CustomAttributes"]

_NAME = re.compile(r"[A-Za-z0-9_]+")


def _name(value: object, field: str = "name") -> str:
    if not isinstance(value, str) or not _NAME.fullmatch(value):
        raise InvalidRequestError(
            f"{field} must be letters, digits and underscores, got {value!r}", field=field
        )
    return value


def _value(value: object) -> str:
    if not isinstance(value, str):
        raise InvalidRequestError(f"value must be a string, got {value!r}", field="value")
    return value


class CustomAttributes(Resource):
    """``/custom_attributes`` and the ``custom_attribute_values`` routes."""

    def list(self) -> Paginator[CustomAttribute]:
        """Every custom attribute defined on the account."""
        return self._paginate("/custom_attributes", CustomAttribute)

    async def get(self, custom_attribute_id: str) -> CustomAttribute:
        """One custom attribute (its id is its name)."""
        path = f"/custom_attributes/{path_id(custom_attribute_id, 'custom_attribute_id')}"
        return await self._one("GET", path, CustomAttribute)

    async def create(self, *, name: str, default_value: str | None = None) -> CustomAttribute:
        """Define a custom attribute; its name is letters, digits and underscores."""
        fields = form_fields(name=_name(name), default_value=default_value)
        return await self._one("POST", "/custom_attributes", CustomAttribute, form=fields)

    async def update(self, custom_attribute_id: str, *, default_value: str) -> None:
        """Change an attribute's default value."""
        path = f"/custom_attributes/{path_id(custom_attribute_id, 'custom_attribute_id')}"
        await self._send("PATCH", path, form=[("default_value", _value(default_value))])

    async def delete(self, custom_attribute_id: str) -> None:
        """Remove an attribute and every value it has."""
        path = f"/custom_attributes/{path_id(custom_attribute_id, 'custom_attribute_id')}"
        await self._send("DELETE", path)

    async def get_device_values(self, device_id: Id) -> builtins.list[CustomAttributeValue]:
        """Every custom attribute value of a device, and where each comes from."""
        path = f"/devices/{path_id(device_id, 'device_id')}/custom_attribute_values"
        return await self._all(path, CustomAttributeValue)

    async def set_device_value(
        self, device_id: Id, custom_attribute_name: str, value: str
    ) -> CustomAttributeValue:
        """Set one attribute's value on a device."""
        path = (
            f"/devices/{path_id(device_id, 'device_id')}/custom_attribute_values/"
            f"{_name(custom_attribute_name, 'custom_attribute_name')}"
        )
        return await self._one("PUT", path, CustomAttributeValue, form=[("value", _value(value))])

    async def set_device_values(self, device_id: Id, values: Mapping[str, str]) -> None:
        """Set several attributes on a device at once (``{name: value}``; sent as JSON)."""
        if not values:
            raise InvalidRequestError("values must not be empty", field="values")
        data = [{"name": _name(name), "value": _value(value)} for name, value in values.items()]
        path = f"/devices/{path_id(device_id, 'device_id')}/custom_attribute_values"
        await self._send("PUT", path, json={"data": data})

    async def set_value_for_devices(
        self, custom_attribute_name: str, values: Mapping[Id, str]
    ) -> None:
        """Set one attribute on several devices at once (``{device_id: value}``; sent as JSON)."""
        if not values:
            raise InvalidRequestError("values must not be empty", field="values")
        data = [
            {"device_id": path_id(device, "device_id"), "value": _value(value)}
            for device, value in values.items()
        ]
        path = f"/custom_attribute_values/{_name(custom_attribute_name, 'custom_attribute_name')}"
        await self._send("PUT", path, json={"data": data})

    async def get_group_values(self, device_group_id: Id) -> builtins.list[CustomAttributeValue]:
        """Every custom attribute value of a device group."""
        path = (
            f"/device_groups/{path_id(device_group_id, 'device_group_id')}/custom_attribute_values"
        )
        return await self._all(path, CustomAttributeValue)

    async def set_group_value(
        self, device_group_id: Id, custom_attribute_name: str, value: str
    ) -> CustomAttributeValue:
        """Set one attribute's value on a device group."""
        path = (
            f"/device_groups/{path_id(device_group_id, 'device_group_id')}/custom_attribute_values/"
            f"{_name(custom_attribute_name, 'custom_attribute_name')}"
        )
        return await self._one("PUT", path, CustomAttributeValue, form=[("value", _value(value))])
