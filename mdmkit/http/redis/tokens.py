"""``RedisTokenStore``: one access token per refresh token for every process, over Redis."""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import random
import secrets
import time
from collections.abc import AsyncIterator, Mapping
from typing import TYPE_CHECKING, Any, Self

import anyio
import attrs

from mdmkit.http.redis.link import (
    DEFAULT_PREFIX,
    Clock,
    Down,
    Shared,
    checked_seconds,
    digest,
    redis_client,
)

if TYPE_CHECKING:
    from redis.asyncio import Redis

__all__ = ["RedisTokenStore", "TokenKeys"]


@attrs.frozen
class TokenKeys:
    """The Redis keys of one shared token (one hash tag, so a cluster keeps them together)."""

    token: str
    lock: str
    cooldown: str

    @classmethod
    def of(cls, prefix: str, key: str) -> TokenKeys:
        base = f"{prefix}:token:{{{digest(key)}}}"
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


class RedisTokenStore(Shared):
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
        self.lock_timeout: float = checked_seconds("lock_timeout", lock_timeout)
        self.poll_interval: float = checked_seconds("poll_interval", poll_interval)
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
        if isinstance(raw, Down):
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
            if isinstance(got, Down):
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
            if isinstance(kept, Down) or not kept:
                return

    async def load_cooldown(self, key: str) -> float:
        """Seconds until anyone may ask for a token again (0 when no cool-down is shared)."""
        remaining = await self._link.call(lambda r: r.pttl(self.keys(key).cooldown))
        if isinstance(remaining, Down) or remaining <= 0:
            return 0.0
        return remaining / 1000

    async def save_cooldown(self, key: str, seconds: float) -> None:
        """Share a cool-down: no process asks for a token of ``key`` for ``seconds``."""
        ttl_ms = math.ceil(seconds * 1000)
        if ttl_ms > 0:
            await self._link.call(lambda r: r.set(self.keys(key).cooldown, "1", px=ttl_ms))
