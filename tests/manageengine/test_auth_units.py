"""Zoho OAuth pieces without a server: data centers, token errors, token expiry, stores."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from authlib.oauth2.rfc6749 import OAuth2Token
from authlib.oauth2.rfc6749 import errors as oauth_errors

from mdmkit.core.errors import ConfigurationError, OAuthError, RateLimitError, ResponseFormatError
from mdmkit.manageengine import (
    DATA_CENTERS,
    ApiKeyAuth,
    DataCenter,
    FileTokenStore,
    MemoryTokenStore,
    TokenRateLimitError,
    ZohoOAuth,
)
from mdmkit.manageengine.auth import make_token, token_error

ACCOUNTS = "https://accounts.zoho.eu"


@pytest.mark.parametrize(
    ("code", "mdm", "accounts"),
    [
        ("us", "https://mdm.manageengine.com", "https://accounts.zoho.com"),
        ("eu", "https://mdm.manageengine.eu", "https://accounts.zoho.eu"),
        ("in", "https://mdm.manageengine.in", "https://accounts.zoho.in"),
        ("au", "https://mdm.manageengine.com.au", "https://accounts.zoho.com.au"),
        ("jp", "https://mdm.manageengine.jp", "https://accounts.zoho.jp"),
        ("ca", "https://mdm.manageengine.ca", "https://accounts.zohocloud.ca"),  # not zoho.ca
        ("cn", "https://mdm.manageengine.cn", "https://accounts.zoho.com.cn"),  # not zoho.cn
        ("uk", "https://mdm.manageengine.uk", "https://accounts.zoho.uk"),
        ("sa", "https://mdm.manageengine.sa", "https://accounts.zoho.sa"),
        ("EU", "https://mdm.manageengine.eu", "https://accounts.zoho.eu"),
    ],
)
def test_data_centers(code: str, mdm: str, accounts: str) -> None:
    center = DataCenter.get(code)
    assert (center.mdm_url, center.accounts_url) == (mdm, accounts)


def test_unknown_data_center() -> None:
    assert len(DATA_CENTERS) == 9
    with pytest.raises(ConfigurationError, match=r"unknown data center 'mars'.*us, eu"):
        DataCenter.get("mars")


def test_token_error_invalid_code_means_revoked_refresh_token() -> None:
    error = token_error({"error": "invalid_code"}, 200, ACCOUNTS, cooldown=600)
    assert type(error) is OAuthError
    assert error.error == "invalid_code"
    assert "revoked" in str(error)
    assert isinstance(error.oauth_error, oauth_errors.InvalidGrantError)
    assert error.__cause__ is error.oauth_error


def test_token_error_invalid_client_names_the_accounts_host() -> None:
    error = token_error({"error": "invalid_client"}, 200, ACCOUNTS, cooldown=600)
    assert "client id or secret is wrong, or the data center is" in str(error)
    assert ACCOUNTS in str(error)
    assert isinstance(error.oauth_error, oauth_errors.InvalidClientError)


def test_token_error_access_denied_is_a_rate_limit() -> None:
    body = {
        "error": "Access Denied",
        "error_description": "You have made too many requests continuously. Please try again "
        "after some time.",
        "status": "failure",
    }
    error = token_error(body, 200, ACCOUNTS, cooldown=600)
    assert isinstance(error, TokenRateLimitError)
    assert isinstance(error, RateLimitError)
    assert isinstance(error, OAuthError)
    assert error.retry_after == 600
    assert isinstance(error.oauth_error, oauth_errors.AccessDeniedError)


def test_token_error_other_codes() -> None:
    error = token_error(
        {"error": "invalid_scope", "error_description": "bad"}, 200, ACCOUNTS, cooldown=1
    )
    assert "invalid_scope (bad)" in str(error)
    assert error.status == 400
    assert token_error({}, 503, ACCOUNTS, cooldown=1).status == 503


def test_make_token_expires_on_our_clock_and_drops_the_refresh_token() -> None:
    token = make_token(
        {"access_token": "a", "expires_in": 3600, "refresh_token": "r", "token_type": "Bearer"},
        now=1000.0,
    )
    assert isinstance(token, OAuth2Token)
    assert token["expires_at"] == 4600
    assert "refresh_token" not in token
    assert (
        make_token({"access_token": "a", "refresh_token": "r"}, 0, keep_refresh_token=True)[
            "refresh_token"
        ]
        == "r"
    )
    assert make_token({"access_token": "a"}, 0)["expires_at"] == 3600  # no lifetime: an hour
    with pytest.raises(ResponseFormatError, match="expires_in is not a positive number"):
        make_token({"access_token": "a", "expires_in": "soon"}, 0)
    with pytest.raises(ResponseFormatError, match="no access_token"):
        make_token({"token_type": "Bearer"}, 0)


def test_credentials_are_checked_and_never_shown() -> None:
    with pytest.raises(ConfigurationError, match="client_secret is empty"):
        ZohoOAuth("id", "", "refresh", accounts_url=ACCOUNTS)
    with pytest.raises(ConfigurationError, match="plain http"):
        ZohoOAuth("id", "secret", "refresh", accounts_url="http://accounts.example.com")
    oauth = ZohoOAuth("id", "s3cret-value", "1000.refresh-value", accounts_url=ACCOUNTS)
    assert "s3cret" not in repr(oauth)
    assert "refresh-value" not in repr(oauth)
    assert "refresh-value" not in oauth.store_key
    assert "k3y" not in repr(ApiKeyAuth("k3y"))
    with pytest.raises(ConfigurationError, match="api_key is empty"):
        ApiKeyAuth(" ")


@pytest.mark.parametrize(
    "key", ["k3y\r\nX-Injected: 1", "k3y\n", "k3y\x00", "k 3y", "k3y\t", "k\u00e9y", "k3y\x7f"]
)
def test_an_api_key_a_header_cannot_carry_is_refused_at_construction(key: str) -> None:
    with pytest.raises(ConfigurationError, match="api_key holds characters") as info:
        ApiKeyAuth(key)
    assert "k3y" not in str(info.value)


@pytest.mark.parametrize("name", ["client_id", "client_secret", "refresh_token"])
def test_oauth_credentials_with_line_breaks_are_refused(name: str) -> None:
    credentials = {"client_id": "id", "client_secret": "secret", "refresh_token": "1000.r"}
    credentials[name] += "\r\n"
    with pytest.raises(ConfigurationError, match=f"{name} holds characters"):
        ZohoOAuth(*credentials.values(), accounts_url=ACCOUNTS)


@pytest.mark.anyio
async def test_memory_store_round_trip() -> None:
    store = MemoryTokenStore()
    assert await store.load("k") is None
    await store.save("k", {"access_token": "a", "expires_at": 1})
    assert await store.load("k") == {"access_token": "a", "expires_at": 1}
    async with store.lock("k"):
        pass


@pytest.mark.anyio
async def test_file_store_is_private_atomic_and_shared(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "tokens.json"
    first, second = FileTokenStore(path), FileTokenStore(path)
    assert await first.load("k") is None
    await first.save("k", {"access_token": "a", "expires_at": 5})
    await first.save("other", {"access_token": "b", "expires_at": 6})
    assert await second.load("k") == {"access_token": "a", "expires_at": 5}
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert json.loads(path.read_text())["version"] == 1
    assert [p.name for p in path.parent.iterdir() if p.name.startswith(".mdmkit")] == []
    path.write_text("{not json")
    assert await second.load("k") is None  # a corrupt store costs a mint, not a crash


@pytest.mark.anyio
@pytest.mark.parametrize(
    "content",
    [
        "[" * 100_000 + "]" * 100_000,
        '{"tokens": ' + '{"k": ' * 5000 + "1" + "}" * 5001,
        '{"tokens": {"k": {"access_token": "a", "expires_in": NaN}}}',
        b"\xff\xfe not utf-8",
    ],
    ids=["deep list", "deep tokens", "NaN", "not UTF-8"],
)
async def test_a_file_store_nested_too_deep_or_broken_reads_as_empty(
    tmp_path: Path, content: str | bytes
) -> None:
    path = tmp_path / "tokens.json"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    store = FileTokenStore(path)
    assert await store.load("k") is None  # a mint, not a RecursionError
    await store.save("k", {"access_token": "a", "expires_at": 5})  # and the file is mended
    assert await store.load("k") == {"access_token": "a", "expires_at": 5}


@pytest.mark.anyio
async def test_file_store_lock_excludes_a_second_instance(tmp_path: Path) -> None:
    import anyio

    path = tmp_path / "tokens.json"
    order: list[str] = []

    async def hold(store: FileTokenStore, name: str, pause: float) -> None:
        async with store.lock("k"):
            order.append(f"{name} in")
            await anyio.sleep(pause)
            order.append(f"{name} out")

    async with anyio.create_task_group() as group:
        group.start_soon(hold, FileTokenStore(path), "a", 0.1)
        await anyio.sleep(0.02)
        group.start_soon(hold, FileTokenStore(path), "b", 0.0)
    assert order == ["a in", "a out", "b in", "b out"]
