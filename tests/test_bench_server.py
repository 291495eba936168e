"""The bench server `make bench` measures against speaks HTTP correctly: pages in order both
ways, every byte of answers bigger than the socket takes at once, the latency it is given,
and `Connection: close`; the floor client reads its answers right. (How fast either is
belongs in benchmarks/, never here.)"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp
import anyio
import pytest

pytestmark = pytest.mark.anyio

BENCHMARKS = Path(__file__).parents[1] / "benchmarks"


def _load(name: str) -> Any:
    spec = importlib.util.spec_from_file_location(f"bench_{name}_under_test", BENCHMARKS / name)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


server = _load("server.py")  # benchmarks/ is no package: its bench_server is what speed.py uses
floor = _load("floor.py")


@asynccontextmanager
async def bench_server(devices: int) -> AsyncIterator[tuple[str, int]]:
    """The bench server's base URL and port."""
    async with server.bench_server(devices) as url:
        yield url, int(url.rsplit(":", 1)[1])


async def ids_listed(session: aiohttp.ClientSession, url: str, direction: str) -> list[int]:
    ids: list[int] = []
    query = {"limit": "100", "direction": direction}
    while True:
        async with session.get(url + "/api/v1/devices", params=query) as response:
            assert response.status == 200
            page = json.loads(await response.read())
        ids += [device["id"] for device in page["data"]]
        if not page["has_more"]:
            return ids
        query["starting_after"] = str(ids[-1])


async def test_pages_come_in_order_both_ways_each_device_once() -> None:
    async with bench_server(250) as (url, _), aiohttp.ClientSession() as session:
        assert await ids_listed(session, url, "asc") == list(range(1, 251))
        assert await ids_listed(session, url, "desc") == list(range(250, 0, -1))
        async with session.get(url + "/api/v1/mdm/devices", params={"limit": "500"}) as response:
            page = json.loads(await response.read())
        assert len(page["devices"]) == 200  # clamped, as ManageEngine does
        assert page["metadata"]["total_record_count"] == 250
        async with session.post(url + "/api/v1/devices/7/lock") as response:
            assert response.status == 202


async def test_answers_larger_than_the_socket_takes_arrive_whole() -> None:
    # sixty pages of 100 devices asked for at once and read only afterwards: about 17 MB,
    # more than the sockets' buffers hold, so the server waits for them to take the rest
    request = b"GET /api/v1/devices?limit=100 HTTP/1.1\r\nHost: bench\r\n\r\n"
    async with bench_server(100) as (_, port):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(request * 60)
        await writer.drain()
        await asyncio.sleep(0.2)
        with anyio.fail_after(30):  # (a byte lost would leave the reader waiting)
            for _ in range(60):
                head = await reader.readuntil(b"\r\n\r\n")
                assert head.startswith(b"HTTP/1.1 200 OK\r\n")
                length = int(head.split(b"Content-Length: ")[1].split(b"\r\n")[0])
                page = json.loads(await reader.readexactly(length))
                assert [device["id"] for device in page["data"]] == list(range(1, 101))
        writer.close()
        await writer.wait_closed()


async def test_every_answer_waits_the_latency_it_is_given_and_close_closes() -> None:
    async with bench_server(10) as (url, port), aiohttp.ClientSession() as session:
        async with session.put(url + "/_bench", params={"latency_ms": "80"}) as response:
            assert json.loads(await response.read())["latency_ms"] == 80
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        started = time.monotonic()
        writer.write(b"POST /api/v1/devices/1/lock HTTP/1.1\r\nConnection: close\r\n\r\n")
        answer = await reader.read()  # to the end: the server closes after answering
        assert time.monotonic() - started >= 0.075  # timed from the request's arrival
        assert answer.startswith(b"HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n")
        writer.close()


async def test_the_floor_client_reads_each_answer_whole_on_kept_alive_connections() -> None:
    # locks (202, no body) between unknown paths (404 with a JSON body to skip), three a
    # connection: an answer's body left unread would be taken for the next answer's head
    paths = [f"/api/v1/devices/{n}/{'lock' if n % 3 else 'nothing'}" for n in range(1, 31)]
    async with bench_server(10) as (url, _):
        with anyio.fail_after(30):
            statuses = await floor.post_all(url, paths, concurrency=10)
    assert sorted(statuses) == [202] * 20 + [404] * 10


async def test_the_floor_client_fails_when_the_server_has_hung_up() -> None:
    loop = asyncio.get_running_loop()
    async with bench_server(10) as (_, port):
        transport, connection = await loop.create_connection(floor._Connection, "127.0.0.1", port)
        close = b"POST /api/v1/devices/1/lock HTTP/1.1\r\nConnection: close\r\n\r\n"
        assert await connection.post(close) == 202
        await asyncio.sleep(0.2)  # the server has closed by now: a request would wait forever
        with anyio.fail_after(30), pytest.raises(ConnectionError):
            await connection.post(b"POST /api/v1/devices/2/lock HTTP/1.1\r\n\r\n")
        transport.close()
