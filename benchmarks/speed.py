"""Issue 8's targets, measured side by side in one run and printed with their ratios.

Every figure is a ratio to a baseline measured in the same run (the machine is shared and
noisy): several interleaved runs (the clients in reverse order every other run), reported
as the median and the range. The servers run in a child process (benchmarks/server.py), so
only the client's CPU and memory are counted here. Results go to benchmarks/results.json
(git-ignored); docs/performance.md shows a run.

    python benchmarks/speed.py            # BENCH_RUNS=9 for more runs (default 5)
    BENCH_ONLY=listing,parallel python benchmarks/speed.py    # some sections only
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import statistics
import sys
import time
import tracemalloc
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import aiohttp
from floor import post_all
from run import count_items, list_with_bare_aiohttp
from server import bench_server

from mdmkit.core.bulk import run_bulk
from mdmkit.http import jsonbody
from mdmkit.http.convert import make_converter, plain_structure
from mdmkit.manageengine import ManageEngineClient
from mdmkit.simplemdm import SimpleMDMClient
from mdmkit.simplemdm.envelope import flatten
from mdmkit.simplemdm.mapping import to_device
from mdmkit.simplemdm.models import Device
from mdmkit.testing import FakeClock, FakeManageEngine

HERE = Path(__file__).parent
T = TypeVar("T")
RUNS = int(os.environ.get("BENCH_RUNS", "5"))  # medians of 3 moved with the neighbours
RESULTS: dict[str, dict[str, Any]] = {}
SIMPLEMDMPY = "SimpleMDMpy 3.0.7"


def record(
    name: str, values: list[float], unit: str, target: str = "", met: bool | None = None
) -> None:
    """One row: its runs, median and range; ``met`` says whether the target holds (median)."""
    RESULTS[name] = {
        "unit": unit,
        "runs": values,
        "median": statistics.median(values),
        "min": min(values),
        "max": max(values),
        "target": target,
        "met": met,
    }
    median = statistics.median(values)
    spread = f"{min(values):.3g}..{max(values):.3g}"
    verdict = "" if met is None else ("met" if met else "NOT MET")
    print(f"  {name:56s} {median:10.3g} {unit:8s} [{spread:>17s}]  {target:>14s} {verdict}")


def in_turn(clients: dict[str, T], run: int) -> list[tuple[str, T]]:
    """The clients of one run, in order on even runs and in reverse on odd ones, so that a
    drift of the machine's speed within a run favours no client (counterbalanced)."""
    order = list(clients.items())
    return order if run % 2 == 0 else order[::-1]


def section(title: str) -> None:
    print(f"\n# {title}")
    print(f"  {'':56s} {'median':>10s} {'':8s} {'range':>19s}  {'target':>14s}")


async def configure(url: str, **settings: Any) -> None:
    async with aiohttp.ClientSession() as session, session.put(url + "/_bench", params=settings):
        pass


# -- structuring one recorded device ------------------------------------------------------------


def bench_structuring() -> None:
    section(
        "Structuring one recorded 80-field SimpleMDM device (us; json.loads of it as the yardstick)"
    )
    record_ = json.loads((HERE.parent / "tests/simplemdm/fixtures/devices.json").read_text())
    resource = record_["body"]["data"][0]
    body = json.dumps(resource).encode()
    converter = make_converter()
    generated = converter.generated(Device)
    assert generated is not None
    native = generated(flatten(resource), resource)
    calls: dict[str, Callable[[], Any]] = {
        "json.loads": lambda: json.loads(body),
        "native (flatten + generated)": lambda: generated(flatten(resource), resource),
        "native, plain cattrs path (before)": lambda: plain_structure(
            converter, flatten(resource), Device, raw=resource
        ),
        "neutral Device on top": lambda: to_device(native, source="sm"),
    }
    times: dict[str, list[float]] = {name: [] for name in calls}
    for _ in range(RUNS * 3):
        for name, call in calls.items():
            best = float("inf")
            for _ in range(5):
                started = time.perf_counter()
                for _ in range(400):
                    call()
                best = min(best, (time.perf_counter() - started) / 400 * 1e6)
            times[name].append(best)
    ratio = {
        name: [t / j for t, j in zip(v, times["json.loads"], strict=True)]
        for name, v in times.items()
    }
    for name, values in times.items():
        record(f"structure: {name}", values, "us")
    record(
        "structure: native / json.loads",
        ratio["native (flatten + generated)"],
        "x",
        "<= 0.83 (10/12)",
        statistics.median(ratio["native (flatten + generated)"]) <= 10 / 12,
    )
    record(
        "structure: neutral on top / json.loads",
        ratio["neutral Device on top"],
        "x",
        "<= 0.17 (2/12)",
        statistics.median(ratio["neutral Device on top"]) <= 2 / 12,
    )
    record(
        "structure: plain path (before) / json.loads",
        ratio["native, plain cattrs path (before)"],
        "x",
    )


# -- listing 20,000 devices at 0 ms ---------------------------------------------------------------


async def plain_loop(url: str) -> int:
    """The floor: aiohttp and json.loads, the same pages, no models (run.py's loop)."""
    return await list_with_bare_aiohttp(url + "/api/v1", "key")


async def mdmkit_native(url: str, parallel: bool = False) -> int:
    async with SimpleMDMClient("key", base_url=url + "/api/v1") as sm:
        return await count_items(sm.devices.list(parallel=parallel))


async def mdmkit_neutral(url: str) -> int:
    from mdmkit import SimpleMDM

    async with SimpleMDM("key", base_url=url + "/api/v1") as sm:
        # the neutral list asks include_awaiting_enrollment=true; the bench server ignores it
        return await count_items(sm.devices.list())


def simplemdmpy(url: str) -> int:
    """SimpleMDMpy 3.0.7: its base URL pointed at the bench server, its one-second pause
    between device pages turned off (``device_req_rate_limit = 0``)."""
    from SimpleMDMpy.Devices import Devices

    class LocalDevices(Devices):  # type: ignore[misc]
        device_req_rate_limit = 0.0

        def _url(self, path: str) -> str:
            return url + "/api/v1" + path

    return len(LocalDevices("key").get_device())


async def bench_listing() -> None:
    devices = 20_000
    section(f"Listing {devices:,} devices at 0 ms latency: client CPU per device (us)")
    try:
        import SimpleMDMpy  # noqa: F401

        peer = True
    except ImportError:
        peer = False
        print(f"  ({SIMPLEMDMPY} is not installed: make bench installs it into .venv)")
    if peer:
        print(f"  ({SIMPLEMDMPY}: base URL set to the bench server, 1 s pause between pages off)")
    fast = jsonbody.fast_decoder() is not None
    if not fast:
        print("  (orjson is not installed: the 'with speed extra' rows decode with json)")
    async with bench_server(devices) as url:
        await plain_loop(url)  # warm up both sides
        loop = asyncio.get_running_loop()
        clients: dict[str, Callable[[], Awaitable[int]]] = {
            "plain aiohttp + json.loads loop": lambda: plain_loop(url),
            "mdmkit native, speed extra": lambda: _with_speed(True, mdmkit_native(url)),
            "mdmkit native, no speed extra": lambda: _with_speed(False, mdmkit_native(url)),
            "mdmkit neutral, speed extra": lambda: _with_speed(True, mdmkit_neutral(url)),
            "mdmkit neutral, no speed extra": lambda: _with_speed(False, mdmkit_neutral(url)),
        }
        if peer:  # in its own thread: it blocks
            clients[SIMPLEMDMPY] = lambda: loop.run_in_executor(None, simplemdmpy, url)
        per_device: dict[str, list[float]] = {name: [] for name in clients}
        for run in range(RUNS):
            for name, client in in_turn(clients, run):
                gc.collect()
                started = time.process_time()
                count = await client()
                per_device[name].append((time.process_time() - started) / count * 1e6)
                assert count == devices, (name, count)
    base = per_device["plain aiohttp + json.loads loop"]
    for name, values in per_device.items():
        record(f"list: {name}", values, "us/dev")

    def ratio(name: str) -> list[float]:
        return [v / b for v, b in zip(per_device[name], base, strict=True)]

    for name, limit in (
        ("mdmkit native, speed extra", 1.6),
        ("mdmkit native, no speed extra", 2.0),
    ):
        values = ratio(name)
        record(
            f"list: {name} / plain loop",
            values,
            "x",
            f"<= {limit}",
            statistics.median(values) <= limit,
        )
    for name in ("mdmkit neutral, speed extra", "mdmkit neutral, no speed extra"):
        record(f"list: {name} / plain loop", ratio(name), "x")
    if peer:
        for name in ("mdmkit native, speed extra", "mdmkit native, no speed extra"):
            values = [v / p for v, p in zip(per_device[name], per_device[SIMPLEMDMPY], strict=True)]
            record(
                f"list: {name} / {SIMPLEMDMPY}", values, "x", "< 1", statistics.median(values) < 1
            )


async def _with_speed(enabled: bool, call: Awaitable[int]) -> int:
    jsonbody.use_fast_decoder(enabled)
    try:
        return await call
    finally:
        jsonbody.use_fast_decoder(True)


# -- fan-out --------------------------------------------------------------------------------------


WORKERS = "mdmkit, 32 workers (run_bulk)"
FLOOR = "raw sockets, 32 connections (the floor)"


async def bench_fan_out() -> None:
    actions, latency, concurrency = 2_000, 0.020, 32  # (WORKERS says 32 too)
    ideal = actions * latency / concurrency
    section(
        f"{actions:,} device locks at {latency * 1000:.0f} ms latency, concurrency {concurrency}"
    )
    async with bench_server(actions) as url:
        await configure(url, latency_ms=latency * 1000)

        async def ours() -> None:
            async with SimpleMDMClient(
                "key", base_url=url + "/api/v1", max_concurrency=concurrency
            ) as sm:
                await asyncio.gather(*(sm.devices.lock(i + 1) for i in range(actions)))

        async def workers() -> None:  # what devices.run does: a pool of workers, no burst
            async with SimpleMDMClient(
                "key", base_url=url + "/api/v1", max_concurrency=concurrency
            ) as sm:
                ids = list(range(1, actions + 1))
                result = await run_bulk(sm.devices.lock, ids, concurrency=concurrency)
                assert not result.failed

        async def bare() -> None:
            limit = asyncio.Semaphore(concurrency)
            async with aiohttp.ClientSession() as session:

                async def one(ident: int) -> None:
                    async with limit, session.post(f"{url}/api/v1/devices/{ident}/lock") as r:
                        await r.read()

                await asyncio.gather(*(one(i + 1) for i in range(actions)))

        async def floor() -> None:  # what the server and the machine allow: no HTTP library
            paths = (f"/api/v1/devices/{i + 1}/lock" for i in range(actions))
            statuses = await post_all(url, paths, concurrency)
            assert statuses == [202] * actions

        walls: dict[str, list[float]] = {"mdmkit": [], WORKERS: [], "plain aiohttp": [], FLOOR: []}
        calls = {"mdmkit": ours, WORKERS: workers, "plain aiohttp": bare, FLOOR: floor}
        for run in range(RUNS):
            for name, call in in_turn(calls, run):
                started = time.perf_counter()
                await call()
                walls[name].append(time.perf_counter() - started)
    record("fan-out: ideal (N x latency / concurrency)", [ideal], "s")
    for name, values in walls.items():
        record(f"fan-out: {name}", values, "s")
    ratio = [w / ideal for w in walls["mdmkit"]]
    record("fan-out: mdmkit / ideal", ratio, "x", "<= 1.10", statistics.median(ratio) <= 1.10)
    record(f"fan-out: {WORKERS} / ideal", [w / ideal for w in walls[WORKERS]], "x")
    record("fan-out: plain aiohttp / ideal", [w / ideal for w in walls["plain aiohttp"]], "x")
    record(f"fan-out: {FLOOR} / ideal", [w / ideal for w in walls[FLOOR]], "x")


# -- whole fleets in parallel ---------------------------------------------------------------------


async def bench_parallel() -> None:
    latency = 0.050
    section(f"Whole fleets at {latency * 1000:.0f} ms a page: sequential against parallel listing")
    sm_devices, me_devices = 5_000, 8_000
    async with bench_server(max(sm_devices, me_devices)) as url:
        await configure(url, latency_ms=latency * 1000, devices=sm_devices)

        async def me_list(parallel: bool) -> int:
            async with ManageEngineClient.on_premises(url, "key", max_concurrency=8) as me:
                return await count_items(me.devices.list(parallel=parallel, in_flight=8))

        walls: dict[str, list[float]] = {k: [] for k in ("sm seq", "sm par", "me seq", "me par")}
        for _ in range(RUNS):
            await configure(url, devices=sm_devices)
            for key, parallel in (("sm seq", False), ("sm par", True)):
                started = time.perf_counter()
                assert await mdmkit_native(url, parallel=parallel) == sm_devices
                walls[key].append(time.perf_counter() - started)
            await configure(url, devices=me_devices)
            for key, parallel in (("me seq", False), ("me par", True)):
                started = time.perf_counter()
                assert await me_list(parallel) == me_devices
                walls[key].append(time.perf_counter() - started)
    for key, label in (
        ("sm seq", f"SimpleMDM {sm_devices:,} devices, one page after another"),
        ("sm par", "SimpleMDM, both ends at once (parallel=True)"),
        ("me seq", f"ManageEngine {me_devices:,} devices, one page after another"),
        ("me par", "ManageEngine, 8 offset pages in flight (parallel=True)"),
    ):
        record(f"parallel: {label}", walls[key], "s")
    sm = [p / s for p, s in zip(walls["sm par"], walls["sm seq"], strict=True)]
    me = [p / s for p, s in zip(walls["me par"], walls["me seq"], strict=True)]
    record(
        "parallel: SimpleMDM parallel / sequential",
        sm,
        "x",
        "<= 0.55",
        statistics.median(sm) <= 0.55,
    )
    record(
        "parallel: ManageEngine parallel / sequential",
        me,
        "x",
        "<= 0.2",
        statistics.median(me) <= 0.2,
    )


# -- memory ---------------------------------------------------------------------------------------


async def bench_memory() -> None:
    section("Peak client memory while listing every device (tracemalloc): one page deep?")
    peaks: dict[int, float] = {}
    async with bench_server(1_000) as url:
        await mdmkit_native(url)  # warm up: imports done, structure functions written
        for size in (1_000, 100_000):
            await configure(url, devices=size)
            gc.collect()
            tracemalloc.start()
            try:
                count = await mdmkit_native(url)
                peaks[size] = tracemalloc.get_traced_memory()[1] / 1e6
            finally:
                tracemalloc.stop()
            assert count == size
            record(f"memory: peak listing {size:,} devices", [peaks[size]], "MB")
    ratio = peaks[100_000] / peaks[1_000]
    record("memory: 100,000 / 1,000 devices", [ratio], "x", "<= 1.05", ratio <= 1.05)


# -- ManageEngine tokens --------------------------------------------------------------------------


async def bench_tokens() -> None:
    section("ManageEngine: access tokens minted (Zoho allows about 10 per 10 minutes)")
    clock = FakeClock()
    fake = FakeManageEngine(devices=10, seed=1, clock=clock, mint_limit=100)
    async with fake, fake.client(clock=clock.time, sleep=clock.sleep, max_concurrency=64) as me:
        await asyncio.gather(*(me.devices.list(limit=1).first() for _ in range(1_000)))
        burst = len(fake.accounts.mints)
        lifetime = 3600.0
        for _ in range(100):  # ten lifetimes, a call every tenth of one, 20 at a time
            clock.advance(lifetime / 10)
            await asyncio.gather(*(me.devices.list(limit=1).first() for _ in range(20)))
        total = len(fake.accounts.mints)
    record("tokens: minted by 1,000 concurrent calls", [burst], "tokens", "== 1", burst == 1)
    record("tokens: minted over ten token lifetimes", [total], "tokens", "<= 11", total <= 11)


def _sync(call: Callable[[], None]) -> Callable[[], Awaitable[None]]:
    async def run() -> None:
        call()

    return run


async def main() -> None:
    print(
        f"mdmkit speed benchmarks on Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, "
        f"{RUNS} interleaved runs; JSON decoder: {jsonbody.fast_decoder() or 'json'}"
    )
    only = set(filter(None, os.environ.get("BENCH_ONLY", "").split(",")))
    sections: dict[str, Callable[[], Awaitable[None]]] = {
        "structuring": _sync(bench_structuring),
        "listing": bench_listing,
        "fan-out": bench_fan_out,
        "parallel": bench_parallel,
        "tokens": bench_tokens,
        "memory": bench_memory,
    }
    for name, bench in sections.items():
        if not only or name in only:
            await bench()
    out = HERE / "results.json"
    out.write_text(json.dumps(RESULTS, indent=1) + "\n")
    missed = [name for name, row in RESULTS.items() if row["met"] is False]
    print(
        f"\n{len([r for r in RESULTS.values() if r['met']])} targets met, {len(missed)} not met"
        + (": " + "; ".join(missed) if missed else "")
        + f"; results in {out}"
    )


if __name__ == "__main__":
    asyncio.run(main())
