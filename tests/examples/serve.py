"""Serving an example with uvicorn: in this process on a free port (``serving``), or the way
its docs say, ``python -m uvicorn ...`` in a child process (``uvicorn``)."""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
import attrs
import uvicorn as server
from anyio.abc import ByteReceiveStream
from fastapi import FastAPI

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@asynccontextmanager
async def serving(app: FastAPI, **config: Any) -> AsyncIterator[str]:
    """``app`` served by uvicorn on a free port of 127.0.0.1, its lifespan on; yields the root
    URL. ``config`` goes to ``uvicorn.Config`` (``log_config=None, access_log=True`` lets
    caplog see the access log)."""
    options: dict[str, Any] = {"log_level": "warning", **config}
    running = server.Server(server.Config(app, host="127.0.0.1", port=0, lifespan="on", **options))
    async with anyio.create_task_group() as group:
        group.start_soon(running.serve)
        while not running.started:  # noqa: ASYNC110  (uvicorn offers a flag, not an event)
            await anyio.sleep(0.01)
        port = running.servers[0].sockets[0].getsockname()[1]
        try:
            yield f"http://127.0.0.1:{port}"
        finally:
            running.should_exit = True


@attrs.define
class Output:
    """What the child printed so far (stdout and stderr together)."""

    stream: ByteReceiveStream
    text: bytes = b""

    async def until(self, marker: bytes) -> bytes:
        """Read on until ``marker`` shows up (a minute at most: a guard, not a timing test)."""
        with anyio.fail_after(60):
            while marker not in self.text:
                self.text += await self.stream.receive()
        return self.text


@asynccontextmanager
async def uvicorn(arguments: Sequence[str], env: Mapping[str, str]) -> AsyncIterator[Output]:
    """``python -m uvicorn <arguments>`` from the checkout's root, up and serving."""
    command = [sys.executable, "-m", "uvicorn", *arguments]
    async with await anyio.open_process(
        command, cwd=ROOT, env=dict(env), stderr=subprocess.STDOUT
    ) as process:
        try:
            assert process.stdout is not None
            output = Output(process.stdout)
            await output.until(b"Uvicorn running on")
            yield output
        finally:
            process.terminate()
            await process.wait()
