"""mdmkit benchmarks: speed and memory, measured side by side in one run (``make bench``).

The fakes run in a subprocess so that only the client's memory is measured in this one.
Results are ratios against a baseline measured in the same run, because the machines are
shared and noisy; nothing here is a pass/fail limit.
"""

from __future__ import annotations

import asyncio
import base64
import gc
import json
import logging
import os
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp
from shared_budget import bench_shared_budget

from mdmkit import Fleet, ManageEngine, RequestEvent, RequestHooks, ResponseTooLargeError, SimpleMDM
from mdmkit.http import jsonbody
from mdmkit.simplemdm import SimpleMDMClient
from mdmkit.testing import FakeManageEngine, FakeSimpleMDM, Latency


@asynccontextmanager
async def fake_server(devices: int) -> AsyncIterator[tuple[str, str]]:
    """A FakeSimpleMDM in a child process; yields its URL and API key."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "mdmkit.testing",
        "simplemdm",
        "--port",
        "0",
        "--devices",
        str(devices),
        "--seed",
        "1",
        stdout=subprocess.PIPE,
    )
    assert process.stdout is not None
    found: dict[str, str] = {}
    while len(found) < 2:
        line = (await process.stdout.readline()).decode()
        if not line:
            raise RuntimeError("the fake server exited before printing its URL")
        key, _, value = line.strip().partition(": ")
        if key in ("url", "api_key"):
            found[key] = value
    try:
        yield found["url"], found["api_key"]
    finally:
        process.terminate()
        await process.wait()


async def timed(call: Callable[[], Awaitable[Any]]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = await call()
    return time.perf_counter() - started, result


async def peak_memory(call: Callable[[], Awaitable[Any]]) -> tuple[int, Any]:
    gc.collect()
    tracemalloc.start()
    try:
        result = await call()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak, result


async def count_items(items: AsyncIterable[object]) -> int:
    """How many items a listing yields, holding none of them (a list of them would be
    measured as the client's memory)."""
    count = 0
    async for _ in items:
        count += 1
    return count


async def list_with_mdmkit(url: str, key: str) -> int:
    async with SimpleMDMClient(key, base_url=url) as sm:
        return await count_items(sm.devices.list(include_awaiting_enrollment=True))


async def list_with_bare_aiohttp(url: str, key: str) -> int:
    """The floor: the same pages fetched and decoded with aiohttp and json, no models."""
    auth = {"Authorization": "Basic " + base64.b64encode(f"{key}:".encode()).decode()}
    count, cursor = 0, None
    async with aiohttp.ClientSession(headers=auth) as session:
        while True:
            params = {"limit": "100", "include_awaiting_enrollment": "true"}
            if cursor:
                params["starting_after"] = cursor
            async with session.get(url + "/devices", params=params) as response:
                body = json.loads(await response.read())
            count += len(body["data"])
            if not body["has_more"]:
                return count
            cursor = str(body["data"][-1]["id"])


async def bench_listing() -> None:
    print("\n# Listing 10,000 devices (100 per page) from a fake in another process")
    async with fake_server(10_000) as (url, key):
        await list_with_bare_aiohttp(url, key)  # warm the server
        bare, n1 = await timed(lambda: list_with_bare_aiohttp(url, key))
        ours, n2 = await timed(lambda: list_with_mdmkit(url, key))
    assert n1 == n2 == 10_000, (n1, n2)
    print(f"  bare aiohttp + json.loads : {bare:6.2f} s  ({n1 / bare:8.0f} devices/s)")
    print(f"  mdmkit typed Device models: {ours:6.2f} s  ({n2 / ours:8.0f} devices/s)")
    print(f"  ratio mdmkit / bare       : {ours / bare:6.2f}x")


async def bench_listing_memory() -> None:
    print("\n# Peak client memory while iterating every device (one page deep?)")
    peaks: list[tuple[int, int]] = []
    for size in (1_000, 20_000):
        async with fake_server(size) as (url, key):
            peak, count = await peak_memory(lambda: list_with_mdmkit(url, key))
        assert count == size
        peaks.append((size, peak))
        print(f"  {size:6d} devices: peak {peak / 1e6:6.2f} MB")
    ratio = peaks[1][1] / peaks[0][1]
    print(f"  20x more devices -> {ratio:.2f}x the peak memory (flat means one page deep)")


def write_random_file(path: str, megabytes: int) -> str:
    """A file of random bytes (so nothing along the way can compress it away)."""
    chunk = os.urandom(1024 * 1024)
    with open(path, "wb") as out:
        for _ in range(megabytes):
            out.write(chunk)
    return path


async def bench_upload_memory() -> None:
    print("\n# Peak client memory uploading an app binary from a path (streamed)")
    async with fake_server(10) as (url, key):
        results = []
        for megabytes in (8, 64):
            with tempfile.TemporaryDirectory() as folder:
                path = write_random_file(os.path.join(folder, "Big.pkg"), megabytes)

                async def upload(path: str = path) -> Any:
                    async with SimpleMDMClient(key, base_url=url) as sm:
                        return await sm.apps.create(binary=path)

                peak, app = await peak_memory(upload)
                assert app.id
                results.append((megabytes, peak))
                print(f"  {megabytes:3d} MB file: client peak {peak / 1e6:6.2f} MB")
    ratio = results[1][1] / results[0][1]
    print(f"  8x larger file -> {ratio:.2f}x the peak memory (flat means streamed)")


async def bench_fleet_merge() -> None:
    print("\n# Fleet: a fast SimpleMDM (1,000 devices) and a slow ManageEngine (0.2 s a page)")
    async with (
        FakeSimpleMDM(devices=1_000, seed=1) as sm_fake,
        FakeManageEngine(devices=1_000, seed=1) as me_fake,
    ):
        me_fake.faults.add(Latency(0.2), route="GET /api/v1/mdm/devices", times=None)

        def backends() -> tuple[SimpleMDM, ManageEngine]:
            sm = SimpleMDM(sm_fake.api_key, base_url=sm_fake.url)
            me = ManageEngine(
                me_fake.client_id,
                me_fake.client_secret,
                me_fake.refresh_token,
                base_url=me_fake.base_url,
                accounts_url=me_fake.accounts_url,
            )
            return sm, me

        sm, me = backends()
        async with sm, me:
            await me.devices.list().first()  # mint the token outside the measurement
            started = time.perf_counter()
            first = None
            count = 0
            for member in (me, sm):  # one after the other, the slow one first
                async for _ in member.devices.list():
                    first = first or time.perf_counter() - started
                    count += 1
            sequential = (first or 0.0, time.perf_counter() - started, count)

        sm, me = backends()
        async with Fleet(sm, me) as fleet:
            await me.devices.list().first()
            started = time.perf_counter()
            first = None
            count = 0
            async for _ in fleet.devices.list():
                first = first or time.perf_counter() - started
                count += 1
            merged = (first or 0.0, time.perf_counter() - started, count)
    assert sequential[2] == merged[2] == 2_000
    for label, (first_s, total_s, _) in (("one after the other", sequential), ("Fleet", merged)):
        print(
            f"  {label:20s}: first device after {first_s:5.2f} s, all 2,000 after {total_s:5.2f} s"
        )
    print(
        f"  ratio Fleet / sequential: first device {merged[0] / sequential[0]:.2f}x, "
        f"all devices {merged[1] / sequential[1]:.2f}x"
    )


def bench_json_decoding() -> None:
    print("\n# Decoding recorded page bodies: the bounded decoder against json.loads")
    fixtures = os.path.join(os.path.dirname(__file__), "..", "tests", "simplemdm", "fixtures")
    pages = [
        json.dumps(json.loads(Path(fixtures, name).read_text())["body"]).encode()
        for name in sorted(os.listdir(fixtures))
        if name.startswith("devices_ID_installed_apps")
    ]
    rounds = 200
    timings = {}
    for label, decode in (("json.loads", json.loads), ("jsonbody.loads", jsonbody.loads)):
        started = time.perf_counter()
        for _ in range(rounds):
            for page in pages:
                decode(page)
        timings[label] = time.perf_counter() - started
    size = sum(map(len, pages)) * rounds / 1e6
    for label, seconds in timings.items():
        print(f"  {label:15s}: {seconds:6.3f} s for {size:.0f} MB ({size / seconds:6.1f} MB/s)")
    print(f"  ratio jsonbody / json: {timings['jsonbody.loads'] / timings['json.loads']:.2f}x")


BOMB_SERVER = """
import asyncio, struct, sys, zlib
from aiohttp import web
MIB, HEAD = 1 << 20, b'{"data":[],"has_more":false}'
def bomb(mib):
    pad, c = b" " * MIB, zlib.compressobj(9, zlib.DEFLATED, 31)
    first = c.compress(HEAD) + c.flush(zlib.Z_FULL_FLUSH)
    block = c.compress(pad) + c.flush(zlib.Z_FULL_FLUSH)
    crc = zlib.crc32(HEAD)
    for _ in range(mib):
        crc = zlib.crc32(pad, crc)
    size = (len(HEAD) + mib * MIB) & 0xFFFFFFFF
    return [first, *[block] * mib, c.flush()[:-8] + struct.pack("<II", crc, size)]
CHUNKS = bomb(int(sys.argv[1]))
async def handle(request):
    response = web.StreamResponse(headers={"Content-Encoding": "gzip"})
    await response.prepare(request)
    try:
        for chunk in CHUNKS:
            await response.write(chunk)
    except (ConnectionError, RuntimeError):
        pass
    return response
async def main():
    app = web.Application()
    app.router.add_get("/bomb", handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    print("url: http://127.0.0.1:%d" % runner.addresses[0][1], flush=True)
    await asyncio.Event().wait()
asyncio.run(main())
"""


async def bench_response_limit() -> None:
    print("\n# Peak client memory for a gzip bomb: 256 KB on the wire, 256 MiB inflated")
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", BOMB_SERVER, "256", stdout=subprocess.PIPE
    )
    assert process.stdout is not None
    url = (await process.stdout.readline()).decode().strip().removeprefix("url: ")
    try:

        async def bare() -> int:
            async with aiohttp.ClientSession() as session, session.get(url + "/bomb") as raw:
                return len(await raw.read())

        async def ours(limit: int) -> int:
            async with SimpleMDMClient("key", base_url=url, max_response_size=limit) as sm:
                try:
                    return len((await sm.request("GET", "/bomb")).body)
                except ResponseTooLargeError:
                    return -1

        rows = [
            ("bare aiohttp read()", await peak_memory(bare)),
            ("mdmkit, default limit 64 MiB", await peak_memory(lambda: ours(64 << 20))),
            ("mdmkit, limit 8 MiB", await peak_memory(lambda: ours(8 << 20))),
        ]
    finally:
        process.terminate()
        await process.wait()
    for label, (peak, size) in rows:
        outcome = "ResponseTooLargeError" if size < 0 else f"{size / 2**20:.0f} MiB body"
        print(f"  {label:29s}: peak {peak / 2**20:7.1f} MiB  ({outcome})")
    print(f"  ratio mdmkit (64 MiB limit) / bare: {rows[1][1][0] / rows[0][1][0]:.2f}x")


async def bench_hooks_overhead() -> None:
    """What request hooks and DEBUG logging cost per call, against none of either."""
    print("\n# 200 GET /account calls in a row, per variant, five interleaved rounds (median)")

    def nothing(event: RequestEvent) -> None:
        pass

    async def nothing_async(event: RequestEvent) -> None:
        pass

    hooks = RequestHooks(
        on_request=nothing, on_response=nothing_async, on_retry=nothing, on_error=nothing
    )
    logger = logging.getLogger("mdmkit")
    sink = logging.NullHandler()
    async with (
        fake_server(10) as (url, key),
        SimpleMDMClient(key, base_url=url) as plain,
        SimpleMDMClient(key, base_url=url, hooks=hooks) as hooked,
    ):

        async def calls(client: SimpleMDMClient) -> None:
            for _ in range(200):
                await client.account.get()

        async def debug_logged() -> None:
            logger.addHandler(sink)
            logger.setLevel(logging.DEBUG)
            try:
                await calls(plain)
            finally:
                logger.removeHandler(sink)
                logger.setLevel(logging.NOTSET)

        await calls(plain)  # warm both ends
        runs: dict[str, list[float]] = {"none": [], "hooks": [], "debug log": []}
        for _ in range(5):
            runs["none"].append((await timed(lambda: calls(plain)))[0])
            runs["hooks"].append((await timed(lambda: calls(hooked)))[0])
            runs["debug log"].append((await timed(debug_logged))[0])
    base = statistics.median(runs["none"])
    for name, seconds in runs.items():
        middle = statistics.median(seconds)
        print(f"  {name:10s}: {middle / 200 * 1e3:6.3f} ms a call, {middle / base:5.2f}x")


async def main() -> None:
    print(f"mdmkit benchmarks on Python {sys.version.split()[0]}, {os.cpu_count()} CPUs")
    bench_json_decoding()
    await bench_fleet_merge()
    await bench_listing()
    await bench_listing_memory()
    await bench_upload_memory()
    await bench_response_limit()
    await bench_shared_budget()
    await bench_hooks_overhead()


if __name__ == "__main__":
    asyncio.run(main())
