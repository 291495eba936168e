"""The small sections: account, push certificate, DEP servers and devices, enrollments, logs."""

from __future__ import annotations

import base64
from collections.abc import Iterator

from aiohttp import web

from mdmkit.testing._server import Problem
from mdmkit.testing.simplemdm.common import (
    Routes,
    SCall,
    find,
    find_key,
    listing,
    one,
    read_routes,
    require,
    status_only,
)
from mdmkit.testing.simplemdm.records import Device, LogEntry
from mdmkit.testing.simplemdm.render import (
    account_json,
    dep_server_json,
    enrollment_json,
    log_json,
    push_certificate_json,
)
from mdmkit.testing.simplemdm.render_device import dep_device_json

__all__ = ["routes"]

routes = Routes()
YEAR = 365 * 86_400.0


@routes.get("/account")
def get_account(call: SCall) -> web.Response:
    return one(account_json(call.state))


@routes.patch("/account")
def update_account(call: SCall) -> web.Response:
    account = call.state.account
    account.name = call.arg("name") or account.name
    code = call.arg("apple_store_country_code")
    if code is not None:
        if len(code) != 2 or not code.isalpha():
            raise Problem(422, "apple_store_country_code must be a two-letter country code")
        account.apple_store_country_code = code.upper()
    return one(account_json(call.state))


@routes.get("/push_certificate")
def get_push_certificate(call: SCall) -> web.Response:
    return one(push_certificate_json(call.state))


@routes.put("/push_certificate")
def update_push_certificate(call: SCall) -> web.Response:
    part = call.file("file")
    if part is None:
        raise Problem(422, "file is required")
    cert = call.state.push_certificate
    cert.file = part.summary()
    cert.apple_id = call.arg("apple_id") or cert.apple_id
    cert.expires_at = call.now + YEAR
    return one(push_certificate_json(call.state))


@routes.get("/push_certificate/scsr")
def signed_csr(call: SCall) -> web.Response:
    plist = b'<?xml version="1.0" encoding="UTF-8"?><plist version="1.0"><dict>'
    plist += b"<key>PushCertRequestCSR</key><string>MIIC...</string></dict></plist>"
    return one(base64.encodebytes(base64.b64encode(plist)).decode())


read_routes(routes, "/dep_servers", "server_id", lambda s: s.dep_servers, dep_server_json)
read_routes(routes, "/enrollments", "enrollment_id", lambda s: s.enrollments, enrollment_json)


@routes.post("/dep_servers/{server_id}/sync")
def sync_dep_server(call: SCall) -> web.Response:
    server = find(call.state.dep_servers, call, "server_id")
    server.sync_count += 1
    server.last_synced_at = call.now
    return status_only(202)


def _on_server(device: Device, server_id: int, servers: int) -> bool:
    """DEP devices are the generated devices bought through ABM, spread over the servers."""
    gen = device.gen
    return gen is not None and gen.dep and device.id % servers == server_id % servers


@routes.get("/dep_servers/{server_id}/dep_devices")
def list_dep_devices(call: SCall) -> web.Response:
    state = call.state
    server = find(state.dep_servers, call, "server_id")
    count = len(state.dep_servers)
    return listing(
        call,
        state.devices.after,
        lambda d: dep_device_json(d, server.id),
        accept=lambda d: _on_server(d, server.id, count),
    )


@routes.get("/dep_servers/{server_id}/dep_devices/{dep_device_id}")
def get_dep_device(call: SCall) -> web.Response:
    state = call.state
    server = find(state.dep_servers, call, "server_id")
    device = find(state.devices, call, "dep_device_id")
    if not _on_server(device, server.id, len(state.dep_servers)):
        raise Problem(404, "object not found")
    return one(dep_device_json(device, server.id))


@routes.post("/enrollments/{enrollment_id}/invitations")
def send_invitation(call: SCall) -> web.Response:
    enrollment = find(call.state.enrollments, call, "enrollment_id")
    contact = require(call, "contact")
    if enrollment.url is None:
        raise Problem(422, "account driven enrollments do not support invitations")
    enrollment.invitations.append(contact)
    return status_only(200)


@routes.delete("/enrollments/{enrollment_id}")
def delete_enrollment(call: SCall) -> web.Response:
    enrollment = find(call.state.enrollments, call, "enrollment_id")
    call.state.enrollments.remove(enrollment.id)
    return status_only(204)


@routes.get("/logs")
def list_logs(call: SCall) -> web.Response:
    state = call.state
    serial = call.arg("serial_number") or None

    def walk(cursor: str | None, desc: bool) -> Iterator[LogEntry]:
        return state.logs.after(cursor, desc)

    return listing(
        call,
        walk,
        lambda e: log_json(state, e),
        accept=lambda e: serial is None or e.serial_number == serial,
        int_ids=False,
    )


@routes.get("/logs/{log_id}")
def get_log(call: SCall) -> web.Response:
    return one(log_json(call.state, find_key(call.state.logs, call.match["log_id"])))
