"""Users devices are assigned to (their list pages with an opaque skip-token)."""

from __future__ import annotations

from mdmkit.core.pagination import Paginator
from mdmkit.http.paths import path_id
from mdmkit.manageengine.models import User
from mdmkit.manageengine.resources._base import API, DEFAULT_PAGE_SIZE, Id, Resource

__all__ = ["Users"]


class Users(Resource):
    """``/api/v1/mdm/users``."""

    def list(self, *, search: str | None = None, limit: int = DEFAULT_PAGE_SIZE) -> Paginator[User]:
        """Every user; later pages follow the skip-token inside ``paging.next``."""
        return self._paginate(f"{API}/users", "users", User, params={"search": search}, limit=limit)

    async def get(self, user_id: Id) -> User:
        """One user."""
        return await self._one("GET", f"{API}/users/{path_id(user_id, 'user_id')}", User)
