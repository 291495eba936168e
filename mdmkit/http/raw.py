"""The HTTP side of a typed call: ``raw = await with_raw_response(client.devices.get(1))``.

``raw.parsed`` is what the call returns, typed as it is; ``raw.status``, ``raw.headers`` and
``raw.request_id`` come from the last response it read, ``raw.responses`` holds every one.
It works for any call (native, neutral, Fleet, ``request()``), since the engine hands every
successful response to the collector of the context the call runs in.
"""

from __future__ import annotations

from collections.abc import Awaitable, Mapping
from contextvars import ContextVar
from typing import Generic, TypeVar

import attrs

from mdmkit.http.response import Response

__all__ = ["RawResponse", "collect", "with_raw_response"]

T = TypeVar("T")

_collected: ContextVar[list[Response] | None] = ContextVar("mdmkit_responses", default=None)


@attrs.frozen
class RawResponse(Generic[T]):
    """A call's typed result with the HTTP responses it was made from, in the order read."""

    parsed: T
    responses: tuple[Response, ...] = attrs.field(repr=False)

    @property
    def response(self) -> Response:
        """The last response the call read (LookupError if it sent no request)."""
        if not self.responses:
            raise LookupError("the call sent no request, so it has no response")
        return self.responses[-1]

    @property
    def status(self) -> int:
        """The last response's HTTP status."""
        return self.response.status

    @property
    def headers(self) -> Mapping[str, str]:
        """The last response's headers (names lower-cased)."""
        return self.response.headers

    @property
    def request_id(self) -> str | None:
        """The server's request id for the last response, when it sent one."""
        return self.response.request_id


async def with_raw_response(call: Awaitable[T]) -> RawResponse[T]:
    """Await ``call`` and return its result with the responses it read.

    Pass the call un-awaited: ``await with_raw_response(sm.devices.get(1))``. Nested uses
    work: the outer one sees the inner one's responses too.
    """
    mine: list[Response] = []
    token = _collected.set(mine)
    try:
        parsed = await call
    finally:
        _collected.reset(token)
        outer = _collected.get()
        if outer is not None:
            outer.extend(mine)
    return RawResponse(parsed, tuple(mine))


def collect(response: Response) -> None:
    """Hand a successful response to the ``with_raw_response`` the call runs under, if any."""
    collected = _collected.get()
    if collected is not None:
        collected.append(response)
