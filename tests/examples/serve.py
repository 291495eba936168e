"""Running an example the way its docs say: ``python -m uvicorn ...`` in a child process."""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from pathlib import Path

import anyio
import attrs
from anyio.abc import ByteReceiveStream

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


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
