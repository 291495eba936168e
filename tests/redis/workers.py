"""Start ``tests.redis.worker`` processes from an async test and talk to them in JSON lines."""

from __future__ import annotations

import json
import os
import signal
import sys
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

import anyio
from anyio.abc import Process
from anyio.streams.buffered import BufferedByteReceiveStream

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class Worker:
    """One worker process: its settings went in on stdin; its events come back on stdout."""

    def __init__(self, process: Process) -> None:
        self.process = process
        assert process.stdout is not None
        self._lines = BufferedByteReceiveStream(process.stdout)

    async def event(self) -> dict[str, Any]:
        """The next JSON line the worker printed."""
        line = await self._lines.receive_until(b"\n", 1 << 20)
        event: dict[str, Any] = json.loads(line)
        return event

    async def send(self, text: str) -> None:
        assert self.process.stdin is not None
        await self.process.stdin.send(text.encode() + b"\n")

    def kill(self) -> None:
        """SIGKILL: the worker dies mid-call, as a crashed or OOM-killed process does."""
        self.process.send_signal(signal.SIGKILL)


@asynccontextmanager
async def workers(settings: Sequence[dict[str, Any]]) -> AsyncIterator[list[Worker]]:
    """Start one worker per settings dict; kill whatever still runs on the way out."""
    started: list[Worker] = []
    try:
        for one in settings:
            process = await anyio.open_process(
                [sys.executable, "-m", "tests.redis.worker"], cwd=ROOT, stderr=None
            )
            worker = Worker(process)
            started.append(worker)
            await worker.send(json.dumps(one))
        yield started
    finally:
        with anyio.CancelScope(shield=True):
            for worker in started:
                if worker.process.returncode is None:
                    worker.process.kill()
                await worker.process.wait()
                await worker.process.aclose()


async def expect(started: Sequence[Worker], event: str) -> None:
    """Wait until every worker said ``event``, then let them all go on at once."""
    for worker in started:
        said = await worker.event()
        assert said["event"] == event, said
    for worker in started:
        await worker.send("go")


async def finish(worker: Worker) -> dict[str, Any]:
    """The worker's final ``done`` event (after any others), once it has exited cleanly."""
    while (event := await worker.event())["event"] != "done":
        pass
    assert await worker.process.wait() == 0
    return event
