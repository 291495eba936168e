"""Groups: device groups (6), user groups (7) and tag groups (11), and their members."""

from __future__ import annotations

from collections.abc import Iterable

from mdmkit.core.errors import InvalidRequestError
from mdmkit.core.pagination import Paginator
from mdmkit.http.params import check_text
from mdmkit.http.paths import path_id
from mdmkit.manageengine.models import Group
from mdmkit.manageengine.resources._base import API, DEFAULT_PAGE_SIZE, Id, Resource, numeric_ids

__all__ = ["DEVICE_GROUP", "Groups"]

DEVICE_GROUP, USER_GROUP, TAG_GROUP = 6, 7, 11


class Groups(Resource):
    """``/api/v1/mdm/groups``."""

    def _path(self, group_id: Id, *rest: str) -> str:
        return "/".join([f"{API}/groups", path_id(group_id, "group_id"), *rest])

    def list(self, *, limit: int = DEFAULT_PAGE_SIZE) -> Paginator[Group]:
        """Every group."""
        return self._paginate(f"{API}/groups", "groups", Group, limit=limit)

    async def create(
        self,
        *,
        name: str,
        group_type: int = DEVICE_GROUP,
        domain: str | None = None,
        description: str | None = None,
    ) -> Group:
        """A new group (``group_type`` 6 device group, 7 user group, 11 tag group)."""
        if isinstance(group_type, bool) or not isinstance(group_type, int) or group_type < 1:
            raise InvalidRequestError("group_type must be a positive int", field="group_type")
        body: dict[str, object] = {"name": check_text(name, "name"), "group_type": group_type}
        if domain is not None:
            body["domain"] = domain
        if description is not None:
            body["description"] = description
        return await self._one("POST", f"{API}/groups", Group, json=body)

    async def get(self, group_id: Id, *, include_members: bool = False) -> Group:
        """One group; ``include_members`` adds its ``member_ids``."""
        params = {"include": "members"} if include_members else None
        return await self._one("GET", self._path(group_id), Group, params=params)

    async def delete(self, group_id: Id) -> None:
        """Delete a group (its devices stay)."""
        await self._send("DELETE", self._path(group_id))

    async def add_members(self, group_id: Id, member_ids: Iterable[Id]) -> None:
        """Add devices (or users, for a user group) to the group."""
        body = {"member_ids": numeric_ids(member_ids, "member_ids")}
        await self._send("POST", self._path(group_id, "members"), json=body)

    async def remove_member(self, group_id: Id, member_id: Id) -> None:
        """Take one member out of the group."""
        await self._send("DELETE", self._path(group_id, "members", path_id(member_id, "member_id")))
