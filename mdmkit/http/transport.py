"""The one request engine both vendors share: session, auth, limits, retries, error mapping.

Vendor differences come in as two small objects: an ``Auth`` that adds headers (and may
refresh once on 401) and an ``ErrorParser`` that reads the vendor's error body.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json as jsonlib
import logging
import random
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from types import TracebackType
from typing import Any, Protocol, Self, TypeAlias
from urllib.parse import urlencode, urlsplit

import aiohttp
import anyio
import attrs
from yarl import URL

from mdmkit._version import __version__
from mdmkit.core.errors import ConfigurationError, InvalidRequestError, TransportError
from mdmkit.http.paths import same_origin, url_problem
from mdmkit.http.ratelimit import RateLimiter
from mdmkit.http.response import (
    ErrorParser,
    Response,
    delivery_of,
    error_from_response,
    generic_error_detail,
)
from mdmkit.http.retry import RetryPolicy, decide, server_wait
from mdmkit.http.uploads import FileSource, FormField, multipart_body

__all__ = ["Auth", "Params", "Timeout", "Transport", "check_base_url"]

logger = logging.getLogger("mdmkit.http")

Params: TypeAlias = "Mapping[str, str | int] | Sequence[tuple[str, str]]"
Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]
USER_AGENT = f"mdmkit/{__version__} (+https://github.com/mdmkit/mdmkit)"
_NO_JSON: Any = object()
FORM_TYPE = "application/x-www-form-urlencoded"


class Auth(Protocol):
    """Adds credentials to each request; may refresh them once when the server says 401."""

    async def headers(self, transport: Transport) -> Mapping[str, str]:
        """The headers that authenticate the next request."""
        ...

    async def refresh(self, transport: Transport, rejected: Mapping[str, str]) -> bool:
        """Renew the credentials that ``rejected`` carried; True if a replay is worth it."""
        ...


@attrs.frozen(kw_only=True)
class Timeout:
    """Seconds allowed to connect, and for a whole attempt (longer for uploads)."""

    connect: float = 10.0
    read: float = 60.0
    upload: float = 600.0


def check_base_url(url: str, *, allow_insecure: bool = False, setting: str = "base_url") -> str:
    """``url`` without a trailing slash; ConfigurationError if it is no usable http(s) root.

    Refused: what ``url_problem`` refuses (user info, bad ports, broken IPv6 literals,
    whitespace and control characters), a query or fragment, and plain http:// to anything
    but a loopback address unless ``allow_insecure``. The error never shows a password.
    """
    problem = url_problem(url)
    if problem is None and ("?" in url or "#" in url):
        problem = "must not have a query or a fragment"
    if problem is not None:
        raise ConfigurationError(f"{setting} {problem}, got {_redacted(url)!r}")
    parts = urlsplit(url)
    if parts.scheme == "http" and not allow_insecure and not _is_loopback(parts.hostname or ""):
        raise ConfigurationError(
            f"{setting} {url!r} uses plain http to a remote host; credentials would travel "
            "unencrypted. Use https, or pass allow_insecure=True if you really mean it."
        )
    return url.rstrip("/")


def _redacted(url: object) -> object:
    """``url`` with any user info replaced, so a password in it never reaches an error."""
    return _USERINFO.sub("//***@", url) if isinstance(url, str) else url


_USERINFO = re.compile(r"//.*@")  # up to the last @: over-redacting is harmless


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _require_asyncio() -> None:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        raise ConfigurationError(
            "mdmkit runs on asyncio (aiohttp needs it): call it from a coroutine running on "
            "asyncio, or anyio's asyncio backend. Trio is not supported."
        ) from None


@attrs.frozen
class _Body:
    data: Any = None
    headers: Mapping[str, str] = attrs.Factory(dict)
    empty: bool = True


class Transport:
    """Sends requests for one client: one session, one concurrency limit, one retry policy."""

    def __init__(
        self,
        base_url: str,
        *,
        auth: Auth,
        error_parser: ErrorParser = generic_error_detail,
        max_concurrency: int = 8,
        requests_per_second: float | None = None,
        retry: RetryPolicy | None = None,
        timeout: Timeout | None = None,
        session: aiohttp.ClientSession | None = None,
        allow_insecure: bool = False,
        clock: Clock = time.time,
        sleep: Sleep = anyio.sleep,
        rand: Callable[[], float] = random.random,
        default_headers: Mapping[str, str] | None = None,
    ) -> None:
        if max_concurrency < 1:
            raise ConfigurationError(f"max_concurrency must be at least 1, got {max_concurrency}")
        self.base_url = check_base_url(base_url, allow_insecure=allow_insecure)
        self.allow_insecure = allow_insecure
        self.auth = auth
        self.error_parser = error_parser
        self.max_concurrency = max_concurrency
        self.retry = retry or RetryPolicy()
        self.timeout = timeout or Timeout()
        self.clock = clock
        self.sleep = sleep
        self.rate_limiter = RateLimiter(requests_per_second, clock=clock, sleep=sleep)
        self._rand = rand
        self._default_headers = {"User-Agent": USER_AGENT, **(default_headers or {})}
        self._session = session
        self._owns_session = session is None
        self._capacity: anyio.CapacityLimiter | None = None
        self._closed = False

    def __repr__(self) -> str:
        return f"<Transport {self.base_url} max_concurrency={self.max_concurrency}>"

    async def __aenter__(self) -> Self:
        await self.session()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the session this transport opened; a session the caller passed stays open."""
        self._closed = True
        if self._owns_session and self._session is not None:
            await self._session.close()
            self._session = None

    async def session(self) -> aiohttp.ClientSession:
        """The aiohttp session, created on first use inside the running event loop."""
        if self._closed:
            raise ConfigurationError("this client is closed; create a new one")
        _require_asyncio()
        if self._session is None:
            connector = aiohttp.TCPConnector(limit=max(self.max_concurrency, 10))
            self._session = aiohttp.ClientSession(connector=connector)
        return self._session

    @property
    def capacity(self) -> anyio.CapacityLimiter:
        """The limiter every send of this client holds a slot of (created lazily in the loop)."""
        if self._capacity is None:
            self._capacity = anyio.CapacityLimiter(self.max_concurrency)
        return self._capacity

    def url_for(self, path: str) -> str:
        """The absolute URL for ``path``; absolute URLs must stay on the configured origin.

        A malformed URL, or a path with whitespace, control or non-ASCII characters, is an
        InvalidRequestError: nothing is sent.
        """
        if not isinstance(path, str):
            raise InvalidRequestError(f"path must be a string, got {type(path).__name__}")
        if path[:8].lower().startswith(("http://", "https://")):
            if not same_origin(path, self.base_url):
                problem = url_problem(path) or "is on another origin"
                raise InvalidRequestError(
                    f"refusing to send credentials to another origin: the URL {problem}: "
                    f"{_redacted(path)!r}",
                    field="url",
                )
            return path
        if not path.startswith("/"):
            raise InvalidRequestError(f"path must start with '/', got {path!r:.80}", field="path")
        if not path.isascii() or any(ch <= " " or ch == "\x7f" for ch in path):
            raise InvalidRequestError(
                f"path holds whitespace, control or non-ASCII characters (percent-encode "
                f"them): {path!r:.80}",
                field="path",
            )
        return self.base_url + path

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Params | None = None,
        form: Mapping[str, str] | Sequence[tuple[str, str]] | None = None,
        json: Any = _NO_JSON,
        multipart: Sequence[FormField] | None = None,
        content: FileSource | None = None,
        headers: Mapping[str, str] | None = None,
        idempotent: bool | None = None,
        upload: bool = False,
    ) -> Response:
        """Send one logical request, retrying per policy; raise the mapped error on failure."""
        method = method.upper()
        url = self.url_for(path)
        given = [form is not None, json is not _NO_JSON, multipart is not None, content is not None]
        if sum(given) > 1:
            raise InvalidRequestError("give at most one of form, json, multipart or content")
        files = [v for _, v in multipart or () if isinstance(v, FileSource)]
        if content is not None:
            files.append(content)
        replayable = all(f.replayable for f in files)
        upload = upload or bool(files)
        timeout = aiohttp.ClientTimeout(
            total=self.timeout.upload if upload else self.timeout.read,
            sock_connect=self.timeout.connect,
        )
        session = await self.session()
        target = URL(url, encoded=True)
        attempt = sends = 0
        refreshed = False
        while True:
            attempt += 1
            sends += 1
            await self.rate_limiter.acquire()
            auth_headers = await self.auth.headers(self)
            started = self.clock()
            try:
                async with (
                    self._body(form, json, multipart, content) as body,
                    self.capacity,
                ):
                    all_headers = {
                        **self._default_headers,
                        **body.headers,
                        **(headers or {}),
                        **auth_headers,
                    }
                    async with session.request(
                        method,
                        target,
                        params=params,
                        data=body.data,
                        headers=all_headers,
                        timeout=timeout,
                        allow_redirects=False,
                        skip_auto_headers=("Content-Type",) if body.empty else (),
                    ) as raw:
                        payload = await raw.read()
                        status = raw.status
                        response_headers = {k.lower(): v for k, v in raw.headers.items()}
            except (aiohttp.ClientError, TimeoutError) as exc:
                elapsed = self.clock() - started
                delivery = delivery_of(exc)
                logger.debug(
                    "%s %s -> %s (attempt %d, %.3fs)",
                    method,
                    _log_path(url),
                    type(exc).__name__,
                    sends,
                    elapsed,
                )
                decision = decide(
                    self.retry,
                    method=method,
                    attempt=attempt,
                    delivery=delivery,
                    rand=self._rand(),
                    idempotent=idempotent,
                    replayable=replayable,
                )
                if not decision.retry:
                    raise TransportError(
                        f"{method} {_log_path(url)} failed: {_describe(exc)} ({decision.reason})",
                        method=method,
                        url=url,
                        attempts=sends,
                    ) from exc
                logger.debug("retrying in %.2fs: %s", decision.delay, decision.reason)
                await self.sleep(decision.delay)
                continue

            elapsed = self.clock() - started
            logger.debug(
                "%s %s -> %d (attempt %d, %.3fs)", method, _log_path(url), status, sends, elapsed
            )
            response = Response(
                status=status,
                headers=response_headers,
                body=payload,
                method=method,
                url=url,
                attempts=sends,
                elapsed=elapsed,
            )
            if status < 300:
                return response
            if status == 401 and not refreshed and await self.auth.refresh(self, auth_headers):
                refreshed = True
                attempt -= 1  # the replay after a refresh is not a retry
                continue
            now = self.clock()
            decision = decide(
                self.retry,
                method=method,
                attempt=attempt,
                status=status,
                headers=response_headers,
                now=now,
                rand=self._rand(),
                idempotent=idempotent,
                replayable=replayable,
            )
            if not decision.retry:
                raise error_from_response(response, self.error_parser, now=now)
            if status == 429 and server_wait(response_headers, now) is not None:
                self.rate_limiter.pause(decision.delay)  # every caller waits the server out
            logger.debug("retrying in %.2fs: %s", decision.delay, decision.reason)
            await self.sleep(decision.delay)

    @asynccontextmanager
    async def _body(
        self,
        form: Mapping[str, str] | Sequence[tuple[str, str]] | None,
        json: Any,
        multipart: Sequence[FormField] | None,
        content: FileSource | None,
    ) -> AsyncIterator[_Body]:
        if multipart is not None:
            async with multipart_body(multipart) as writer:
                yield _Body(writer, empty=False)
        elif content is not None:
            async with content.payload() as payload:
                yield _Body(payload, {"Content-Type": content.content_type}, empty=False)
        elif json is not _NO_JSON:
            encoded = jsonlib.dumps(json, separators=(",", ":")).encode()
            yield _Body(encoded, {"Content-Type": "application/json"}, empty=False)
        elif form:
            encoded = urlencode(_pairs(form)).encode()
            yield _Body(encoded, {"Content-Type": FORM_TYPE}, empty=False)
        else:
            yield _Body()


def _pairs(form: Mapping[str, str] | Sequence[tuple[str, str]]) -> Sequence[tuple[str, str]]:
    return list(form.items()) if isinstance(form, Mapping) else list(form)


def _log_path(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _describe(exc: BaseException) -> str:
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
