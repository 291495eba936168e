"""The account's event log."""

from __future__ import annotations

from mdmkit.core.pagination import Paginator
from mdmkit.http.paths import path_id
from mdmkit.simplemdm.models import Log
from mdmkit.simplemdm.resources._base import MAX_PAGE_SIZE, Direction, Id, Resource

__all__ = ["Logs"]


class Logs(Resource):
    """``/logs``."""

    def list(
        self,
        *,
        serial_number: str | None = None,
        limit: int = MAX_PAGE_SIZE,
        starting_after: str | None = None,
        direction: Direction | None = None,
    ) -> Paginator[Log]:
        """Logged events, all or for one device's ``serial_number``."""
        return self._paginate(
            "/logs",
            Log,
            params={"serial_number": serial_number},
            limit=limit,
            starting_after=starting_after,
            direction=direction,
        )

    async def get(self, log_id: Id) -> Log:
        """One log entry (log ids are hex strings)."""
        return await self._one("GET", f"/logs/{path_id(log_id, 'log_id')}", Log)
