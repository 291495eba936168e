"""A worker process for the multi-process Redis tests and benchmark (``-m tests.redis.worker``).

It reads its settings as one JSON line on stdin (credentials never go on the command line),
sets up, says ``{"event": "ready"}`` and waits for a line on stdin, so that every worker
starts its calls at the same moment; then it makes its calls through mdmkit like a service
worker would, says ``{"event": "half"}`` when ``pause_at`` calls are done (and waits for
another line), and finally ``{"event": "done", ...}`` with what it saw.

- ``manageengine``: ``calls`` concurrent ``devices.get`` against a FakeManageEngine, sharing a
  ``RedisTokenStore``; reports successes, errors, its mints and a digest of the token it used.
- ``budget``: ``calls`` concurrent ``account.get`` against a FakeSimpleMDM, through a shared
  ``RedisBudget`` (or, with ``"local": true``, a limiter of its own); reports the same.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

from mdmkit.http.ratelimit import Limiter, RateLimiter
from mdmkit.http.redis import RedisBudget, RedisTokenStore
from mdmkit.manageengine import ManageEngineClient
from mdmkit.simplemdm import SimpleMDMClient


class Outages(logging.Handler):
    """Counts the WARNINGs saying Redis is unreachable."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        if "unreachable" in record.getMessage():
            self.count += 1


def say(**fields: Any) -> None:
    print(json.dumps(fields), flush=True)


async def wait_for_go(event: str) -> None:
    """Say ``event`` and wait for the test's line on stdin."""
    say(event=event)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)


async def run_calls(
    call: Callable[[], Awaitable[object]], calls: int, pause_at: int | None
) -> dict[str, Any]:
    """``calls`` concurrent calls; at ``pause_at`` done, say "half" and wait for stdin."""
    errors: list[str] = []
    done = 0
    half = asyncio.Event()
    go = asyncio.Event()

    async def one(index: int) -> None:
        nonlocal done
        if pause_at is not None and index >= pause_at:
            await go.wait()
        try:
            await call()
        except Exception as exc:  # every failure is reported to the test
            errors.append(f"{type(exc).__name__}: {exc}")
        done += 1
        if pause_at is not None and done == pause_at:
            half.set()

    async def conductor() -> None:
        if pause_at is None:
            return
        await half.wait()
        await wait_for_go("half")
        go.set()

    await wait_for_go("ready")
    started = time.monotonic()
    await asyncio.gather(conductor(), *(one(i) for i in range(calls)))
    elapsed = time.monotonic() - started
    return {"ok": calls - len(errors), "errors": errors[:5], "failed": len(errors), "s": elapsed}


async def manageengine(settings: dict[str, Any], outages: Outages) -> dict[str, Any]:
    store = RedisTokenStore.from_url(
        settings["redis_url"],
        lock_timeout=settings.get("lock_timeout", 10.0),
        retry_interval=settings.get("retry_interval", 5.0),
    )
    async with (
        store,
        ManageEngineClient(
            settings["client_id"],
            settings["client_secret"],
            settings["refresh_token"],
            base_url=settings["base_url"],
            accounts_url=settings["accounts_url"],
            token_store=store,
        ) as client,
    ):
        device_id = settings["device_id"]
        result = await run_calls(
            lambda: client.devices.get(device_id), settings["calls"], settings.get("pause_at")
        )
        auth: Any = client.auth
        token = auth.token["access_token"] if auth.token else ""
        result["mints"] = auth.mints
        result["token"] = hashlib.sha256(token.encode()).hexdigest()[:12]
    return result


async def budget(settings: dict[str, Any], outages: Outages) -> dict[str, Any]:
    rate = settings["requests_per_second"]
    limiter: Limiter
    shared: RedisBudget | None = None
    if settings.get("local"):
        limiter = RateLimiter(rate)
    else:
        shared = RedisBudget.from_url(
            settings["redis_url"], key=settings["key"], requests_per_second=rate
        )
        limiter = shared
    try:
        async with SimpleMDMClient(
            settings["api_key"], base_url=settings["url"], rate_limiter=limiter
        ) as client:
            return await run_calls(client.account.get, settings["calls"], settings.get("pause_at"))
    finally:
        if shared is not None:
            await shared.aclose()


async def main() -> None:
    settings = json.loads(sys.stdin.readline())
    outages = Outages()
    logging.getLogger("mdmkit").addHandler(outages)
    work = {"manageengine": manageengine, "budget": budget}[settings["mode"]]
    result = await work(settings, outages)
    say(event="done", outages=outages.count, **result)


if __name__ == "__main__":
    asyncio.run(main())
