"""The Zoho accounts token endpoint, reached through the shared request engine.

``token_endpoint`` points a ``Transport`` at an accounts root (no credentials in headers, a
token-endpoint error parser), so token requests get every protection API calls get; and
``post_token_form`` turns what comes back into Zoho's JSON answer or the typed error it means.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

import aiohttp
import anyio

from mdmkit.core.errors import APIError, MDMError, RateLimitError, ServerError
from mdmkit.http.hooks import RequestHooks
from mdmkit.http.retry import RetryPolicy
from mdmkit.http.transport import Timeout, Transport
from mdmkit.manageengine.tokens import (
    rate_limited,
    read_answer,
    redact,
    token_error,
    token_error_detail,
)

__all__ = ["NO_CREDENTIALS", "TOKEN_PATH", "post_token_form", "token_endpoint"]

TOKEN_PATH = "/oauth/v2/token"
TOKEN_BODY_LIMIT = 64 * 1024
"""The largest token answer read: Zoho's are a few hundred bytes."""


class _NoCredentials:
    """The token endpoint's Auth: the credentials travel in the form body, not in a header."""

    def __repr__(self) -> str:
        return "NoCredentials()"

    async def headers(self, transport: Transport) -> Mapping[str, str]:
        return {}

    async def refresh(self, transport: Transport, rejected: Mapping[str, str]) -> bool:
        return False


NO_CREDENTIALS = _NoCredentials()


def token_endpoint(
    accounts_url: str,
    *,
    session: aiohttp.ClientSession | None,
    retry: RetryPolicy | None = None,
    timeout: Timeout | None = None,
    allow_insecure: bool = False,
    clock: Callable[[], float] = time.time,
    sleep: Callable[[float], Awaitable[None]] = anyio.sleep,
    max_response_size: int = TOKEN_BODY_LIMIT,
    name: str | None = None,
    hooks: RequestHooks | None = None,
) -> Transport:
    """The shared engine pointed at a Zoho accounts root: its retries, limits and error typing.

    With ``session`` (the API transport's) it never closes that session. Answers larger
    than ``max_response_size`` (at most ``TOKEN_BODY_LIMIT``) are refused as the engine does.
    ``name`` and ``hooks`` (the API transport's) make token requests log and trace as the
    backend's.
    """
    return Transport(
        accounts_url,
        auth=NO_CREDENTIALS,
        error_parser=token_error_detail,
        max_concurrency=2,
        retry=retry,
        timeout=timeout,
        session=session,
        allow_insecure=allow_insecure,
        clock=clock,
        sleep=sleep,
        default_headers={"Accept": "application/json"},
        max_response_size=min(max_response_size, TOKEN_BODY_LIMIT),
        name=name,
        hooks=hooks,
        scrub=redact,  # a garbled answer that aiohttp quotes may hold a token
    )


async def post_token_form(
    endpoint: Transport, path: str, form: Sequence[tuple[str, str]], *, cooldown: float
) -> dict[str, Any]:
    """POST a form to the token endpoint: Zoho's JSON answer, or the typed error it means.

    429 and 503 are retried by the engine as for any call; what outlasts them raises a
    ``TokenRateLimitError`` (with the server's wait) or a ``ServerError``. A refusal, with any
    status (Zoho refuses with 200 too), is an ``OAuthError`` from ``token_error``.
    """
    url = endpoint.base_url + TOKEN_PATH
    try:
        response = await endpoint.request("POST", path, form=form, idempotent=False)
    except RateLimitError as exc:
        failure: MDMError = rate_limited(exc.retry_after, url)
    except ServerError:
        raise
    except APIError as exc:
        data = {"error": exc.code or f"HTTP {exc.status}", "error_description": exc.message}
        failure = token_error(data, exc.status, endpoint.base_url, cooldown=cooldown)
    else:
        data = read_answer(response)
        if "error" not in data:
            return data
        failure = token_error(data, response.status, endpoint.base_url, cooldown=cooldown)
    raise failure
