"""What a finished request gave back, and which error a failed one means.

``error_from_response`` and ``failure_of`` are pure: plain status, headers and body (or an
exception) in, an error or a classification out, so every mapping is tested without a server.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
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
    "Failure",
    "Response",
    "delivery_of",
    "error_from_response",
    "excerpt",
    "failure_of",
    "generic_error_detail",
    "redact",
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
        body = self.body
        if not body or body.isspace():  # (strip() would copy the whole body to say so)
            return None
        return jsonbody.loads(body, status=self.status, url=self.url)


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


def error_from_response(
    response: Response, parser: ErrorParser, *, now: float, secrets: Iterable[str] = ()
) -> APIError:
    """The typed error for a failed response, with the vendor's message and request id.

    ``secrets`` (the request's credentials) are hidden should the server echo them back.
    """
    detail = parser(response.status, response.headers, response.body)
    cls = error_class_for_status(response.status)
    error = cls(
        redact(detail.message, secrets),
        status=response.status,
        code=None if detail.code is None else redact(detail.code, secrets),
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


@attrs.frozen
class Failure:
    """What mdmkit keeps of an exception from aiohttp: its type's name and a safe message.

    aiohttp's exceptions hold the request (``request_info.headers``: the credentials), so
    they are never chained to an mdmkit error; raise the mdmkit error outside the ``except``
    block, so that ``__context__`` does not keep the original either.
    """

    error_type: str
    detail: str
    delivery: Delivery

    def __str__(self) -> str:
        return f"{self.error_type}: {self.detail}" if self.detail else self.error_type


DETAIL_LIMIT = 300
REDACTED = "<redacted>"
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def failure_of(
    exc: BaseException,
    *,
    secrets: Iterable[str] = (),
    scrub: Callable[[str], str] | None = None,
) -> Failure:
    """The safe description of a failed send: no headers, no ``secrets``, one short line.

    ``secrets`` are the credentials the request carried (header values, form fields): a
    server can echo them into a status line that aiohttp quotes in its message. ``scrub``
    hides what else the endpoint's answers may hold (a token endpoint's tokens: aiohttp
    quotes the bytes of a garbled answer, and those may be a token the client never took).
    """
    if isinstance(exc, aiohttp.ClientResponseError):
        text = f"{exc.status}, {exc.message}"  # str() would add nothing but the URL
    else:
        text = str(exc)
    text = " ".join(_CONTROL.sub(" ", text).split())
    text = redact(text, secrets)
    if scrub is not None:
        text = scrub(text)
    if len(text) > DETAIL_LIMIT:
        text = text[:DETAIL_LIMIT] + "..."
    return Failure(type(exc).__name__, text, delivery_of(exc))


def redact(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every form of each secret (whole, its words, Basic credentials) hidden."""
    forms = sorted({form for secret in secrets for form in _forms(secret)}, key=len, reverse=True)
    for form in forms:
        text = text.replace(form, REDACTED)
    return text


def _forms(secret: str) -> Iterator[str]:
    """A secret as it may be quoted: whole, each long word of it, a Basic header decoded."""
    if len(secret) < 4:
        return
    yield secret
    words = secret.split()
    for word in words:
        if len(word) >= 8:
            yield word
    if len(words) == 2 and words[0].lower() == "basic":
        try:
            decoded = base64.b64decode(words[1], validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            return
        yield decoded
        yield from (part for part in decoded.split(":") if len(part) >= 8)
