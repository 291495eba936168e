"""A FastAPI service receiving SimpleMDM webhooks: a secret URL, typed events, each handled once.

``POST /hooks/simplemdm/<secret>`` takes SimpleMDM's deliveries: that URL, secret included, is
what you enter in SimpleMDM's webhook settings. ``GET /events`` lists the last events received.
An event SimpleMDM delivers twice is handled once. Run it with
``SIMPLEMDM_WEBHOOK_SECRET=<secret> uvicorn --factory examples.webhooks_fastapi:create_app``
(make a secret with ``python -c 'import secrets; print(secrets.token_urlsafe(32))'``).
``create_app(secret, on_event=...)`` chooses what else happens to each event.
"""

from __future__ import annotations

import collections
import logging
import os
from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI

from mdmkit import ConfigurationError
from mdmkit.simplemdm import RecentDeliveries, WebhookReceiver
from mdmkit.simplemdm.webhook_fastapi import webhook_router
from mdmkit.simplemdm.webhook_receiver import WebhookCallback
from mdmkit.simplemdm.webhooks import (
    AbmDeviceAdded,
    DeviceChangedGroup,
    DeviceEnrolled,
    DeviceLockEnabled,
    DeviceUnenrolled,
    WebhookEvent,
)

log = logging.getLogger("examples.webhooks_fastapi")

SECRET_VARIABLE = "SIMPLEMDM_WEBHOOK_SECRET"


def device_ids(event: WebhookEvent) -> list[int | None]:
    """The ids of the devices an event is about (an ABM device has none yet)."""
    match event:
        case DeviceEnrolled() | DeviceUnenrolled() | AbmDeviceAdded():
            return [event.device.id]
        case DeviceLockEnabled(device=device) if device is not None:
            return [device.id]
        case DeviceChangedGroup():
            return [device.id for device in event.devices]
        case _:
            return []


def describe(event: WebhookEvent) -> dict[str, Any]:
    """An event as ``GET /events`` shows it."""
    return {
        "type": event.type,
        "at": event.at.isoformat(),
        "devices": device_ids(event),
        "delivery_key": event.delivery_key,
    }


def create_app(secret: str | None = None, *, on_event: WebhookCallback | None = None) -> FastAPI:
    """The service; ``secret`` defaults to $SIMPLEMDM_WEBHOOK_SECRET, ``on_event`` is awaited
    for each new event (raise to have SimpleMDM deliver it again later)."""
    secret = secret or os.environ.get(SECRET_VARIABLE)
    if not secret:
        raise ConfigurationError(f"set {SECRET_VARIABLE} to the token in your webhook URL")
    recent: collections.deque[dict[str, Any]] = collections.deque(maxlen=100)

    async def handle(event: WebhookEvent) -> None:
        if on_event is not None:
            await on_event(event)  # first, so that an event is recorded once it is handled
        recent.appendleft(describe(event))
        log.info("%s for devices %s", event.type, device_ids(event))

    receiver = WebhookReceiver(handle, secret=secret, dedup=RecentDeliveries())
    access_log = logging.getLogger("uvicorn.access")  # it prints request paths: the secret

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncGenerator[None]:
        redact = receiver.log_filter()
        access_log.addFilter(redact)
        try:
            yield
        finally:
            access_log.removeFilter(redact)

    app = FastAPI(title="SimpleMDM webhooks", lifespan=lifespan)
    app.include_router(webhook_router(receiver), prefix="/hooks/simplemdm")

    @app.get("/events")
    async def events() -> list[dict[str, Any]]:
        """The last events received, newest first."""
        return list(recent)

    return app
