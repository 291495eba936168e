"""File uploads: ``POST /emsapi/files`` (multipart), the status poll, and legacy uploads.

``/emsapi/files`` needs a ``Module`` header and a multipart field ``file`` whose extension the
module takes; an ``Accept`` header that rules out JSON answers 406. Its errors use the
``{"errorCode", "errorMsg"}`` shape. The file stays pending (``fileStatus`` 1) for
``upload_delay`` seconds of the clock, then completes (2), or fails (3) when its name ends in
``-corrupt.<ext>``.

Legacy ``POST /api/v1/mdm/files`` takes the raw bytes as the whole body and the name from
``Content-Disposition`` (``filename=App.apk``, ``attachment; filename="App.apk"`` or
``file_name=App.apk``); a multipart body's first file part is taken too. It completes at once.

Every file expires an hour after upload: its status still reads (with ``expiry_time`` in the
past) but an app can no longer use it. :func:`usable_app_file` is the check app create and
update make on ``app_file``.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from aiohttp import web

from mdmkit.testing._server import Problem
from mdmkit.testing.manageengine.common import (
    EMSAPI,
    MDM,
    MCall,
    Routes,
    find,
    invalid,
    ms,
    reply,
    whole,
)
from mdmkit.testing.manageengine.records import (
    COMPLETED_FILE,
    FAILED_FILE,
    PENDING_FILE,
    FileRecord,
)
from mdmkit.testing.manageengine.render import file_status_json
from mdmkit.testing.manageengine.state import FILE_BASE, ManageEngineState

__all__ = ["APP_EXTENSIONS", "MODULES", "add_file", "routes", "usable_app_file"]

routes = Routes(MDM)
emsapi = Routes(EMSAPI)
APP_EXTENSIONS = ("apk", "ipa", "msi", "msix", "appx", "appxbundle", "msixbundle", "xap", "pkg")
MODULES: dict[str, tuple[str, ...] | None] = {
    "MDM_APP_MGMT": APP_EXTENSIONS,
    "MDM_CERTIFICATES": ("cer", "crt", "pem", "pfx", "p12"),
    "MDM_CUSTOM_PROFILE": ("xml", "mobileconfig", "plist", "json"),
    "MDM_CONTENT_MGMT": None,  # any document
    "MDM_PROFILES_IMAGES": ("png", "jpg", "jpeg", "gif", "bmp"),
    "MDM_APP_REPOSITORY_CUSTOM_CONFIG": ("xml", "plist"),
}
"""``Module`` header values and the extensions each takes (None: any)."""
CONTENT_TYPES = {
    "apk": "application/vnd.android.package-archive",
    "ipa": "application/x-itunes-ipa",
    "msi": "application/x-ms-installer",
    "appx": "application/zip",
    "appxbundle": "application/zip",
    "msix": "application/zip",
    "msixbundle": "application/zip",
    "xap": "application/zip",
}
_CORRUPT = re.compile(r".*-corrupt\.[^.]+", re.IGNORECASE)
_DISPOSITION = re.compile(r"""(?:^|;)\s*file_?name\*?\s*=\s*(?:"([^"]*)"|([^;]*))""", re.I)


def _content_type(name: str, sent: str | None) -> str:
    extension = name.rpartition(".")[2].lower()
    if extension in CONTENT_TYPES:
        return CONTENT_TYPES[extension]
    if sent and not sent.startswith(("application/json", "multipart/")):
        return sent.split(";")[0].strip()
    return "application/octet-stream"


def add_file(
    state: ManageEngineState,
    name: str,
    data: bytes,
    content_type: str,
    now: float,
    *,
    module: str | None,
    delay: float,
) -> FileRecord:
    """Store an upload that completes ``delay`` seconds from ``now``."""
    record = FileRecord(
        state.files.next_id(FILE_BASE + 1),
        name,
        content_type,
        len(data),
        hashlib.sha256(data).hexdigest(),
        uploaded_at=now,
        ready_at=now + delay,
        expires_at=now + state.file_lifetime,
        module=module,
        fails=bool(_CORRUPT.fullmatch(name)),
    )
    return state.files.add(record.id, record)


def _accepts_json(accept: str) -> bool:
    for item in accept.split(","):
        media, *params = (part.strip().lower() for part in item.split(";"))
        if media in ("application/json", "application/*", "*/*") and "q=0" not in params:
            return True
    return False


@emsapi.post("/files")
def upload(call: MCall) -> web.Response:
    headers = call.request.headers
    accept = headers.get("Accept")
    if accept and not _accepts_json(accept):
        raise Problem(406, "Not Acceptable")
    module = headers.get("Module")
    if not module:
        raise Problem(400, "The Module header is required")
    if module not in MODULES:
        raise Problem(400, f"Unknown module: {module}")
    part = call.file("file")
    if part is None or not part.filename:
        raise Problem(400, "A multipart field 'file' with a file name is required")
    extensions = MODULES[module]
    extension = part.filename.rpartition(".")[2].lower()
    if extensions is not None and extension not in extensions:
        raise Problem(400, f"File type .{extension} is not allowed for {module}")
    state = call.state
    content_type = _content_type(part.filename, part.content_type)
    record = add_file(
        state,
        part.filename,
        part.data,
        content_type,
        call.now,
        module=module,
        delay=state.upload_delay,
    )
    return reply(
        {
            "fileID": record.id,
            "fileName": record.name,
            "fileStatus": PENDING_FILE if record.ready_at > call.now else COMPLETED_FILE,
            "contentType": record.content_type,
            "contentLength": record.size,
        }
    )


@routes.get("/files/{file_id}/status")
def file_status(call: MCall) -> web.Response:
    record = find(call.state.files, call, "file_id", "File")
    return reply(file_status_json(record, call.now))


def _disposition_name(header: str | None) -> str | None:
    if not header:
        return None
    match = _DISPOSITION.search(header)
    if match is None:
        return None
    name = (match.group(1) or match.group(2) or "").strip()
    return name.rsplit("/", 1)[-1] or None


@routes.post("/files")
def legacy_upload(call: MCall) -> web.Response:
    parts = list(call.body.files.values())
    if parts:
        data, name, sent = parts[0].data, parts[0].filename, parts[0].content_type
    else:
        data, sent = call.body.raw, call.request.headers.get("Content-Type")
        name = _disposition_name(call.request.headers.get("Content-Disposition"))
    if not name or "." not in name:
        raise invalid("Content-Disposition", "Content-Disposition: filename=<name.ext> is required")
    if not data:
        raise invalid("file", "The request body must hold the file")
    record = add_file(
        call.state, name, data, _content_type(name, sent), call.now, module=None, delay=0.0
    )
    return reply(
        {
            "content_type": record.content_type,
            "file_name": record.name,
            "file_id": record.id,
            "expiry_time": ms(record.expires_at),
            "content_length": record.size,
        }
    )


def usable_app_file(state: ManageEngineState, value: Any, now: float) -> FileRecord:
    """The uploaded app package ``value`` names: complete, unexpired; else 400 COM0014."""
    file_id = whole(value)
    record = state.files.get(file_id) if file_id is not None else None
    if record is None:
        raise invalid("app_file", f"app_file: no uploaded file {value}")
    status = record.status(now)
    if status == PENDING_FILE:
        raise invalid("app_file", "app_file: the upload is still being processed")
    if status == FAILED_FILE:
        raise invalid("app_file", "app_file: the upload failed")
    if now >= record.expires_at:
        raise invalid("app_file", "app_file: the uploaded file has expired")
    if record.module not in (None, "MDM_APP_MGMT") or record.extension not in APP_EXTENSIONS:
        raise invalid("app_file", "app_file: not an app package")
    return record
