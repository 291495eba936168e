"""Redis implementations of what worker processes share: a token store and a request budget.

``RedisTokenStore`` fills the token-store seam (``load``/``save``/``lock``, plus a shared mint
cool-down) so every process on every host uses one access token per refresh token, and
``RedisBudget`` fills the limiter seam (``acquire``/``throttled``) so they share one request
rate and one 429 pause per account. redis-py (the ``redis`` extra) is imported only when a
client is made; nothing here knows a vendor. If Redis cannot be reached both carry on locally
(a local token, a local limiter) and log one WARNING per outage, then share again once it
answers.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import math
import random
import secrets
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self, TypeVar

import anyio
import attrs

from mdmkit.core.errors import ConfigurationError
from mdmkit.http.ratelimit import RateLimiter, check_rate

if TYPE_CHECKING:
    from redis.asyncio import Redis

__all__ = ["DEFAULT_PREFIX", "RedisBudget", "RedisTokenStore", "redis_client"]

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


def _digest(key: str) -> str:
    if not isinstance(key, str) or not key:
        raise ConfigurationError("a shared key must be a non-empty string")
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def _where(client: Any) -> str:
    """Host, port and database of a client, never its password (for reprs and logs)."""
    kwargs = getattr(getattr(client, "connection_pool", None), "connection_kwargs", {})
    if "path" in kwargs:
        return f"unix:{kwargs['path']}"
    return f"{kwargs.get('host', '?')}:{kwargs.get('port', '?')}/{kwargs.get('db', 0)}"


class _Down:
    """What a Redis call returns when Redis could not be reached."""


DOWN = _Down()


class _Link:
    """One Redis client and whether this process can reach it: one WARNING per outage.

    After a failure Redis is left alone for ``retry_interval`` seconds, so an outage costs
    each caller nothing (not a connect timeout per call); then the next call tries again.
    """

    def __init__(self, client: Redis, *, owned: bool, what: str, retry_interval: float) -> None:
        from redis.exceptions import RedisError

        self.client = client
        self.owned = owned
        self.where = _where(client)
        self._what = what
        self._retry_interval = retry_interval
        self._errors: tuple[type[BaseException], ...] = (RedisError, OSError)
        self._down_since: float | None = None
        self._retry_at = 0.0

    @property
    def up(self) -> bool:
        """Whether to try Redis now (not inside an outage's quiet interval)."""
        return self._down_since is None or time.monotonic() >= self._retry_at

    async def call(self, operation: Callable[[Redis], Awaitable[T]]) -> T | _Down:
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


def _checked_seconds(name: str, value: float) -> float:
    if not (isinstance(value, int | float) and math.isfinite(value) and value > 0):
        raise ConfigurationError(f"{name} must be a positive number of seconds, got {value!r}")
    return float(value)


class _Shared:
    """What both Redis implementations have: a link, a key prefix, close and async with."""

    _link: _Link
    prefix: str

    def _connect(
        self, client: Redis, *, owned: bool, what: str, prefix: str, retry_interval: float
    ) -> None:
        if not isinstance(prefix, str) or not prefix or "{" in prefix:
            raise ConfigurationError("prefix must be a non-empty string without '{'")
        self.prefix = prefix
        interval = _checked_seconds("retry_interval", retry_interval)
        self._link = _Link(client, owned=owned, what=what, retry_interval=interval)

    @property
    def client(self) -> Redis:
        """The redis-py client (shared with other users when you passed it in)."""
        return self._link.client

    async def aclose(self) -> None:
        """Close the Redis client if this object made it (``from_url``)."""
        await self._link.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()


@attrs.frozen
class TokenKeys:
    """The Redis keys of one shared token (one hash tag, so a cluster keeps them together)."""

    token: str
    lock: str
    cooldown: str

    @classmethod
    def of(cls, prefix: str, key: str) -> TokenKeys:
        base = f"{prefix}:token:{{{_digest(key)}}}"
        return cls(token=base, lock=base + ":lock", cooldown=base + ":cooldown")


# Delete or extend the mint lock only while it still carries our fence: a holder whose lock
# expired (and went to another worker) must not release or keep the other worker's lock.
RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""
EXTEND = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
"""


class RedisTokenStore(_Shared):
    """Access tokens in Redis, one per store key, minted by one process at a time.

    ``lock`` is a Redis lock (``SET NX PX`` with a random fence) that the holder extends while
    it lives, so a worker killed mid-mint blocks the others for at most ``lock_timeout``
    seconds; waiters poll for it and then read the token the holder saved. Tokens expire in
    Redis with the token. Keys carry a hash of the store key, never the key itself.
    """

    def __init__(
        self,
        client: Redis,
        *,
        prefix: str = DEFAULT_PREFIX,
        lock_timeout: float = 10.0,
        poll_interval: float = 0.05,
        retry_interval: float = 5.0,
        clock: Clock = time.time,
        owned: bool = False,
    ) -> None:
        self._connect(
            client, owned=owned, what="token store", prefix=prefix, retry_interval=retry_interval
        )
        self.lock_timeout: float = _checked_seconds("lock_timeout", lock_timeout)
        self.poll_interval: float = _checked_seconds("poll_interval", poll_interval)
        self._clock = clock
        self._local: dict[str, dict[str, Any]] = {}
        self._local_locks: dict[str, anyio.Lock] = {}
        self._release = client.register_script(RELEASE)
        self._extend = client.register_script(EXTEND)

    @classmethod
    def from_url(
        cls, url: str, *, redis_options: Mapping[str, Any] | None = None, **options: Any
    ) -> Self:
        """A store on its own client for ``url`` (closed by ``aclose``/``async with``)."""
        return cls(redis_client(url, **dict(redis_options or {})), owned=True, **options)

    def __repr__(self) -> str:
        return f"RedisTokenStore({self._link.where}, prefix={self.prefix!r})"

    def keys(self, key: str) -> TokenKeys:
        """Where the token, the mint lock and the cool-down of ``key`` live in Redis."""
        return TokenKeys.of(self.prefix, key)

    async def load(self, key: str) -> dict[str, Any] | None:
        """The token saved under ``key`` (the local copy while Redis is unreachable)."""
        raw = await self._link.call(lambda r: r.get(self.keys(key).token))
        if isinstance(raw, _Down):
            token = self._local.get(key)
            return dict(token) if token else None
        if raw is None:
            return None
        try:
            token = json.loads(raw)
        except ValueError:
            return None  # a corrupt entry costs one mint, never a crash
        return token if isinstance(token, dict) else None

    async def save(self, key: str, token: Mapping[str, Any]) -> None:
        """Keep ``token`` here and in Redis until it expires (``expires_at``, epoch seconds)."""
        self._local[key] = dict(token)
        expires_at = token.get("expires_at")
        if not isinstance(expires_at, int | float):
            return
        ttl_ms = int((expires_at - self._clock()) * 1000)
        if ttl_ms > 0:
            encoded = json.dumps(dict(token), separators=(",", ":"))
            await self._link.call(lambda r: r.set(self.keys(key).token, encoded, px=ttl_ms))

    @contextlib.asynccontextmanager
    async def lock(self, key: str) -> AsyncIterator[None]:
        """Hold the mint lock of ``key`` across processes (only locally while Redis is down)."""
        async with self._local_locks.setdefault(key, anyio.Lock()):
            name = self.keys(key).lock
            fence = secrets.token_hex(16)
            if not await self._acquire(name, fence):
                yield  # Redis is unreachable: this process mints for itself
                return
            keeper = asyncio.get_running_loop().create_task(self._keep(name, fence))
            try:
                yield
            finally:
                keeper.cancel()
                with anyio.CancelScope(shield=True):
                    await asyncio.wait([keeper])
                    await self._link.call(lambda r: self._release(keys=[name], args=[fence]))

    async def _acquire(self, name: str, fence: str) -> bool:
        ttl_ms = int(self.lock_timeout * 1000)
        while True:
            got = await self._link.call(lambda r: r.set(name, fence, nx=True, px=ttl_ms))
            if isinstance(got, _Down):
                return False
            if got:
                return True
            await anyio.sleep(self.poll_interval * (0.5 + random.random()))

    async def _keep(self, name: str, fence: str) -> None:
        """Extend the lock while its holder lives; stop once it is no longer ours."""
        ttl_ms = int(self.lock_timeout * 1000)
        while True:
            await anyio.sleep(self.lock_timeout / 3)
            kept = await self._link.call(lambda r: self._extend(keys=[name], args=[fence, ttl_ms]))
            if isinstance(kept, _Down) or not kept:
                return

    async def load_cooldown(self, key: str) -> float:
        """Seconds until anyone may ask for a token again (0 when no cool-down is shared)."""
        remaining = await self._link.call(lambda r: r.pttl(self.keys(key).cooldown))
        if isinstance(remaining, _Down) or remaining <= 0:
            return 0.0
        return remaining / 1000

    async def save_cooldown(self, key: str, seconds: float) -> None:
        """Share a cool-down: no process asks for a token of ``key`` for ``seconds``."""
        ttl_ms = math.ceil(seconds * 1000)
        if ttl_ms > 0:
            await self._link.call(lambda r: r.set(self.keys(key).cooldown, "1", px=ttl_ms))


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
        base = f"{prefix}:budget:{{{_digest(key)}}}"
        return cls(arrival=base, pause=base + ":pause")


def default_burst(rate: float | None) -> int:
    """A tenth of a second of requests, at least 2: keeps the rate without bursts a server's
    own bucket might not absorb when several processes share it."""
    return max(2, math.ceil((rate or 0) / 10))


class RedisBudget(_Shared):
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
            while not isinstance(answer := await self._ask(), _Down):
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
