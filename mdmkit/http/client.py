"""What every native client shares: its transport's lifecycle and the ``request()`` escape hatch.

The vendor clients add their auth, error parser and resource sections on top.
"""

from __future__ import annotations

import copy
from collections.abc import Coroutine, Mapping, Sequence
from typing import Any, Self

import cattrs

from mdmkit.core.closing import AsyncClosing
from mdmkit.http.hooks import RequestHooks
from mdmkit.http.request_body import NO_JSON, Form
from mdmkit.http.response import Response
from mdmkit.http.retry import RetryPolicy
from mdmkit.http.transport import Params, Timeout, Transport
from mdmkit.http.uploads import FormField

__all__ = ["NativeClient", "ResourceBase"]


class NativeClient(AsyncClosing):
    """An async context manager around one ``Transport``; use ``async with``.

    A vendor client builds its transport, then ``_bind`` wires its sections to it; a
    ``with_options`` view is the same client rewired to a view of that transport.
    """

    transport: Transport
    _converter: cattrs.Converter

    def _bind(self, transport: Transport) -> None:
        """Point the client, and every section of it, at ``transport``."""
        raise NotImplementedError

    @property
    def name(self) -> str:
        """The name log lines and hook events give this client (the backend's name)."""
        return self.transport.name

    @name.setter
    def name(self, value: str) -> None:
        self.transport.name = value

    @property
    def hooks(self) -> RequestHooks:
        """The request hooks this client runs; ``client.hooks.add(on_response=...)``."""
        return self.transport.hooks

    def with_options(
        self, *, timeout: Timeout | None = None, retry: RetryPolicy | None = None
    ) -> Self:
        """This client with another ``timeout`` or ``retry`` policy, for the calls made through it.

        ``await client.with_options(timeout=Timeout(deadline=5)).devices.get(1)``. The view
        shares the session, the concurrency and rate limits, the credentials (a token minted
        through either serves both) and the hooks; it needs no closing of its own.
        """
        view = copy.copy(self)
        view._bind(self.transport.with_options(timeout=timeout, retry=retry))
        return view

    @property
    def base_url(self) -> str:
        """The root every path is relative to."""
        return self.transport.base_url

    @property
    def max_concurrency(self) -> int:
        """How many requests this client sends at once."""
        return self.transport.max_concurrency

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r} {self.base_url}>"

    async def _enter(self) -> None:
        await self.transport.session()

    async def aclose(self) -> None:
        """Close the HTTP session (unless the caller passed their own)."""
        await self.transport.aclose()

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Params | None = None,
        json: Any = NO_JSON,
        form: Form | None = None,
        multipart: Sequence[FormField] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Response:
        """Call any endpoint (``path`` under ``base_url``) with this client's auth and retries.

        Returns the raw ``Response``; ``response.json()`` decodes its body. Error statuses
        raise the same typed errors as every other call.
        """
        return await self.transport.request(
            method, path, params=params, json=json, form=form, multipart=multipart, headers=headers
        )


class ResourceBase:
    """One section of a vendor's API, bound to its client's transport and converter."""

    def __init__(self, transport: Transport, converter: cattrs.Converter) -> None:
        self._transport = transport
        self._converter = converter

    def _send(self, method: str, path: str, **kwargs: Any) -> Coroutine[Any, Any, Response]:
        """The transport's request, for the caller to await: no frame of its own while it waits
        (2,000 gathered calls hold 2,000 fewer coroutines for the collector to walk)."""
        return self._transport.request(method, path, **kwargs)
