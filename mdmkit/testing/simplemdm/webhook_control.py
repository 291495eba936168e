"""The fake SimpleMDM's webhooks over HTTP, under ``/_fake/webhooks``, for tests in any language.

    GET    /_fake/webhooks              the registered URLs and the retry settings
    POST   /_fake/webhooks              register a URL: {"url": "http://127.0.0.1:9000/hooks/..."}
    PATCH  /_fake/webhooks              change settings: {"retry_delays": [1, 5], "timeout": 10}
    DELETE /_fake/webhooks              unregister one URL ({"url": ...}), or every one
    GET    /_fake/webhooks/deliveries   the delivery log with every attempt (?since=N)
    POST   /_fake/webhooks/send         send an event now ({"type": ..., "data": {...}};
                                        an empty body sends the test event)

Sending answers 202 at once with the new deliveries' indexes: read their outcome from the log.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from mdmkit.testing.simplemdm.webhooks import FakeWebhooks, WebhookDelivery

__all__ = ["WEBHOOK_ENDPOINTS", "delivery_json", "webhook_routes"]

_P = "/_fake/webhooks"
WEBHOOK_ENDPOINTS = {
    f"GET {_P}": "the registered webhook URLs, retry_delays and timeout",
    f"POST {_P}": 'register a webhook URL: {"url": ...}',
    f"PATCH {_P}": 'change the retries: {"retry_delays": [seconds, ...], "timeout": seconds}',
    f"DELETE {_P}": 'unregister {"url": ...}, or every URL without a body',
    f"GET {_P}/deliveries": "every webhook delivery and its attempts; query: since (an index)",
    f"POST {_P}/send": 'send an event now: {"type": ..., "data": {...}} (default: test_event)',
}
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def delivery_json(index: int, delivery: WebhookDelivery) -> dict[str, Any]:
    """One delivery of the log: the event as posted, how it ended, and each attempt."""
    return {
        "index": index,
        "url": delivery.url,
        "type": delivery.type,
        "state": delivery.state,
        "event": delivery.event,
        "attempts": [
            {
                "at": attempt.at,
                "status": attempt.status,
                "error": attempt.error,
                "response": attempt.response.decode("utf-8", errors="replace"),
            }
            for attempt in delivery.attempts
        ],
    }


async def _object(request: web.Request) -> dict[str, Any]:
    """The JSON object body ({} when there is none); ValueError (a 400) for anything else."""
    if not (await request.read()).strip():
        return {}
    body = await request.json()  # a ValueError when it is not JSON
    if not isinstance(body, dict):
        raise ValueError("the body must be a JSON object")
    return body


def _url(body: dict[str, Any]) -> str:
    url = body.get("url")
    if not isinstance(url, str):
        raise ValueError('give the webhook URL: {"url": "http://..."}')
    return url


def _seconds(value: object, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ValueError(f"{name} must be a number of seconds, not {value!r}")
    return float(value)


def webhook_routes(webhooks: FakeWebhooks) -> list[web.RouteDef]:
    """The endpoints above, over one fake's ``webhooks``."""

    def settings() -> dict[str, Any]:
        return {
            "urls": webhooks.urls,
            "retry_delays": list(webhooks.retry_delays),
            "timeout": webhooks.timeout,
        }

    async def show(request: web.Request) -> web.StreamResponse:
        return web.json_response(settings())

    async def register(request: web.Request) -> web.StreamResponse:
        webhooks.register(_url(await _object(request)))
        return web.json_response(settings(), status=201)

    async def change(request: web.Request) -> web.StreamResponse:
        body = await _object(request)
        unknown = set(body) - {"retry_delays", "timeout"}
        if unknown:
            raise ValueError(f"no setting {sorted(unknown)[0]!r}; settings: retry_delays, timeout")
        delays = body.get("retry_delays", webhooks.retry_delays)
        if not isinstance(delays, list | tuple):
            raise ValueError("retry_delays must be a list of seconds")
        checked = tuple(_seconds(delay, "a retry delay") for delay in delays)
        timeout = _seconds(body.get("timeout", webhooks.timeout), "timeout")
        if timeout == 0:
            raise ValueError("timeout must be more than 0 seconds")
        webhooks.retry_delays, webhooks.timeout = checked, timeout
        return web.json_response(settings())

    async def unregister(request: web.Request) -> web.StreamResponse:
        body = await _object(request)
        if not body:
            webhooks.urls.clear()
        else:
            url = _url(body)
            if url not in webhooks.urls:
                raise ValueError("that URL is not registered")
            webhooks.unregister(url)
        return web.json_response(settings())

    async def deliveries(request: web.Request) -> web.StreamResponse:
        text = request.query.get("since", "0")
        if not text.isdigit():
            raise ValueError("since must be a non-negative integer")
        since = int(text)
        logged = webhooks.deliveries
        return web.json_response([delivery_json(i, d) for i, d in enumerate(logged) if i >= since])

    async def send(request: web.Request) -> web.StreamResponse:
        body = await _object(request)
        kind = body.get("type", "test_event")
        data = body.get("data", {})
        if not isinstance(kind, str) or not kind:
            raise ValueError("type must be an event type, such as device.enrolled")
        if not isinstance(data, dict):
            raise ValueError("data must be a JSON object")
        first = len(webhooks.deliveries)
        made = webhooks.queue(kind, data)
        indexes = list(range(first, first + len(made)))
        return web.json_response({"deliveries": indexes}, status=202)

    return [
        web.get(_P, show),
        web.post(_P, register),
        web.patch(_P, change),
        web.delete(_P, unregister),
        web.get(f"{_P}/deliveries", deliveries),
        web.post(f"{_P}/send", send),
    ]
