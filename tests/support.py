"""Small assertions the vendors' endpoint tests share."""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import datetime

import pytest


async def done(call: Awaitable[object]) -> None:
    """Await a call the service only queues or answers without a body: the client gives None."""
    assert await call is None


def same_moment(value: datetime | None, epoch: float | None) -> bool:
    """A parsed, timezone-aware time equals the fake's epoch seconds (to the millisecond)."""
    assert value is not None
    assert epoch is not None
    assert value.tzinfo is not None
    return bool(value.timestamp() == pytest.approx(epoch, abs=1e-3))


CLASSIC = pytest.mark.parametrize("fake", ["classic"], indirect=True)
"""Run a test against a classic SimpleMDM account (legacy device groups, standard/munki
assignment groups that carry apps) instead of the default New Groups Experience one."""


def new_groups(request: pytest.FixtureRequest) -> bool:
    """Whether a ``fake`` fixture should be a New Groups Experience account (see CLASSIC)."""
    return getattr(request, "param", "new groups") != "classic"
