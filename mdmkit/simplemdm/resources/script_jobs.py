"""Script jobs: a script run on a set of Macs, with each device's result."""

from __future__ import annotations

from collections.abc import Iterable

from mdmkit.core.errors import InvalidRequestError
from mdmkit.core.ids import checked_id
from mdmkit.core.pagination import Paginator
from mdmkit.http.params import form_fields, ids_csv
from mdmkit.http.paths import path_id
from mdmkit.simplemdm.models import ScriptJob
from mdmkit.simplemdm.resources._base import MAX_PAGE_SIZE, Direction, Id, Resource

__all__ = ["ScriptJobs"]


class ScriptJobs(Resource):
    """``/script_jobs``."""

    def list(
        self,
        *,
        limit: int = MAX_PAGE_SIZE,
        starting_after: Id | None = None,
        direction: Direction | None = None,
    ) -> Paginator[ScriptJob]:
        """Jobs of the last month."""
        return self._paginate(
            "/script_jobs",
            ScriptJob,
            limit=limit,
            starting_after=starting_after,
            direction=direction,
        )

    async def get(self, script_job_id: Id) -> ScriptJob:
        """One job with every device's status, exit code and output."""
        path = f"/script_jobs/{path_id(script_job_id, 'script_job_id')}"
        return await self._one("GET", path, ScriptJob)

    async def create(
        self,
        *,
        script_id: Id,
        device_ids: Iterable[Id] | None = None,
        group_ids: Iterable[Id] | None = None,
        assignment_group_ids: Iterable[Id] | None = None,
        custom_attribute: str | None = None,
        custom_attribute_regex: str | None = None,
    ) -> ScriptJob:
        """Run a script on devices, device groups and assignment groups (at least one target).

        The output can be stored in ``custom_attribute``, cleaned by ``custom_attribute_regex``.
        """
        targets = {
            "device_ids": ids_csv(device_ids, "device_ids"),
            "group_ids": ids_csv(group_ids, "group_ids"),
            "assignment_group_ids": ids_csv(assignment_group_ids, "assignment_group_ids"),
        }
        if not any(targets.values()):
            raise InvalidRequestError(
                "a script job needs at least one of device_ids, group_ids or assignment_group_ids",
                field="device_ids",
            )
        fields = form_fields(
            script_id=checked_id(script_id, "script_id"),
            **targets,
            custom_attribute=custom_attribute,
            custom_attribute_regex=custom_attribute_regex,
        )
        return await self._one("POST", "/script_jobs", ScriptJob, form=fields)

    async def cancel(self, script_job_id: Id) -> None:
        """Cancel a job on the devices that have not received it yet."""
        await self._send("DELETE", f"/script_jobs/{path_id(script_job_id, 'script_job_id')}")
