"""The ``mdmkit`` command's costs, measured side by side in one run (``make bench``).

Start-up: ``import mdmkit`` and ``mdmkit --help`` against a bare interpreter, the median of
several runs each (the machines are shared and noisy). Memory: ``mdmkit inventory export``
of 100,000 devices against 1,000 as a ratio of the whole command's peak resident set size
(flat means one page deep), and the export code's traced peak (tracemalloc, 10,000 against
1,000: tracing is slow). Nothing here is a pass/fail limit.
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
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

from mdmkit.cli.formats import DEVICE_COLUMNS, output_file, writer_for
from mdmkit.cli.inventory import export
from mdmkit.simplemdm import SimpleMDM

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
    print(f"  import mdmkit                       : {lazy:6.1f} ms  ({lazy - bare:+6.1f} ms)")
    print(f"  import mdmkit + both vendors' names : {used:6.1f} ms  ({used - bare:+6.1f} ms)")
    print(f"  mdmkit --help                       : {helped:6.1f} ms  ({helped - bare:+6.1f} ms)")
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


def command_max_rss(connection: dict[str, Any], path: str) -> tuple[int, float]:
    """The whole command's maximum resident set size in KB and its wall time (``time -f``)."""
    env = {**os.environ, **connection["env"]}
    done = subprocess.run(
        ["/usr/bin/time", "-f", "%M %e", MDMKIT, "inventory", "export", "-o", path],
        capture_output=True, text=True, env=env, check=True,
    )  # fmt: skip
    rss, seconds = done.stderr.strip().splitlines()[-1].split()
    return int(rss), float(seconds)


def bench_export_memory() -> None:
    print("\n# mdmkit inventory export (csv to a file) from a fake SimpleMDM in another process")
    with tempfile.TemporaryDirectory() as folder:
        if os.path.exists("/usr/bin/time"):
            rss = {}
            for size in (1_000, 100_000):
                with fake(size) as connection:
                    path = os.path.join(folder, f"inventory-{size}.csv")
                    rss[size], seconds = command_max_rss(connection, path)
                with open(path) as exported:
                    assert sum(1 for _ in exported) == size + 1
                print(
                    f"  {size:7,d} devices: the command's max RSS {rss[size] / 1024:6.1f} MB, "
                    f"{seconds:6.1f} s ({size / seconds:,.0f} devices/s)"
                )
            ratio = rss[100_000] / rss[1_000]
            print(
                f"  100x more devices -> {ratio:.2f}x the command's max RSS (flat: one page deep)"
            )
        else:
            print("  (no /usr/bin/time: the command's max RSS is not measured)")
        peaks: dict[int, int] = {}
        for size in (1_000, 10_000):  # tracemalloc slows Python several times over
            with fake(size) as connection:
                path = os.path.join(folder, "traced.csv")
                if not peaks:  # first use builds caches (converter hooks...): not per device
                    asyncio.run(export_in_process(connection, path))
                peaks[size], count = traced_peak(connection, path)
            assert count == size, (count, size)
            print(
                f"  {size:7,d} devices: traced peak of the export code {peaks[size] / 1e6:6.2f} MB"
            )
        ratio = peaks[10_000] / peaks[1_000]
        print(f"  10x more devices -> {ratio:.2f}x the traced peak (flat: one page deep)")


def main() -> None:
    print(f"mdmkit CLI benchmarks on Python {sys.version.split()[0]}, {os.cpu_count()} CPUs")
    bench_startup()
    bench_export_memory()


if __name__ == "__main__":
    main()
