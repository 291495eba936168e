"""A bench server that is not the bottleneck: SimpleMDM and ManageEngine device lists in the
recorded shape, rendered from byte templates (no json.dumps per request), in its own process.

    python benchmarks/server.py --devices 20000      # prints "url: http://127.0.0.1:PORT"

SimpleMDM: ``GET /api/v1/devices`` (limit 1..100, starting_after, direction asc|desc, ids 1..N)
and ``POST /api/v1/devices/{id}/lock``. ManageEngine: ``GET /api/v1/mdm/devices`` (offset,
limit clamped to 200, ``metadata.total_record_count``). ``PUT /_bench?latency_ms=50`` sets the
latency every answer waits; ``PUT /_bench?devices=N`` resizes both fleets.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import sys
from pathlib import Path
from typing import Any

from aiohttp import web

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


def app_for(fleets: Fleets) -> web.Application:
    async def wait() -> None:
        if fleets.latency:
            await asyncio.sleep(fleets.latency)

    async def simplemdm_devices(request: web.Request) -> web.Response:
        await wait()
        query = request.query
        limit = int(query.get("limit", "10"))
        if not 1 <= limit <= 100:
            return web.json_response({"errors": [{"title": "limit"}]}, status=400)
        after = int(query["starting_after"]) if query.get("starting_after") else None
        desc = query.get("direction", "asc") == "desc"
        body = fleets.simplemdm_page(after, limit, desc)
        return web.Response(body=body, content_type="application/json")

    async def lock(request: web.Request) -> web.Response:
        await wait()
        return web.Response(status=202)

    async def manageengine_devices(request: web.Request) -> web.Response:
        await wait()
        limit = min(int(request.query.get("limit", "50")), 200)
        offset = int(request.query.get("offset", "0"))
        body = fleets.manageengine_page(offset, limit)
        return web.Response(body=body, content_type="application/json")

    async def control(request: web.Request) -> web.Response:
        if "latency_ms" in request.query:
            fleets.latency = float(request.query["latency_ms"]) / 1000
        if "devices" in request.query:
            fleets.devices = int(request.query["devices"])
        return web.json_response({"latency_ms": fleets.latency * 1000, "devices": fleets.devices})

    app = web.Application()
    app.router.add_get("/api/v1/devices", simplemdm_devices)
    app.router.add_post("/api/v1/devices/{id}/lock", lock)
    app.router.add_get("/api/v1/mdm/devices", manageengine_devices)
    app.router.add_put("/_bench", control)
    return app


async def serve(devices: int) -> None:
    runner = web.AppRunner(app_for(Fleets(devices)), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    print(f"url: http://127.0.0.1:{port}", flush=True)
    await asyncio.Event().wait()


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", type=int, default=20_000)
    args = parser.parse_args(argv)
    asyncio.run(serve(args.devices))


if __name__ == "__main__":
    main(sys.argv[1:])
