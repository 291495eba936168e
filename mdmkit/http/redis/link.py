"""What both Redis implementations stand on: the client, and carrying on through an outage.

``Link`` holds one redis-py client and notes when Redis cannot be reached (one WARNING per
outage, on the ``mdmkit.http.redis`` logger); ``Shared`` is the base of the token store and
the budget. redis-py is imported only when a client is made.
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

from mdmkit.core.closing import AsyncClosing
from mdmkit.core.errors import ConfigurationError

if TYPE_CHECKING:
    from redis.asyncio import Redis

__all__ = [
    "DEFAULT_PREFIX",
    "DOWN",
    "Clock",
    "Down",
    "Link",
    "Shared",
    "Sleep",
    "checked_seconds",
    "digest",
    "redis_client",
]

logger: logging.Logger = logging.getLogger("mdmkit.http.redis")

DEFAULT_PREFIX = "mdmkit"
T = TypeVar("T")
Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]


def redis_client(url: str, **options: Any) -> Redis:
    """A redis-py asyncio client for ``url`` with short timeouts and one quick retry.

    A Redis that does not answer then costs a second, not the client library's default
    backoff, before the caller falls back to local state. ``options`` override the defaults.
    """
    try:
        import redis.asyncio
        from redis.asyncio.retry import Retry
        from redis.backoff import NoBackoff
    except ImportError:
        raise ConfigurationError(
            "sharing tokens or a request budget over Redis needs redis-py: "
            "pip install 'mdmkit[redis]'"
        ) from None
    if not isinstance(url, str) or not url.startswith(("redis://", "rediss://", "unix://")):
        raise ConfigurationError("the Redis URL must start with redis://, rediss:// or unix://")
    options.setdefault("socket_timeout", 1.0)
    options.setdefault("socket_connect_timeout", 1.0)
    options.setdefault("retry", Retry(NoBackoff(), 1))
    return redis.asyncio.Redis.from_url(url, **options)


def digest(key: str) -> str:
    if not isinstance(key, str) or not key:
        raise ConfigurationError("a shared key must be a non-empty string")
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def where(client: Any) -> str:
    """Host, port and database of a client, never its password (for reprs and logs)."""
    kwargs = getattr(getattr(client, "connection_pool", None), "connection_kwargs", {})
    if "path" in kwargs:
        return f"unix:{kwargs['path']}"
    return f"{kwargs.get('host', '?')}:{kwargs.get('port', '?')}/{kwargs.get('db', 0)}"


class Down:
    """What a Redis call returns when Redis could not be reached."""


DOWN = Down()


class Link:
    """One Redis client and whether this process can reach it: one WARNING per outage.

    After a failure Redis is left alone for ``retry_interval`` seconds, so an outage costs
    each caller nothing (not a connect timeout per call); then the next call tries again.
    """

    def __init__(self, client: Redis, *, owned: bool, what: str, retry_interval: float) -> None:
        from redis.exceptions import RedisError

        self.client = client
        self.owned = owned
        self.where = where(client)
        self._what = what
        self._retry_interval = retry_interval
        self._errors: tuple[type[BaseException], ...] = (RedisError, OSError)
        self._down_since: float | None = None
        self._retry_at = 0.0

    @property
    def up(self) -> bool:
        """Whether to try Redis now (not inside an outage's quiet interval)."""
        return self._down_since is None or time.monotonic() >= self._retry_at

    async def call(self, operation: Callable[[Redis], Awaitable[T]]) -> T | Down:
        """The operation's result, or DOWN when Redis failed (and the outage is noted)."""
        if not self.up:
            return DOWN
        try:
            result = await operation(self.client)
        except self._errors as exc:
            self._failed(exc)
            return DOWN
        if self._down_since is not None:
            logger.warning(
                "Redis at %s answers again after %.1fs: the %s is shared again",
                self.where,
                time.monotonic() - self._down_since,
                self._what,
            )
            self._down_since = None
        return result

    def _failed(self, exc: BaseException) -> None:
        now = time.monotonic()
        if self._down_since is None:
            self._down_since = now
            logger.warning(
                "Redis at %s is unreachable (%s): the %s carries on locally until it answers",
                self.where,
                type(exc).__name__,
                self._what,
            )
        self._retry_at = now + self._retry_interval

    async def aclose(self) -> None:
        if self.owned:
            await self.client.aclose()


def checked_seconds(name: str, value: float) -> float:
    if not (isinstance(value, int | float) and math.isfinite(value) and value > 0):
        raise ConfigurationError(f"{name} must be a positive number of seconds, got {value!r}")
    return float(value)


class Shared(AsyncClosing):
    """What both Redis implementations have: a link, a key prefix, close and async with."""

    _link: Link
    prefix: str

    def _connect(
        self, client: Redis, *, owned: bool, what: str, prefix: str, retry_interval: float
    ) -> None:
        if not isinstance(prefix, str) or not prefix or "{" in prefix:
            raise ConfigurationError("prefix must be a non-empty string without '{'")
        self.prefix = prefix
        interval = checked_seconds("retry_interval", retry_interval)
        self._link = Link(client, owned=owned, what=what, retry_interval=interval)

    @property
    def client(self) -> Redis:
        """The redis-py client (shared with other users when you passed it in)."""
        return self._link.client

    async def aclose(self) -> None:
        """Close the Redis client if this object made it (``from_url``)."""
        await self._link.aclose()
