"""A plain aiohttp client for the fakes' tests (deliberately not mdmkit's client)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import aiohttp
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
    """A thin aiohttp wrapper with the fake's base URL and Basic auth (API key, no password)."""

    def __init__(self, session: aiohttp.ClientSession, url: str, key: str | None = API_KEY):
        self.session = session
        self.url = url
        self.headers = {} if key is None else {"Authorization": aiohttp.encode_basic_auth(key, "")}

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
