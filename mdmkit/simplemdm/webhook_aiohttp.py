"""aiohttp glue for ``WebhookReceiver``: ``webhook_handler(receiver)`` is a request handler.

    app.router.add_post("/hooks/simplemdm/{token}", webhook_handler(receiver))

The token comes from the route's ``{token}`` segment, else from the ``?token=`` query.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

from mdmkit.simplemdm.webhook_receiver import WebhookReceiver

__all__ = ["webhook_handler"]

CHUNK_SIZE = 64 * 1024


def webhook_handler(receiver: WebhookReceiver) -> Callable[[web.Request], Awaitable[web.Response]]:
    """An aiohttp handler that feeds each request to ``receiver`` and answers as it says."""

    async def simplemdm_webhook(request: web.Request) -> web.Response:
        answer = await receiver.receive(
            request.match_info.get("token") or request.query.get("token"),
            request.content.iter_chunked(CHUNK_SIZE),
            content_length=request.content_length,
        )
        return web.json_response(answer.body, status=answer.status)

    return simplemdm_webhook
