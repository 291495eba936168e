"""WebhookReceiver's decisions, without a server: token, size cap, parsing, dedup, callback.

Each delivery is fed as a token and an async stream of chunks, exactly what the aiohttp and
FastAPI glue hand it; tests/simplemdm/test_webhook_aiohttp.py and the FastAPI example's test
run the same over real sockets with the fake posting.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Iterable
from datetime import UTC, datetime

import anyio
import attrs
import pytest

from mdmkit import ConfigurationError
from mdmkit.simplemdm import RecentDeliveries, WebhookReceiver
from mdmkit.simplemdm.webhooks import DeviceEnrolled, TestEvent, WebhookEvent, parse_webhook
from tests.support import EventSink

pytestmark = pytest.mark.anyio

SECRET = "s3cret-token-0123456789abcdef"
DEVICE = {"id": 121, "udid": "4A08359C-1D3A", "serial_number": "DNFJE9DNG5MG", "device_group_id": 3}
ENROLLED = json.dumps(
    {"type": "device.enrolled", "at": "2024-03-01T12:00:00.000-07:00", "data": {"device": DEVICE}}
).encode()


@attrs.define
class Chunks:
    """A body as the glue streams it, counting how much of it was read."""

    parts: list[bytes]
    read: int = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for part in self.parts:
            self.read += 1
            yield part


def body(raw: bytes, size: int = 7) -> Chunks:
    return Chunks([raw[i : i + size] for i in range(0, len(raw), size)])


def receiver(callback: EventSink, **options: object) -> WebhookReceiver:
    return WebhookReceiver(callback, secret=SECRET, **options)  # type: ignore[arg-type]


async def test_a_delivery_with_the_secret_reaches_the_callback_typed() -> None:
    called = EventSink()
    answer = await receiver(called).receive(SECRET, body(ENROLLED), content_length=len(ENROLLED))
    assert answer.status == 200
    assert answer.message == "received"
    (event,) = called.events
    assert isinstance(event, DeviceEnrolled)
    assert event.device.id == 121
    assert answer.event == event
    assert answer.body == {"message": "received", "delivery_key": event.delivery_key}


@pytest.mark.parametrize("token", [None, "", "wrong", SECRET[:-1], SECRET + "x", SECRET.upper()])
async def test_a_wrong_or_missing_token_is_answered_404_and_the_body_is_never_read(
    token: str | None,
) -> None:
    called = EventSink()
    stream = body(ENROLLED)
    answer = await receiver(called).receive(token, stream)
    assert (answer.status, answer.message) == (404, "not found")
    assert stream.read == 0
    assert called.events == []


async def test_several_secrets_while_the_url_changes() -> None:
    old, new = "old-secret-0123456789", "new-secret-0123456789"
    both = WebhookReceiver(EventSink(), secret=[old, new])
    assert both.authorized(old)
    assert both.authorized(new)
    assert not both.authorized(None)
    assert not both.authorized("other-secret-0123456789")


async def test_an_announced_length_over_the_cap_is_refused_before_reading() -> None:
    called = EventSink()
    stream = body(ENROLLED)
    answer = await receiver(called, max_body_size=100).receive(
        SECRET, stream, content_length=len(ENROLLED)
    )
    assert answer.status == 413
    assert answer.message == "body larger than 100 bytes"
    assert stream.read == 0
    assert called.events == []


async def test_a_body_passing_the_cap_while_read_is_refused_at_once() -> None:
    called = EventSink()
    stream = Chunks([b"x" * 40] * 1000)  # no length announced: 40 kB arriving
    answer = await receiver(called, max_body_size=100).receive(SECRET, stream)
    assert answer.status == 413
    assert stream.read == 3  # 120 bytes: the rest is never read
    assert called.events == []


async def test_a_body_exactly_at_the_cap_is_read() -> None:
    answer = await receiver(EventSink(), max_body_size=len(ENROLLED)).receive(
        SECRET, body(ENROLLED), content_length=len(ENROLLED)
    )
    assert answer.status == 200


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        (b"", "not JSON"),
        (b"not json", "not JSON"),
        (b"[]", "JSON object"),
        (b'{"type": "device.enrolled", "at": "2024-03-01T12:00:00Z", "data": {}}', "must be"),
    ],
)
async def test_a_body_that_is_not_an_event_is_answered_400(raw: bytes, problem: str) -> None:
    called = EventSink()
    answer = await receiver(called).receive(SECRET, body(raw))
    assert answer.status == 400
    assert problem in answer.message
    assert called.events == []


async def test_a_failing_callback_is_logged_answered_500_and_its_retry_handled(
    caplog: pytest.LogCaptureFixture,
) -> None:
    called = EventSink(failures=1)
    seen = RecentDeliveries()
    hooks = receiver(called, dedup=seen)
    with caplog.at_level(logging.ERROR, logger="mdmkit.simplemdm.webhooks"):
        failed = await hooks.receive(SECRET, body(ENROLLED))
    assert failed.status == 500
    assert "retry" in failed.message
    assert "database is down" not in failed.message  # the caller learns nothing inside
    (record,) = caplog.records
    assert "callback failed" in record.getMessage()
    assert "device.enrolled" in record.getMessage()
    assert record.exc_info is not None
    assert failed.event is not None
    assert failed.event.delivery_key not in seen  # released: the retry is not a duplicate
    retried = await hooks.receive(SECRET, body(ENROLLED))
    assert retried.status == 200
    assert not retried.duplicate
    assert len(called.events) == 2


async def test_a_callback_past_its_timeout_is_cancelled_and_answered_503() -> None:
    called = EventSink(hang=True)
    seen = RecentDeliveries()
    with anyio.fail_after(30):  # a guard against hanging, not a timing assertion
        answer = await receiver(called, callback_timeout=0.05, dedup=seen).receive(
            SECRET, body(ENROLLED)
        )
    assert answer.status == 503
    assert len(called.events) == 1
    assert len(seen) == 0  # released


async def test_a_duplicate_delivery_is_recognised_and_not_called_back() -> None:
    called = EventSink()
    hooks = receiver(called, dedup=RecentDeliveries())
    first = await hooks.receive(SECRET, body(ENROLLED))
    again = await hooks.receive(SECRET, body(ENROLLED))
    assert (first.status, first.duplicate) == (200, False)
    assert (again.status, again.duplicate) == (200, True)
    assert again.message.startswith("duplicate")
    assert len(called.events) == 1
    other = ENROLLED.replace(b"12:00:00.000", b"12:00:01.000")  # another moment: another event
    assert (await hooks.receive(SECRET, body(other))).duplicate is False
    assert len(called.events) == 2


async def test_without_dedup_every_delivery_is_called_back() -> None:
    called = EventSink()
    hooks = receiver(called)
    for _ in range(2):
        assert (await hooks.receive(SECRET, body(ENROLLED))).status == 200
    assert len(called.events) == 2


async def test_a_cancelled_delivery_releases_its_claim() -> None:
    seen = RecentDeliveries()
    hooks = receiver(EventSink(hang=True), dedup=seen, callback_timeout=None)
    with anyio.move_on_after(0.05):
        await hooks.receive(SECRET, body(ENROLLED))
    assert len(seen) == 0


def event_at(at: str, data: dict[str, object] | None = None) -> WebhookEvent:
    raw = {"type": "test_event", "at": at, "data": data if data is not None else {}}
    return parse_webhook(json.dumps(raw))


def test_the_delivery_key_names_the_event_not_its_spelling() -> None:
    pacific = event_at("2024-03-01T12:00:00.000-07:00")
    utc = event_at("2024-03-01T19:00:00Z")
    assert isinstance(pacific, TestEvent)
    assert pacific.delivery_key == utc.delivery_key
    assert event_at("2024-03-01T19:00:00.001Z").delivery_key != utc.delivery_key
    assert event_at("2024-03-01T19:00:00Z", {"a": 1}).delivery_key != utc.delivery_key
    reordered = parse_webhook(
        b'{"data": {"b": 2, "a": 1}, "at": "2024-03-01T19:00:00Z", "type": "test_event"}'
    )
    assert reordered.delivery_key == event_at("2024-03-01T19:00:00Z", {"a": 1, "b": 2}).delivery_key
    # pinned: keys a service stored must still match after an upgrade
    assert utc.delivery_key == "e66af7de5b69342a202fa3f66e81c7f60d99437e30a0c5a2d6df04e465b5bef0"
    naive = WebhookEvent(type="test_event", at=datetime(2024, 3, 1, 19), data={})
    assert len(naive.delivery_key) == 64  # a naive time (an event built by hand) works too
    assert WebhookEvent(
        type="test_event", at=datetime(2024, 3, 1, 19, tzinfo=UTC)
    ).delivery_key == (utc.delivery_key)


async def test_recent_deliveries_forgets_the_oldest_key() -> None:
    seen = RecentDeliveries(size=2)
    assert await seen.claim("a")
    assert await seen.claim("b")
    assert not await seen.claim("a")  # seen again: now the newest
    assert await seen.claim("c")  # "b" goes
    assert "b" not in seen
    assert list(filter(seen.__contains__, "abc")) == ["a", "c"]
    await seen.release("a")
    await seen.release("nothing")
    assert len(seen) == 1
    assert repr(seen) == "RecentDeliveries(1 of 2 keys)"
    with pytest.raises(ValueError, match="at least one"):
        RecentDeliveries(size=0)


@pytest.mark.parametrize(
    ("secret", "message"),
    [
        ("short", "at least 16"),
        ([], "needs a secret"),
        ("has/a/slash/in/it/0123", "goes into a URL"),
        ("spaces are not ok 0123", "goes into a URL"),
        ("percent%2Fencoded0123", "goes into a URL"),
        (["ok-secret-0123456789", "bad"], "at least 16"),
    ],
)
def test_a_secret_unfit_for_a_url_is_refused(secret: str | list[str], message: str) -> None:
    with pytest.raises(ConfigurationError, match=message) as info:
        WebhookReceiver(EventSink(), secret=secret)
    texts: Iterable[str] = [secret] if isinstance(secret, str) else secret
    for text in texts:
        if len(text) > 4:
            assert text not in str(info.value)


@pytest.mark.parametrize(
    ("options", "message"),
    [({"max_body_size": 0}, "max_body_size"), ({"callback_timeout": 0}, "callback_timeout")],
)
def test_bad_limits_are_refused(options: dict[str, float], message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        receiver(EventSink(), **options)


def test_the_repr_hides_the_secret() -> None:
    text = repr(receiver(EventSink(), dedup=RecentDeliveries()))
    assert SECRET not in text
    assert "secret=<redacted>" in text
    assert "RecentDeliveries(0 of 10000 keys)" in text


def test_the_log_filter_masks_the_secret_in_message_arguments_and_extras() -> None:
    redact = receiver(EventSink()).log_filter()
    path = f"/hooks/simplemdm/{SECRET}"
    records = [
        logging.LogRecord(
            "uvicorn.access",
            20,
            __file__,
            1,
            '%s - "%s %s" %d',
            ("1.2.3.4", "POST", path, 200),
            None,
        ),
        logging.LogRecord("aiohttp.access", 20, __file__, 1, f'"POST {path}" 200', None, None),
        logging.LogRecord("x", 20, __file__, 1, "%(path)s", ({"path": path},), None),
    ]
    records[1].first_request_line = f"POST {path} HTTP/1.1"
    for record in records:
        assert redact.filter(record)
        assert SECRET not in record.getMessage()
        assert SECRET not in repr(vars(record))
        assert "/hooks/simplemdm/<redacted>" in record.getMessage()
    assert SECRET not in repr(redact)
