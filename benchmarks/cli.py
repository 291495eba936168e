"""The ``mdmkit`` command's costs, measured side by side in one run (``make bench``).

Start-up: ``import mdmkit`` and ``mdmkit --help`` against a bare interpreter, the median of
several runs each (the machines are shared and noisy). Memory: ``mdmkit inventory export``
of 100,000 devices against 1,000, as a ratio of peaks (flat means one page deep), measured
in-process with tracemalloc and for the whole command as its maximum resident set size.
Nothing here is a pass/fail limit.
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

MDMKIT = str(Path(sys.executable).with_name("mdmkit"))
RUNS = 15


def median_ms(argv: list[str], runs: int = RUNS) -> float:
    """The median wall time of ``argv`` over ``runs`` runs (one warm-up run first)."""
    subprocess.run(argv, capture_output=True, check=True)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(argv, capture_output=True, check=True)
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def bench_startup() -> None:
    print(f"\n# Start-up, median of {RUNS} runs")
    python = sys.executable
    bare = median_ms([python, "-c", "pass"])
    lazy = median_ms([python, "-c", "import mdmkit"])
    used = median_ms([python, "-c", "import mdmkit; mdmkit.SimpleMDM, mdmkit.ManageEngine"])
    helped = median_ms([MDMKIT, "--help"])
    print(f"  python -c pass                      : {bare:6.1f} ms")
    print(f"  import mdmkit                       : {lazy:6.1f} ms  (+{lazy - bare:5.1f} ms)")
    print(f"  import mdmkit + both vendors' names : {used:6.1f} ms  (+{used - bare:5.1f} ms)")
    print(f"  mdmkit --help                       : {helped:6.1f} ms  (+{helped - bare:5.1f} ms)")
    print(f"  ratio import mdmkit / with vendors  : {lazy / used:6.2f}x")


@contextmanager
def fake(devices: int) -> Iterator[dict[str, Any]]:
    """``mdmkit fake simplemdm`` in a child process; yields its connection."""
    process = subprocess.Popen(
        [MDMKIT, "fake", "simplemdm", "--port", "0", "--devices", str(devices), "--json"],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    try:
        yield json.loads(process.stdout.readline())
    finally:
        process.terminate()
        process.wait()
        process.stdout.close()


async def export_in_process(connection: dict[str, Any], path: str) -> int:
    """What ``mdmkit inventory export -f csv`` runs, on one SimpleMDM backend."""
    from mdmkit.cli.formats import DEVICE_COLUMNS, output_file, writer_for
    from mdmkit.cli.inventory import export
    from mdmkit.simplemdm import SimpleMDM

    async with SimpleMDM(connection["api_key"], base_url=connection["url"]) as sm:
        with output_file(path) as out:
            writer = writer_for("csv", out, DEVICE_COLUMNS)
            count = await export([sm], writer)
            writer.close()
    return count


def traced_peak(connection: dict[str, Any], path: str) -> tuple[int, int]:
    gc.collect()
    tracemalloc.start()
    try:
        count = asyncio.run(export_in_process(connection, path))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak, count


def command_max_rss(connection: dict[str, Any], path: str) -> int | None:
    """The command's maximum resident set size in KB (``/usr/bin/time``), if it is there."""
    timer = shutil.which("time") or ("/usr/bin/time" if os.path.exists("/usr/bin/time") else None)
    if timer is None:
        return None
    env = {**os.environ, **connection["env"]}
    done = subprocess.run(
        [timer, "-f", "%M", MDMKIT, "inventory", "export", "-o", path],
        capture_output=True, text=True, env=env, check=True,
    )  # fmt: skip
    return int(done.stderr.strip().splitlines()[-1])


def bench_export_memory() -> None:
    print("\n# mdmkit inventory export: peak memory, 1,000 against 100,000 devices")
    results = {}
    with tempfile.TemporaryDirectory() as folder:
        for size in (1_000, 100_000):
            with fake(size) as connection:
                path = os.path.join(folder, f"inventory-{size}.csv")
                started = time.perf_counter()
                peak, count = traced_peak(connection, path)
                elapsed = time.perf_counter() - started
                assert count == size, (count, size)
                rss = command_max_rss(connection, path)
            results[size] = (peak, rss)
            shown = f", command max RSS {rss / 1024:6.1f} MB" if rss else ""
            print(
                f"  {size:7,d} devices: traced peak {peak / 1e6:6.2f} MB{shown} "
                f"({count / elapsed:,.0f} devices/s in-process)"
            )
    (small, small_rss), (large, large_rss) = results[1_000], results[100_000]
    print(f"  100x more devices -> {large / small:.2f}x the traced peak (flat: one page deep)")
    if small_rss and large_rss:
        print(f"  100x more devices -> {large_rss / small_rss:.2f}x the command's max RSS")


def main() -> None:
    print(f"mdmkit CLI benchmarks on Python {sys.version.split()[0]}, {os.cpu_count()} CPUs")
    bench_startup()
    bench_export_memory()


if __name__ == "__main__":
    main()
