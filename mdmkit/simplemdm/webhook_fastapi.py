"""FastAPI glue for ``WebhookReceiver``: ``webhook_router(receiver)`` is an ``APIRouter``.

    app.include_router(webhook_router(receiver), prefix="/hooks/simplemdm")

Needs the ``fastapi`` extra (``pip install 'mdmkit[fastapi]'``); nothing else in mdmkit
imports this module. The token comes from the path's ``{token}``, else from ``?token=``.
"""

from __future__ import annotations

from typing import Any

try:
    from fastapi import APIRouter, Request
    from fastapi.responses import JSONResponse
except ImportError as _missing:  # pragma: no cover - the message is the point
    raise ImportError(
        "mdmkit.simplemdm.webhook_fastapi needs FastAPI: pip install 'mdmkit[fastapi]'"
    ) from _missing

from mdmkit.simplemdm.webhook_receiver import WebhookReceiver

__all__ = ["webhook_router"]


def webhook_router(
    receiver: WebhookReceiver, *, path: str = "/{token}", **options: Any
) -> APIRouter:
    """A router with one ``POST path`` route feeding ``receiver``; ``options`` go to
    ``APIRouter`` (``tags=``, ``dependencies=``...)."""
    router = APIRouter(**options)

    async def simplemdm_webhook(request: Request) -> JSONResponse:
        header = request.headers.get("content-length", "")
        answer = await receiver.receive(
            request.path_params.get("token") or request.query_params.get("token"),
            request.stream(),
            content_length=int(header) if header.isdigit() else None,  # the cap holds anyway
        )
        return JSONResponse(answer.body, status_code=answer.status)

    router.add_api_route(path, simplemdm_webhook, methods=["POST"], summary="SimpleMDM webhook")
    return router
