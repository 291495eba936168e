"""Servers the engine tests talk to over real sockets: hostile answers the fakes never give.

``RawServer`` writes bytes no HTTP server library would (broken status lines, resets);
``StreamServer`` is an aiohttp app whose handlers stream bodies of any size or encoding.
"""

from __future__ import annotations

import asyncio
import socket
import struct
import zlib
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from functools import cache

from aiohttp import web

MiB = 1024 * 1024
JSON_HEAD = b'{"data":[],"has_more":false}'

# what RawServer does after reading a request: bytes to send, then close; RESET sends an RST
RESET = b"<reset>"
SILENT = b"<silent>"  # never answer, keep the connection open
Answer = bytes | Callable[[Mapping[str, str]], bytes]


@asynccontextmanager
async def raw_server(answers: Mapping[str, Answer]) -> AsyncIterator[RawServer]:
    """A RawServer on a free loopback port for the ``async with`` block."""
    server = RawServer(answers)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


class RawServer:
    """Answers ``GET /<name>`` (any method) with ``answers[name]``: raw bytes, then closes."""

    def __init__(self, answers: Mapping[str, Answer]) -> None:
        self.answers = answers
        self.hits: Counter[str] = Counter()
        self.seen_headers: list[dict[str, str]] = []
        self._server: asyncio.Server | None = None
        self._open: set[asyncio.StreamWriter] = set()
        self._stopping = asyncio.Event()

    @property
    def url(self) -> str:
        assert self._server is not None
        port = self._server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)

    async def stop(self) -> None:
        self._stopping.set()  # silent handlers end: nothing is left to cancel
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._open.add(writer)
        try:
            line = await reader.readline()
            if not line:  # the client hung up before asking (an attempt that timed out early)
                return
            headers: dict[str, str] = {}
            length = 0
            while (raw := await reader.readline()) not in (b"\r\n", b""):
                name, _, value = raw.decode("latin-1").partition(":")
                headers[name.strip().lower()] = value.strip()
                if name.strip().lower() == "content-length":
                    length = int(value)
            if length:
                await reader.readexactly(length)
            name = line.split()[1].decode().strip("/").split("?")[0].split("/")[-1]
            self.hits[name] += 1
            self.seen_headers.append(headers)
            answer = self.answers[name]
            data = answer(headers) if callable(answer) else answer
            if data == SILENT:
                await self._stopping.wait()
                return
            if data == RESET:
                sock = writer.get_extra_info("socket")
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            else:
                writer.write(data)
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            self._open.discard(writer)
            writer.close()


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@asynccontextmanager
async def stream_server(routes: Mapping[str, Handler]) -> AsyncIterator[StreamServer]:
    """An aiohttp server answering ``GET /<name>`` with ``routes[name]``; counts the hits."""
    server = StreamServer(routes)
    app = web.Application()
    app.router.add_route("*", "/{name}", server.dispatch)
    runner = web.AppRunner(app, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    server.url = f"http://127.0.0.1:{port}"
    try:
        yield server
    finally:
        await runner.cleanup()


class StreamServer:
    """Routes by the last path segment; ``hits`` counts the requests each route received."""

    def __init__(self, routes: Mapping[str, Handler]) -> None:
        self.routes = routes
        self.hits: Counter[str] = Counter()
        self.url = ""

    async def dispatch(self, request: web.Request) -> web.StreamResponse:
        name = request.match_info["name"]
        self.hits[name] += 1
        return await self.routes[name](request)


async def stream(
    request: web.Request,
    chunks: Callable[[], AsyncIterator[bytes] | list[bytes]],
    *,
    status: int = 200,
    headers: Mapping[str, str] | None = None,
) -> web.StreamResponse:
    """Send ``chunks()`` as the body, stopping quietly when the client hangs up."""
    response = web.StreamResponse(status=status, headers={"Content-Type": "application/json"})
    response.headers.update(headers or {})
    await response.prepare(request)
    produced = chunks()
    try:
        if isinstance(produced, list):
            for chunk in produced:
                await response.write(chunk)
        else:
            async for chunk in produced:
                await response.write(chunk)
        await response.write_eof()
    except (ConnectionError, RuntimeError):  # the client closed the connection: expected
        pass
    return response


@cache
def gzip_bomb(inflated_mib: int = 1024) -> list[bytes]:
    """A valid gzip stream (as chunks) of a JSON object padded to ``inflated_mib`` MiB.

    One MiB of spaces compressed after a full flush is the same ~1 kB every time, so the
    stream is built by repeating it: 1 GiB inflated costs about 1 MB on the wire.
    """
    pad = b" " * MiB
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    head = compressor.compress(JSON_HEAD) + compressor.flush(zlib.Z_FULL_FLUSH)
    block = compressor.compress(pad) + compressor.flush(zlib.Z_FULL_FLUSH)
    again = compressor.compress(pad) + compressor.flush(zlib.Z_FULL_FLUSH)
    assert block == again, "a full flush should make the compressed block repeatable"
    final = compressor.flush()[:-8]  # the closing empty block, without the gzip trailer
    crc = zlib.crc32(JSON_HEAD)
    for _ in range(inflated_mib):
        crc = zlib.crc32(pad, crc)
    size = (len(JSON_HEAD) + inflated_mib * MiB) & 0xFFFFFFFF
    return [head, *([block] * inflated_mib), final + struct.pack("<II", crc, size)]
