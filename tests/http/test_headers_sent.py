"""The headers each kind of body goes out with, as a server reads them off the socket: a
body says its own type, and a body-less POST or PUT claims none."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from mdmkit.http.request_body import FORM_TYPE
from mdmkit.http.transport import Transport
from tests.http.servers import raw_server

pytestmark = pytest.mark.anyio

ACCEPTED = b"HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"


class NoAuth:
    async def headers(self, transport: Transport) -> Mapping[str, str]:
        return {}

    async def refresh(self, transport: Transport, rejected: Mapping[str, str]) -> bool:
        return False


@pytest.mark.parametrize(
    ("method", "body", "content_type"),
    [
        ("POST", {}, None),  # a device command without fields
        ("PUT", {}, None),
        ("POST", {"json": {"name": "Fleet"}}, "application/json"),
        ("POST", {"form": {"message": "Lost phone"}}, FORM_TYPE),
        ("PATCH", {"form": [("name", "a"), ("name", "b")]}, FORM_TYPE),
    ],
)
async def test_each_body_goes_out_with_its_own_content_type_and_none_without_one(
    method: str, body: dict[str, Any], content_type: str | None
) -> None:
    async with (
        raw_server({"lock": ACCEPTED}) as server,
        Transport(server.url, auth=NoAuth()) as transport,
    ):
        await transport.request(method, "/devices/1/lock", **body)
    (sent,) = server.seen_headers
    assert sent.get("content-type") == content_type
    assert sent["user-agent"].startswith("mdmkit/")
    assert sent["accept-encoding"] == "gzip, deflate"
