"""Small assertions the vendors' endpoint tests share."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager
from datetime import datetime

import anyio
import attrs
import pytest
from aiohttp import web

from mdmkit.simplemdm.webhooks import WebhookEvent
from mdmkit.testing import FakeSimpleMDM


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


@asynccontextmanager
async def serving(app: web.Application) -> AsyncIterator[str]:
    """An aiohttp app served on a free port of 127.0.0.1; yields its root URL."""
    runner = web.AppRunner(app, handle_signals=False, access_log=None)
    await runner.setup()
    try:
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        yield f"http://127.0.0.1:{runner.addresses[0][1]}"
    finally:
        await runner.cleanup()


@attrs.define
class EventSink:
    """A webhook callback for tests: keeps every event it is handed; the next ``failures``
    calls raise, and with ``hang`` every call waits forever (a callback past its timeout)."""

    events: list[WebhookEvent] = attrs.Factory(list)
    failures: int = 0
    hang: bool = False

    async def __call__(self, event: WebhookEvent) -> None:
        self.events.append(event)
        if self.hang:
            await anyio.sleep_forever()
        if self.failures:
            self.failures -= 1
            raise RuntimeError("the database is down")


@attrs.define
class WebhookService:
    """A service receiving webhooks under test: the fake posting, the callback, the URL."""

    fake: FakeSimpleMDM
    secret: str
    root: str = ""  # set once the service is up
    sink: EventSink = attrs.Factory(EventSink)

    @property
    def hook(self) -> str:
        """The webhook URL to give the fake: ``<root>/hooks/simplemdm/<secret>``."""
        return f"{self.root}/hooks/simplemdm/{self.secret}"

    @property
    def events(self) -> list[WebhookEvent]:
        """What the callback was handed, in order."""
        return self.sink.events
