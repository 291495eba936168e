"""Configuration profiles."""

from __future__ import annotations

from mdmkit.core.pagination import Paginator
from mdmkit.manageengine.models import Profile
from mdmkit.manageengine.resources._base import API, DEFAULT_PAGE_SIZE, Resource

__all__ = ["Profiles"]


class Profiles(Resource):
    """``/api/v1/mdm/profiles``."""

    def list(self, *, limit: int = DEFAULT_PAGE_SIZE) -> Paginator[Profile]:
        """Every profile."""
        return self._paginate(f"{API}/profiles", "profiles", Profile, limit=limit)
