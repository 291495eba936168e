"""The fake Zoho accounts server: minting, code exchange, limits, revocation, faults."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import aiohttp
import pytest

from mdmkit.testing import FakeClock, FakeManageEngine, FakeZohoAccounts
from mdmkit.testing.faults import Drop, RateLimited, ServerError
from mdmkit.testing.manageengine.accounts import ACCESS_DENIED
from tests.testing.fakeapi import Api, Reply, zoho

pytestmark = pytest.mark.anyio

TOKEN = re.compile(r"1000\.[0-9a-f]{32}\.[0-9a-f]{32}")


@pytest.fixture
async def accounts(clock: FakeClock) -> AsyncIterator[FakeZohoAccounts]:
    async with FakeZohoAccounts(clock=clock) as server:
        yield server
    assert server.errors == []


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client:
        yield client


async def refresh(
    session: aiohttp.ClientSession, accounts: FakeZohoAccounts, refresh_token: str, **extra: str
) -> Reply:
    form = {
        "grant_type": "refresh_token",
        "client_id": accounts.client_id,
        "client_secret": accounts.client_secret,
        "refresh_token": refresh_token,
    }
    return await zoho(session, accounts.url, **(form | extra))


async def test_refresh_grant_mints_an_hour_long_bearer_token(
    session: aiohttp.ClientSession, accounts: FakeZohoAccounts, clock: FakeClock
) -> None:
    reply = await refresh(session, accounts, accounts.new_refresh_token())
    assert reply.status == 200
    assert reply.headers["Content-Type"] == "application/json;charset=UTF-8"
    assert "x-request-id" not in reply.headers
    assert set(reply.json) == {"access_token", "api_domain", "token_type", "expires_in"}
    assert TOKEN.fullmatch(reply.json["access_token"])
    assert reply.json["api_domain"] == "https://www.zohoapis.com"
    assert (reply.json["token_type"], reply.json["expires_in"]) == ("Bearer", 3600)
    access = accounts.validate(reply.json["access_token"])
    assert access is not None
    assert access.expires_at == clock.time() + 3600
    assert accounts.mints == 1
    assert len(accounts.mints) == 1
    assert accounts.mints[0].grant_type == "refresh_token"


async def test_parameters_may_come_in_the_query_string(
    session: aiohttp.ClientSession, accounts: FakeZohoAccounts
) -> None:
    query = {
        "grant_type": "refresh_token",
        "client_id": accounts.client_id,
        "client_secret": accounts.client_secret,
        "refresh_token": accounts.new_refresh_token(),
    }
    reply = await Api(session, accounts.url, None).post("/oauth/v2/token", params=query)
    assert "access_token" in reply.json


async def test_errors_are_http_200_with_an_error_key(
    session: aiohttp.ClientSession, accounts: FakeZohoAccounts
) -> None:
    good = accounts.new_refresh_token()
    cases = [
        (await refresh(session, accounts, good, client_secret="wrong"), "invalid_client"),
        (await refresh(session, accounts, good, client_id="1000.NOPE"), "invalid_client"),
        (await refresh(session, accounts, "1000.abc.def"), "invalid_code"),
        (await refresh(session, accounts, good, grant_type="password"), "unsupported_grant_type"),
        (await zoho(session, accounts.url), "unsupported_grant_type"),
    ]
    for reply, error in cases:
        assert (reply.status, reply.json) == (200, {"error": error})
    assert accounts.mints == 0


async def test_a_code_is_exchanged_once_for_a_refresh_token_with_its_scopes(
    session: aiohttp.ClientSession, accounts: FakeZohoAccounts
) -> None:
    code = accounts.issue_code(scopes="MDMOnDemand.MDMInventory.READ")
    form = {
        "grant_type": "authorization_code",
        "client_id": accounts.client_id,
        "client_secret": accounts.client_secret,
        "code": code,
    }
    first = await zoho(session, accounts.url, **form)
    assert TOKEN.fullmatch(first.json["refresh_token"])
    assert TOKEN.fullmatch(first.json["access_token"])
    access = accounts.validate(first.json["access_token"])
    assert access is not None
    assert access.scopes == {"MDMOnDemand.MDMInventory.READ"}
    again = await zoho(session, accounts.url, **form)
    assert again.json == {"error": "invalid_code"}
    renewed = await refresh(session, accounts, first.json["refresh_token"])
    assert "refresh_token" not in renewed.json
    assert [m.grant_type for m in accounts.mints] == ["authorization_code", "refresh_token"]


async def test_a_code_expires_after_three_minutes(
    session: aiohttp.ClientSession, accounts: FakeZohoAccounts, clock: FakeClock
) -> None:
    code = accounts.issue_code()
    clock.advance(180)
    reply = await zoho(
        session,
        accounts.url,
        grant_type="authorization_code",
        client_id=accounts.client_id,
        client_secret=accounts.client_secret,
        code=code,
    )
    assert reply.json == {"error": "invalid_code"}


async def test_the_eleventh_mint_in_ten_minutes_is_access_denied(
    session: aiohttp.ClientSession, accounts: FakeZohoAccounts, clock: FakeClock
) -> None:
    token = accounts.new_refresh_token()
    for _ in range(10):
        assert "access_token" in (await refresh(session, accounts, token)).json
        clock.advance(30)
    denied = await refresh(session, accounts, token)
    assert denied.status == 200
    assert denied.json == ACCESS_DENIED
    assert denied.json["error"] == "Access Denied"
    assert "access_token" not in denied.json
    assert accounts.mints == 10
    other = accounts.new_refresh_token()
    assert "access_token" in (await refresh(session, accounts, other)).json
    clock.advance(301)  # the first mint leaves the 600 s window
    assert "access_token" in (await refresh(session, accounts, token)).json


async def test_an_eleventh_active_token_pushes_out_the_oldest(
    session: aiohttp.ClientSession, accounts: FakeZohoAccounts, clock: FakeClock
) -> None:
    token = accounts.new_refresh_token()
    minted = []
    for _ in range(10):
        minted.append((await refresh(session, accounts, token)).json["access_token"])
    clock.advance(601)
    minted.append((await refresh(session, accounts, token)).json["access_token"])
    assert accounts.validate(minted[0]) is None
    assert all(accounts.validate(t) is not None for t in minted[1:])


async def test_revoking_a_refresh_token_ends_its_access_tokens(
    session: aiohttp.ClientSession, accounts: FakeZohoAccounts
) -> None:
    token = accounts.new_refresh_token()
    access = [(await refresh(session, accounts, token)).json["access_token"] for _ in range(2)]
    revoke = "/oauth/v2/token/revoke"
    reply = await zoho(session, accounts.url, revoke, token=token)
    assert (reply.status, reply.json) == (200, {"status": "success"})
    assert all(accounts.validate(t) is None for t in access)
    assert (await refresh(session, accounts, token)).json == {"error": "invalid_code"}
    unknown = await Api(session, accounts.url, None).post(revoke, params={"token": "1000.x.y"})
    assert (unknown.status, unknown.json) == (400, {"error": "invalid_token"})


async def test_revoking_an_access_token_ends_only_that_token(
    session: aiohttp.ClientSession, accounts: FakeZohoAccounts
) -> None:
    token = accounts.new_refresh_token()
    first, second = [(await refresh(session, accounts, token)).json["access_token"] for _ in "ab"]
    assert (await zoho(session, accounts.url, "/oauth/v2/token/revoke", token=first)).status == 200
    assert accounts.validate(first) is None
    assert accounts.validate(second) is not None


async def test_tokens_expire_on_the_clock_and_on_demand(
    session: aiohttp.ClientSession, accounts: FakeZohoAccounts, clock: FakeClock
) -> None:
    token = accounts.new_refresh_token()
    first = (await refresh(session, accounts, token)).json["access_token"]
    clock.advance(3599)
    assert accounts.validate(first) is not None
    clock.advance(1)
    assert accounts.validate(first) is None
    second = (await refresh(session, accounts, token)).json["access_token"]
    accounts.expire_tokens()
    assert accounts.validate(second) is None


async def test_get_is_not_allowed(
    session: aiohttp.ClientSession, accounts: FakeZohoAccounts
) -> None:
    reply = await Api(session, accounts.url, None).get("/oauth/v2/token")
    assert reply.status == 405
    assert "error" in reply.json


async def test_faults_and_request_log(
    session: aiohttp.ClientSession, accounts: FakeZohoAccounts
) -> None:
    token = accounts.new_refresh_token()
    accounts.faults.add(ServerError(503), route="POST /oauth/v2/token")
    failed = await refresh(session, accounts, token)
    assert (failed.status, failed.json) == (503, {"error": "service unavailable"})
    assert "access_token" in (await refresh(session, accounts, token)).json
    first, second = accounts.requests.all()
    assert (first.status, first.fault, second.status) == (503, "ServerError", 200)
    assert second.form["grant_type"] == "refresh_token"
    assert second.request_id is None


async def test_the_older_token_format_gives_milliseconds_in_expires_in(clock: FakeClock) -> None:
    async with (
        FakeZohoAccounts(clock=clock, token_format="legacy", token_lifetime=120) as accounts,
        aiohttp.ClientSession() as session,
    ):
        reply = await refresh(session, accounts, accounts.new_refresh_token())
        assert reply.json["expires_in_sec"] == 120
        assert reply.json["expires_in"] == 120_000
        assert set(reply.json) == {
            "access_token",
            "expires_in_sec",
            "api_domain",
            "token_type",
            "expires_in",
        }
        access = accounts.validate(reply.json["access_token"])
        assert access is not None
        assert access.expires_at == clock.time() + 120  # the lifetime is still two minutes


async def test_the_token_endpoint_takes_every_shared_fault(
    session: aiohttp.ClientSession, accounts: FakeZohoAccounts
) -> None:
    token = accounts.new_refresh_token()
    route = "POST /oauth/v2/token"
    accounts.faults.add(ServerError(500), route=route)
    accounts.faults.add(RateLimited(retry_after=7), route=route)
    accounts.faults.add(Drop(after=True), route=route)
    assert (await refresh(session, accounts, token)).status == 500
    limited = await refresh(session, accounts, token)
    assert (limited.status, limited.headers["Retry-After"]) == (429, "7")
    with pytest.raises(aiohttp.ClientError):  # the server hung up (disconnected or reset)
        await refresh(session, accounts, token)
    assert accounts.mints == 1  # the dropped request minted before the line went dead
    assert [r.fault for r in accounts.requests.all()] == ["ServerError", "RateLimited", "Drop"]


async def test_the_manageengine_fake_runs_its_accounts_server(clock: FakeClock) -> None:
    async with (
        FakeManageEngine(devices=5, clock=clock, token_lifetime=60, mint_limit=2) as fake,
        aiohttp.ClientSession() as session,
    ):
        assert fake.accounts_url != fake.base_url
        assert fake.accounts_url.startswith("http://127.0.0.1:")
        assert fake.accounts.url == fake.accounts_url
        replies = [await refresh(session, fake.accounts, fake.refresh_token) for _ in range(3)]
        assert replies[0].json["expires_in"] == 60
        assert replies[2].json == ACCESS_DENIED
