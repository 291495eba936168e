"""The request engine seen through the SimpleMDM client, against the fake over real sockets.

Each retry rule, what is refused before sending, secrets, paging, sessions and limits.
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import anyio
import pytest

from mdmkit.core.errors import (
    AuthenticationError,
    ConfigurationError,
    InvalidRequestError,
    NotFoundError,
    RateLimitError,
    ResponseFormatError,
    ServerError,
    TransportError,
)
from mdmkit.http.ratelimit import RateLimiter
from mdmkit.http.retry import RetryPolicy
from mdmkit.http.transport import Timeout, _require_asyncio
from mdmkit.simplemdm import SimpleMDMClient
from mdmkit.testing import Drop, FakeClock, FakeSimpleMDM, Latency, Malformed, RateLimited
from mdmkit.testing import ServerError as FakeServerError

pytestmark = pytest.mark.anyio


# -- retries -----------------------------------------------------------------------------------


async def test_429_with_retry_after_is_waited_out(
    fake: FakeSimpleMDM, sm: SimpleMDMClient, clock: FakeClock, device_of: Callable[[str], int]
) -> None:
    device = device_of("ios")
    fake.faults.add(RateLimited(retry_after=7), route="POST */devices/*/lock", times=2)
    await sm.devices.lock(device, message="lost")
    hits = fake.requests.filter(method="POST", path=f"*/devices/{device}/lock")
    assert [r.status for r in hits] == [429, 429, 202]
    assert clock.sleeps == [7, 7]
    assert fake.state.devices[device].lock_count == 1  # refused twice, applied once


async def test_429_with_x_ratelimit_reset_is_waited_out(
    fake: FakeSimpleMDM, sm: SimpleMDMClient, clock: FakeClock
) -> None:
    fake.faults.add(RateLimited(reset_in=12), route="GET */account")
    account = await sm.account.get()
    assert account.name
    assert [r.status for r in fake.requests.filter(path="*/account")] == [429, 200]
    assert clock.sleeps == [pytest.approx(12, abs=1)]


async def test_503_is_retried_even_for_a_post(
    fake: FakeSimpleMDM, sm: SimpleMDMClient, device_of: Callable[[str], int]
) -> None:
    device = device_of("ios")
    fake.faults.add(FakeServerError(503), route="POST */devices/*/refresh")
    await sm.devices.refresh(device)
    assert [r.status for r in fake.requests.filter(path=f"*/devices/{device}/refresh")] == [
        503,
        202,
    ]


async def test_500_is_retried_for_a_get_but_not_for_a_post(
    fake: FakeSimpleMDM, sm: SimpleMDMClient, device_of: Callable[[str], int]
) -> None:
    device = device_of("ios")
    fake.faults.add(FakeServerError(500), route="GET */devices/*")
    assert (await sm.devices.get(device)).id == device
    assert len(fake.requests.filter(method="GET")) == 2

    fake.faults.add(FakeServerError(500), route="POST */devices/*/wipe")
    with pytest.raises(ServerError) as info:
        await sm.devices.wipe(device)
    assert info.value.status == 500
    assert fake.requests.count(method="POST", path="*/wipe") == 1


async def test_dropped_get_is_retried(
    fake: FakeSimpleMDM, sm: SimpleMDMClient, clock: FakeClock
) -> None:
    fake.faults.add(Drop(after=False), route="GET */account", times=2)
    assert (await sm.account.get()).name
    statuses = [r.status for r in fake.requests.filter(path="*/account")]
    assert statuses[-1] == 200
    assert statuses.count(0) == 2  # both drops reached the server; the third try succeeded


async def test_post_that_may_have_reached_the_server_is_sent_once(
    fake: FakeSimpleMDM, sm: SimpleMDMClient, device_of: Callable[[str], int]
) -> None:
    device = device_of("ios")
    fake.faults.add(Drop(after=True), route="POST */devices/*/lock")
    with pytest.raises(TransportError, match="not sent twice") as info:
        await sm.devices.lock(device, message="lost")
    assert info.value.attempts == 1
    assert fake.requests.count(method="POST", path=f"*/devices/{device}/lock") == 1
    assert fake.state.devices[device].lock_count == 1  # the fake did apply it


async def test_retries_give_up_after_max_attempts(fake: FakeSimpleMDM, clock: FakeClock) -> None:
    fake.faults.add(FakeServerError(503), route="GET */account", times=None)
    async with SimpleMDMClient(
        fake.api_key,
        base_url=fake.url,
        retry=RetryPolicy(max_attempts=3),
        clock=clock.time,
        sleep=clock.sleep,
    ) as sm:
        with pytest.raises(ServerError):
            await sm.account.get()
    assert fake.requests.count(path="*/account") == 3
    assert len(clock.sleeps) == 2


async def test_a_wait_longer_than_max_wait_raises_at_once(
    fake: FakeSimpleMDM, sm: SimpleMDMClient, clock: FakeClock
) -> None:
    fake.faults.add(RateLimited(retry_after=3600), route="GET */account")
    with pytest.raises(RateLimitError) as info:
        await sm.account.get()
    assert info.value.retry_after == 3600
    assert clock.sleeps == []
    assert fake.requests.count(path="*/account") == 1


async def test_a_429_pauses_every_caller_of_the_client(
    fake: FakeSimpleMDM, sm: SimpleMDMClient, clock: FakeClock
) -> None:
    fake.faults.add(RateLimited(retry_after=7), route="GET */account")
    start = clock.time()
    await sm.account.get()
    limiter = sm.transport.rate_limiter
    assert isinstance(limiter, RateLimiter)
    assert limiter.paused_until == pytest.approx(start + 7)


async def test_a_refused_long_wait_does_not_stall_later_calls(
    fake: FakeSimpleMDM, sm: SimpleMDMClient, clock: FakeClock
) -> None:
    fake.faults.add(RateLimited(retry_after=3600), route="GET */account")
    with pytest.raises(RateLimitError):
        await sm.account.get()
    await sm.push_certificate.get()  # the caller decides about the hour; others go on
    assert clock.sleeps == []


async def test_connection_refused_is_retried_then_raises(clock: FakeClock) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    async with SimpleMDMClient(
        "key", base_url=f"http://127.0.0.1:{port}/api/v1", clock=clock.time, sleep=clock.sleep
    ) as sm:
        with pytest.raises(TransportError) as info:
            await sm.devices.lock(1)  # even a POST: it never left
    assert info.value.attempts == 4
    assert len(clock.sleeps) == 3
    assert info.value.error_type == "ClientConnectorError"
    assert info.value.__cause__ is None  # aiohttp's exception carries the request's headers


async def test_a_connect_that_times_out_is_retried_even_for_a_post(clock: FakeClock) -> None:
    # a listener whose accept queue is full: the kernel drops further SYNs, so connecting
    # hangs until aiohttp's connect timeout, which proves the request never left (unlike the
    # attempt's own timeout, which says nothing of what the server received)
    with socket.socket() as listener, socket.socket() as queued:
        listener.bind(("127.0.0.1", 0))
        listener.listen(0)
        queued.connect(listener.getsockname())  # fills the queue; nobody accepts it
        port = listener.getsockname()[1]
        async with SimpleMDMClient(
            "key",
            base_url=f"http://127.0.0.1:{port}/api/v1",
            timeout=Timeout(connect=0.2, read=30),
            retry=RetryPolicy(max_attempts=2),
            clock=clock.time,
            sleep=clock.sleep,
        ) as sm:
            with anyio.fail_after(20), pytest.raises(TransportError) as info:
                await sm.devices.lock(1)
    assert info.value.error_type == "ConnectionTimeoutError"
    assert info.value.attempts == 2  # sent again: it never reached the server


async def test_timeouts_retry_gets_but_not_posts(
    fake: FakeSimpleMDM, clock: FakeClock, device_of: Callable[[str], int]
) -> None:
    device = device_of("ios")
    fake.faults.add(Latency(2.0), route="*", times=None)
    async with SimpleMDMClient(
        fake.api_key,
        base_url=fake.url,
        timeout=Timeout(read=0.05),
        retry=RetryPolicy(max_attempts=2),
        clock=clock.time,
        sleep=clock.sleep,
    ) as sm:
        with pytest.raises(TransportError, match="gave up after 2 attempts"):
            await sm.account.get()
        with pytest.raises(TransportError, match="not sent twice"):
            await sm.devices.shutdown(device)
    assert fake.requests.count(path="*/account") == 2
    assert fake.requests.count(path="*/shutdown") == 1


async def test_malformed_body_is_a_response_format_error(
    fake: FakeSimpleMDM, sm: SimpleMDMClient
) -> None:
    fake.faults.add(Malformed(), route="GET */account")
    with pytest.raises(ResponseFormatError, match="not JSON") as info:
        await sm.account.get()
    assert info.value.status == 200
    assert info.value.excerpt


async def test_a_limiter_slot_is_not_held_during_backoff(fake: FakeSimpleMDM) -> None:
    """With one slot, a request sleeping in backoff must not block another request."""
    fake.faults.add(FakeServerError(503), route="GET */account")
    order: list[str] = []
    async with SimpleMDMClient(
        fake.api_key,
        base_url=fake.url,
        max_concurrency=1,
        retry=RetryPolicy(initial_backoff=0.3, jitter=0.0),
    ) as sm:

        async def slow() -> None:
            await sm.account.get()
            order.append("account (after backoff)")

        async def quick() -> None:
            await anyio.sleep(0.05)  # starts while the first is sleeping
            await sm.push_certificate.get()
            order.append("push certificate")

        async with anyio.create_task_group() as group:
            group.start_soon(slow)
            group.start_soon(quick)
    assert order == ["push certificate", "account (after backoff)"]


# -- limits ------------------------------------------------------------------------------------


async def test_max_concurrency_caps_requests_in_flight(fake: FakeSimpleMDM) -> None:
    fake.faults.add(Latency(0.05), route="GET */devices/*", times=None)
    ids = list(fake.state.devices)[:12]
    peak = 0
    async with SimpleMDMClient(fake.api_key, base_url=fake.url, max_concurrency=3) as sm:

        async def watch() -> None:
            nonlocal peak
            while True:
                peak = max(peak, int(sm.transport.capacity.borrowed_tokens))
                await anyio.sleep(0.005)

        async with anyio.create_task_group() as group:
            group.start_soon(watch)
            async with anyio.create_task_group() as calls:
                for device in ids:
                    calls.start_soon(sm.devices.get, device)
            group.cancel_scope.cancel()
    assert peak == 3


async def test_requests_per_second_paces_calls(fake: FakeSimpleMDM, clock: FakeClock) -> None:
    async with SimpleMDMClient(
        fake.api_key,
        base_url=fake.url,
        requests_per_second=2,
        clock=clock.time,
        sleep=clock.sleep,
    ) as sm:
        start = clock.time()
        for _ in range(6):
            await sm.account.get()
    assert clock.time() - start == pytest.approx(2.0)  # a burst of 2, then one per 0.5 s


# -- nothing is sent for bad input ---------------------------------------------------------------

UNTYPED: Any = "not-a-documented-value"  # what a caller without a type checker might pass

BAD_CALLS: list[tuple[str, Callable[[SimpleMDMClient], Awaitable[Any]], str | None]] = [
    ("limit 0", lambda sm: sm.devices.list(limit=0).collect(), "limit"),
    ("limit 101", lambda sm: sm.apps.list(limit=101).collect(), "limit"),
    ("short pin", lambda sm: sm.devices.lock(1, pin="12345"), "pin"),
    ("letters in pin", lambda sm: sm.devices.wipe(1, pin="12a456"), "pin"),
    (
        "os update mode",
        lambda sm: sm.devices.update_os(1, os_update_mode=UNTYPED),
        "os_update_mode",
    ),
    ("version type", lambda sm: sm.devices.update_os(1, version_type=UNTYPED), "version_type"),
    ("no app source", lambda sm: sm.apps.create(), None),
    ("two app sources", lambda sm: sm.apps.create(app_store_id=1, bundle_id="a.b"), "bundle_id"),
    ("name without binary", lambda sm: sm.apps.create(bundle_id="a.b", name="x"), "name"),
    ("bytes without filename", lambda sm: sm.apps.create(binary=b"PK"), "filename"),
    ("lost mode without text", lambda sm: sm.devices.enable_lost_mode(1), "message"),
    ("job without targets", lambda sm: sm.script_jobs.create(script_id=1), "device_ids"),
    (
        "job with empty targets",
        lambda sm: sm.script_jobs.create(script_id=1, device_ids=[]),
        "device_ids",
    ),
    ("path id with a slash", lambda sm: sm.devices.get("1/wipe"), "device_id"),
    ("path id traversal", lambda sm: sm.apps.delete("../account"), "app_id"),
    ("bool id", lambda sm: sm.devices.refresh(True), "device_id"),
    (
        "bad list id",
        lambda sm: sm.script_jobs.create(script_id=1, device_ids=[1, "2/3"]),
        "device_ids",
    ),
    ("direction", lambda sm: sm.devices.list(direction=UNTYPED).collect(), "direction"),
    ("empty name", lambda sm: sm.devices.create(name=" "), "name"),
    ("nothing to update", lambda sm: sm.devices.update(1), "name"),
    (
        "country code",
        lambda sm: sm.account.update(apple_store_country_code="USA"),
        "apple_store_country_code",
    ),
    ("attribute name", lambda sm: sm.custom_attributes.create(name="has space"), "name"),
    (
        "script without shebang",
        lambda sm: sm.scripts.create(name="s", content="echo hi"),
        "content",
    ),
    (
        "config value type",
        lambda sm: sm.managed_configs.create(1, key="k", value=[1], value_type="integer"),
        "value",
    ),
]


@pytest.mark.parametrize(("case", "call", "field"), BAD_CALLS, ids=[c[0] for c in BAD_CALLS])
async def test_invalid_arguments_send_nothing(
    fake: FakeSimpleMDM,
    sm: SimpleMDMClient,
    case: str,
    call: Callable[[SimpleMDMClient], Awaitable[Any]],
    field: str | None,
) -> None:
    with pytest.raises(InvalidRequestError) as info:
        await call(sm)
    assert info.value.field == field
    assert len(fake.requests) == 0


async def test_an_id_never_reaches_another_route(fake: FakeSimpleMDM, sm: SimpleMDMClient) -> None:
    for hostile in ("1/wipe", "1%2Fwipe", "1?x=/wipe", "1#/wipe", "../devices/1/wipe"):
        with pytest.raises(InvalidRequestError):
            await sm.devices.get(hostile)
    assert fake.requests.all() == []
    assert all(not d.wiped for d in fake.state.devices.values())


# -- errors carry the vendor's words ---------------------------------------------------------------


async def test_not_found_carries_message_and_request_id(
    fake: FakeSimpleMDM, sm: SimpleMDMClient
) -> None:
    with pytest.raises(NotFoundError) as info:
        await sm.devices.get(999_999)
    error = info.value
    recorded = fake.requests.last()
    assert recorded is not None
    assert error.message == "object not found"
    assert error.request_id == recorded.request_id
    assert error.method == "GET"
    assert error.url.endswith("/devices/999999")


# -- secrets -----------------------------------------------------------------------------------


async def test_the_api_key_never_leaks(
    fake: FakeSimpleMDM, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="mdmkit")
    key = fake.api_key
    texts: list[str] = []
    async with SimpleMDMClient(key, base_url=fake.url) as sm:
        texts += [repr(sm), repr(sm.transport), repr(sm.transport.auth), str(vars(sm.devices))]
        await sm.account.get()
        with pytest.raises(NotFoundError) as missing:
            await sm.devices.get(999_999)
        texts += [str(missing.value), repr(missing.value)]
    async with SimpleMDMClient(key + "-wrong", base_url=fake.url) as bad:
        with pytest.raises(AuthenticationError) as refused:
            await bad.account.get()
        texts += [str(refused.value), repr(refused.value), repr(bad)]
    with pytest.raises(ConfigurationError) as config:
        SimpleMDMClient(key, base_url="http://example.com/api/v1")
    texts.append(str(config.value))

    debug_lines = [r.getMessage() for r in caplog.records if r.levelno == logging.DEBUG]
    assert any("GET /api/v1/account -> 200 (attempt 1" in line for line in debug_lines)
    assert any("-> 401" in line for line in debug_lines)
    for text in texts + debug_lines:
        assert key not in text
    assert fake.requests.count(path="*/account") == 2  # a 401 is not retried for an API key


# -- paging ------------------------------------------------------------------------------------


async def test_250_devices_list_exactly_once_and_pages_stay_within_100(
    fake: FakeSimpleMDM, sm: SimpleMDMClient
) -> None:
    ids = [d.id async for d in sm.devices.list(include_awaiting_enrollment=True)]
    assert len(ids) == 250
    assert sorted(ids) == sorted(fake.state.devices)
    pages = fake.requests.filter(method="GET", path="*/devices")
    assert [int(r.query["limit"]) for r in pages] == [100, 100, 100]
    assert all(int(r.query["limit"]) <= 100 for r in fake.requests.all() if "limit" in r.query)
    assert [r.query.get("starting_after") for r in pages] == [None, str(ids[99]), str(ids[199])]


async def test_default_listing_hides_devices_awaiting_enrollment(
    fake: FakeSimpleMDM, sm: SimpleMDMClient
) -> None:
    listed = {d.id async for d in sm.devices.list()}
    expected = {i for i, d in fake.state.devices.items() if d.status != "awaiting enrollment"}
    assert listed == expected


# -- sessions and configuration ------------------------------------------------------------------


async def test_the_client_closes_its_own_session_only(fake: FakeSimpleMDM) -> None:
    async with SimpleMDMClient(fake.api_key, base_url=fake.url) as sm:
        await sm.account.get()
        own = await sm.transport.session()
    assert own.closed
    with pytest.raises(ConfigurationError, match="closed"):
        await sm.account.get()

    async with aiohttp.ClientSession() as mine:
        async with SimpleMDMClient(fake.api_key, base_url=fake.url, session=mine) as sm:
            await sm.account.get()
        assert not mine.closed  # the caller's session is the caller's to close
        async with mine.get(fake.url + "/account") as response:
            assert response.status == 401  # still usable: the fake answers (no key sent)


async def test_escape_hatch_reuses_auth_and_errors(
    fake: FakeSimpleMDM, sm: SimpleMDMClient
) -> None:
    response = await sm.request("GET", "/account")
    assert response.status == 200
    assert response.json()["data"]["type"] == "account"
    assert response.request_id
    with pytest.raises(NotFoundError):
        await sm.request("GET", "/no_such_section")
    await sm.request("PUT", "/devices/1/custom_attribute_values", json={"data": []})
    assert fake.requests.last() is not None


def test_configuration_is_checked_before_any_io(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigurationError, match="api_key is empty"):
        SimpleMDMClient("  ")
    with pytest.raises(ConfigurationError, match="plain http"):
        SimpleMDMClient("k", base_url="http://mdm.example.com/api/v1")
    with pytest.raises(ConfigurationError, match="http"):
        SimpleMDMClient("k", base_url="ftp://mdm.example.com")
    with pytest.raises(ConfigurationError, match="max_concurrency"):
        SimpleMDMClient("k", max_concurrency=0)
    assert SimpleMDMClient("k", base_url="http://mdm.example.com", allow_insecure=True)
    assert SimpleMDMClient("k", base_url="http://localhost:8080/api/v1/").base_url.endswith("/v1")

    monkeypatch.delenv("SIMPLEMDM_API_KEY", raising=False)
    with pytest.raises(ConfigurationError, match="SIMPLEMDM_API_KEY"):
        SimpleMDMClient.from_env()
    monkeypatch.setenv("SIMPLEMDM_API_KEY", "from-env")
    monkeypatch.setenv("SIMPLEMDM_BASE_URL", "http://127.0.0.1:9/api/v1")
    assert SimpleMDMClient.from_env().base_url == "http://127.0.0.1:9/api/v1"


def test_outside_an_asyncio_loop_the_error_says_why() -> None:
    with pytest.raises(ConfigurationError, match="asyncio"):
        _require_asyncio()
