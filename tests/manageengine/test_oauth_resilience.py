"""The Zoho token endpoint under faults, odd token answers and a 401 that persists.

Every test runs a real ManageEngineClient against the fakes over real sockets on a virtual
clock; the accounts server's faults come from the shared fault mechanism.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Awaitable, Callable

import anyio
import pytest

from mdmkit.core.errors import (
    AuthenticationError,
    MDMError,
    RateLimitError,
    ResponseFormatError,
    ResponseTooLargeError,
    ServerError,
    TransportError,
)
from mdmkit.http.retry import RetryPolicy
from mdmkit.manageengine import ManageEngineClient, TokenRateLimitError, ZohoOAuth
from mdmkit.testing import Drop, FakeClock, FakeManageEngine, Malformed, RateLimited, Reply
from mdmkit.testing import ServerError as Fail
from tests.leaks import exception_texts, frame_texts, leaks
from tests.manageengine.conftest import client_for

pytestmark = pytest.mark.anyio

TOKEN = "POST /oauth/v2/token"


def token_statuses(fake: FakeManageEngine) -> list[int]:
    return [r.status for r in fake.accounts.requests.filter(method="POST", path="/oauth/v2/token")]


def oauth(me: ManageEngineClient) -> ZohoOAuth:
    assert isinstance(me.auth, ZohoOAuth)
    return me.auth


async def gather(count: int, call: Callable[[], Awaitable[object]]) -> Counter[str]:
    """Run ``count`` calls at once; how many ended in each outcome ("ok" or the error class)."""
    outcomes: Counter[str] = Counter()

    async def one() -> None:
        try:
            await call()
            outcomes["ok"] += 1
        except MDMError as exc:
            outcomes[type(exc).__name__] += 1

    async with anyio.create_task_group() as group:
        for _ in range(count):
            group.start_soon(one)
    return outcomes


# -- token lifetimes ------------------------------------------------------------------------------


async def test_the_older_token_format_is_read_in_seconds(clock: FakeClock) -> None:
    async with (
        FakeManageEngine(devices=5, clock=clock, token_format="legacy") as fake,
        client_for(fake, clock) as me,
    ):
        await me.profiles.list().first()
        token = oauth(me).token
        assert token is not None
        assert token["expires_at"] == int(clock.time()) + 3600  # not 3,600,000 s (41 days)
        clock.advance(3600 - 299)  # inside the five-minute margin of a one-hour token
        await me.profiles.list().first()
        assert fake.accounts.mints == 2


async def test_a_two_second_token_is_not_renewed_on_every_call(clock: FakeClock) -> None:
    async with (
        FakeManageEngine(devices=5, clock=clock, token_lifetime=2) as fake,
        client_for(fake, clock) as me,
    ):
        for _ in range(50):
            await me.profiles.list().first()
        clock.advance(1.7)  # a tenth of the lifetime is the margin: still fresh
        await me.profiles.list().first()
        assert fake.accounts.mints == 1
        clock.advance(0.2)  # within 0.2 s of expiry: renewed
        await me.profiles.list().first()
        assert fake.accounts.mints == 2
        assert fake.requests.count(path="*/profiles") == 52  # no 401 on the way


@pytest.mark.parametrize(
    "answer",
    [
        b'{"access_token": "1000.abc", "expires_in": 1e999}',
        b'{"access_token": "1000.abc", "expires_in": Infinity}',
        b'{"access_token": "1000.abc", "expires_in": NaN}',
        b'{"access_token": "1000.abc", "expires_in": -5}',
        b'{"access_token": "1000.abc", "expires_in": "an hour"}',
        b'{"access_token": "1000.abc", "expires_in_sec": true}',
    ],
)
async def test_a_token_lifetime_that_is_not_a_number_is_a_format_error(
    fake: FakeManageEngine, me: ManageEngineClient, answer: bytes
) -> None:
    fake.accounts.faults.add(Malformed(body=answer), route=TOKEN)
    # NaN, Infinity and 1e999 are refused by the JSON decoder, the others by token_lifetime
    with pytest.raises(
        ResponseFormatError, match=r"(expires_in|expires_in_sec) is not a positive|JSON object"
    ):
        await me.profiles.list().first()
    assert fake.requests.all() == []  # nothing was sent with that token


@pytest.mark.parametrize(
    "access_token", ["", "   ", "1000.abc\r\nX-Injected: 1", "1000.abc\x00", "1000 abc", "1000.ä"]
)
async def test_an_access_token_a_header_cannot_carry_is_refused_at_once(
    fake: FakeManageEngine, me: ManageEngineClient, access_token: str
) -> None:
    body = json.dumps({"access_token": access_token, "expires_in": 3600}).encode()
    fake.accounts.faults.add(Malformed(body=body), route=TOKEN)
    with pytest.raises(ResponseFormatError, match="access_token"):
        await me.profiles.list().first()
    assert fake.requests.all() == []
    assert await me.profiles.list().first() is not None  # the next mint is a good one


async def test_a_broken_token_answer_never_shows_the_token(
    fake: FakeManageEngine, me: ManageEngineClient
) -> None:
    secret = "1000.0123456789abcdef0123456789abcdef.fedcba9876543210fedcba9876543210"
    body = json.dumps({"access_token": secret, "expires_in": 3600}).encode() + b" trailing"
    fake.accounts.faults.add(Malformed(body=body), route=TOKEN)
    with pytest.raises(ResponseFormatError) as info:
        await me.profiles.list().first()
    error = info.value
    chain = [error, error.__cause__, error.__context__]
    shown = " ".join(f"{e!s} {e!r}" for e in chain if e is not None) + error.excerpt
    assert "access_token" in shown  # the excerpt is still useful
    assert secret not in shown
    assert "0123456789abcdef" not in shown
    assert error.__cause__ is None
    assert error.__context__ is None


# -- faults at the token endpoint -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("fault", "statuses"),
    [
        (Fail(503), [503, 200]),
        (Fail(500), [500, 200]),
        (RateLimited(retry_after=2), [429, 200]),
        (Drop(), [0, 200]),
    ],
)
async def test_one_failure_at_the_token_endpoint_does_not_fail_the_call(
    fake: FakeManageEngine,
    me: ManageEngineClient,
    clock: FakeClock,
    fault: object,
    statuses: list[int],
) -> None:
    fake.accounts.faults.add(fault, route=TOKEN)  # type: ignore[arg-type]
    assert await me.profiles.list().first() is not None
    assert token_statuses(fake) == statuses
    assert fake.accounts.mints == 1
    if isinstance(fault, RateLimited):
        assert 2 in clock.sleeps  # the server's Retry-After was honoured


async def test_a_mint_lost_with_its_connection_is_retried_once(
    fake: FakeManageEngine, me: ManageEngineClient
) -> None:
    fake.accounts.faults.add(Drop(after=True), route=TOKEN)  # minted, then the line went dead
    assert await me.profiles.list().first() is not None
    assert fake.accounts.mints == 2  # the lost one counts against Zoho's limit
    assert oauth(me).mints == 1


async def test_a_persistent_500_is_a_server_error_after_one_retry(
    fake: FakeManageEngine, me: ManageEngineClient
) -> None:
    fake.accounts.faults.add(Fail(500), route=TOKEN, times=None)
    with pytest.raises(ServerError) as info:
        await me.profiles.list().first()
    assert info.value.status == 500
    assert info.value.url.endswith("/oauth/v2/token")
    assert token_statuses(fake) == [500, 500]  # never more than one lost mint per renewal


async def test_a_persistent_drop_is_a_transport_error_after_one_retry(
    fake: FakeManageEngine, me: ManageEngineClient
) -> None:
    fake.accounts.faults.add(Drop(), route=TOKEN, times=None)
    with pytest.raises(TransportError):
        await me.profiles.list().first()
    assert len(token_statuses(fake)) == 2


async def test_no_lost_mint_is_risked_when_zoho_s_limit_is_near(
    fake: FakeManageEngine, me: ManageEngineClient
) -> None:
    for _ in range(9):  # nine mints in Zoho's window: one is left
        fake.accounts.expire_tokens()
        await me.profiles.list().first()
    fake.accounts.expire_tokens()
    fake.accounts.faults.add(Fail(502), route=TOKEN)
    sent = len(token_statuses(fake))
    with pytest.raises(ServerError):
        await me.profiles.list().first()
    assert len(token_statuses(fake)) == sent + 1  # not retried: it might have minted


async def test_a_policy_that_never_retries_applies_to_the_token_endpoint(
    fake: FakeManageEngine, clock: FakeClock
) -> None:
    fake.accounts.faults.add(Fail(503), route=TOKEN)
    async with client_for(fake, clock, retry=RetryPolicy.never()) as me:
        with pytest.raises(ServerError) as info:
            await me.profiles.list().first()
    assert info.value.status == 503
    assert token_statuses(fake) == [503]


async def test_a_persistent_429_is_a_rate_limit_error_with_its_wait(
    fake: FakeManageEngine, me: ManageEngineClient, clock: FakeClock
) -> None:
    fake.accounts.faults.add(RateLimited(retry_after=30), route=TOKEN, times=None)
    with pytest.raises(RateLimitError) as info:
        await me.profiles.list().first()
    assert isinstance(info.value, TokenRateLimitError)
    assert info.value.retry_after == 30
    assert token_statuses(fake) == [429] * 4  # the policy's four attempts
    sent = len(token_statuses(fake))
    clock.advance(10)
    with pytest.raises(TokenRateLimitError, match="429") as again:
        await me.profiles.list().first()
    assert again.value.retry_after == pytest.approx(20)
    assert len(token_statuses(fake)) == sent  # the wait is respected without asking again


async def test_a_429_asking_longer_than_max_wait_is_raised_at_once(
    fake: FakeManageEngine, me: ManageEngineClient
) -> None:
    fake.accounts.faults.add(RateLimited(retry_after=3600), route=TOKEN)
    with pytest.raises(TokenRateLimitError) as info:
        await me.profiles.list().first()
    assert info.value.retry_after == 3600
    assert token_statuses(fake) == [429]


# -- a 401 that persists --------------------------------------------------------------------------


async def test_a_persistent_401_refreshes_once_for_500_callers(
    fake: FakeManageEngine, me: ManageEngineClient
) -> None:
    await me.profiles.list().first()
    fake.faults.add(Reply(401, "Invalid OAuth token"), route="GET */profiles", times=None)
    outcomes = await gather(500, lambda: me.profiles.list().first())
    assert outcomes == Counter({"AuthenticationError": 500})
    assert fake.accounts.mints == 2  # the first token and one refresh: never a lock-out
    assert fake.accounts.state.denied == 0
    replays = fake.requests.count(path="*/profiles") - 1
    assert replays <= 2 * 500  # each caller sent at most its request and one replay


async def test_a_persistent_401_from_the_start_costs_two_mints(
    fake: FakeManageEngine, me: ManageEngineClient
) -> None:
    fake.faults.add(Reply(401, "Invalid OAuth token"), route="GET */profiles", times=None)
    outcomes = await gather(100, lambda: me.profiles.list().first())
    assert outcomes == Counter({"AuthenticationError": 100})
    assert fake.accounts.mints == 2
    with pytest.raises(AuthenticationError) as info:
        await me.profiles.list().first()
    assert info.value.status == 401
    assert fake.accounts.mints == 2


async def test_after_a_persistent_401_the_token_s_expiry_lets_the_client_try_again(
    fake: FakeManageEngine, me: ManageEngineClient, clock: FakeClock
) -> None:
    await me.profiles.list().first()
    rule = fake.faults.add(Reply(401, "Invalid OAuth token"), route="GET */profiles", times=None)
    for _ in range(3):
        with pytest.raises(AuthenticationError):
            await me.profiles.list().first()
    assert fake.accounts.mints == 2
    rule.remaining = 0  # the server is fixed
    clock.advance(3600)  # the refused token expired: a new one is minted as usual
    assert await me.profiles.list().first() is not None
    assert fake.accounts.mints == 3


async def test_a_replacement_that_worked_is_replaced_again_when_it_is_rejected(
    fake: FakeManageEngine, me: ManageEngineClient
) -> None:
    for _ in range(4):  # another process keeps pushing our token out (Zoho keeps 10 per client)
        fake.accounts.expire_tokens()
        assert await me.profiles.list().first() is not None
    assert fake.accounts.mints == 4


async def test_a_replacement_never_judged_is_renewed_once_its_moment_has_passed(
    fake: FakeManageEngine, me: ManageEngineClient, clock: FakeClock
) -> None:
    await me.profiles.list().first()
    fake.faults.add(Reply(401, "Invalid OAuth token"), route="GET */profiles")
    fake.faults.add(Fail(503), route="GET */profiles", times=4)  # the replay learns nothing
    with pytest.raises(ServerError):
        await me.profiles.list().first()
    assert fake.accounts.mints == 2
    clock.advance(61)  # a refusal this late is about the token, not a 401 that persists
    fake.faults.add(Reply(401, "Invalid OAuth token"), route="GET */profiles")
    assert await me.profiles.list().first() is not None
    assert fake.accounts.mints == 3


async def test_an_oversized_token_answer_is_refused_without_showing_it(
    fake: FakeManageEngine, me: ManageEngineClient
) -> None:
    secret = "1000.0123456789abcdef0123456789abcdef.fedcba9876543210fedcba9876543210"
    body = json.dumps({"access_token": secret, "expires_in": 3600, "pad": "x" * 100_000})
    fake.accounts.faults.add(Malformed(body=body.encode()), route=TOKEN)
    with pytest.raises(ResponseTooLargeError) as info:
        await me.profiles.list().first()
    assert secret not in f"{info.value!s} {info.value!r}"
    assert fake.requests.all() == []


# -- no secret in the frames of a failed token request -------------------------------------------


def _secrets_in_frames(error: BaseException, fake: FakeManageEngine, *extra: str) -> list[str]:
    """Where the client secret, the refresh token, a minted or an answered token shows up in
    the locals of the error's mdmkit frames, or anywhere reachable from the error."""
    secrets = [fake.client_secret, fake.refresh_token, *fake.accounts.state.access_tokens, *extra]
    return leaks(frame_texts(error), secrets) + leaks(exception_texts(error), secrets)


async def test_a_failed_first_mint_leaves_no_secret_in_its_frames(
    fake: FakeManageEngine, me: ManageEngineClient
) -> None:
    fake.accounts.faults.add(Fail(500), route=TOKEN, times=None)
    with pytest.raises(ServerError) as info:
        await me.profiles.list().first()
    assert _secrets_in_frames(info.value, fake) == []
    assert info.value.__traceback__ is not None  # cut, not gone: it starts where it left


async def test_a_refused_token_answer_leaves_the_token_in_no_frame(
    fake: FakeManageEngine, me: ManageEngineClient
) -> None:
    answered = "1000." + "c" * 32 + "." + "d" * 32
    body = json.dumps({"access_token": answered, "expires_in": "soon"}).encode()
    fake.accounts.faults.add(Malformed(body=body), route=TOKEN)
    with pytest.raises(ResponseFormatError) as info:
        await me.profiles.list().first()
    assert "expires_in" in str(info.value)
    assert _secrets_in_frames(info.value, fake, answered) == []


async def test_a_refresh_that_fails_after_a_401_leaves_no_token_in_its_frames(
    fake: FakeManageEngine, me: ManageEngineClient
) -> None:
    await me.profiles.list().first()
    fake.accounts.expire_tokens()  # the next call gets a 401 with the token it holds
    fake.accounts.faults.add(Drop(), route=TOKEN, times=None)
    with pytest.raises(TransportError) as info:
        await me.profiles.list().first()
    assert fake.accounts.mints == 1
    assert _secrets_in_frames(info.value, fake) == []


async def test_a_failed_revoke_leaves_the_refresh_token_in_no_frame(
    fake: FakeManageEngine, me: ManageEngineClient
) -> None:
    fake.accounts.faults.add(Fail(500), route="POST /oauth/v2/token/revoke", times=None)
    with pytest.raises(ServerError) as info:
        await me.revoke()
    assert _secrets_in_frames(info.value, fake) == []
