"""A FastAPI service over a fleet of MDMs: list devices across every backend, lock a lost one.

The lifespan opens a Fleet once, of every backend whose variables are set (``SIMPLEMDM_*``,
``MANAGEENGINE_*``); with none set it starts the built-in fakes instead and says so in its
log. Every request awaits the Fleet. Run it with ``uvicorn examples.fastapi_app:app``.
``create_app(open_fleet)`` lets tests point it at fakes of their own.

Several workers (``uvicorn --workers 4``, gunicorn, containers): set ``MDMKIT_REDIS_URL`` and
every worker shares one Zoho token and one SimpleMDM request budget (``SIMPLEMDM_REQUESTS_
PER_SECOND``, optional) through Redis; see docs/deploying.md.
"""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncGenerator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from pydantic import BaseModel

from mdmkit import (
    Device,
    Fleet,
    InvalidRequestError,
    ManageEngine,
    MDMError,
    NotFoundError,
    Platform,
    SimpleMDM,
    UnsupportedOperation,
)
from mdmkit.http.ratelimit import Limiter
from mdmkit.http.redis import RedisBudget, RedisTokenStore
from mdmkit.manageengine import TokenStore
from mdmkit.testing import FakeManageEngine, FakeSimpleMDM


class LockRequest(BaseModel):
    """What the helpdesk sends to lock a lost device."""

    message: str | None = None
    phone_number: str | None = None
    pin: str | None = None


log = logging.getLogger("examples.fastapi_app")

OpenFleet = Callable[[], AbstractAsyncContextManager[Fleet]]


def configured_backends(
    token_store: TokenStore | None = None, rate_limiter: Limiter | None = None
) -> list[SimpleMDM | ManageEngine]:
    """A backend for each vendor whose credentials are in the environment (sharing the token
    store and request budget with the other workers when given)."""
    backends: list[SimpleMDM | ManageEngine] = []
    if os.environ.get("SIMPLEMDM_API_KEY"):
        backends.append(SimpleMDM.from_env(rate_limiter=rate_limiter))
    if os.environ.get("MANAGEENGINE_API_KEY"):
        backends.append(ManageEngine.from_env())  # on-premises: no tokens to share
    elif os.environ.get("MANAGEENGINE_CLIENT_ID"):
        backends.append(ManageEngine.from_env(token_store=token_store))
    return backends


@asynccontextmanager
async def fake_fleet() -> AsyncGenerator[Fleet]:
    """Both built-in fakes (50 devices each), running for as long as the app does."""
    async with (
        FakeSimpleMDM(devices=50, seed=1) as simplemdm,
        FakeManageEngine(devices=50, seed=1) as manageengine,
    ):
        log.warning(
            "no SIMPLEMDM_* or MANAGEENGINE_* credentials set: serving the built-in fakes "
            "(SimpleMDM %s, ManageEngine %s)",
            simplemdm.url,
            manageengine.base_url,
        )
        async with Fleet(simplemdm.mdm(), manageengine.mdm()) as fleet:
            yield fleet


def from_environment() -> AbstractAsyncContextManager[Fleet]:
    """The configured backends as one Fleet, or the fakes when none is configured; shared
    with the other workers over Redis when ``MDMKIT_REDIS_URL`` is set."""
    if url := os.environ.get("MDMKIT_REDIS_URL"):
        return shared_fleet(url)
    backends = configured_backends()
    return Fleet(*backends) if backends else fake_fleet()


@asynccontextmanager
async def shared_fleet(redis_url: str) -> AsyncGenerator[Fleet]:
    """The configured backends with one Zoho token and one SimpleMDM budget for all workers."""
    rate = os.environ.get("SIMPLEMDM_REQUESTS_PER_SECOND")
    async with (
        RedisTokenStore.from_url(redis_url) as store,
        RedisBudget.from_url(
            redis_url, key="simplemdm", requests_per_second=float(rate) if rate else None
        ) as budget,
    ):
        backends = configured_backends(token_store=store, rate_limiter=budget)
        async with Fleet(*backends) if backends else fake_fleet() as fleet:
            yield fleet


def describe(device: Device) -> dict[str, Any]:
    """A device as the API shows it."""
    return {
        "source": device.source,
        "id": device.id,
        "name": device.name,
        "serial_number": device.serial_number,
        "platform": device.platform.value,
        "status": device.status.value,
        "os_version": device.os_version,
        "last_seen_at": device.last_seen_at.isoformat() if device.last_seen_at else None,
    }


def create_app(open_fleet: OpenFleet = from_environment) -> FastAPI:
    """The app; ``open_fleet`` gives the Fleet (as ``async with``) when the app starts."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncGenerator[None]:
        async with open_fleet() as fleet:  # closed, with its members, at shutdown
            app.state.fleet = fleet
            yield

    app = FastAPI(title="mdmkit fleet service", lifespan=lifespan)

    def fleet_of(request: Request) -> Fleet:
        fleet: Fleet = request.app.state.fleet
        return fleet

    @app.get("/devices")
    async def list_devices(
        request: Request, platform: str | None = None, limit: int = 100
    ) -> list[dict[str, Any]]:
        """Devices across every backend, as they arrive, up to ``limit``."""
        try:
            wanted = Platform(platform) if platform else None
        except ValueError:
            raise HTTPException(422, f"unknown platform {platform!r}") from None
        devices = await fleet_of(request).devices.list(platform=wanted).collect(limit=limit)
        return [describe(device) for device in devices]

    @app.post("/devices/{source}/{device_id}/lock", status_code=202)
    async def lock_device(
        request: Request, source: str, device_id: str, body: LockRequest
    ) -> dict[str, str]:
        """Lock a device of one backend, showing the helpdesk's message and number."""
        fleet = fleet_of(request)
        try:
            device = await fleet.devices.get((source, device_id))
            await fleet.devices.lock(
                device, message=body.message, phone_number=body.phone_number, pin=body.pin
            )
        except NotFoundError:
            raise HTTPException(404, f"no device {device_id} on {source}") from None
        except InvalidRequestError as error:
            raise HTTPException(422, str(error)) from None
        except UnsupportedOperation as error:
            raise HTTPException(501, str(error)) from None
        except MDMError as error:
            raise HTTPException(502, f"the MDM failed: {error}") from None
        return {"status": "lock queued", "device": device.name or device.id}

    return app


app = create_app()
