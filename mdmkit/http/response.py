"""What a finished request gave back, and which error a failed one means.

``error_from_response`` and ``delivery_of`` are pure: plain status, headers and body in,
an exception or a classification out, so every mapping is tested without a server.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import aiohttp
import attrs

from mdmkit.core.errors import (
    APIError,
    PermissionDeniedError,
    RateLimitError,
    error_class_for_status,
)
from mdmkit.http import jsonbody
from mdmkit.http.jsonbody import excerpt
from mdmkit.http.retry import Delivery, server_wait

__all__ = [
    "ErrorDetail",
    "ErrorParser",
    "Response",
    "delivery_of",
    "error_from_response",
    "excerpt",
    "generic_error_detail",
]

REQUEST_ID_HEADERS = ("x-request-id", "x-correlation-id", "x-zoho-request-id")


@attrs.frozen(kw_only=True)
class Response:
    """A finished HTTP exchange: status, lower-cased headers and the whole body."""

    status: int
    headers: Mapping[str, str]
    body: bytes = attrs.field(repr=False)
    method: str
    url: str
    attempts: int = 1
    elapsed: float = 0.0

    @property
    def request_id(self) -> str | None:
        """The server's request id, when it sent one."""
        return request_id_of(self.headers)

    def json(self) -> Any:
        """The body as JSON (None when empty); a body that is not JSON is a ResponseFormatError."""
        if not self.body.strip():
            return None
        return jsonbody.loads(self.body, status=self.status, url=self.url)


def request_id_of(headers: Mapping[str, str]) -> str | None:
    """The first request-id header the server sent."""
    for name in REQUEST_ID_HEADERS:
        if value := headers.get(name):
            return value
    return None


@attrs.frozen
class ErrorDetail:
    """What a vendor's error body says: a message, the vendor's code, a missing scope."""

    message: str
    code: str | None = None
    scope: str | None = None


ErrorParser = Callable[[int, Mapping[str, str], bytes], ErrorDetail]


def generic_error_detail(status: int, headers: Mapping[str, str], body: bytes) -> ErrorDetail:
    """A fallback parser: the body's ``message``/``error`` field, else the body's start."""
    try:
        data = jsonbody.loads(body) if body.strip() else None
    except ValueError:
        data = None
    if isinstance(data, dict):
        for key in ("message", "error_description", "error", "title"):
            if isinstance(data.get(key), str):
                return ErrorDetail(data[key])
    return ErrorDetail(excerpt(body) or f"HTTP {status}")


def error_from_response(response: Response, parser: ErrorParser, *, now: float) -> APIError:
    """The typed error for a failed response, with the vendor's message and request id."""
    detail = parser(response.status, response.headers, response.body)
    cls = error_class_for_status(response.status)
    error = cls(
        detail.message,
        status=response.status,
        code=detail.code,
        request_id=response.request_id,
        method=response.method,
        url=response.url,
    )
    if isinstance(error, RateLimitError):
        error.retry_after = server_wait(response.headers, now)
    if isinstance(error, PermissionDeniedError):
        error.scope = detail.scope
    return error


def delivery_of(exc: BaseException) -> Delivery:
    """Whether a failed send can have reached the server (only a failed connect proves not)."""
    if isinstance(exc, aiohttp.ClientConnectorError | aiohttp.ConnectionTimeoutError):
        return Delivery.NOT_SENT
    return Delivery.MAYBE_SENT
