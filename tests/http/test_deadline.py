"""The per-call deadline and the per-attempt timeout, over real sockets.

Where the clock is fake (backoffs, Retry-After waits, rate-limit waits) the tests take no
real time; where a server really stalls, the deadline is a fraction of a second and a guard
(``anyio.fail_after``) turns a hang into a failure instead of a stuck run.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from typing import Any

import anyio
import pytest
from aiohttp import web

import mdmkit
from mdmkit.core.errors import (
    ConfigurationError,
    DeadlineExceededError,
    RateLimitError,
    ServerError,
    TransportError,
)
from mdmkit.http.body import STEP, read_body
from mdmkit.http.retry import RetryPolicy
from mdmkit.http.transport import Timeout
from mdmkit.manageengine import ManageEngineClient
from mdmkit.simplemdm import SimpleMDMClient
from mdmkit.testing import FakeClock, FakeSimpleMDM, RateLimited
from mdmkit.testing import ServerError as FakeServerError
from tests.http.servers import SILENT, MiB, gzip_bomb, raw_server, stream, stream_server

pytestmark = pytest.mark.anyio

GUARD = 10.0  # seconds a test may hang before it fails; never reached when the code works


@pytest.fixture
def fake_clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def fake_simplemdm(fake_clock: FakeClock) -> AsyncIterator[FakeSimpleMDM]:
    """A small fake on the virtual clock (the pytest plugin's fixtures, which this module
    cannot import without defeating pytest's rewriting of the plugin's own tests)."""
    async with FakeSimpleMDM(devices=5, seed=1, clock=fake_clock) as fake:
        yield fake


def client(fake: FakeSimpleMDM, clock: FakeClock, **options: Any) -> SimpleMDMClient:
    """A client on the plugin's fake, sleeping on its virtual clock."""
    return SimpleMDMClient(
        fake.api_key, base_url=fake.url, clock=clock.time, sleep=clock.sleep, **options
    )


# -- on the fake clock: waits that would pass the deadline are not started --------------------


async def test_a_retry_after_wait_that_would_pass_the_deadline_is_not_started(
    fake_simplemdm: FakeSimpleMDM, fake_clock: FakeClock
) -> None:
    fake_simplemdm.faults.add(RateLimited(retry_after=4), route="GET */account", times=None)
    async with client(fake_simplemdm, fake_clock, timeout=Timeout(deadline=10)) as sm:
        with pytest.raises(DeadlineExceededError) as info:
            await sm.account.get()
    error = info.value
    assert fake_clock.sleeps == [4, 4]  # at t=8 a third wait would end at 12, past 10
    assert error.attempts == 3
    assert fake_simplemdm.requests.count(path="*/account") == 3
    assert isinstance(error, TransportError)
    assert isinstance(error.last_error, RateLimitError)
    assert error.__cause__ is error.last_error
    assert error.deadline == 10
    assert "10s deadline passed after 3 attempt(s)" in str(error)
    assert "a 4.00s wait would pass it" in str(error)


async def test_backoffs_count_against_the_deadline(
    fake_simplemdm: FakeSimpleMDM, fake_clock: FakeClock
) -> None:
    fake_simplemdm.faults.add(FakeServerError(503), route="GET */account", times=None)
    policy = RetryPolicy(max_attempts=10, initial_backoff=1.0, jitter=0.0)
    async with client(fake_simplemdm, fake_clock, retry=policy, timeout=Timeout(deadline=5)) as sm:
        with pytest.raises(DeadlineExceededError) as info:
            await sm.account.get()
    assert fake_clock.sleeps == [1.0, 2.0]  # then 4 s from t=3 would end at 7
    assert info.value.attempts == 3
    assert isinstance(info.value.last_error, ServerError)


async def test_without_a_deadline_the_policy_alone_decides(
    fake_simplemdm: FakeSimpleMDM, fake_clock: FakeClock
) -> None:
    fake_simplemdm.faults.add(RateLimited(retry_after=30), route="GET */account", times=None)
    async with client(fake_simplemdm, fake_clock) as sm:
        with pytest.raises(RateLimitError):
            await sm.account.get()
    assert fake_clock.sleeps == [30, 30, 30]


async def test_a_rate_limit_wait_past_the_deadline_sends_nothing_more(
    fake_simplemdm: FakeSimpleMDM, fake_clock: FakeClock
) -> None:
    async with client(
        fake_simplemdm, fake_clock, requests_per_second=0.1, timeout=Timeout(deadline=5)
    ) as sm:
        await sm.account.get()  # the first request goes at once
        with pytest.raises(DeadlineExceededError, match="before attempt 1 was sent"):
            await sm.account.get()  # the limiter held it for 10 s: past its deadline
    assert fake_simplemdm.requests.count(path="*/account") == 1


async def test_a_deadline_can_be_given_for_one_call(
    fake_simplemdm: FakeSimpleMDM, fake_clock: FakeClock
) -> None:
    fake_simplemdm.faults.add(RateLimited(retry_after=4), route="GET */account", times=None)
    async with client(fake_simplemdm, fake_clock) as sm:
        with pytest.raises(DeadlineExceededError):
            await sm.transport.request("GET", "/account", limits=Timeout(deadline=6))
    assert fake_clock.sleeps == [4]
    assert sm.transport.timeout.deadline is None  # the client's own setting is untouched


@pytest.mark.parametrize("value", [0, -1, float("inf"), float("nan"), "5", True])
def test_a_deadline_must_be_positive_seconds(value: Any) -> None:
    with pytest.raises(ConfigurationError, match=r"Timeout\.deadline"):
        Timeout(deadline=value)
    assert mdmkit.DeadlineExceededError is DeadlineExceededError


# -- real stalls -------------------------------------------------------------------------------


async def test_a_stalled_get_ends_at_the_deadline_not_after_every_attempt() -> None:
    async with raw_server({"account": SILENT}) as server:
        options: Mapping[str, Any] = {"timeout": Timeout(read=60, deadline=0.3)}
        async with SimpleMDMClient("key", base_url=server.url, **options) as sm:
            with anyio.fail_after(GUARD), pytest.raises(DeadlineExceededError) as info:
                await sm.account.get()
    assert info.value.attempts == 1
    assert info.value.last_error is None
    assert "during attempt 1" in str(info.value)
    assert server.hits["account"] == 1


async def test_a_stalled_token_mint_ends_at_the_deadline() -> None:
    async with (
        raw_server({"token": SILENT}) as server,
        ManageEngineClient(
            "id",
            "secret",
            "refresh",
            base_url=server.url,
            accounts_url=server.url,
            timeout=Timeout(read=60, deadline=0.3),
        ) as me,
    ):
        with anyio.fail_after(GUARD), pytest.raises(DeadlineExceededError) as info:
            await me.devices.list().first()
    assert info.value.attempts == 0  # no API request was sent: the token never came
    assert "before attempt 1 was sent" in str(info.value)
    assert server.hits["token"] == 1


async def test_the_attempts_before_a_stall_are_counted() -> None:
    refused = b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n"
    answers = iter([refused, refused, SILENT])
    async with (
        raw_server({"account": lambda _: next(answers)}) as server,
        SimpleMDMClient(
            "key",
            base_url=server.url,
            retry=RetryPolicy(initial_backoff=0.001),
            timeout=Timeout(deadline=0.5),
        ) as sm,
    ):
        with anyio.fail_after(GUARD), pytest.raises(DeadlineExceededError) as info:
            await sm.account.get()
    assert info.value.attempts == 3
    assert isinstance(info.value.last_error, ServerError)
    assert "during attempt 3" in str(info.value)
    assert server.hits["account"] == 3


async def test_the_read_timeout_bounds_each_attempt_and_attempts_are_retried() -> None:
    async with (
        raw_server({"account": SILENT}) as server,
        SimpleMDMClient(
            "key",
            base_url=server.url,
            retry=RetryPolicy(max_attempts=2, initial_backoff=0.001),
            timeout=Timeout(read=0.1),
        ) as sm,
    ):
        with anyio.fail_after(GUARD), pytest.raises(TransportError) as info:
            await sm.account.get()
    assert not isinstance(info.value, DeadlineExceededError)
    assert info.value.error_type == "TimeoutError"
    assert info.value.attempts == 2


# -- the caller's own cancellation is theirs ---------------------------------------------------


@pytest.mark.parametrize("deadline", [None, 5.0])
async def test_the_callers_cancel_scope_is_never_caught_or_wrapped(
    deadline: float | None,
) -> None:
    async with raw_server({"account": SILENT}) as server:
        timeout = Timeout(read=5, deadline=deadline)
        async with SimpleMDMClient("key", base_url=server.url, timeout=timeout) as sm:
            with anyio.fail_after(GUARD), anyio.move_on_after(0.1) as scope:
                await sm.account.get()
    assert scope.cancelled_caught


@pytest.mark.parametrize("deadline", [None, 5.0])
async def test_asyncio_cancellation_and_timeouts_pass_through(deadline: float | None) -> None:
    async with raw_server({"account": SILENT}) as server:
        timeout = Timeout(read=5, deadline=deadline)
        async with SimpleMDMClient("key", base_url=server.url, timeout=timeout) as sm:
            task = asyncio.ensure_future(sm.account.get())
            await asyncio.sleep(0.05)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            with pytest.raises(TimeoutError) as info:
                await asyncio.wait_for(sm.account.get(), 0.1)
            assert not isinstance(info.value, mdmkit.MDMError)


# -- the per-attempt timeout bounds inflating, not only waiting ---------------------------------


async def bomb(request: web.Request) -> web.StreamResponse:
    return await stream(request, lambda: gzip_bomb(1024), headers={"Content-Encoding": "gzip"})


async def test_reading_yields_to_the_loop_at_every_inflate_step() -> None:
    """Data that arrives faster than it inflates never makes the reader wait on the socket;
    only a yield per step lets a timeout (or any other task) in."""
    gzip_bomb(1024)
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await anyio.lowlevel.checkpoint()
            ticks += 1

    async with stream_server({"bomb": bomb}) as server, SimpleMDMClient("k") as sm:
        session = await sm.transport.session()
        async with (
            session.get(server.url + "/bomb", auto_decompress=False) as raw,
            anyio.create_task_group() as tasks,
        ):
            tasks.start_soon(ticker)
            with pytest.raises(mdmkit.ResponseTooLargeError):
                await read_body(raw, limit=64 * MiB)
            tasks.cancel_scope.cancel()
    assert ticks >= 64 * MiB // STEP // 2  # about one turn of the loop per step


async def test_the_read_timeout_interrupts_inflating() -> None:
    gzip_bomb(1024)
    async with (
        stream_server({"bomb": bomb}) as server,
        SimpleMDMClient(
            "key",
            base_url=server.url,
            max_response_size=256 * MiB,  # more than inflates in the attempt's 50 ms
            retry=RetryPolicy.never(),
            timeout=Timeout(read=0.05),
        ) as sm,
    ):
        with anyio.fail_after(GUARD), pytest.raises(TransportError) as info:
            await sm.request("GET", "/bomb")
    assert info.value.error_type == "TimeoutError"
    assert "no complete answer within 0.05s" in str(info.value)
