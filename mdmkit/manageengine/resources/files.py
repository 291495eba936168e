"""File uploads: an app package becomes a file id that app create/update take as ``app_file``.

``/emsapi/files`` (the default) processes a file after upload, so ``wait`` polls its status;
the deprecated ``/api/v1/mdm/files`` takes the raw bytes and is ready at once.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, Literal, get_args

from mdmkit.core.errors import InvalidRequestError, UploadError
from mdmkit.http.convert import structure_model
from mdmkit.http.params import check_choice
from mdmkit.http.paths import path_id
from mdmkit.http.response import Response
from mdmkit.http.uploads import FileInput, FileSource, disposition_value
from mdmkit.manageengine.models import FileStatus, UploadedFile
from mdmkit.manageengine.resources._base import API, Id, Resource

__all__ = ["MODULES", "Files", "UploadStrategy"]

UploadStrategy = Literal["emsapi", "legacy"]
MODULES = (
    "MDM_APP_MGMT",
    "MDM_CERTIFICATES",
    "MDM_CUSTOM_PROFILE",
    "MDM_CONTENT_MGMT",
    "MDM_PROFILES_IMAGES",
    "MDM_APP_REPOSITORY_CUSTOM_CONFIG",
)
_STATUS_NAMES = {1: "pending", 2: "completed", 3: "failed"}


def status_name(value: object) -> str:
    """ "pending", "completed" or "failed" from the codes and words the service uses."""
    if isinstance(value, str) and not value.strip().isdigit():
        lowered = value.strip().lower()
        return {"success": "completed", "available": "completed", "error": "failed"}.get(
            lowered, lowered
        )
    try:
        return _STATUS_NAMES[int(value)]  # type: ignore[call-overload]
    except (KeyError, TypeError, ValueError):
        return "pending"


def _first(data: Mapping[str, Any], *names: str) -> Any:
    return next((data[name] for name in names if data.get(name) is not None), None)


class Files(Resource):
    """``/emsapi/files`` and ``/api/v1/mdm/files``."""

    def __init__(self, *args: Any, strategy: UploadStrategy = "emsapi") -> None:
        super().__init__(*args)
        self.strategy: UploadStrategy = strategy

    async def upload(
        self,
        source: FileSource | FileInput,
        *,
        module: str = "MDM_APP_MGMT",
        filename: str | None = None,
        strategy: UploadStrategy | None = None,
    ) -> UploadedFile:
        """Upload a file (a path, bytes with ``filename``, or a binary file object)."""
        check_choice(module, MODULES, "module")
        chosen = strategy or self.strategy
        check_choice(chosen, get_args(UploadStrategy), "strategy")
        file = FileSource.of(source, filename=filename, field="source")
        if chosen == "emsapi":
            response = await self._send(
                "POST",
                "/emsapi/files",
                multipart=[("file", file)],
                headers={"Module": module, "Accept": "application/json"},
            )
        else:
            response = await self._send(
                "POST",
                f"{API}/files",
                content=file,
                headers={
                    "Content-Disposition": _attachment(file.filename),
                    "Accept": "application/json",
                },
            )
        return self._uploaded(response, completed=chosen == "legacy")

    def _uploaded(self, response: Response, *, completed: bool) -> UploadedFile:
        data = response.json()
        if not isinstance(data, Mapping):
            data = {}
        flat = {
            "file_id": _first(data, "file_id", "fileID", "fileId"),
            "file_name": _first(data, "file_name", "fileName"),
            "content_type": _first(data, "content_type", "contentType"),
            "content_length": _first(data, "content_length", "contentLength"),
            "expiry_time": _first(data, "expiry_time", "expiryTime"),
            "status": "completed"
            if completed
            else status_name(_first(data, "file_status", "fileStatus", "status")),
        }
        return structure_model(
            self._converter,
            {k: v for k, v in flat.items() if v is not None},
            UploadedFile,
            raw=data,
        )

    async def status(self, file_id: Id) -> FileStatus:
        """Where the file's processing stands: "pending", "completed" or "failed"."""
        response = await self._send("GET", f"{API}/files/{path_id(file_id, 'file_id')}/status")
        data = response.json()
        if not isinstance(data, Mapping):
            data = {}
        flat = {
            "file_id": _first(data, "file_id", "fileID") or file_id,
            "status": status_name(
                _first(data, "file_status", "fileStatus", "file_availability_status", "status")
            ),
            "expiry_time": _first(data, "expiry_time", "expiryTime"),
        }
        return structure_model(
            self._converter, {k: v for k, v in flat.items() if v is not None}, FileStatus, raw=data
        )

    async def wait(
        self, file_id: Id, *, max_wait: float = 300.0, interval: float = 2.0
    ) -> FileStatus:
        """Poll until the file is completed; UploadError if it failed or ``max_wait`` passed."""
        if not (math.isfinite(max_wait) and max_wait > 0 and interval > 0):
            raise InvalidRequestError("max_wait and interval must be positive", field="max_wait")
        clock, sleep = self._transport.clock, self._transport.sleep
        deadline = clock() + max_wait
        while True:
            state = await self.status(file_id)
            if state.status == "completed":
                return state
            if state.status == "failed":
                raise UploadError(f"file {file_id} failed processing", file_id=str(file_id))
            if clock() + interval > deadline:
                raise UploadError(
                    f"file {file_id} was still {state.status!r} after {max_wait:.0f}s",
                    file_id=str(file_id),
                    status=state.status,
                )
            await sleep(interval)


def _attachment(filename: str) -> str:
    """The legacy upload's Content-Disposition, its name escaped as multipart parts are."""
    return f'attachment; filename="{disposition_value(filename)}"'
