"""FakeSimpleMDM's webhooks: real POSTs to a registered URL on each change, retried, logged.

The receiver here is a bare aiohttp server that records what arrives and answers with the
statuses a test scripts, so these tests check the fake alone (tests/simplemdm/ has mdmkit's
receivers). The fake runs on a FakeClock, so its retry waits take no real time.
"""

from __future__ import annotations

import json
import re
import socket
from collections.abc import AsyncIterator
from typing import Any

import anyio
import attrs
import pytest
from aiohttp import web

from mdmkit.simplemdm.webhooks import DeviceChangedGroup, DeviceLockEnabled, parse_webhook
from mdmkit.testing import FakeClock, FakeSimpleMDM
from mdmkit.testing.simplemdm.webhooks import DEFAULT_RETRY_DELAYS, WebhookDelivery, _scrubbed
from tests.support import CLASSIC, serving
from tests.testing.fakeapi import API_KEY, Api

pytestmark = pytest.mark.anyio

SECRET_PATH = "/hooks/simplemdm/s3cret-path-token"
AT = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}-0[78]:00")


@attrs.define
class Receiver:
    """A webhook endpoint: every request it got, and the statuses to answer in turn (then 200)."""

    url: str = ""
    answers: list[int] = attrs.Factory(list)
    received: list[tuple[str, dict[str, str], bytes]] = attrs.Factory(list)
    hold: anyio.Event | None = None  # when set, requests wait for it before answering

    async def handle(self, request: web.Request) -> web.Response:
        self.received.append((request.path_qs, dict(request.headers), await request.read()))
        if self.hold is not None:
            await self.hold.wait()
        status = self.answers.pop(0) if self.answers else 200
        return web.json_response({"status": status}, status=status)

    def events(self) -> list[Any]:
        return [json.loads(body) for _, _, body in self.received]

    def types(self) -> list[str]:
        return [event["type"] for event in self.events()]


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    found = Receiver()
    app = web.Application()
    app.router.add_post(SECRET_PATH, found.handle)
    async with serving(app) as root:
        found.url = root + SECRET_PATH
        yield found


def enrolled_device(fake: FakeSimpleMDM) -> int:
    """An enrolled device that is not a Mac (a Mac lock needs a pin)."""
    devices = fake.state.devices.values()
    return next(d.id for d in devices if d.status == "enrolled" and not d.is_macos)


async def test_a_lock_is_posted_in_the_documented_envelope(
    fake: FakeSimpleMDM, api: Api, receiver: Receiver
) -> None:
    fake.webhooks.register(receiver.url)
    device_id = enrolled_device(fake)
    assert (await api.post(f"/devices/{device_id}/lock", data={"message": "Lost"})).status == 202
    await fake.webhooks.wait()

    ((path, headers, body),) = receiver.received
    assert path == SECRET_PATH
    assert headers["Content-Type"] == "application/json"
    event = json.loads(body)
    assert set(event) == {"type", "at", "data"}
    assert event["type"] == "device.lock.enabled"
    assert AT.fullmatch(event["at"])  # the account's offset, milliseconds, never Z
    device = fake.state.devices[device_id]
    assert device.gen is not None
    assert event["data"] == {
        "device": {
            "id": device_id,
            "udid": device.gen.udid,
            "serial_number": device.gen.serial_number,
            "device_group_id": None,  # a New Groups Experience account has no device groups
        }
    }
    parsed = parse_webhook(body)  # and mdmkit's parser reads what the fake sends
    assert isinstance(parsed, DeviceLockEnabled)
    assert parsed.device is not None
    assert parsed.device.id == device_id

    (delivery,) = fake.webhooks.deliveries
    assert delivery.state == "delivered"
    assert delivery.statuses == [200]
    assert delivery.type == "device.lock.enabled"
    assert delivery.event == event
    assert delivery.attempts[0].response == b'{"status": 200}'


async def test_a_refused_lock_sends_nothing(
    fake: FakeSimpleMDM, api: Api, receiver: Receiver
) -> None:
    fake.webhooks.register(receiver.url)
    mac = next(d.id for d in fake.state.devices.values() if d.status == "enrolled" and d.is_macos)
    assert (await api.post(f"/devices/{mac}/lock")).status == 422  # a Mac needs a pin
    assert fake.webhooks.deliveries == []


async def test_enrolling_unenrolling_and_deleting_devices(
    fake: FakeSimpleMDM, api: Api, receiver: Receiver
) -> None:
    fake.webhooks.register(receiver.url)
    created = await api.post("/devices", data={"name": "New iPad"})
    new_id = created.json["data"]["id"]
    assert fake.webhooks.deliveries == []  # created, not enrolled: no event
    enrolled = fake.enroll(new_id, platform="ipados")
    assert enrolled.status == "enrolled"
    with pytest.raises(ValueError, match="not awaiting enrollment"):
        fake.enroll(new_id)
    extra = fake.add_device("Spare", status="enrolled")
    fake.add_device("Placeholder", status="awaiting enrollment")  # no event
    await api.post(f"/devices/{new_id}/unenroll")
    await api.post(f"/devices/{new_id}/unenroll")  # already unenrolled: nothing more
    await api.post(f"/devices/{extra.id}/wipe")
    await api.delete(f"/devices/{extra.id}")  # wiped, so already unenrolled: nothing more
    other = enrolled_device(fake)
    await api.delete(f"/devices/{other}")  # deleting an enrolled device unenrolls it
    await fake.webhooks.wait()

    assert receiver.types() == [
        "device.enrolled",
        "device.enrolled",
        "device.unenrolled",
        "device.unenrolled",
        "device.unenrolled",
    ]
    ids = [event["data"]["device"]["id"] for event in receiver.events()]
    assert ids == [new_id, extra.id, new_id, extra.id, other]
    first = receiver.events()[0]["data"]["device"]
    assert enrolled.gen is not None
    assert first["serial_number"] == enrolled.gen.serial_number
    listed = await api.get(f"/devices/{new_id}")
    assert listed.json["data"]["attributes"]["status"] == "unenrolled"


async def test_joining_and_leaving_a_static_group(
    fake: FakeSimpleMDM, api: Api, receiver: Receiver
) -> None:
    fake.webhooks.register(receiver.url)
    group = next(iter(fake.state.assignment_groups.values()))
    outsider = next(d for d in fake.state.devices.values() if d.id not in group.device_ids)
    path = f"/assignment_groups/{group.id}/devices/{outsider.id}"
    assert (await api.post(path)).status == 204
    assert (await api.post(path)).status == 409  # already a member: no change, no event
    assert (await api.delete(path)).status == 204
    app = next(iter(fake.state.apps))
    await api.post(f"/assignment_groups/{group.id}/apps/{app}")  # not a device: no event
    await fake.webhooks.wait()
    assert receiver.types() == ["device.changed_group", "device.changed_group"]
    parsed = parse_webhook(receiver.received[0][2])
    assert isinstance(parsed, DeviceChangedGroup)
    assert [d.id for d in parsed.devices] == [outsider.id]


@CLASSIC
async def test_moving_a_device_to_another_device_group(
    fake: FakeSimpleMDM, api: Api, receiver: Receiver
) -> None:
    fake.webhooks.register(receiver.url)
    device = next(d for d in fake.state.devices.values() if d.device_group_id is not None)
    target = next(g for g in fake.state.device_groups.values() if g.id != device.device_group_id)
    await api.post(f"/device_groups/{target.id}/devices/{device.id}")
    await api.post(f"/device_groups/{target.id}/devices/{device.id}")  # already there
    await fake.webhooks.wait()
    (event,) = receiver.events()
    assert event["type"] == "device.changed_group"
    assert event["data"]["devices"][0]["id"] == device.id
    assert event["data"]["devices"][0]["device_group_id"] == target.id


async def test_the_test_event_and_any_event_on_demand(
    fake: FakeSimpleMDM, receiver: Receiver
) -> None:
    fake.webhooks.register(receiver.url)
    (test,) = await fake.webhooks.send_test()
    assert test.state == "delivered"
    (abm,) = await fake.webhooks.send(
        "abm.device.added", {"device": {"serial_number": "C02XK1ABJG5J", "model": "Mac15,3"}}
    )
    assert abm.state == "delivered"
    assert receiver.events()[0]["type"] == "test_event"
    assert receiver.events()[0]["data"] == {}
    assert receiver.events()[1]["data"]["device"]["model"] == "Mac15,3"


async def test_every_registered_url_gets_every_event(
    fake: FakeSimpleMDM, receiver: Receiver
) -> None:
    second = Receiver()
    app = web.Application()
    app.router.add_post("/other", second.handle)
    async with serving(app) as root:
        second.url = root + "/other"
        fake.webhooks.register(receiver.url)
        fake.webhooks.register(second.url)
        fake.webhooks.register(second.url)  # once is enough
        assert await fake.webhooks.send_test() != []
        assert len(fake.webhooks.deliveries) == 2
        fake.webhooks.unregister(second.url)
        await fake.webhooks.send_test()
    assert receiver.types() == ["test_event", "test_event"]
    assert second.types() == ["test_event"]


async def test_nothing_is_sent_without_a_registered_url(fake: FakeSimpleMDM, api: Api) -> None:
    await api.post(f"/devices/{enrolled_device(fake)}/lock")
    assert await fake.webhooks.send_test() == []
    assert fake.webhooks.deliveries == []


async def test_a_delivery_not_answered_2xx_is_retried_on_the_schedule(
    fake: FakeSimpleMDM, clock: FakeClock, receiver: Receiver
) -> None:
    fake.webhooks.register(receiver.url)
    receiver.answers = [500, 404]
    start = clock.time()
    (delivery,) = await fake.webhooks.send_test()
    assert delivery.state == "delivered"
    assert delivery.statuses == [500, 404, 200]
    assert clock.sleeps == [1.0, 5.0]  # waited on the fake's clock: no real time
    assert [a.at - start for a in delivery.attempts] == [0.0, 1.0, 6.0]
    assert len(receiver.received) == 3
    assert len({body for _, _, body in receiver.received}) == 1  # the same body each time


async def test_a_delivery_never_answered_2xx_fails_after_the_last_retry(
    fake: FakeSimpleMDM, clock: FakeClock, receiver: Receiver
) -> None:
    fake.webhooks.register(receiver.url)
    receiver.answers = [503] * 10
    (delivery,) = await fake.webhooks.send_test()
    assert delivery.state == "failed"
    assert delivery.statuses == [503] * (1 + len(DEFAULT_RETRY_DELAYS))
    assert clock.sleeps == list(DEFAULT_RETRY_DELAYS)
    fake.webhooks.retry_delays = ()
    receiver.answers = [503]
    (once,) = await fake.webhooks.send_test()
    assert once.statuses == [503]
    assert once.state == "failed"


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_an_unreachable_url_is_retried_and_its_errors_hide_the_path(
    fake: FakeSimpleMDM,
) -> None:
    url = f"http://127.0.0.1:{closed_port()}/hooks/s3cret-in-the-path?token=s3cret-in-the-query"
    fake.webhooks.register(url)
    fake.webhooks.retry_delays = (1.0,)
    (delivery,) = await fake.webhooks.send_test()
    assert delivery.state == "failed"
    assert delivery.statuses == [None, None]
    for attempt in delivery.attempts:
        assert attempt.error is not None
        assert "ClientConnectorError" in attempt.error
        assert "s3cret" not in attempt.error
    assert "s3cret" not in repr(delivery)
    assert "s3cret" not in repr(fake.webhooks)
    assert f"'http://127.0.0.1:{url.split(':')[2].split('/')[0]}/...'" in repr(delivery)


async def test_a_slow_receiver_times_out_and_is_retried(
    fake: FakeSimpleMDM, receiver: Receiver
) -> None:
    fake.webhooks.register(receiver.url)
    fake.webhooks.timeout = 0.2
    fake.webhooks.retry_delays = (1.0,)
    receiver.hold = anyio.Event()  # the first request never gets an answer in time
    with anyio.fail_after(30):
        made = fake.webhooks.queue("test_event")
        while len(receiver.received) < 2:  # noqa: ASYNC110  (the second attempt arrives)
            await anyio.sleep(0.01)
        receiver.hold.set()
        await fake.webhooks.wait(made)
    (delivery,) = made
    assert delivery.attempts[0].status is None
    assert delivery.attempts[0].error is not None
    assert "Timeout" in delivery.attempts[0].error
    assert delivery.state == "delivered"


async def test_events_reach_one_url_in_order_and_a_retry_holds_the_next(
    fake: FakeSimpleMDM, api: Api, receiver: Receiver
) -> None:
    fake.webhooks.register(receiver.url)
    receiver.answers = [500]
    device_id = enrolled_device(fake)
    await api.post(f"/devices/{device_id}/lock")
    await api.post(f"/devices/{device_id}/unenroll")
    await fake.webhooks.wait()
    assert receiver.types() == ["device.lock.enabled", "device.lock.enabled", "device.unenrolled"]


async def test_a_redelivery_posts_the_same_body_again(
    fake: FakeSimpleMDM, receiver: Receiver
) -> None:
    fake.webhooks.register(receiver.url)
    (first,) = await fake.webhooks.send_test()
    again = await fake.webhooks.redeliver(first)
    assert again is not first
    assert again.body == first.body
    assert again.state == "delivered"
    assert fake.webhooks.deliveries == [first, again]
    assert receiver.received[0][2] == receiver.received[1][2]


async def test_events_of_a_fake_not_yet_started_go_out_when_it_starts(
    receiver: Receiver,
) -> None:
    fake = FakeSimpleMDM(devices=5, seed=2, api_key=API_KEY, clock=FakeClock())
    fake.webhooks.register(receiver.url)
    fake.add_device("Early", status="enrolled")
    (delivery,) = fake.webhooks.deliveries
    with pytest.raises(RuntimeError, match="fake to be running"), anyio.fail_after(30):
        await fake.webhooks.wait()
    async with fake:
        with anyio.fail_after(30):  # guards against hanging, not timing assertions
            await fake.webhooks.wait()
    assert delivery.state == "delivered"
    assert receiver.types() == ["device.enrolled"]


async def test_closing_the_fake_abandons_what_is_still_pending(receiver: Receiver) -> None:
    receiver.hold = anyio.Event()  # never set: the receiver never answers
    async with FakeSimpleMDM(devices=5, seed=2, api_key=API_KEY, clock=FakeClock()) as fake:
        fake.webhooks.register(receiver.url)
        made = fake.webhooks.queue("test_event")
        queued = fake.webhooks.queue("test_event")
        with anyio.fail_after(30):
            while not receiver.received:  # noqa: ASYNC110
                await anyio.sleep(0.01)
    receiver.hold.set()
    assert [d.state for d in [*made, *queued]] == ["abandoned", "abandoned"]
    assert [d.attempts for d in queued] == [[]]


def test_a_url_must_be_absolute_http() -> None:
    fake = FakeSimpleMDM(devices=1)
    for bad in ("/hooks/s3cret", "ftp://example.com/s3cret", "mailto:s3cret@example.com"):
        with pytest.raises(ValueError, match="absolute http") as info:
            fake.webhooks.register(bad)
        assert "s3cret" not in str(info.value)
    assert fake.webhooks.urls == []


def test_a_delivery_repr_shows_the_origin_only() -> None:
    delivery = WebhookDelivery(
        "https://hooks.example.com/simplemdm/s3cret?x=1", "test_event", b"{}"
    )
    assert "s3cret" not in repr(delivery)
    assert "https://hooks.example.com/..." in repr(delivery)


async def test_a_failure_of_the_sender_itself_is_kept_and_never_hangs_a_wait(
    fake: FakeSimpleMDM, receiver: Receiver
) -> None:
    broken = WebhookDelivery(receiver.url, "test_event", "not bytes")  # type: ignore[arg-type]
    fake.webhooks.retry_delays = ()
    again = await fake.webhooks.redeliver(broken)
    assert again.state == "failed"
    assert again.attempts[0].error is not None
    assert "TypeError" in again.attempts[0].error
    assert [type(e) for e in fake.errors] == [TypeError]
    fake.errors.clear()  # the fixture checks that nothing else failed


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/hooks/s3cret",
        "http://127.0.0.1:8000/hooks?token=s3cret",
        "http://127.0.0.1:8000/hooks/s3cr%C3%A9t?token=s3cret",
    ],
)
def test_an_error_naming_the_url_loses_its_path_and_query(url: str) -> None:
    decoded = url.replace("%C3%A9", "\u00e9")
    for text in (f"cannot reach {url}", f"bad path {url.split('8000')[1]}", decoded):
        scrubbed = _scrubbed(OSError(text), url)
        assert "s3cr" not in scrubbed
        assert scrubbed.startswith("OSError: ")


async def test_snapshots_restores_and_resets_keep_announcing(receiver: Receiver) -> None:
    async with FakeSimpleMDM(devices=5, seed=2, api_key=API_KEY, clock=FakeClock()) as fake:
        fake.webhooks.register(receiver.url)
        await fake.webhooks.send_test()  # the sender has a session and a worker by now
        fake.snapshot("before")  # copies the state, not the sender
        fake.add_device("One", status="enrolled")
        fake.restore("before")
        fake.add_device("Two", status="enrolled")
        fake.state_factory = lambda: FakeSimpleMDM(devices=5, seed=2).state
        assert fake.reset()
        fake.add_device("Three", status="enrolled")
        await fake.webhooks.wait()
    assert receiver.types() == ["test_event"] + ["device.enrolled"] * 3
    assert len(fake.webhooks.deliveries) == 4
