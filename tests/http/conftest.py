"""A small FakeSimpleMDM on a virtual clock, for the tests of hooks, logs and per-call options."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from mdmkit.testing import FakeClock, FakeSimpleMDM


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def fake(clock: FakeClock) -> AsyncIterator[FakeSimpleMDM]:
    """Five devices; ``fake.client()`` gives a client on it that sleeps on ``clock``."""
    async with FakeSimpleMDM(devices=5, seed=1, clock=clock) as server:
        yield server
    assert server.errors == [], "a fake handler crashed"
