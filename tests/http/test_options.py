"""Per-call overrides (``with_options``) and raw responses, against the fakes over real sockets.

A view sends with its own timeout or retry policy and shares everything else with the
client it came from; ``with_raw_response`` gives a typed call's status, headers and request id.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import anyio
import pytest

from mdmkit import (
    ConfigurationError,
    DeadlineExceededError,
    Device,
    NotFoundError,
    Page,
    ServerError,
    SimpleMDM,
    TransportError,
)
from mdmkit.http.raw import RawResponse, with_raw_response
from mdmkit.http.retry import RetryPolicy
from mdmkit.http.transport import Timeout
from mdmkit.simplemdm import SimpleMDMClient
from mdmkit.testing import FakeClock, FakeManageEngine, FakeSimpleMDM, Latency
from mdmkit.testing import ServerError as FakeServerError

pytestmark = pytest.mark.anyio


@pytest.fixture
async def sm(fake: FakeSimpleMDM) -> AsyncIterator[SimpleMDMClient]:
    async with fake.client() as client:
        yield client


# -- with_options ------------------------------------------------------------------------------


async def test_a_view_retries_by_its_own_policy_and_the_client_by_its_own(
    fake: FakeSimpleMDM, sm: SimpleMDMClient
) -> None:
    fake.faults.add(FakeServerError(503), route="GET */account", times=1)
    once = sm.with_options(retry=RetryPolicy.never())
    with pytest.raises(ServerError):
        await once.account.get()
    fake.faults.add(FakeServerError(503), route="GET */account", times=1)
    assert (await sm.account.get()).name  # the client still retries
    assert [r.status for r in fake.requests.filter(path="*/account")] == [503, 503, 200]
    assert sm.transport.retry == RetryPolicy()
    assert once.transport.retry == RetryPolicy.never()


async def test_a_view_shares_the_session_the_limits_the_auth_and_the_hooks(
    sm: SimpleMDMClient,
) -> None:
    view = sm.with_options(timeout=Timeout(read=5))
    assert view is not sm
    assert view.devices is not sm.devices
    assert view.devices._transport is view.transport  # the sections send through the view
    assert await view.transport.session() is await sm.transport.session()
    assert view.transport.capacity is sm.transport.capacity
    assert view.transport.rate_limiter is sm.transport.rate_limiter
    assert view.transport.auth is sm.transport.auth
    assert view.hooks is sm.hooks
    assert view.name == sm.name
    assert view.transport.timeout == Timeout(read=5)
    assert sm.transport.timeout == Timeout()


async def test_a_view_with_a_short_timeout_gives_up_where_the_client_waits(
    fake: FakeSimpleMDM, sm: SimpleMDMClient
) -> None:
    fake.faults.add(Latency(0.5), route="GET */account", times=None)
    quick = sm.with_options(timeout=Timeout(read=0.1), retry=RetryPolicy.never())
    with pytest.raises(TransportError, match=r"no complete answer within 0\.1s"):
        await quick.account.get()
    assert (await sm.account.get()).name


async def test_a_deadline_for_one_call(fake: FakeSimpleMDM, sm: SimpleMDMClient) -> None:
    fake.faults.add(FakeServerError(503), route="GET */account", times=None)
    with pytest.raises(DeadlineExceededError) as info:
        await sm.with_options(timeout=Timeout(deadline=1.0)).account.get()
    assert info.value.deadline == 1.0


async def test_closing_a_view_closes_nothing_and_closing_the_client_closes_the_view(
    sm: SimpleMDMClient,
) -> None:
    view = sm.with_options(retry=RetryPolicy.never())
    async with view:
        await view.account.get()
    assert (await sm.account.get()).name
    await sm.aclose()
    with pytest.raises(ConfigurationError, match="closed"):
        await view.account.get()


async def test_a_view_of_a_zoho_client_uses_the_token_the_client_minted(
    clock: FakeClock,
) -> None:
    async with (
        FakeManageEngine(devices=3, seed=1, clock=clock) as fake,
        fake.client(upload_strategy="legacy") as me,
    ):
        await me.devices.list().first()
        view = me.with_options(retry=RetryPolicy.never())
        await view.devices.list().first()
        await view.groups.list().first()
        assert view.auth is me.auth
        assert me.auth.mints == 1  # type: ignore[attr-defined]
        assert len(fake.accounts.state.access_tokens) == 1
        assert view.files.strategy == me.files.strategy == "legacy"


async def test_bad_overrides_are_refused(sm: SimpleMDMClient) -> None:
    with pytest.raises(ConfigurationError, match="timeout must be a Timeout, got 5"):
        sm.with_options(timeout=5)  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="retry must be a RetryPolicy"):
        sm.with_options(retry=3)  # type: ignore[arg-type]


async def test_a_neutral_backend_has_views_too(fake: FakeSimpleMDM, clock: FakeClock) -> None:
    async with SimpleMDM(
        fake.api_key, base_url=fake.url, name="north", clock=clock.time, sleep=clock.sleep
    ) as mdm:
        view = mdm.with_options(retry=RetryPolicy.never())
        assert (view.name, view.vendor) == ("north", mdm.vendor)
        assert view.native.transport.retry == RetryPolicy.never()
        assert view.devices._mdm is view
        assert mdm.devices._mdm is mdm
        assert view._probe is mdm._probe  # what it learnt of the account is shared
        fake.faults.add(FakeServerError(503), route="GET */devices")
        with pytest.raises(ServerError):
            await view.devices.list().first()
        assert (await mdm.devices.list()).items


async def test_a_manageengine_view_keeps_its_upload_defaults(clock: FakeClock) -> None:
    async with FakeManageEngine(devices=3, seed=1, clock=clock) as fake:
        me = fake.mdm(upload_defaults={"app_category_id": 7})
        async with me:
            view = me.with_options(timeout=Timeout(read=30))
            assert view.upload_defaults == me.upload_defaults
            assert view.native.transport.timeout == Timeout(read=30)
            assert (await view.devices.list()).items


# -- raw responses -----------------------------------------------------------------------------


async def test_a_typed_call_with_its_status_headers_and_request_id(
    fake: FakeSimpleMDM, sm: SimpleMDMClient
) -> None:
    device = next(iter(fake.state.devices))
    raw = await with_raw_response(sm.devices.get(device))
    assert raw.parsed.id == device
    assert raw.status == 200
    assert raw.headers["content-type"].startswith("application/json")
    assert raw.request_id == fake.requests.last().request_id
    assert raw.response.attempts == 1
    assert len(raw.responses) == 1


async def test_a_neutral_call_keeps_every_response_it_read(
    fake: FakeSimpleMDM, clock: FakeClock
) -> None:
    device = next(d.id for d in fake.state.devices.values() if d.platform == "ios")
    async with SimpleMDM(fake.api_key, base_url=fake.url, clock=clock.time) as mdm:
        raw = await with_raw_response(mdm.devices.lock(str(device), message="lost"))
        page = await with_raw_response(mdm.devices.list())
    assert raw.parsed is None
    assert [r.method for r in raw.responses] == ["GET", "POST"]  # read the platform, then lock
    assert raw.status == 202
    assert isinstance(page.parsed, Page)
    assert all(isinstance(d, Device) for d in page.parsed.items)
    assert page.request_id == fake.requests.last().request_id


async def test_calls_made_at_once_each_get_their_own_responses(
    fake: FakeSimpleMDM, sm: SimpleMDMClient
) -> None:
    ids = sorted(fake.state.devices)[:3]
    found: dict[int, RawResponse[object]] = {}

    async def one(device: int) -> None:
        found[device] = await with_raw_response(sm.devices.get(device))

    async with anyio.create_task_group() as group:
        for device in ids:
            group.start_soon(one, device)
    for device in ids:
        assert [r.url.rsplit("/", 1)[1] for r in found[device].responses] == [str(device)]


async def test_responses_read_in_child_tasks_are_kept(clock: FakeClock) -> None:
    async with FakeManageEngine(devices=3, seed=1, clock=clock) as fake, fake.mdm() as me:
        device = (await me.devices.list()).items[0]
        raw = await with_raw_response(me.devices.get(device))
    paths = sorted(r.url.rsplit("/api/v1/mdm/", 1)[1] for r in raw.responses)
    assert paths == [f"devices/{device.id}", f"devices/{device.id}/summary"]


async def test_nested_raw_responses_and_failures(fake: FakeSimpleMDM, sm: SimpleMDMClient) -> None:
    async def two() -> int:
        inner = await with_raw_response(sm.account.get())
        await sm.account.get()
        return len(inner.responses)

    outer = await with_raw_response(two())
    assert outer.parsed == 1
    assert len(outer.responses) == 2  # the inner call's response is the outer's too
    with pytest.raises(NotFoundError):
        await with_raw_response(sm.devices.get(999_999))

    async def nothing() -> str:
        return "no request"

    empty = await with_raw_response(nothing())
    assert empty.parsed == "no request"
    with pytest.raises(LookupError, match="sent no request"):
        _ = empty.status
    assert (await sm.account.get()).name  # outside, nothing is collected any more
