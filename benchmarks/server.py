"""A bench server that is not the bottleneck: SimpleMDM and ManageEngine device lists in the
recorded shape, rendered from byte templates (no json.dumps per request), in its own process.

    python benchmarks/server.py --devices 20000      # prints "url: http://127.0.0.1:PORT"

SimpleMDM: ``GET /api/v1/devices`` (limit 1..100, starting_after, direction asc|desc, ids 1..N)
and ``POST /api/v1/devices/{id}/lock``. ManageEngine: ``GET /api/v1/mdm/devices`` (offset,
limit clamped to 200, ``metadata.total_record_count``). ``PUT /_bench?latency_ms=50`` sets the
latency every answer waits; ``PUT /_bench?devices=N`` resizes both fleets. HTTP is spoken by
a small connection class on asyncio's selector loop rather than a web framework, so the server
stays far from the bottleneck (a request costs it a few microseconds).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import re
import selectors
import socket
import struct
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

RECORDED = Path(__file__).parents[1] / "tests" / "simplemdm" / "fixtures" / "devices.json"
ME_DEVICE: dict[str, Any] = {  # a device list item as ManageEngine Cloud sends it (research)
    "device_id": "0",
    "device_name": "",
    "platform_type": "ios",
    "platform_type_id": 1,
    "os_version": "17.4.1",
    "product_name": "iPhone15,2",
    "model": "iPhone 14 Pro",
    "model_name": "iPhone",
    "serial_number": "",
    "udid": "",
    "imei": ["354445066521325"],
    "is_supervised": True,
    "is_removed": "false",
    "managed_status": 2,
    "owned_by": 1,
    "last_contact_time": "1717000000000",
    "registered_time": 1716000000000,
    "user": {"user_id": "108870000000300001", "user_name": "ana", "user_email": "ana@example.com"},
    "customer_name": "MSP",
    "device_type": "Smartphone",
}
ME_BASE_ID = 108870000001000000  # 18-digit ids, as the service gives


def _template(resource: dict[str, Any]) -> tuple[list[bytes], list[str]]:
    """The resource rendered once: the text between its ``"@name@"`` markers, and the names
    in the order they come."""
    parts = re.split(r'"@(\w+)@"', json.dumps(resource, separators=(",", ":")))
    return [part.encode() for part in parts[::2]], parts[1::2]


def _simplemdm_template() -> tuple[list[bytes], list[str]]:
    resource = json.loads(RECORDED.read_text())["body"]["data"][0]
    resource["id"] = "@id@"
    resource["attributes"]["name"] = "@name@"
    resource["attributes"]["serial_number"] = "@serial@"
    return _template(resource)


def _manageengine_template() -> tuple[list[bytes], list[str]]:
    item = dict(ME_DEVICE, device_id="@id@", device_name="@name@", serial_number="@serial@")
    return _template(item)


class Fleets:
    """Both fleets (ids only: every device is rendered from its id) and the injected latency."""

    def __init__(self, devices: int) -> None:
        self.devices = devices
        self.latency = 0.0
        self.sm = _simplemdm_template()
        self.me = _manageengine_template()

    def _render(self, template: tuple[list[bytes], list[str]], ident: int) -> bytes:
        parts, names = template
        values = {
            "id": b"%d" % ident,
            "name": b'"Fleet device %d"' % ident,
            "serial": b'"C02B%08d"' % (ident % 10**8),
        }
        out = [parts[0]]
        for name, part in zip(names, parts[1:], strict=True):
            out += (values[name], part)
        return b"".join(out)

    def simplemdm_page(self, after: int | None, limit: int, desc: bool) -> bytes:
        if desc:
            top = self.devices if after is None else min(after - 1, self.devices)
            ids = range(top, max(top - limit, 0), -1)
            more = top - limit > 0
        else:
            start = 1 if after is None else max(after + 1, 1)
            ids = range(start, min(start + limit, self.devices + 1))
            more = start + limit <= self.devices
        items = b",".join(self._render(self.sm, i) for i in ids)
        return b'{"data":[' + items + b'],"has_more":' + (b"true" if more else b"false") + b"}"

    def manageengine_page(self, offset: int, limit: int) -> bytes:
        ids = range(offset + 1, min(offset + limit, self.devices) + 1)
        items = b",".join(self._render(self.me, ME_BASE_ID + i) for i in ids)
        meta = b'{"total_record_count":%d}' % self.devices
        return b'{"devices":[' + items + b'],"metadata":' + meta + b"}"


def answer(fleets: Fleets, method: str, target: str) -> tuple[int, bytes]:
    """The status and JSON body for one request (a pure function of the fleets)."""
    path, _, query_string = target.partition("?")
    query = dict(parse_qsl(query_string))
    if method == "GET" and path == "/api/v1/devices":
        limit = int(query.get("limit", "10"))
        if not 1 <= limit <= 100:
            return 400, b'{"errors":[{"title":"limit"}]}'
        after = int(query["starting_after"]) if query.get("starting_after") else None
        desc = query.get("direction", "asc") == "desc"
        return 200, fleets.simplemdm_page(after, limit, desc)
    if method == "POST" and path.startswith("/api/v1/devices/") and path.endswith("/lock"):
        return 202, b""
    if method == "GET" and path == "/api/v1/mdm/devices":
        limit = min(int(query.get("limit", "50")), 200)
        return 200, fleets.manageengine_page(int(query.get("offset", "0")), limit)
    if method == "PUT" and path == "/_bench":
        if "latency_ms" in query:
            fleets.latency = float(query["latency_ms"]) / 1000
        if "devices" in query:
            fleets.devices = int(query["devices"])
        return 200, b'{"latency_ms":%g,"devices":%d}' % (fleets.latency * 1000, fleets.devices)
    return 404, b'{"errors":[{"title":"not found"}]}'


REASONS = {200: b"OK", 202: b"Accepted", 400: b"Bad Request", 404: b"Not Found"}


SO_TIMESTAMPNS = getattr(socket, "SO_TIMESTAMPNS", 35)  # (Linux; the socket module lacks it)
_STAMP_SPACE = socket.CMSG_SPACE(16)


class BenchConnection:
    """HTTP/1.1 on one connection, kept alive: a request line, headers up to the blank line
    and a Content-Length body, answered the fleets' latency after the request came in. Far
    cheaper a request than a web framework, so the client's cost is what the benchmarks see.

    It reads with ``recvmsg`` to learn when the kernel received each request
    (``SO_TIMESTAMPNS``), and times the answer from then: the server's own wake-up from
    ``select`` (about 0.2 ms on this VM) is not latency any client should be charged."""

    def __init__(self, loop: asyncio.AbstractEventLoop, sock: socket.socket, fleets: Fleets):
        self.loop, self.sock, self.fleets = loop, sock, fleets
        self.buffer = b""
        self.out = bytearray()  # written when the socket takes it
        self.writing = self.closing = False
        sock.setblocking(False)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with contextlib.suppress(OSError):  # without it, answers are timed from the read
            sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
        loop.add_reader(sock.fileno(), self.readable)

    def readable(self) -> None:
        try:
            data, ancillary, _, _ = self.sock.recvmsg(1 << 18, _STAMP_SPACE)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        if not data:
            self.close()
            return
        self.data_received(data, _arrival(ancillary, self.loop.time()))

    def data_received(self, data: bytes, arrived: float) -> None:
        self.buffer += data
        while (end := self.buffer.find(b"\r\n\r\n")) >= 0:
            lines = self.buffer[:end].decode("latin-1").split("\r\n")
            headers = {}
            for line in lines[1:]:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
            length = int(headers.get("content-length", "0"))
            if len(self.buffer) < end + 4 + length:
                return
            self.buffer = self.buffer[end + 4 + length :]
            method, target, _ = lines[0].split(" ", 2)
            status, body = answer(self.fleets, method, target)
            close = headers.get("connection", "").lower() == "close"
            if self.fleets.latency and target != "/_bench" and not target.startswith("/_bench?"):
                self.loop.call_at(arrived + self.fleets.latency, self.send, status, body, close)
            else:
                self.send(status, body, close)

    def send(self, status: int, body: bytes, close: bool) -> None:
        if self.closing:
            return
        head = b"HTTP/1.1 %d %s\r\nContent-Length: %d\r\n" % (status, REASONS[status], len(body))
        if body:
            head += b"Content-Type: application/json\r\n"
        self.out += head + b"\r\n" + body
        self.closing = close
        self.flush()

    def flush(self) -> None:
        while self.out:
            try:
                sent = self.sock.send(self.out)
            except (BlockingIOError, InterruptedError):
                if not self.writing:
                    self.loop.add_writer(self.sock.fileno(), self.flush)
                    self.writing = True
                return
            except OSError:
                self.close()
                return
            del self.out[:sent]
        if self.writing:
            self.loop.remove_writer(self.sock.fileno())
            self.writing = False
        if self.closing:
            self.close()

    def close(self) -> None:
        if self.sock.fileno() < 0:
            return
        self.closing = True
        self.loop.remove_reader(self.sock.fileno())
        if self.writing:
            self.loop.remove_writer(self.sock.fileno())
        self.sock.close()


def _arrival(ancillary: list[tuple[int, int, bytes]], now: float) -> float:
    """When the kernel received the data just read, on the clock ``now`` is read from (``now``
    itself without a stamp)."""
    for level, kind, data in ancillary:
        if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS and len(data) >= 16:
            seconds, nanoseconds = struct.unpack("qq", data[:16])
            age: float = time.time() - (seconds + nanoseconds / 1e9)
            return now - min(max(age, 0.0), 0.05)
    return now


async def serve(devices: int) -> None:
    fleets = Fleets(devices)
    loop = asyncio.get_running_loop()
    listener = socket.create_server(("127.0.0.1", 0), backlog=1024)
    listener.setblocking(False)

    def accept() -> None:  # (a connection lives as long as the loop reads its socket)
        while True:
            try:
                sock, _ = listener.accept()
            except (BlockingIOError, InterruptedError):
                return
            BenchConnection(loop, sock, fleets)

    loop.add_reader(listener.fileno(), accept)
    print(f"url: http://127.0.0.1:{listener.getsockname()[1]}", flush=True)
    await asyncio.Event().wait()  # until the process is ended


@asynccontextmanager
async def bench_server(devices: int) -> AsyncIterator[str]:
    """This server in a child process with ``devices`` devices in each fleet: its base URL."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, __file__, "--devices", str(devices), stdout=asyncio.subprocess.PIPE
    )
    assert process.stdout is not None
    line = (await process.stdout.readline()).decode()
    try:
        if not line.startswith("url: "):
            raise RuntimeError(f"the bench server did not start: {line!r}")
        yield line.strip().removeprefix("url: ")
    finally:
        process.terminate()
        await process.wait()


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", type=int, default=20_000)
    args = parser.parse_args(argv)
    with asyncio.Runner(loop_factory=precise_loop) as runner:
        runner.run(serve(args.devices))


def precise_loop() -> asyncio.AbstractEventLoop:
    """An event loop whose timers fire on time: asyncio's default selector waits in epoll,
    which counts whole milliseconds, so every answer would come up to a millisecond late (5%
    of a 20 ms latency) and the answers due within one millisecond would all leave together,
    in bursts the client then reads one after another. ``select`` counts microseconds, and
    the few sockets a benchmark opens are no work for it."""
    return asyncio.SelectorEventLoop(PunctualSelector())


class PunctualSelector(selectors.SelectSelector):
    """``select`` that sleeps until the last ``POLLED`` seconds of a wait and polls through
    them: a process woken from a sleep on this VM runs about 0.2 ms after its time (answers
    at 20 ms latency left at 20.9 ms, 20.6 polled), which would count against every client
    alike. It spins only while an answer is due within ``POLLED``, on the server's own core."""

    POLLED = 0.001

    def select(self, timeout: float | None = None) -> list[tuple[selectors.SelectorKey, int]]:
        if timeout is None or timeout <= 0:
            return super().select(timeout)
        due = time.monotonic() + timeout
        if timeout > self.POLLED:
            ready = super().select(timeout - self.POLLED)
            if ready:
                return ready
        while not (ready := super().select(0)) and time.monotonic() < due:
            pass
        return ready


if __name__ == "__main__":
    main(sys.argv[1:])
