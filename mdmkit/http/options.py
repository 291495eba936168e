"""The engine knobs every client and backend takes, as one typed set of keyword arguments.

``from_env(**options)`` and ``on_premises(**options)`` take them as ``Unpack[EngineOptions]``
(plus their vendor's own), so a misspelt knob (``max_concurency=2``) fails the type check
instead of the program.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypedDict

import aiohttp

from mdmkit.http.hooks import RequestHooks
from mdmkit.http.ratelimit import Limiter
from mdmkit.http.retry import RetryPolicy
from mdmkit.http.transport import Timeout

__all__ = ["EngineOptions"]


class EngineOptions(TypedDict, total=False):
    """Keyword arguments every native client and neutral backend accepts (all optional)."""

    max_concurrency: int
    requests_per_second: float | None
    rate_limiter: Limiter | None
    retry: RetryPolicy | None
    timeout: Timeout | None
    max_response_size: int
    session: aiohttp.ClientSession | None
    allow_insecure: bool
    clock: Callable[[], float]
    sleep: Callable[[float], Awaitable[None]]
    hooks: RequestHooks | None
