"""examples/webhooks_fastapi.py served by uvicorn on a real socket, FakeSimpleMDM posting to it.

Changes made through mdmkit reach the fake, the fake POSTs SimpleMDM's events to the app, and
the app's callback sees typed events; refusals (wrong secret, oversize body, failing callback)
and a duplicate delivery are checked as the fake saw them answered.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
from collections.abc import AsyncIterator

import aiohttp
import anyio
import pytest
from fastapi import FastAPI

from examples.webhooks_fastapi import create_app
from mdmkit import ConfigurationError
from mdmkit.simplemdm import WebhookReceiver
from mdmkit.simplemdm.webhook_fastapi import webhook_router
from mdmkit.simplemdm.webhook_receiver import DEFAULT_MAX_BODY_SIZE
from mdmkit.simplemdm.webhooks import (
    DeviceChangedGroup,
    DeviceEnrolled,
    DeviceLockEnabled,
    TestEvent,
)
from mdmkit.testing import FakeClock, FakeSimpleMDM
from tests.examples import serve
from tests.examples.serve import free_port
from tests.support import EventSink, WebhookService

pytestmark = pytest.mark.anyio

SECRET = secrets.token_urlsafe(32)


class Service(WebhookService):
    """The example served by uvicorn, with the fake posting to it."""

    async def listed(self) -> list[dict[str, object]]:
        """What ``GET /events`` lists."""
        async with aiohttp.ClientSession() as http, http.get(f"{self.root}/events") as reply:
            assert reply.status == 200
            listed: list[dict[str, object]] = await reply.json()
            return listed


@pytest.fixture
async def service(caplog: pytest.LogCaptureFixture) -> AsyncIterator[Service]:
    caplog.set_level(logging.INFO, logger="uvicorn.access")
    async with FakeSimpleMDM(devices=20, seed=4, clock=FakeClock()) as fake:
        found = Service(fake, SECRET)
        app = create_app(SECRET, on_event=found.sink)
        async with serve.serving(app, log_config=None, access_log=True, log_level=None) as root:
            found.root = root
            yield found
        assert fake.errors == []


async def test_changes_reach_the_service_as_typed_events(
    service: Service, caplog: pytest.LogCaptureFixture
) -> None:
    fake = service.fake
    fake.webhooks.register(service.hook)
    async with fake.mdm() as sm:
        created = await sm.native.devices.create(name="New iPad")
        fake.enroll(created.id, platform="ipados")
        await sm.devices.lock(str(created.id), message="Lost: call IT")
        group = next(iter(fake.state.assignment_groups))
        await sm.groups.add_device(f"assignment_group:{group}", str(created.id))
    await fake.webhooks.wait()

    enrolled, locked, moved = service.events
    assert isinstance(enrolled, DeviceEnrolled)
    assert enrolled.device.id == created.id
    hardware = fake.state.devices[created.id].gen
    assert hardware is not None
    assert enrolled.device.serial_number == hardware.serial_number
    assert isinstance(locked, DeviceLockEnabled)
    assert isinstance(moved, DeviceChangedGroup)
    assert [d.id for d in moved.devices] == [created.id]
    assert [d.statuses for d in fake.webhooks.deliveries] == [[200]] * 3
    listed = await service.listed()
    assert [e["type"] for e in listed] == [
        "device.changed_group",
        "device.lock.enabled",
        "device.enrolled",
    ]
    assert listed[0]["devices"] == [created.id]
    assert listed[0]["delivery_key"] == moved.delivery_key

    access = [r for r in caplog.records if r.name == "uvicorn.access"]
    assert len(access) >= 3  # the access log ran, and printed the path...
    lines = [record.getMessage() for record in access]
    assert any("/hooks/simplemdm/<redacted>" in line for line in lines)
    assert not [line for line in lines if SECRET in line]  # ...without the secret


async def test_a_wrong_secret_gets_404_and_no_callback(service: Service) -> None:
    service.fake.webhooks.register(f"{service.root}/hooks/simplemdm/{secrets.token_urlsafe(32)}")
    (delivery,) = await service.fake.webhooks.send_test()
    assert set(delivery.statuses) == {404}
    assert delivery.state == "failed"
    assert service.events == []
    assert await service.listed() == []


async def test_an_oversize_body_gets_413(service: Service) -> None:
    service.fake.webhooks.register(service.hook)
    many = [
        {"id": n, "udid": f"UDID-{n:012d}", "serial_number": f"SN{n:010d}"} for n in range(20_000)
    ]
    (delivery,) = await service.fake.webhooks.send("device.changed_group", {"devices": many})
    assert len(delivery.body) > DEFAULT_MAX_BODY_SIZE
    assert set(delivery.statuses) == {413}
    assert service.events == []


async def test_a_failing_callback_gets_5xx_and_the_fakes_retry_succeeds(service: Service) -> None:
    service.fake.webhooks.register(service.hook)
    service.sink.failures = 1
    (delivery,) = await service.fake.webhooks.send_test()
    assert delivery.statuses == [500, 200]
    assert delivery.state == "delivered"
    assert [type(e) for e in service.events] == [TestEvent, TestEvent]
    assert [e["type"] for e in await service.listed()] == ["test_event"]  # recorded once


async def test_a_duplicate_delivery_is_recognised(service: Service) -> None:
    service.fake.webhooks.register(service.hook)
    (first,) = await service.fake.webhooks.send_test()
    again = await service.fake.webhooks.redeliver(first)
    assert again.statuses == [200]
    assert json.loads(again.attempts[0].response)["message"].startswith("duplicate")
    assert len(service.events) == 1
    assert len(await service.listed()) == 1


async def test_an_announced_oversize_body_is_refused_without_waiting_for_it(
    service: Service,
) -> None:
    """Headers announce 10 MB and one byte follows: the 413 comes without the rest."""
    port = int(service.root.rsplit(":", 1)[1])
    async with await anyio.connect_tcp("127.0.0.1", port) as stream:
        await stream.send(
            f"POST /hooks/simplemdm/{SECRET} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            "Content-Type: application/json\r\nContent-Length: 10000000\r\n\r\n{".encode()
        )
        with anyio.fail_after(20):  # a guard against hanging, not a timing assertion
            reply = await stream.receive()
    assert reply.startswith(b"HTTP/1.1 413 ")
    assert service.events == []


async def test_the_router_takes_the_token_from_the_query_too() -> None:
    sink = EventSink()
    app = FastAPI()
    app.include_router(webhook_router(WebhookReceiver(sink, secret=SECRET), path="/hook"))
    async with (
        FakeSimpleMDM(devices=5, seed=1, clock=FakeClock()) as fake,
        serve.serving(app) as root,
    ):
        fake.webhooks.register(f"{root}/hook?token={SECRET}")
        fake.webhooks.register(f"{root}/hook?token=wrong")
        fake.webhooks.register(f"{root}/hook")
        right, wrong, missing = await fake.webhooks.send_test()
    assert right.statuses == [200]
    assert set(wrong.statuses) == set(missing.statuses) == {404}
    assert [type(event) for event in sink.events] == [TestEvent]


def test_the_app_needs_a_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SIMPLEMDM_WEBHOOK_SECRET", raising=False)
    with pytest.raises(ConfigurationError, match="SIMPLEMDM_WEBHOOK_SECRET"):
        create_app()


async def test_the_documented_command_serves_the_example() -> None:
    """``SIMPLEMDM_WEBHOOK_SECRET=... uvicorn --factory examples.webhooks_fastapi:create_app``."""
    port = free_port()
    arguments = ["--factory", "examples.webhooks_fastapi:create_app", "--port", str(port)]
    env = {**os.environ, "SIMPLEMDM_WEBHOOK_SECRET": SECRET}
    async with serve.uvicorn(arguments, env) as output:
        async with FakeSimpleMDM(devices=5, seed=1, clock=FakeClock()) as fake:
            fake.webhooks.register(f"http://127.0.0.1:{port}/hooks/simplemdm/{SECRET}")
            (delivery,) = await fake.webhooks.send_test()
        assert delivery.statuses == [200]
        printed = await output.until(b"POST /hooks/simplemdm/")  # the access log line
        assert b"POST /hooks/simplemdm/<redacted>" in printed
        assert SECRET.encode() not in printed
