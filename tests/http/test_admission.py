"""Turns to send: calls past the slots wait, in order and having done no work, only while a
send is on the wire; so a gathered fan-out starts answering at once and a call never waits
for a turn on a call that waits for one."""

from __future__ import annotations

import asyncio
import contextvars
import random
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager

import anyio
import pytest
from aiohttp import web

from mdmkit.core.errors import DeadlineExceededError, InvalidRequestError
from mdmkit.http.admission import Admission
from mdmkit.http.hooks import RequestEvent, RequestHooks
from mdmkit.http.transport import Timeout, Transport
from tests.support import serving

pytestmark = pytest.mark.anyio

# -- the turns alone ------------------------------------------------------------------------


async def test_turns_go_without_waiting_up_to_the_limit_then_in_order() -> None:
    admission = Admission(2)
    assert [await admission.enter(sending=True) for _ in range(2)] == [True, True]
    order: list[int] = []

    async def wait(n: int) -> None:
        assert await admission.enter(sending=True)
        order.append(n)

    async with anyio.create_task_group() as tg:
        for n in range(3):
            tg.start_soon(wait, n)
        await anyio.wait_all_tasks_blocked()
        assert (admission.out, admission.waiting, order) == (2, 3, [])
        admission.leave()
        await anyio.wait_all_tasks_blocked()
        assert order == [0]
        admission.leave()
        admission.leave()
    assert (order, admission.out, admission.waiting) == ([0, 1, 2], 2, 0)


async def test_with_nothing_on_the_wire_a_call_goes_on_without_a_turn() -> None:
    admission = Admission(1)
    assert await admission.enter(sending=False)  # a free turn is taken either way
    assert not await admission.enter(sending=False)  # none free, and none would come back
    assert (admission.out, admission.waiting) == (1, 0)


async def test_the_end_of_the_last_send_lets_every_waiter_in() -> None:
    admission = Admission(1)
    await admission.enter(sending=True)
    entered: list[bool] = []

    async def wait() -> None:
        entered.append(await admission.enter(sending=True))

    async with anyio.create_task_group() as tg:
        for _ in range(3):
            tg.start_soon(wait)
        await anyio.wait_all_tasks_blocked()
        admission.let_everyone_in()
    assert (entered, admission.out) == ([True] * 3, 4)


async def test_a_waiter_cancelled_before_or_after_its_turn_came_hands_it_on() -> None:
    admission = Admission(1)
    await admission.enter(sending=True)
    first = asyncio.ensure_future(admission.enter(sending=True))
    second = asyncio.ensure_future(admission.enter(sending=True))
    third = asyncio.ensure_future(admission.enter(sending=True))
    await asyncio.sleep(0)
    first.cancel()  # cancelled while waiting: skipped
    await asyncio.sleep(0)
    admission.leave()  # the turn goes to the second...
    second.cancel()  # ...which is cancelled before it runs: the third must get it
    with anyio.fail_after(5):  # a turn lost with the second would leave the third waiting
        assert await third is True
    assert second.cancelled()
    assert first.cancelled()
    assert (admission.out, admission.waiting) == (1, 0)


# -- a transport's calls, over real sockets -------------------------------------------------


@asynccontextmanager
async def slow_server(delay: float) -> AsyncIterator[tuple[str, list[str]]]:
    """Answers every request with a 202 after ``delay``; yields its URL and the paths it got,
    in the order they arrived."""
    seen: list[str] = []

    async def answer(request: web.Request) -> web.Response:
        seen.append(request.path)
        await asyncio.sleep(delay)
        return web.Response(status=202)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", answer)
    async with serving(app) as url:
        yield url, seen


class CountingAuth:
    """No credentials; counts the calls that asked for them (the start of a call's work)."""

    def __init__(self) -> None:
        self.asked = 0

    async def headers(self, transport: Transport) -> Mapping[str, str]:
        self.asked += 1
        return {}

    async def refresh(self, transport: Transport, rejected: Mapping[str, str]) -> bool:
        return False


async def test_a_gathered_fan_out_does_the_work_of_a_few_calls_before_the_first_answer() -> None:
    auth = CountingAuth()
    asked_at_first_answer: list[int] = []

    async def on_response(event: RequestEvent) -> None:
        if not asked_at_first_answer:
            asked_at_first_answer.append(auth.asked)

    hooks = RequestHooks(on_response=on_response)
    async with (
        slow_server(0.05) as (url, seen),
        Transport(url, auth=auth, max_concurrency=4, hooks=hooks) as transport,
    ):
        await asyncio.gather(*(transport.request("POST", f"/lock/{n}") for n in range(200)))
    assert len(seen) == 200
    # only the 4 sending, not all 200: a turn lasts until its call's send ends, so the next
    # in line asks for credentials when a slot has come free (each asked before waiting)
    assert asked_at_first_answer[0] <= 4, asked_at_first_answer


async def test_gathered_calls_are_sent_in_the_order_they_were_made() -> None:
    async with (
        slow_server(0.002) as (url, seen),
        Transport(url, auth=CountingAuth(), max_concurrency=1) as transport,
    ):
        await asyncio.gather(*(transport.request("POST", f"/lock/{n}") for n in range(60)))
    assert seen == [f"/lock/{n}" for n in range(60)]


async def test_a_bad_call_among_waiting_ones_fails_before_anything_more_is_sent() -> None:
    # its arguments are checked before it waits for a turn: in a task group, a bad call
    # ends the batch while only the first few are on the wire, not after its turn came
    async with (
        slow_server(0.2) as (url, seen),
        Transport(url, auth=CountingAuth(), max_concurrency=4) as transport,
    ):

        async def batch() -> None:
            async with asyncio.TaskGroup() as group:
                for n in range(100):
                    path = "/lock/bad id" if n == 60 else f"/lock/{n}"
                    group.create_task(transport.request("POST", path))

        with pytest.raises(ExceptionGroup) as info:
            await batch()
    assert info.group_contains(InvalidRequestError, match="whitespace")
    assert len(seen) <= 4, seen  # the first few sends; the other 95 never left


FETCHING: contextvars.ContextVar[bool] = contextvars.ContextVar("FETCHING", default=False)


class SendingAuth:
    """Credentials fetched through the very transport they are for, once every call (the
    fetch itself goes without)."""

    async def headers(self, transport: Transport) -> Mapping[str, str]:
        if not FETCHING.get():
            FETCHING.set(True)
            try:
                await transport.request("GET", "/token")
            finally:
                FETCHING.set(False)
        return {}

    async def refresh(self, transport: Transport, rejected: Mapping[str, str]) -> bool:
        return False


async def test_an_auth_sending_through_its_own_transport_never_waits_on_itself() -> None:
    async with (
        slow_server(0.005) as (url, seen),
        Transport(url, auth=CountingAuth(), max_concurrency=2) as transport,
    ):
        transport.auth = SendingAuth()
        with anyio.fail_after(20):  # a deadlock would hang here
            await asyncio.gather(*(transport.request("POST", f"/lock/{n}") for n in range(40)))
        admission = transport._pool.admission
        assert (admission.out, admission.waiting) == (0, 0)
    assert sorted(seen).count("/token") == 40


async def test_a_deadline_passing_while_waiting_for_a_turn_ends_that_call_alone() -> None:
    async with (
        slow_server(0.2) as (url, seen),
        Transport(url, auth=CountingAuth(), max_concurrency=1) as transport,
    ):
        first = asyncio.ensure_future(transport.request("POST", "/lock/first"))
        second = asyncio.ensure_future(transport.request("POST", "/lock/second"))
        await asyncio.sleep(0.01)
        hurried = transport.request("POST", "/lock/hurried", limits=Timeout(deadline=0.05))
        with pytest.raises(DeadlineExceededError, match="deadline passed"):
            await hurried
        await asyncio.gather(first, second)
        admission = transport._pool.admission
        assert (admission.out, admission.waiting) == (0, 0)
    assert seen == ["/lock/first", "/lock/second"]


async def test_cancelling_any_calls_at_any_time_loses_no_turn() -> None:
    rand = random.Random(20261201)
    async with (
        slow_server(0.003) as (url, seen),
        Transport(url, auth=CountingAuth(), max_concurrency=3) as transport,
    ):
        for round_ in range(5):
            paths = [f"/lock/{round_}-{n}" for n in range(60)]
            calls = [asyncio.ensure_future(transport.request("POST", path)) for path in paths]
            doomed = rand.sample(calls, 20)
            for call in doomed:
                await asyncio.sleep(rand.choice([0, 0, 0.001, 0.003]))
                call.cancel()
            with anyio.fail_after(20):  # a lost turn would leave calls waiting forever
                outcomes = await asyncio.gather(*calls, return_exceptions=True)
            sent = set(seen)
            for path, outcome in zip(paths, outcomes, strict=True):
                if isinstance(outcome, BaseException):
                    assert isinstance(outcome, asyncio.CancelledError)
                else:
                    assert path in sent
            assert sum(not isinstance(o, BaseException) for o in outcomes) >= 40
            admission = transport._pool.admission
            assert (admission.out, admission.waiting) == (0, 0)
    assert len(seen) == len(set(seen))  # and none sent twice
