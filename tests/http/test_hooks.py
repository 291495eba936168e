"""Request hooks over real sockets: every attempt, retry and failure, as the fakes saw them.

Each test runs a real client against a fake (or a closed port) with faults that force
retries, and checks the events the hooks received against what the fake recorded.
"""

from __future__ import annotations

import logging
import socket

import pytest

from mdmkit import SimpleMDM
from mdmkit.core.errors import ConfigurationError, NotFoundError, OAuthError, TransportError
from mdmkit.http.hooks import RequestEvent, RequestHooks
from mdmkit.http.retry import RetryPolicy
from mdmkit.manageengine import ManageEngineClient
from mdmkit.simplemdm import SimpleMDMClient
from mdmkit.testing import FakeClock, FakeManageEngine, FakeSimpleMDM, RateLimited
from mdmkit.testing import ServerError as FakeServerError
from tests.leaks import forms_of_key, leaks

pytestmark = pytest.mark.anyio


class Recorder:
    """Hooks of every kind that keep what they see: plain ones for two kinds, async for two."""

    def __init__(self) -> None:
        self.events: list[RequestEvent] = []

    def plain(self, event: RequestEvent) -> None:
        self.events.append(event)

    async def awaited(self, event: RequestEvent) -> None:
        self.events.append(event)

    def hooks(self) -> RequestHooks:
        return RequestHooks(
            on_request=self.plain,
            on_response=self.awaited,
            on_retry=[self.plain],
            on_error=(self.awaited,),
        )

    def kinds(self) -> list[tuple[str, int, int | None]]:
        return [(e.kind, e.attempt, e.status) for e in self.events]


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_hooks_see_every_attempt_and_retry_of_a_call(
    fake: FakeSimpleMDM, clock: FakeClock
) -> None:
    seen = Recorder()
    fake.faults.add(FakeServerError(503), route="GET */account", times=2)
    async with fake.client(hooks=seen.hooks(), name="tenant-a") as sm:
        await sm.account.get()
    assert seen.kinds() == [
        ("request", 1, None),
        ("response", 1, 503),
        ("retry", 1, 503),
        ("request", 2, None),
        ("response", 2, 503),
        ("retry", 2, 503),
        ("request", 3, None),
        ("response", 3, 200),
    ]
    sent = fake.requests.filter(path="*/account")
    responses = [e for e in seen.events if e.kind == "response"]
    assert [e.request_id for e in responses] == [r.request_id for r in sent]
    assert all(e.request_id for e in responses)
    retries = [e for e in seen.events if e.kind == "retry"]
    assert [e.delay for e in retries] == clock.sleeps  # the waits the engine then slept
    assert all(e.reason == "server refused with 503" for e in retries)
    assert all(isinstance(e.elapsed, float) for e in responses + retries)
    for event in seen.events:
        assert event.backend == "tenant-a"
        assert event.host == fake.url.split("/")[2]  # with the port: the fakes share a host
        assert event.method == "GET"
        assert event.url == fake.url + "/account"
        assert event.path == "/api/v1/account"
        assert event.context is seen.events[0].context  # one dict for the whole call


async def test_each_call_has_its_own_context_and_the_url_its_query(
    fake: FakeSimpleMDM, clock: FakeClock
) -> None:
    spans: list[object] = []

    def start(event: RequestEvent) -> None:
        event.context["span"] = object()

    def end(event: RequestEvent) -> None:
        spans.append(event.context.pop("span"))

    async with fake.client(hooks=RequestHooks(on_request=start, on_response=end)) as sm:
        shown: list[str] = []
        sm.hooks.add(on_request=lambda event: shown.append(event.url))
        page = await sm.devices.list()
        await sm.account.get()
    assert page.items
    assert shown[0].startswith(fake.url + "/devices?")
    assert "limit=100" in shown[0]
    assert len(spans) == 2
    assert spans[0] is not spans[1]
    assert fake.requests.filter(path="*/devices")[0].query["limit"] == "100"


async def test_on_error_runs_once_with_the_error_the_call_raises(
    fake: FakeSimpleMDM, clock: FakeClock
) -> None:
    seen = Recorder()
    async with fake.client(hooks=seen.hooks()) as sm:
        with pytest.raises(NotFoundError) as info:
            await sm.devices.get(999_999)
    assert seen.kinds() == [("request", 1, None), ("response", 1, 404), ("error", 1, None)]
    failed = seen.events[-1]
    assert failed.error is info.value
    assert failed.request_id == info.value.request_id == fake.requests.last().request_id
    assert failed.backend == "simplemdm"  # the client's default name


async def test_a_connection_that_fails_gives_a_response_event_with_the_error() -> None:
    seen = Recorder()
    clock = FakeClock()
    url = f"http://127.0.0.1:{closed_port()}/api/v1"
    async with SimpleMDMClient(
        "k" * 20,
        base_url=url,
        retry=RetryPolicy(max_attempts=2),
        clock=clock.time,
        sleep=clock.sleep,
        hooks=seen.hooks(),
    ) as sm:
        with pytest.raises(TransportError) as info:
            await sm.account.get()
    assert seen.kinds() == [
        ("request", 1, None),
        ("response", 1, None),
        ("retry", 1, None),
        ("request", 2, None),
        ("response", 2, None),
        ("error", 2, None),
    ]
    assert all(isinstance(e.error, TransportError) for e in seen.events[1:3])
    assert seen.events[-1].error is info.value
    assert seen.events[2].reason == "connection failed before the request was sent"


async def test_a_429_pause_and_its_retry_reach_the_hooks(
    fake: FakeSimpleMDM, clock: FakeClock
) -> None:
    seen = Recorder()
    fake.faults.add(RateLimited(retry_after=3), route="GET */account")
    async with fake.client(hooks=seen.hooks()) as sm:
        await sm.account.get()
    retry = next(e for e in seen.events if e.kind == "retry")
    assert (retry.status, retry.delay) == (429, 3)
    assert isinstance(retry.error, Exception)
    assert "429" in str(retry.error)


async def test_a_hook_that_raises_is_logged_and_the_call_goes_on(
    fake: FakeSimpleMDM, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    after: list[str] = []

    def broken(event: RequestEvent) -> None:
        raise RuntimeError("the metrics backend is down")

    async def broken_async(event: RequestEvent) -> None:
        raise ValueError("so is the tracer")

    hooks = RequestHooks(on_request=[broken, broken_async, lambda e: after.append(e.kind)])
    fake.faults.add(FakeServerError(503), route="GET */account")
    with caplog.at_level(logging.WARNING, logger="mdmkit.http.hooks"):
        async with fake.client(hooks=hooks) as sm:
            account = await sm.account.get()
    assert account.name
    assert after == ["request", "request"]  # the hooks after the broken ones still ran
    records = [r for r in caplog.records if r.name == "mdmkit.http.hooks"]
    assert len(records) == 4  # two broken hooks, two attempts
    assert {r.levelno for r in records} == {logging.WARNING}
    assert "on_request hook" in records[0].getMessage()
    assert "broken" in records[0].getMessage()
    assert records[0].exc_info is not None
    assert isinstance(records[0].exc_info[1], RuntimeError)
    assert isinstance(records[1].exc_info[1], ValueError)  # type: ignore[index]


async def test_hooks_added_later_run_and_removed_ones_do_not(
    fake: FakeSimpleMDM, clock: FakeClock
) -> None:
    seen = Recorder()
    async with fake.client() as sm:
        assert not sm.hooks
        await sm.account.get()
        sm.hooks.add(on_response=seen.plain)
        assert sm.hooks
        await sm.account.get()
        sm.hooks.remove(seen.plain)
        assert not sm.hooks
        await sm.account.get()
    assert seen.kinds() == [("response", 1, 200)]  # the second call only


def test_hooks_must_be_callables_and_hooks_a_request_hooks() -> None:
    with pytest.raises(ConfigurationError, match="on_retry hooks must be callables"):
        RequestHooks(on_retry=["not a hook"])  # type: ignore[list-item]
    hooks = RequestHooks(on_request=print)
    with pytest.raises(ConfigurationError, match="on_error"):
        hooks.add(on_request=print, on_error=[42])  # type: ignore[list-item]
    assert hooks.of("request") == (print,)  # nothing added from a refused call
    assert repr(hooks) == "RequestHooks(request=1, response=0, retry=0, error=0)"
    with pytest.raises(ConfigurationError, match="hooks must be a RequestHooks"):
        SimpleMDMClient("k" * 20, hooks=[print])  # type: ignore[arg-type]


async def test_the_neutral_backend_names_its_events_and_shares_the_hooks(
    fake: FakeSimpleMDM, clock: FakeClock
) -> None:
    seen = Recorder()
    async with SimpleMDM(
        fake.api_key,
        base_url=fake.url,
        name="north",
        hooks=seen.hooks(),
        clock=clock.time,
        sleep=clock.sleep,
    ) as mdm:
        await mdm.devices.list().first()
        await mdm.with_options(retry=RetryPolicy.never()).devices.list().first()
    assert mdm.native.name == "north"
    assert {e.backend for e in seen.events} == {"north"}
    assert [e.kind for e in seen.events] == ["request", "response"] * 2


async def test_token_requests_are_hooked_as_the_backends_and_a_refused_one_ends_at_zero(
    clock: FakeClock,
) -> None:
    seen = Recorder()
    async with (
        FakeManageEngine(devices=2, seed=1, clock=clock) as fake,
        fake.client(name="emea", hooks=seen.hooks()) as me,
        ManageEngineClient(
            fake.client_id,
            fake.client_secret,
            "1000.revoked",
            base_url=fake.base_url,
            accounts_url=fake.accounts_url,
            clock=clock.time,
            sleep=clock.sleep,
            hooks=seen.hooks(),
        ) as refused,
    ):
        await me.devices.list().first()
        accounts, api = fake.accounts_url.split("/")[2], fake.base_url.split("/")[2]
        assert [(e.kind, e.host, e.path) for e in seen.events] == [
            ("request", accounts, "/oauth/v2/token"),  # the mint, on the way
            ("response", accounts, "/oauth/v2/token"),
            ("request", api, "/api/v1/mdm/devices?limit=200&offset=0"),
            ("response", api, "/api/v1/mdm/devices?limit=200&offset=0"),
        ]
        assert {e.backend for e in seen.events} == {"emea"}
        seen.events.clear()
        with pytest.raises(OAuthError) as info:
            await refused.devices.list().first()
    # Zoho refuses with HTTP 200: the token request is answered, then the API call fails
    # before its first attempt
    assert seen.kinds() == [("request", 1, None), ("response", 1, 200), ("error", 0, None)]
    assert seen.events[-1].error is info.value
    assert seen.events[-1].backend == "manageengine"


async def test_no_event_shows_a_secret(fake: FakeSimpleMDM, clock: FakeClock) -> None:
    seen = Recorder()
    fake.faults.add(FakeServerError(503), route="GET */account")
    async with fake.client(hooks=seen.hooks()) as sm:
        await sm.account.get()
        with pytest.raises(NotFoundError):
            await sm.devices.get(999_999)
    texts = [("event", repr(e)) for e in seen.events] + [("url", e.url) for e in seen.events]
    assert leaks(texts, forms_of_key(fake.api_key)) == []
