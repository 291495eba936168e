"""FakeSimpleMDM's webhooks over its HTTP control endpoints (``/_fake/webhooks``), as a test
written in another language drives them: register a URL, tune retries, send, read the log."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import anyio
import pytest
from aiohttp import web

from mdmkit.testing import FakeSimpleMDM
from tests.support import serving

pytestmark = pytest.mark.anyio


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
async def hook() -> AsyncIterator[tuple[str, list[bytes]]]:
    """A receiver answering 503 to its first request, then 200; yields its URL and bodies."""
    bodies: list[bytes] = []

    async def handle(request: web.Request) -> web.Response:
        bodies.append(await request.read())
        return web.Response(status=503 if len(bodies) == 1 else 200, text="ok")

    app = web.Application()
    app.router.add_post("/hooks/s3cret", handle)
    async with serving(app) as root:
        yield root + "/hooks/s3cret", bodies


async def call(
    http: aiohttp.ClientSession, method: str, url: str, body: Any = None, **options: Any
) -> tuple[int, Any]:
    async with http.request(method, url, json=body, **options) as response:
        return response.status, await response.json()


async def test_the_index_lists_the_webhook_endpoints(
    fake: FakeSimpleMDM, http: aiohttp.ClientSession
) -> None:
    status, index = await call(http, "GET", fake.control_url)
    assert status == 200
    assert "POST /_fake/webhooks" in index["endpoints"]
    assert "GET /_fake/webhooks/deliveries" in index["endpoints"]
    assert "POST /_fake/faults" in index["endpoints"]  # beside the common ones


async def test_register_send_and_read_the_delivery_log(
    fake: FakeSimpleMDM, http: aiohttp.ClientSession, hook: tuple[str, list[bytes]]
) -> None:
    url, bodies = hook
    control = fake.control_url + "/webhooks"
    status, settings = await call(http, "POST", control, {"url": url})
    assert status == 201
    assert settings == {"urls": [url], "retry_delays": [1.0, 5.0, 25.0, 125.0], "timeout": 10.0}
    status, settings = await call(http, "PATCH", control, {"retry_delays": [2], "timeout": 3})
    assert (status, settings["retry_delays"], settings["timeout"]) == (200, [2.0], 3.0)
    assert fake.webhooks.retry_delays == (2.0,)

    status, sent = await call(http, "POST", control + "/send")
    assert (status, sent) == (202, {"deliveries": [0]})
    data = {"device": {"serial_number": "C02XK1ABJG5J", "model": "Mac15,3"}}
    status, sent = await call(
        http, "POST", control + "/send", {"type": "abm.device.added", "data": data}
    )
    assert (status, sent) == (202, {"deliveries": [1]})
    with anyio.fail_after(30):  # a guard against hanging, not a timing assertion
        await fake.webhooks.wait()

    status, log = await call(http, "GET", control + "/deliveries")
    assert status == 200
    first, second = log
    assert first["index"] == 0
    assert first["url"] == url
    assert first["type"] == "test_event"
    assert first["state"] == "delivered"
    assert first["event"]["data"] == {}
    assert [a["status"] for a in first["attempts"]] == [503, 200]
    assert first["attempts"][1]["at"] - first["attempts"][0]["at"] == 2.0  # the delay set
    assert first["attempts"][1]["response"] == "ok"
    assert second["event"]["data"] == data
    assert len(bodies) == 3
    status, later = await call(http, "GET", control + "/deliveries", params={"since": "1"})
    assert [d["index"] for d in later] == [1]


async def test_unregister_one_url_or_all(fake: FakeSimpleMDM, http: aiohttp.ClientSession) -> None:
    control = fake.control_url + "/webhooks"
    for port in (9001, 9002):
        await call(http, "POST", control, {"url": f"http://127.0.0.1:{port}/hook"})
    status, settings = await call(http, "DELETE", control, {"url": "http://127.0.0.1:9001/hook"})
    assert (status, settings["urls"]) == (200, ["http://127.0.0.1:9002/hook"])
    status, settings = await call(http, "DELETE", control)
    assert (status, settings["urls"]) == (200, [])


@pytest.mark.parametrize(
    ("method", "path", "body", "message"),
    [
        ("POST", "", {}, "give the webhook URL"),
        ("POST", "", ["http://x"], "JSON object"),
        ("POST", "", {"url": "/relative"}, "absolute http"),
        ("PATCH", "", {"retry_delays": "1,5"}, "list of seconds"),
        ("PATCH", "", {"retry_delays": [-1]}, "number of seconds"),
        ("PATCH", "", {"retry_delays": [True]}, "number of seconds"),
        ("PATCH", "", {"timeout": 0}, "more than 0"),
        ("PATCH", "", {"retries": 3}, "no setting 'retries'"),
        ("DELETE", "", {"url": "http://127.0.0.1:9/nothing"}, "not registered"),
        ("POST", "/send", {"type": ""}, "event type"),
        ("POST", "/send", {"data": [1]}, "data must be a JSON object"),
    ],
)
async def test_a_bad_request_is_answered_400_and_changes_nothing(
    fake: FakeSimpleMDM,
    http: aiohttp.ClientSession,
    method: str,
    path: str,
    body: Any,
    message: str,
) -> None:
    status, answer = await call(http, method, fake.control_url + "/webhooks" + path, body)
    assert status == 400
    assert message in answer["error"]
    assert fake.webhooks.urls == []
    assert fake.webhooks.retry_delays == (1.0, 5.0, 25.0, 125.0)
    assert fake.webhooks.deliveries == []


async def test_a_body_that_is_not_json_and_a_bad_since(
    fake: FakeSimpleMDM, http: aiohttp.ClientSession
) -> None:
    async with http.post(fake.control_url + "/webhooks", data=b"{not json") as response:
        assert response.status == 400
    status, answer = await call(
        http, "GET", fake.control_url + "/webhooks/deliveries", params={"since": "x"}
    )
    assert status == 400
    assert "since" in answer["error"]
