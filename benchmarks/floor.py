"""The machine's floor for fan-out: POSTs over asyncio's own sockets, with no HTTP library.

What the bench server and this machine allow before any client's cost: each of
``concurrency`` workers holds one kept-alive connection and sends its next request the
moment the last answer is whole. It reads only what the bench server writes (a status line,
headers with a Content-Length, the body), so it belongs here and nowhere else.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Iterator
from urllib.parse import urlsplit

__all__ = ["post_all"]


class _Connection(asyncio.Protocol):
    """One kept-alive connection: a request written, its answer awaited whole."""

    def __init__(self) -> None:
        self.buffer = b""
        self.due: int | None = None  # bytes of the answer being read, once its head is in
        self.answered: asyncio.Future[int] | None = None
        self.transport: asyncio.Transport | None = None
        self.lost: Exception | None = None  # why the connection ended, once it has

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if self.due is None:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            self.due = end + 4 + _content_length(self.buffer[:end])
        if len(self.buffer) >= self.due and self.answered is not None:
            status = int(self.buffer[9:12])
            self.buffer, self.due = self.buffer[self.due :], None
            self.answered.set_result(status)

    def connection_lost(self, exc: Exception | None) -> None:
        self.lost = exc or ConnectionError("the server closed the connection")
        if self.answered is not None and not self.answered.done():
            self.answered.set_exception(self.lost)

    async def post(self, request: bytes) -> int:
        assert self.transport is not None
        if self.lost is not None:
            raise self.lost
        self.answered = asyncio.get_running_loop().create_future()
        self.transport.write(request)
        return await self.answered


def _content_length(head: bytes) -> int:
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return int(value)
    return 0


async def post_all(url: str, paths: Iterable[str], concurrency: int) -> list[int]:
    """POST to every path under ``url`` (``http://host:port``), ``concurrency`` at a time,
    each worker on its own connection; the statuses, in the order the answers came."""
    parts = urlsplit(url)
    host, port = parts.hostname, parts.port
    assert host is not None
    assert port is not None
    loop = asyncio.get_running_loop()
    todo: Iterator[str] = iter(paths)
    statuses: list[int] = []

    async def worker() -> None:
        transport, connection = await loop.create_connection(_Connection, host, port)
        head = f"HTTP/1.1\r\nHost: {parts.netloc}\r\nContent-Length: 0\r\n\r\n"
        try:
            for path in todo:
                statuses.append(await connection.post(f"POST {path} {head}".encode()))
        finally:
            transport.close()

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return statuses
