"""Zoho OAuth through the client, against the fake accounts server on a virtual clock."""

from __future__ import annotations

import logging
from pathlib import Path

import anyio
import pytest

from mdmkit.core.errors import (
    AuthenticationError,
    ConfigurationError,
    OAuthError,
    PermissionDeniedError,
)
from mdmkit.manageengine import (
    FileTokenStore,
    ManageEngineClient,
    MemoryTokenStore,
    TokenRateLimitError,
    ZohoOAuth,
)
from mdmkit.testing import FakeClock, FakeManageEngine, Reply
from tests.manageengine.conftest import client_for

pytestmark = pytest.mark.anyio

TOKEN_PATH = "/oauth/v2/token"


def token_requests(fake: FakeManageEngine) -> int:
    return fake.accounts.requests.count(method="POST", path=TOKEN_PATH)


async def test_fifty_concurrent_first_calls_mint_exactly_one_token(
    fake: FakeManageEngine, me: ManageEngineClient
) -> None:
    device_ids = [d.id for d in list(fake.state.devices.values())[:50]]
    async with anyio.create_task_group() as group:
        for device_id in device_ids:
            group.start_soon(me.devices.get, device_id)
    assert token_requests(fake) == 1
    assert fake.requests.count(method="GET", path="*/devices/*") == 50


async def test_the_token_is_reused_then_refreshed_five_minutes_early(
    fake: FakeManageEngine, me: ManageEngineClient, clock: FakeClock
) -> None:
    await me.profiles.list().collect()
    await me.groups.list().collect()
    assert token_requests(fake) == 1
    clock.advance(3600 - 301)  # still more than five minutes left
    await me.profiles.list().collect()
    assert token_requests(fake) == 1
    clock.advance(2)  # now within the five-minute leeway
    await me.profiles.list().collect()
    assert token_requests(fake) == 2


async def test_a_call_after_expiry_refreshes_once(
    fake: FakeManageEngine, me: ManageEngineClient, clock: FakeClock
) -> None:
    await me.profiles.list().collect()
    clock.advance(2 * 3600)
    async with anyio.create_task_group() as group:
        for _ in range(10):
            group.start_soon(me.profiles.list().collect)
    assert token_requests(fake) == 2
    assert all(r.status == 200 for r in fake.requests.filter(path="*/profiles"))


async def test_a_401_refreshes_once_and_replays(
    fake: FakeManageEngine, me: ManageEngineClient
) -> None:
    await me.profiles.list().collect()
    fake.accounts.expire_tokens()  # the server forgets the token the client still trusts
    profiles = await me.profiles.list().collect()
    assert profiles
    assert [r.status for r in fake.requests.filter(path="*/profiles")] == [200, 401, 200]
    assert token_requests(fake) == 2


async def test_a_second_401_raises(fake: FakeManageEngine, me: ManageEngineClient) -> None:
    fake.faults.add(Reply(401, "Invalid OAuth token"), route="GET */profiles", times=2)
    with pytest.raises(AuthenticationError) as info:
        await me.profiles.list().collect()
    assert info.value.status == 401
    assert [r.status for r in fake.requests.filter(path="*/profiles")] == [401, 401]
    assert token_requests(fake) == 2  # the first mint, and one refresh: never a loop


async def test_mint_limit_cool_down_sends_no_token_request(
    fake: FakeManageEngine, me: ManageEngineClient, clock: FakeClock
) -> None:
    for _ in range(10):  # ten mints: each time the server forgets the token
        fake.accounts.expire_tokens()
        await me.profiles.list().collect()
    assert fake.accounts.mints == 10
    fake.accounts.expire_tokens()
    with pytest.raises(TokenRateLimitError) as refused:
        await me.profiles.list().collect()
    assert refused.value.retry_after == 600
    assert refused.value.error == "Access Denied"
    sent = token_requests(fake)
    for _ in range(3):  # during the cool-down, nothing reaches the accounts server
        clock.advance(60)
        with pytest.raises(TokenRateLimitError, match="not asking Zoho"):
            await me.profiles.list().collect()
    assert token_requests(fake) == sent
    clock.advance(600)  # cool-down and Zoho's window are over
    assert await me.profiles.list().collect()
    assert token_requests(fake) == sent + 1


async def test_two_clients_sharing_a_file_token_store_mint_once(
    fake: FakeManageEngine, clock: FakeClock, tmp_path: Path
) -> None:
    path = tmp_path / "tokens.json"
    first = client_for(fake, clock, token_store=FileTokenStore(path))
    second = client_for(fake, clock, token_store=FileTokenStore(path))
    async with first, second, anyio.create_task_group() as group:
        group.start_soon(first.profiles.list().collect)
        group.start_soon(second.profiles.list().collect)
    assert fake.accounts.mints == 1
    assert fake.refresh_token not in path.read_text()
    async with client_for(fake, clock, token_store=FileTokenStore(path)) as restarted:
        await restarted.groups.list().collect()
    assert fake.accounts.mints == 1  # a restarted process reuses the stored token


async def test_a_memory_store_is_shared_and_a_rejected_stored_token_is_not_reused(
    fake: FakeManageEngine, clock: FakeClock
) -> None:
    store = MemoryTokenStore()
    async with client_for(fake, clock, token_store=store) as one:
        await one.profiles.list().collect()
    fake.accounts.expire_tokens()
    async with client_for(fake, clock, token_store=store) as two:
        await two.profiles.list().collect()  # loads the stored token, gets 401, mints anew
    assert fake.accounts.mints == 2
    assert [r.status for r in fake.requests.filter(path="*/profiles")] == [200, 401, 200]


async def test_invalid_client_names_the_accounts_host(
    fake: FakeManageEngine, clock: FakeClock
) -> None:
    async with ManageEngineClient(
        fake.client_id,
        "wrong-secret",
        fake.refresh_token,
        base_url=fake.base_url,
        accounts_url=fake.accounts_url,
        clock=clock.time,
    ) as me:
        with pytest.raises(OAuthError) as info:
            await me.devices.list().first()
    assert info.value.error == "invalid_client"
    assert fake.accounts_url in str(info.value)
    assert "wrong-secret" not in str(info.value)
    assert fake.requests.all() == []  # no API call without a token


async def test_invalid_code_means_the_refresh_token_is_revoked(
    fake: FakeManageEngine, me: ManageEngineClient
) -> None:
    await me.revoke()
    with pytest.raises(OAuthError, match="revoked") as info:
        await me.devices.list().first()
    assert info.value.error == "invalid_code"


async def test_a_missing_scope_is_named(fake: FakeManageEngine, clock: FakeClock) -> None:
    fake_token = fake.accounts.new_refresh_token(scopes="MDMOnDemand.MDMDeviceMgmt.ALL")
    async with ManageEngineClient(
        fake.client_id,
        fake.client_secret,
        fake_token,
        base_url=fake.base_url,
        accounts_url=fake.accounts_url,
        clock=clock.time,
    ) as me:
        assert await me.groups.list().first() is not None
        with pytest.raises(PermissionDeniedError) as info:
            await me.devices.list().first()
    assert info.value.scope == "MDMOnDemand.MDMInventory.READ"
    assert "MDMOnDemand.MDMInventory" in str(info.value)


async def test_exchange_a_self_client_code(fake: FakeManageEngine, clock: FakeClock) -> None:
    code = fake.accounts.issue_code()
    token = await ZohoOAuth.exchange_code(
        code,
        client_id=fake.client_id,
        client_secret=fake.client_secret,
        accounts_url=fake.accounts_url,
        clock=clock.time,
    )
    refresh_token = str(token["refresh_token"])
    assert refresh_token.startswith("1000.")
    assert token["expires_at"] == int(clock.time()) + 3600
    with pytest.raises(OAuthError) as reused:
        await ZohoOAuth.exchange_code(
            code,
            client_id=fake.client_id,
            client_secret=fake.client_secret,
            accounts_url=fake.accounts_url,
        )
    assert reused.value.error == "invalid_code"
    async with ManageEngineClient(
        fake.client_id,
        fake.client_secret,
        refresh_token,
        base_url=fake.base_url,
        accounts_url=fake.accounts_url,
        clock=clock.time,
    ) as me:
        assert await me.profiles.list().first() is not None


async def test_on_premises_sends_the_key_as_is(clock: FakeClock) -> None:
    async with FakeManageEngine(devices=20, seed=2, clock=clock, on_premises=True) as fake:
        async with ManageEngineClient.on_premises(fake.base_url, fake.api_key) as me:
            devices = await me.devices.list().collect()
            assert len(devices) == 20
        async with ManageEngineClient.on_premises(fake.base_url, "wrong") as me:
            with pytest.raises(AuthenticationError):
                await me.devices.list().first()
            with pytest.raises(ConfigurationError, match="revoke"):
                await me.revoke()
        assert fake.accounts.requests.all() == []
        assert fake.requests.count(path="*/devices") == 2  # a key is not refreshed or retried


async def test_no_secret_leaks_into_reprs_errors_or_logs(
    fake: FakeManageEngine, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="mdmkit")
    texts: list[str] = []
    async with client_for(fake, clock) as me:
        texts += [repr(me), repr(me.auth), repr(me.transport), repr(me.devices)]
        await me.devices.list().first()
        fake.accounts.expire_tokens()
        await me.profiles.list().first()
        fake.faults.add(Reply(403, "denied"), route="GET */groups")
        with pytest.raises(PermissionDeniedError) as denied:
            await me.groups.list().first()
        texts += [str(denied.value), repr(denied.value)]
        assert isinstance(me.auth, ZohoOAuth)
        token = me.auth.token
        assert token is not None
        access_token = str(token["access_token"])
    async with ManageEngineClient(
        fake.client_id,
        fake.client_secret,
        "1000.not-a-real-refresh-token",
        base_url=fake.base_url,
        accounts_url=fake.accounts_url,
    ) as bad:
        with pytest.raises(OAuthError) as refused:
            await bad.devices.list().first()
        texts += [str(refused.value), repr(refused.value), repr(refused.value.__cause__)]
    lines = [record.getMessage() for record in caplog.records]
    assert any("-> 401" in line for line in lines)
    secrets = [fake.client_secret, fake.refresh_token, access_token, "not-a-real-refresh-token"]
    for text in texts + lines:
        for secret in secrets:
            assert secret not in text
