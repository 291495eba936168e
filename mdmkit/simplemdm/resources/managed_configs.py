"""Managed app configuration: key/value settings delivered to an app."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Literal, get_args

from mdmkit.core.errors import InvalidRequestError
from mdmkit.core.pagination import Paginator
from mdmkit.http.params import check_choice, check_text
from mdmkit.http.paths import path_id
from mdmkit.simplemdm.models import ManagedConfig
from mdmkit.simplemdm.resources._base import MAX_PAGE_SIZE, Id, Resource

__all__ = ["VALUE_TYPES", "ManagedConfigs", "encode_config_value"]

ValueType = Literal[
    "boolean",
    "date",
    "float",
    "float array",
    "integer",
    "integer array",
    "string",
    "string array",
]
VALUE_TYPES = get_args(ValueType)
ConfigValue = str | int | float | bool | datetime | Sequence[str] | Sequence[int] | Sequence[float]


def encode_config_value(value: ConfigValue, value_type: str) -> str:
    """``value`` in the text format SimpleMDM documents for ``value_type``."""
    if isinstance(value, str):
        return value
    if value_type == "boolean" and isinstance(value, bool):
        return "1" if value else "0"
    if value_type == "date" and isinstance(value, datetime):
        if value.tzinfo is None:
            raise InvalidRequestError("a date value needs a time zone", field="value")
        return value.isoformat()
    numeric = isinstance(value, int | float) and not isinstance(value, bool)
    if value_type in ("integer", "float") and numeric:
        return str(value)
    if value_type.endswith(" array") and isinstance(value, Sequence):
        items = list(value)
        if value_type == "string array":
            return ",".join('"' + str(item).replace('"', '\\"') + '"' for item in items)
        if all(isinstance(i, int | float) and not isinstance(i, bool) for i in items):
            return ",".join(str(item) for item in items)
    raise InvalidRequestError(
        f"value {value!r} does not fit value_type {value_type!r}", field="value"
    )


class ManagedConfigs(Resource):
    """``/apps/{APP_ID}/managed_configs``."""

    def list(
        self, app_id: Id, *, limit: int = MAX_PAGE_SIZE, starting_after: Id | None = None
    ) -> Paginator[ManagedConfig]:
        """The managed configuration keys of an app."""
        path = f"/apps/{path_id(app_id, 'app_id')}/managed_configs"
        return self._paginate(path, ManagedConfig, limit=limit, starting_after=starting_after)

    async def create(
        self, app_id: Id, *, key: str, value: ConfigValue, value_type: ValueType
    ) -> ManagedConfig:
        """Add a key; ``value`` is encoded per ``value_type`` (bools 1/0, arrays comma-joined)."""
        check_choice(value_type, VALUE_TYPES, "value_type")
        fields = [
            ("key", check_text(key, "key")),
            ("value", encode_config_value(value, value_type)),
            ("value_type", value_type),
        ]
        path = f"/apps/{path_id(app_id, 'app_id')}/managed_configs"
        return await self._one("POST", path, ManagedConfig, form=fields)

    async def delete(self, app_id: Id, managed_config_id: Id) -> None:
        """Remove a key."""
        path = (
            f"/apps/{path_id(app_id, 'app_id')}/managed_configs/"
            f"{path_id(managed_config_id, 'managed_config_id')}"
        )
        await self._send("DELETE", path)

    async def push(self, app_id: Id) -> None:
        """Send configuration changes made through the API to every device."""
        await self._send("POST", f"/apps/{path_id(app_id, 'app_id')}/managed_configs/push")
