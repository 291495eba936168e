"""``python -m mdmkit.testing simplemdm`` starts a server, prints its URL and key, serves."""

from __future__ import annotations

import subprocess
import sys

import aiohttp
import anyio
import pytest

pytestmark = pytest.mark.anyio


async def test_entry_point_serves_until_terminated() -> None:
    command = [
        sys.executable,
        "-m",
        "mdmkit.testing",
        "simplemdm",
        "--port",
        "0",
        "--devices",
        "20",
    ]
    command += ["--api-key", "cli-key", "--seed", "3"]
    async with await anyio.open_process(command, stderr=subprocess.STDOUT) as process:
        try:
            assert process.stdout is not None
            lines: dict[str, str] = {}
            with anyio.fail_after(20):
                buffer = b""
                while "api_key" not in lines:
                    buffer += await process.stdout.receive()
                    for line in buffer.decode().splitlines():
                        key, _, value = line.partition(": ")
                        lines[key] = value
            assert lines["api_key"] == "cli-key"
            headers = {"Authorization": aiohttp.encode_basic_auth("cli-key", "")}
            async with (
                aiohttp.ClientSession() as session,
                session.get(lines["url"] + "/devices/1", headers=headers) as response,
            ):
                assert response.status == 200
                assert (await response.json())["data"]["id"] == 1
        finally:
            process.terminate()
            await process.wait()
