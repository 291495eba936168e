"""Four worker processes against one account limited to 20 requests a second.

Side by side in one run: every worker with a limiter of its own at the account's rate (what
each process does without Redis), then all four sharing one ``RedisBudget``. The fake
SimpleMDM runs in this process and counts what it let through and what it refused (429).
"""

from __future__ import annotations

import importlib.util
import os
import sys
import time

import attrs

from mdmkit.testing import FakeSimpleMDM
from mdmkit.testing.redisserver import RedisServer, redis_server_path

# the worker processes and their plumbing are the multi-process tests' own (tests/redis)
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from tests.redis.workers import expect, finish, workers

LIMIT = 20.0
WORKERS = 4
CALLS = 60  # per worker: 240 requests, 12 s at the limit


@attrs.frozen
class Outcome:
    label: str
    requests: int
    refused: int
    seconds: float
    failed: int

    @property
    def rate(self) -> float:
        """Requests the account served per second (refusals do not count)."""
        return (self.requests - self.refused) / self.seconds

    def line(self) -> str:
        share = self.refused / self.requests
        return (
            f"  {self.label:30s}: {self.requests:4d} requests, {self.refused:4d} answered 429 "
            f"({share:6.1%}), {self.rate:5.1f} req/s served = {self.rate / LIMIT:6.1%} of the "
            f"{LIMIT:g}/s limit, {self.failed} calls failed"
        )


async def run_workers(redis_url: str, *, local: bool) -> Outcome:
    async with FakeSimpleMDM(devices=1, requests_per_second=LIMIT) as fake:
        settings = {
            "mode": "budget",
            "redis_url": redis_url,
            "url": fake.url,
            "api_key": fake.api_key,
            "key": "simplemdm:bench",
            "requests_per_second": LIMIT,
            "calls": CALLS,
            "local": local,
        }
        async with workers([settings] * WORKERS) as started:
            await expect(started, "ready")
            begun = time.monotonic()
            results = [await finish(w) for w in started]
            seconds = time.monotonic() - begun
        assert fake.throttle is not None
        label = "each worker its own limiter" if local else "one RedisBudget for all"
        failed = sum(r["failed"] for r in results)
        return Outcome(label, len(fake.requests), fake.throttle.hits, seconds, failed)


async def bench_shared_budget() -> None:
    print(f"\n# {WORKERS} worker processes x {CALLS} calls, one account limited to {LIMIT:g}/s")
    if redis_server_path() is None or importlib.util.find_spec("redis") is None:
        print("  skipped: needs redis-server and redis-py (pip install 'mdmkit[redis]')")
        return
    with RedisServer() as server:
        alone = await run_workers(server.url, local=True)
        print(alone.line())
        shared = await run_workers(server.url, local=False)
        print(shared.line())
    print(
        f"  shared / alone: 429s {shared.refused}/{alone.refused}, "
        f"served rate {shared.rate / alone.rate:.2f}x"
    )
