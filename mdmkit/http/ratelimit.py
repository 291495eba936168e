"""Client-side request pacing: a token bucket, plus a shared pause after the server says 429.

One limiter serves every call of a client, so a bulk run and a single lookup share the
budget, and one 429 makes every waiting request hold off instead of hammering the server.
``Limiter`` is the seam: ``RedisBudget`` (mdmkit.http.redis) shares one across processes.
"""

from __future__ import annotations

import math
import time
from collections.abc import Awaitable, Callable
from typing import Protocol

import anyio

from mdmkit.core.errors import ConfigurationError

__all__ = ["Limiter", "RateLimiter", "check_rate"]

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]


class Limiter(Protocol):
    """What a Transport asks before each send and tells after a 429 that said how long to wait."""

    async def acquire(self) -> None:
        """Wait until one more request may be sent."""
        ...

    async def throttled(self, seconds: float) -> None:
        """The server asked for ``seconds`` of quiet: hold every caller back that long."""
        ...


def check_rate(rate: float | None) -> float | None:
    """``rate`` if it is None or a positive finite number; ConfigurationError otherwise."""
    if rate is not None and not (
        isinstance(rate, int | float) and math.isfinite(rate) and rate > 0
    ):
        raise ConfigurationError(f"requests_per_second must be a positive number, got {rate!r}")
    return rate


class RateLimiter:
    """At most ``rate`` requests a second, bursts up to ``burst``; ``rate=None`` only obeys 429s."""

    def __init__(
        self,
        rate: float | None = None,
        *,
        burst: int | None = None,
        clock: Clock = time.time,
        sleep: Sleep = anyio.sleep,
    ) -> None:
        self.rate: float | None = check_rate(rate)
        self.burst: int = max(1, burst if burst is not None else math.ceil(rate or 1))
        self._clock = clock
        self._sleep = sleep
        self._tokens = float(self.burst)
        self._updated = clock()
        self._paused_until = 0.0
        self._lock: anyio.Lock | None = None

    @property
    def paused_until(self) -> float:
        """When the last 429 pause ends, on the limiter's clock (0 when none was asked)."""
        return self._paused_until

    def pause(self, seconds: float) -> None:
        """Hold every caller back for ``seconds`` (the server's 429 hint)."""
        self._paused_until = max(self._paused_until, self._clock() + seconds)

    async def throttled(self, seconds: float) -> None:
        """The ``Limiter`` form of :meth:`pause`, which the Transport awaits after a 429."""
        self.pause(seconds)

    def _wait_needed(self) -> float:
        now = self._clock()
        if self.rate is not None:
            elapsed = max(now - self._updated, 0.0)
            self._tokens = min(float(self.burst), self._tokens + elapsed * self.rate)
        self._updated = now
        wait = max(self._paused_until - now, 0.0)
        if self.rate is not None and self._tokens < 1.0:
            wait = max(wait, (1.0 - self._tokens) / self.rate)
        return wait

    async def acquire(self) -> None:
        """Wait until a request may be sent; callers are served in arrival order."""
        if (self._lock is None or not self._lock.locked()) and self._wait_needed() <= 0:
            if self.rate is not None:  # nobody waits and a token is there: take it, no lock
                self._tokens -= 1.0
            return
        if self._lock is None:
            self._lock = anyio.Lock()
        async with self._lock:
            while (wait := self._wait_needed()) > 0:
                await self._sleep(wait)
            if self.rate is not None:
                self._tokens -= 1.0
