"""A virtual clock for tests: time moves only when someone sleeps on it or advances it.

Pass ``clock.time`` and ``clock.sleep`` to a client (and to a fake) and backoff waits, token
expiry and rate-limit windows take no real time.
"""

from __future__ import annotations

import anyio.lowlevel

__all__ = ["FakeClock"]


class FakeClock:
    """Wall-clock seconds under the test's control; ``sleep`` advances them instead of waiting."""

    def __init__(self, start: float = 1_800_000_000.0) -> None:
        self.now: float = start
        self.sleeps: list[float] = []

    def time(self) -> float:
        """The current virtual time, in epoch seconds."""
        return self.now

    def advance(self, seconds: float) -> None:
        """Move virtual time forward."""
        self.now += seconds

    async def sleep(self, seconds: float) -> None:
        """Record the wait, move time forward, and let other tasks run once."""
        self.sleeps.append(seconds)
        self.now += max(seconds, 0.0)
        await anyio.lowlevel.checkpoint()
