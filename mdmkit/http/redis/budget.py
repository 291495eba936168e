"""``RedisBudget``: one request rate and one 429 pause per account for every process."""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self

import anyio
import attrs

from mdmkit.core.errors import ConfigurationError
from mdmkit.http.ratelimit import RateLimiter, check_rate
from mdmkit.http.redis.link import DEFAULT_PREFIX, Clock, Down, Shared, Sleep, digest, redis_client

if TYPE_CHECKING:
    from redis.asyncio import Redis

__all__ = ["BudgetKeys", "RedisBudget", "default_burst"]

# Each script reads the time from Redis (one clock for every host) unless a clock is given.
_NOW = """
local now
if ARGV[#ARGV] ~= '' then
  now = tonumber(ARGV[#ARGV])
else
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
end
"""
# GCRA: KEYS[1] holds the theoretical arrival time, KEYS[2] the end of a 429 pause (both ms).
# ARGV: ms between requests (0: no rate), the burst tolerance in ms, now or ''. Answers the
# ms to wait before asking again, or 0 when the request may go (and is counted).
TAKE = (
    _NOW
    + """
local paused = tonumber(redis.call('GET', KEYS[2]) or '0')
if paused > now then return tostring(paused - now) end
local interval = tonumber(ARGV[1])
if interval <= 0 then return '0' end
local tat = math.max(tonumber(redis.call('GET', KEYS[1]) or '0'), now)
local allowed_at = tat - tonumber(ARGV[2])
if allowed_at > now then return tostring(allowed_at - now) end
local next_tat = tat + interval
redis.call('SET', KEYS[1], tostring(next_tat), 'PX', math.ceil(next_tat - now) + 1000)
return '0'
"""
)
# KEYS[1] the pause; ARGV: its length in ms, now or ''. A shorter pause never cuts a longer one.
PAUSE = (
    _NOW
    + """
local ends = now + tonumber(ARGV[1])
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if ends > current then
  redis.call('SET', KEYS[1], tostring(ends), 'PX', math.ceil(ends - now) + 1000)
end
return tostring(math.max(ends, current))
"""
)


@attrs.frozen
class BudgetKeys:
    """The Redis keys of one shared budget (one hash tag, so one script may touch both)."""

    arrival: str
    pause: str

    @classmethod
    def of(cls, prefix: str, key: str) -> BudgetKeys:
        base = f"{prefix}:budget:{{{digest(key)}}}"
        return cls(arrival=base, pause=base + ":pause")


def default_burst(rate: float | None) -> int:
    """A tenth of a second of requests, at least 2: keeps the rate without bursts a server's
    own bucket might not absorb when several processes share it."""
    return max(2, math.ceil((rate or 0) / 10))


class RedisBudget(Shared):
    """``requests_per_second`` shared by every process that uses ``key`` (an account), over Redis.

    An atomic script (GCRA on Redis's clock) decides each request, so workers on several hosts
    together keep the rate; a 429's wait (``throttled``) pauses all of them. Within a process
    callers are served in arrival order. While Redis is unreachable a local ``RateLimiter``
    (``fallback_rate``, by default the whole rate) paces this process alone.
    """

    def __init__(
        self,
        client: Redis,
        *,
        key: str,
        requests_per_second: float | None = None,
        burst: int | None = None,
        fallback_rate: float | None = None,
        prefix: str = DEFAULT_PREFIX,
        retry_interval: float = 5.0,
        clock: Clock | None = None,
        sleep: Sleep = anyio.sleep,
        owned: bool = False,
    ) -> None:
        self._connect(
            client, owned=owned, what="request budget", prefix=prefix, retry_interval=retry_interval
        )
        self._keys = BudgetKeys.of(prefix, key)
        self.rate: float | None = check_rate(requests_per_second)
        self.burst: int = burst if burst is not None else default_burst(requests_per_second)
        if not isinstance(self.burst, int) or self.burst < 1:
            raise ConfigurationError(f"burst must be a whole number of at least 1, got {burst!r}")
        self.fallback: RateLimiter = RateLimiter(
            fallback_rate if fallback_rate is not None else requests_per_second,
            burst=self.burst,
            clock=clock or time.time,
            sleep=sleep,
        )
        self._interval_ms = 1000 / requests_per_second if requests_per_second else 0.0
        self._tolerance_ms = (self.burst - 1) * self._interval_ms
        self._clock = clock
        self._sleep = sleep
        self._lock: anyio.Lock | None = None
        self._take = client.register_script(TAKE)
        self._pause = client.register_script(PAUSE)

    @classmethod
    def from_url(
        cls, url: str, *, key: str, redis_options: Mapping[str, Any] | None = None, **options: Any
    ) -> Self:
        """A budget on its own client for ``url`` (closed by ``aclose``/``async with``)."""
        return cls(redis_client(url, **dict(redis_options or {})), key=key, owned=True, **options)

    def __repr__(self) -> str:
        rate = "no rate" if self.rate is None else f"{self.rate:g}/s burst {self.burst}"
        return f"RedisBudget({self._link.where}, {rate})"

    @property
    def keys(self) -> BudgetKeys:
        """Where the arrival time and the 429 pause of this budget live in Redis."""
        return self._keys

    def _now(self) -> str:
        return "" if self._clock is None else repr(self._clock() * 1000)

    async def acquire(self) -> None:
        """Wait until the shared budget lets one more request go."""
        if self._lock is None:
            self._lock = anyio.Lock()
        async with self._lock:
            while not isinstance(answer := await self._ask(), Down):
                wait_ms = float(answer)
                if wait_ms <= 0:
                    return
                await self._sleep(wait_ms / 1000)
            await self.fallback.acquire()

    async def _ask(self) -> Any:
        args: list[str | float] = [self._interval_ms, self._tolerance_ms, self._now()]
        keys = [self._keys.arrival, self._keys.pause]
        return await self._link.call(lambda r: self._take(keys=keys, args=args))

    async def throttled(self, seconds: float) -> None:
        """The server answered 429 asking for ``seconds``: every process of the budget waits."""
        self.fallback.pause(seconds)
        if seconds > 0:
            args: list[str | float] = [seconds * 1000, self._now()]
            await self._link.call(lambda r: self._pause(keys=[self._keys.pause], args=args))
