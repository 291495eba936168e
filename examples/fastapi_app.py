"""A FastAPI service over a fleet of MDMs: list devices across every backend, lock a lost one.

The lifespan opens the backends (from ``SIMPLEMDM_*`` and ``MANAGEENGINE_*`` variables) and a
Fleet once; every request awaits them. Run it with ``uvicorn examples.fastapi_app:app``.
``create_app(open_fleet)`` lets tests (and demos) point it at the built-in fakes.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
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


class LockRequest(BaseModel):
    """What the helpdesk sends to lock a lost device."""

    message: str | None = None
    phone_number: str | None = None
    pin: str | None = None


def from_environment() -> Fleet:
    """The production fleet: one SimpleMDM account and one ManageEngine tenant."""
    return Fleet(SimpleMDM.from_env(), ManageEngine.from_env())


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


def create_app(open_fleet: Callable[[], Fleet] = from_environment) -> FastAPI:
    """The app; ``open_fleet`` builds the Fleet when the app starts."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
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
