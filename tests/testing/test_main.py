"""``python -m mdmkit.testing simplemdm`` starts a server, prints its URL and key, serves."""

from __future__ import annotations

import aiohttp
import pytest

from tests.testing.fakeapi import serve_cli

pytestmark = pytest.mark.anyio


async def test_entry_point_serves_until_terminated() -> None:
    args = ("simplemdm", "--port", "0", "--devices", "20", "--api-key", "cli-key", "--seed", "3")
    async with serve_cli(*args, until="api_key") as lines:
        assert lines["api_key"] == "cli-key"
        headers = {"Authorization": aiohttp.encode_basic_auth("cli-key", "")}
        async with (
            aiohttp.ClientSession() as session,
            session.get(lines["url"] + "/devices/1", headers=headers) as response,
        ):
            assert response.status == 200
            assert (await response.json())["data"]["id"] == 1
