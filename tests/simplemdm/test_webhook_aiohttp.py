"""The aiohttp receiver over real sockets, with FakeSimpleMDM posting webhooks to it.

Changes made through mdmkit's own client reach the fake, which POSTs the events to an aiohttp
app serving ``webhook_handler``; the callback sees typed events. Every refusal is checked at
the wire: a wrong token, an oversize body (announced, or streamed), a failing callback.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import AsyncIterator

import aiohttp
import anyio
import pytest
from aiohttp import web

from mdmkit.simplemdm import RecentDeliveries, WebhookReceiver
from mdmkit.simplemdm.webhook_aiohttp import webhook_handler
from mdmkit.simplemdm.webhooks import (
    DeviceChangedGroup,
    DeviceLockEnabled,
    TestEvent,
)
from mdmkit.testing import FakeClock, FakeSimpleMDM
from tests.support import WebhookService, serving

pytestmark = pytest.mark.anyio

SECRET = secrets.token_urlsafe(32)
CAP = 16 * 1024


@pytest.fixture
async def service() -> AsyncIterator[WebhookService]:
    async with FakeSimpleMDM(devices=20, seed=3, clock=FakeClock()) as fake:
        found = WebhookService(fake, SECRET)
        receiver = WebhookReceiver(
            found.sink, secret=SECRET, max_body_size=CAP, dedup=RecentDeliveries()
        )
        app = web.Application()
        app.router.add_post("/hooks/simplemdm/{token}", webhook_handler(receiver))
        app.router.add_post("/hooks/query", webhook_handler(receiver))
        async with serving(app) as root:
            found.root = root
            yield found
        assert fake.errors == []


async def test_changes_made_through_mdmkit_arrive_as_typed_events(service: WebhookService) -> None:
    fake = service.fake
    fake.webhooks.register(service.hook)
    phone = next(
        d
        for d in fake.state.devices.values()
        if d.status == "enrolled" and d.gen and d.gen.platform == "ios"
    )
    group = next(g for g in fake.state.assignment_groups.values() if phone.id not in g.device_ids)
    async with fake.mdm() as sm:
        await sm.devices.lock(str(phone.id), message="Lost: call IT")
        await sm.groups.add_device(f"assignment_group:{group.id}", str(phone.id))
    await fake.webhooks.wait()
    locked, moved = service.events
    assert isinstance(locked, DeviceLockEnabled)
    assert locked.device is not None
    assert locked.device.id == phone.id
    assert isinstance(moved, DeviceChangedGroup)
    assert [d.id for d in moved.devices] == [phone.id]
    assert [d.statuses for d in fake.webhooks.deliveries] == [[200], [200]]


async def test_the_token_may_come_in_the_query(service: WebhookService) -> None:
    service.fake.webhooks.register(f"{service.root}/hooks/query?token={SECRET}")
    (delivery,) = await service.fake.webhooks.send_test()
    assert delivery.statuses == [200]
    assert isinstance(service.events[0], TestEvent)


@pytest.mark.parametrize("where", ["/hooks/simplemdm/not-the-secret", "/hooks/query?token=no"])
async def test_a_wrong_token_gets_404_every_time_and_no_callback(
    service: WebhookService, where: str
) -> None:
    service.fake.webhooks.register(service.root + where)
    (delivery,) = await service.fake.webhooks.send_test()
    assert delivery.state == "failed"
    assert set(delivery.statuses) == {404}
    assert service.events == []


async def test_an_oversize_event_gets_413(service: WebhookService) -> None:
    service.fake.webhooks.register(service.hook)
    many = [{"id": n, "udid": f"UDID-{n:08d}", "serial_number": f"SN{n:010d}"} for n in range(400)]
    (delivery,) = await service.fake.webhooks.send("device.changed_group", {"devices": many})
    assert len(delivery.body) > CAP
    assert set(delivery.statuses) == {413}
    assert service.events == []


async def test_an_announced_oversize_body_is_refused_without_waiting_for_it(
    service: WebhookService,
) -> None:
    """Headers announce 10 MB and only a few bytes follow: the answer comes at once, as the
    receiver refuses on the Content-Length instead of waiting for a body that never comes."""
    host, port = service.root.removeprefix("http://").split(":")
    stream = await anyio.connect_tcp(host, int(port))
    async with stream:
        head = (
            f"POST /hooks/simplemdm/{SECRET} HTTP/1.1\r\nHost: {host}\r\n"
            "Content-Type: application/json\r\nContent-Length: 10000000\r\n\r\n{"
        )
        await stream.send(head.encode())
        with anyio.fail_after(20):  # a guard against hanging, not a timing assertion
            reply = await stream.receive()
    assert reply.startswith(b"HTTP/1.1 413 ")
    assert service.events == []


async def test_a_streamed_body_passing_the_cap_is_refused(service: WebhookService) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(64):  # 64 kB, no Content-Length (chunked)
            yield b" " * 1024

    async with (
        aiohttp.ClientSession() as http,
        http.post(service.hook, data=chunks()) as reply,
    ):
        assert reply.status == 413
        assert (await reply.json())["message"] == f"body larger than {CAP} bytes"
    assert service.events == []


async def test_a_failing_callback_gets_500_and_the_fakes_retry_succeeds(
    service: WebhookService,
) -> None:
    service.fake.webhooks.register(service.hook)
    service.sink.failures = 1
    (delivery,) = await service.fake.webhooks.send_test()
    assert delivery.statuses == [500, 200]
    assert delivery.state == "delivered"
    assert len(service.events) == 2  # called again for the retry: the failure was released
    assert (
        json.loads(delivery.attempts[0].response)["message"] == "the callback failed; retry later"
    )


async def test_a_duplicate_delivery_is_recognised(service: WebhookService) -> None:
    service.fake.webhooks.register(service.hook)
    (first,) = await service.fake.webhooks.send_test()
    again = await service.fake.webhooks.redeliver(first)
    assert again.statuses == [200]
    answer = json.loads(again.attempts[0].response)
    assert answer["message"].startswith("duplicate")
    assert answer["delivery_key"] == service.events[0].delivery_key
    assert len(service.events) == 1
