"""Enrollments: links and one-time enrollments that add devices to the account."""

from __future__ import annotations

from mdmkit.core.pagination import Paginator
from mdmkit.http.params import check_text
from mdmkit.http.paths import path_id
from mdmkit.simplemdm.models import Enrollment
from mdmkit.simplemdm.resources._base import MAX_PAGE_SIZE, Direction, Id, Resource

__all__ = ["Enrollments"]


class Enrollments(Resource):
    """``/enrollments``."""

    def _path(self, enrollment_id: Id, *rest: str) -> str:
        return "/".join(["/enrollments", path_id(enrollment_id, "enrollment_id"), *rest])

    def list(
        self,
        *,
        limit: int = MAX_PAGE_SIZE,
        starting_after: Id | None = None,
        direction: Direction | None = None,
    ) -> Paginator[Enrollment]:
        """Every enrollment except automated (Apple Business/School Manager) ones."""
        return self._paginate(
            "/enrollments",
            Enrollment,
            limit=limit,
            starting_after=starting_after,
            direction=direction,
        )

    async def get(self, enrollment_id: Id) -> Enrollment:
        """One enrollment."""
        return await self._one("GET", self._path(enrollment_id), Enrollment)

    async def send_invitation(self, enrollment_id: Id, *, contact: str) -> None:
        """Send the enrollment link to an email address or a phone number (+ for international)."""
        fields = [("contact", check_text(contact, "contact"))]
        await self._send("POST", self._path(enrollment_id, "invitations"), form=fields)

    async def delete(self, enrollment_id: Id) -> None:
        """Delete an enrollment."""
        await self._send("DELETE", self._path(enrollment_id))
