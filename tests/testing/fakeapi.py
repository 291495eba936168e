"""A plain aiohttp client for the fakes' tests (deliberately not mdmkit's client)."""

from __future__ import annotations

import contextlib
import subprocess
import sys
from collections.abc import AsyncIterator, Mapping
from typing import Any

import aiohttp
import anyio
import attrs

API_KEY = "test-api-key"


@attrs.frozen
class Reply:
    """What came back: status, headers, raw body and the JSON (None when not JSON)."""

    status: int
    headers: Mapping[str, str]
    body: bytes
    json: Any


class Api:
    """A thin aiohttp wrapper with the fake's base URL and Basic auth (API key, no password).

    ``authorization`` sends that ``Authorization`` value instead (ManageEngine's schemes).
    """

    def __init__(
        self,
        session: aiohttp.ClientSession,
        url: str,
        key: str | None = API_KEY,
        *,
        authorization: str | None = None,
    ):
        self.session = session
        self.url = url
        self.headers = {} if key is None else {"Authorization": aiohttp.encode_basic_auth(key, "")}
        if authorization is not None:
            self.headers = {"Authorization": authorization}

    async def call(self, method: str, path: str, **kwargs: Any) -> Reply:
        headers = {**self.headers, **kwargs.pop("headers", {})}
        async with self.session.request(
            method, self.url + path, headers=headers, **kwargs
        ) as response:
            body = await response.read()
            try:
                parsed = await response.json(content_type=None) if body else None
            except ValueError:
                parsed = None
            return Reply(response.status, response.headers.copy(), body, parsed)

    async def get(self, path: str, **kwargs: Any) -> Reply:
        return await self.call("GET", path, **kwargs)

    async def post(self, path: str, **kwargs: Any) -> Reply:
        return await self.call("POST", path, **kwargs)

    async def patch(self, path: str, **kwargs: Any) -> Reply:
        return await self.call("PATCH", path, **kwargs)

    async def put(self, path: str, **kwargs: Any) -> Reply:
        return await self.call("PUT", path, **kwargs)

    async def delete(self, path: str, **kwargs: Any) -> Reply:
        return await self.call("DELETE", path, **kwargs)


MDM = "/api/v1/mdm"


async def zoho(
    session: aiohttp.ClientSession, accounts_url: str, path: str = "/oauth/v2/token", **form: str
) -> Reply:
    """POST ``form`` (urlencoded) to the Zoho accounts fake."""
    return await Api(session, accounts_url, None).post(path, data=form)


async def mint(
    session: aiohttp.ClientSession,
    accounts_url: str,
    client_id: str,
    client_secret: str,
    refresh_token: str,
) -> str:
    """A fresh access token from a refresh token (fails the test on an error answer)."""
    reply = await zoho(
        session,
        accounts_url,
        grant_type="refresh_token",
        client_id=client_id,
        client_secret=client_secret,
        refresh_token=refresh_token,
    )
    assert reply.status == 200, reply.body
    assert "access_token" in reply.json, reply.json
    token: str = reply.json["access_token"]
    return token


def oauth(token: str) -> str:
    """The Authorization value ManageEngine Cloud takes."""
    return f"Zoho-oauthtoken {token}"


@contextlib.asynccontextmanager
async def serve_cli(*args: str, until: str) -> AsyncIterator[dict[str, str]]:
    """Run ``python -m mdmkit.testing <args>``; yield its ``key: value`` banner up to ``until``."""
    command = [sys.executable, "-m", "mdmkit.testing", *args]
    async with await anyio.open_process(command, stderr=subprocess.STDOUT) as process:
        try:
            assert process.stdout is not None
            lines: dict[str, str] = {}
            with anyio.fail_after(20):
                buffer = b""
                while until not in lines:
                    buffer += await process.stdout.receive()
                    for line in buffer.decode().splitlines():
                        key, _, value = line.partition(": ")
                        lines[key] = value
            yield lines
        finally:
            process.terminate()
            await process.wait()
