"""The one request engine both vendors share: session, auth, limits, retries, error mapping.

Vendor differences come in as two small objects: an ``Auth`` that adds headers (and may
refresh once on 401) and an ``ErrorParser`` that reads the vendor's error body.
"""

from __future__ import annotations

import asyncio
import copy
import functools
import logging
import math
import random
import time
from collections.abc import Awaitable, Callable, Coroutine, Mapping, Sequence
from typing import Any, Protocol, TypeAlias
from urllib.parse import urlencode, urlsplit

import aiohttp
import anyio
import attrs
from yarl import URL

from mdmkit._version import __version__
from mdmkit.core.closing import AsyncClosing
from mdmkit.core.errors import (
    ConfigurationError,
    DeadlineExceededError,
    InvalidRequestError,
    MDMError,
    TransportError,
)
from mdmkit.http import logs
from mdmkit.http.admission import Admission
from mdmkit.http.body import (
    ACCEPT_ENCODING,
    DEFAULT_MAX_RESPONSE_SIZE,
    ERROR_BODY_LIMIT,
    check_max_response_size,
    read_body,
)
from mdmkit.http.hooks import HookKind, RequestEvent, RequestHooks
from mdmkit.http.paths import check_base_url, redacted, same_origin, text_problem, url_problem
from mdmkit.http.ratelimit import Limiter, RateLimiter
from mdmkit.http.raw import collect
from mdmkit.http.request_body import NO_JSON, Body, Form, RequestBody, request_body
from mdmkit.http.response import (
    ErrorParser,
    Failure,
    Response,
    error_from_response,
    failure_of,
    generic_error_detail,
    request_id_of,
)
from mdmkit.http.retry import Decision, RetryPolicy, decide, server_wait
from mdmkit.http.time_limit import TimeLimit
from mdmkit.http.uploads import FileSource, FormField

__all__ = ["Auth", "Params", "Timeout", "Transport"]

Params: TypeAlias = "Mapping[str, str | int] | Sequence[tuple[str, str]]"
Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]
USER_AGENT = f"mdmkit/{__version__} (+https://github.com/mdmkit/mdmkit)"


class Auth(Protocol):
    """Adds credentials to each request; may refresh them once when the server says 401.

    An Auth may also have ``async replayed(transport, headers, status)``: after a refresh,
    the transport tells it the status the replay got (a second 401: renewing did not help).
    """

    async def headers(self, transport: Transport) -> Mapping[str, str]:
        """The headers that authenticate the next request."""
        ...

    async def refresh(self, transport: Transport, rejected: Mapping[str, str]) -> bool:
        """Renew the credentials that ``rejected`` carried; True if a replay is worth it."""
        ...


async def _tell_replayed(
    auth: Auth, transport: Transport, sent: Mapping[str, str], status: int
) -> None:
    """Tell an Auth that has a ``replayed(transport, headers, status)`` method (it is optional)
    how the replay after its refresh fared: a second 401 means renewing did not help."""
    replayed = getattr(auth, "replayed", None)
    if replayed is not None:
        await replayed(transport, sent, status)


@attrs.frozen(kw_only=True)
class Timeout:
    """Seconds allowed to connect, for a whole attempt (longer for uploads), and for the call.

    ``read`` (or ``upload``) bounds one attempt from sending to the last byte of the body
    read and inflated. ``deadline``, when set, bounds the whole call: every attempt, every
    backoff and rate-limit wait; a wait that would pass it is not started.
    """

    connect: float = 10.0
    read: float = 60.0
    upload: float = 600.0
    deadline: float | None = attrs.field(default=None)

    @deadline.validator
    def _check_deadline(self, _: attrs.Attribute[float | None], value: float | None) -> None:
        number = isinstance(value, int | float) and not isinstance(value, bool)
        if value is not None and not (number and 0 < value < math.inf):
            raise ConfigurationError(f"Timeout.deadline must be positive seconds, got {value!r}")


def _require_asyncio() -> None:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        raise ConfigurationError(
            "mdmkit runs on asyncio (aiohttp needs it): call it from a coroutine running on "
            "asyncio, or anyio's asyncio backend. Trio is not supported."
        ) from None


class _Credentials:
    """One attempt's auth headers, out of every repr: error trackers record frame locals."""

    __slots__ = ("headers",)

    def __init__(self, headers: Mapping[str, str]) -> None:
        self.headers = headers

    def __repr__(self) -> str:
        return "<credentials: redacted>"


@attrs.frozen
class _Received:
    status: int
    headers: Mapping[str, str]
    body: bytes = attrs.field(repr=False)


@attrs.define(kw_only=True)
class _Call:
    """One logical request on its way: what it sends, its limits, and how far it got.

    ``ends`` is the deadline on the transport's clock (None: no deadline); ``seconds``
    bounds one attempt, from sending to the last byte of the body read and inflated.
    """

    method: str
    url: str
    params: Params | None
    headers: Mapping[str, str]
    body: RequestBody
    idempotent: bool | None
    seconds: float
    connect: float
    deadline: float | None
    ends: float | None
    started: float
    sends: int = 0
    turn: bool = False  # holds a turn to send (see Admission)
    in_flight: bool = False
    last_error: MDMError | None = None
    context: dict[str, Any] | None = None  # what hooks share across the call's events
    shown_url: str | None = None  # the URL events show, with its query (made on first use)

    @classmethod
    def of(
        cls,
        method: str,
        url: str,
        params: Params | None,
        headers: Mapping[str, str] | None,
        body: RequestBody,
        idempotent: bool | None,
        upload: bool,
        limits: Timeout,
        started: float,
    ) -> _Call:
        """The call for a request's checked parts, made at ``started``, bounded by ``limits``."""
        return cls(
            method=method,
            url=url,
            params=params,
            headers=headers or {},
            body=body,
            idempotent=idempotent,
            seconds=limits.upload if upload or body.streams else limits.read,
            connect=limits.connect,
            deadline=limits.deadline,
            ends=None if limits.deadline is None else started + limits.deadline,
            started=started,
        )

    def waiting(self) -> str:
        """Where a deadline that passed between attempts caught the call."""
        return (
            f"it passed before attempt {self.sends + 1} was sent "
            "(waiting for credentials, a rate limit or a free slot)"
        )

    def expired(self, why: str) -> DeadlineExceededError:
        """The error for a call whose deadline has come; ``why`` says where it caught the call."""
        last = f"; last failure: {self.last_error}" if self.last_error is not None else ""
        return DeadlineExceededError(
            f"{self.method} {_log_path(self.url)}: the {self.deadline:g}s deadline passed after "
            f"{self.sends} attempt(s) ({why}){last}",
            deadline=self.deadline or 0.0,
            method=self.method,
            url=self.url,
            attempts=self.sends,
            last_error=self.last_error,
        )


class _Pool:
    """What a transport and its ``with_options`` views share: the session, the send slots and
    the turns to send."""

    def __init__(self, session: aiohttp.ClientSession | None, max_concurrency: int) -> None:
        self.session = session
        self.owns_session = session is None
        self.max_concurrency = max_concurrency
        self.capacity: anyio.CapacityLimiter | None = None
        self.admission = Admission(max_concurrency)
        self.closed = False


class Transport(AsyncClosing):
    """Sends requests for one client: one session, one concurrency limit, one retry policy.

    ``name`` is the backend's (log lines and hook events say it; default: the host);
    ``hooks`` are run around every request (see ``RequestHooks``); ``scrub`` hides what the
    endpoint's answers may hold from the text of a failed send (see ``failure_of``).
    """

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
        max_response_size: int = DEFAULT_MAX_RESPONSE_SIZE,
        rate_limiter: Limiter | None = None,
        name: str | None = None,
        hooks: RequestHooks | None = None,
        scrub: Callable[[str], str] | None = None,
    ) -> None:
        logs.configure_from_env()
        if max_concurrency < 1:
            raise ConfigurationError(f"max_concurrency must be at least 1, got {max_concurrency}")
        if hooks is not None and not isinstance(hooks, RequestHooks):
            raise ConfigurationError(f"hooks must be a RequestHooks, got {hooks!r}")
        self.base_url: str = check_base_url(base_url, allow_insecure=allow_insecure)
        self._checked_base_url = self.base_url
        self.name: str = _checked_name(name, self.base_url)
        self.allow_insecure: bool = allow_insecure
        self.auth: Auth = auth
        self.error_parser: ErrorParser = error_parser
        self.scrub = scrub  # what else a failed send's text must not show (see failure_of)
        self.max_concurrency: int = max_concurrency
        self.retry: RetryPolicy = _checked(retry, RetryPolicy, "retry") or RetryPolicy()
        self.timeout: Timeout = _checked(timeout, Timeout, "timeout") or Timeout()
        self.max_response_size: int = check_max_response_size(max_response_size)
        self.clock: Clock = clock
        self.sleep: Sleep = sleep
        self.hooks: RequestHooks = hooks if hooks is not None else RequestHooks()
        self.rate_limiter: Limiter = _limiter(rate_limiter, requests_per_second, clock, sleep)
        self._rand = rand
        self._default_headers = {
            "User-Agent": USER_AGENT,
            "Accept-Encoding": ACCEPT_ENCODING,  # what read_body can inflate, nothing else
            **(default_headers or {}),
        }
        self._pool = _Pool(session, max_concurrency)
        self._view = False

    def __repr__(self) -> str:
        return f"<Transport {self.name!r} {self.base_url} max_concurrency={self.max_concurrency}>"

    def with_options(
        self, *, timeout: Timeout | None = None, retry: RetryPolicy | None = None
    ) -> Transport:
        """A view sending with another ``timeout`` or ``retry`` policy (None: this one's).

        It shares everything else: the session, the concurrency and rate limits, the auth
        (and so its token cache) and the hooks. Closing a view closes nothing.
        """
        view = copy.copy(self)
        view.timeout = _checked(timeout, Timeout, "timeout") or self.timeout
        view.retry = _checked(retry, RetryPolicy, "retry") or self.retry
        view._view = True
        return view

    async def _enter(self) -> None:
        await self.session()

    async def aclose(self) -> None:
        """Close the session this transport opened; a session the caller passed stays open.

        On a ``with_options`` view this does nothing: the transport it came from owns it all.
        """
        if self._view:
            return
        pool = self._pool
        pool.closed = True
        if pool.owns_session and pool.session is not None:
            await pool.session.close()
            pool.session = None

    async def session(self) -> aiohttp.ClientSession:
        """The aiohttp session, created on first use inside the running event loop."""
        return self._open_session()

    def _open_session(self) -> aiohttp.ClientSession:
        """``session()`` without a coroutine of its own (every request takes it)."""
        pool = self._pool
        if pool.closed:
            raise ConfigurationError("this client is closed; create a new one")
        _require_asyncio()
        if pool.session is None:
            connector = aiohttp.TCPConnector(limit=max(pool.max_concurrency, 10))
            pool.session = aiohttp.ClientSession(connector=connector)
        return pool.session

    @property
    def capacity(self) -> anyio.CapacityLimiter:
        """The limiter every send of this client holds a slot of (created lazily in the loop)."""
        pool = self._pool
        if pool.capacity is None:
            pool.capacity = anyio.CapacityLimiter(pool.max_concurrency)
        return pool.capacity

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
                    f"{redacted(path)!r}",
                    field="url",
                )
            return path
        if not path.startswith("/"):
            raise InvalidRequestError(f"path must start with '/', got {path!r:.80}", field="path")
        # under the base URL checked when this transport was made, only the path's characters
        # can make the URL unfit; a base URL set since then is checked with it
        base = self.base_url
        unfit = text_problem(path) if base is self._checked_base_url else url_problem(base + path)
        if unfit is not None:  # whitespace, controls, non-ASCII, a backslash...
            raise InvalidRequestError(f"path {unfit}: {path!r:.80}", field="path")
        return base + path

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Params | None = None,
        form: Form | None = None,
        json: Any = NO_JSON,
        multipart: Sequence[FormField] | None = None,
        content: FileSource | None = None,
        headers: Mapping[str, str] | None = None,
        idempotent: bool | None = None,
        upload: bool = False,
        limits: Timeout | None = None,
    ) -> Response:
        """Send one logical request, retrying per policy; raise the mapped error on failure.

        ``limits`` replaces the transport's Timeout for this call; its ``deadline`` bounds
        every attempt, wait and backoff of the call together (DeadlineExceededError past it).
        """
        method = method.upper()
        url = self.url_for(path)
        body = request_body(form, json, multipart, content)
        limits = limits or self.timeout
        started = self.clock()
        session = self._open_session()
        call: _Call | None = None
        try:
            if limits.deadline is None:  # no scope to enter: each attempt keeps its own timeout
                # its turn first: calls past the first few wait for it with their arguments
                # checked, before the call is built and before _retrying exists (each waiting
                # call holds less, and the event loop's first turn over 2,000 is shorter)
                turn = await self._turn()
                call = _Call.of(
                    method, url, params, headers, body, idempotent, upload, limits, started
                )
                call.turn = turn
                return await self._retrying(call, session)
            call = _Call.of(method, url, params, headers, body, idempotent, upload, limits, started)
            with anyio.CancelScope(deadline=anyio.current_time() + limits.deadline):
                call.turn = await self._turn()
                return await self._retrying(call, session)
            # the scope ended the call: its deadline passed during an attempt or a wait
            why = f"it passed during attempt {call.sends}" if call.in_flight else call.waiting()
            raise call.expired(why) from call.last_error
        except MDMError as error:
            if call is not None:  # (always: only a built call raises one)
                elapsed = self.clock() - call.started
                await self._observe(self._event(call, "error", elapsed=elapsed, error=error))
            raise
        finally:
            if call is not None:
                self._pass_turn(call)  # if it ended before its first send did

    def _turn(self) -> Coroutine[Any, Any, bool]:
        """Waiting for a turn to send (see Admission), for the caller to await."""
        return self._pool.admission.enter(sending=self.capacity.borrowed_tokens > 0)

    async def _retrying(self, call: _Call, session: aiohttp.ClientSession) -> Response:
        attempt = 0
        refreshed = replaying = False
        while True:
            await self.rate_limiter.acquire()
            credentials = _Credentials(await self.auth.headers(self))
            if call.ends is not None and self.clock() >= call.ends:
                raise call.expired(call.waiting()) from call.last_error
            attempt += 1
            call.sends += 1
            if self.hooks:
                await self.hooks.emit(self._event(call, "request"))
            started = self.clock()
            failure: Failure | None = None
            try:
                received = await self._exchange(call, session, credentials)
            except (aiohttp.ClientError, TimeoutError) as exc:
                failure = failure_of(exc, secrets=credentials.headers.values(), scrub=self.scrub)
            call.in_flight = False
            # raised from here on, never inside the except: the aiohttp exception holds the
            # request's headers and must not become the __context__ of an mdmkit error
            elapsed = self.clock() - started
            if failure is not None:
                decision = decide(
                    self.retry,
                    method=call.method,
                    attempt=attempt,
                    delivery=failure.delivery,
                    rand=self._rand(),
                    idempotent=call.idempotent,
                    replayable=call.body.replayable,
                )
                error: MDMError = TransportError(
                    f"{call.method} {_log_path(call.url)} failed: {failure} ({decision.reason})",
                    method=call.method,
                    url=call.url,
                    attempts=call.sends,
                    error_type=failure.error_type,
                )
                if self._watching():
                    await self._observe(self._event(call, "response", elapsed=elapsed, error=error))
                if not decision.retry:
                    raise error
                await self._back_off(call, decision, error, elapsed)
                continue

            status = received.status
            if self._watching():
                await self._observe(
                    self._event(
                        call, "response", status=status, elapsed=elapsed, headers=received.headers
                    )
                )
            response = Response(
                status=status,
                headers=received.headers,
                body=received.body,
                method=call.method,
                url=call.url,
                attempts=call.sends,
                elapsed=elapsed,
            )
            if replaying:
                replaying = False
                await _tell_replayed(self.auth, self, credentials.headers, status)
            if status < 300:
                collect(response)
                return response
            if (
                status == 401
                and not refreshed
                and await self.auth.refresh(self, credentials.headers)
            ):
                refreshed = replaying = True
                attempt -= 1  # the replay after a refresh is not a retry
                continue
            now = self.clock()
            decision = decide(
                self.retry,
                method=call.method,
                attempt=attempt,
                status=status,
                headers=received.headers,
                now=now,
                rand=self._rand(),
                idempotent=call.idempotent,
                replayable=call.body.replayable,
            )
            error = error_from_response(
                response, self.error_parser, now=now, secrets=credentials.headers.values()
            )
            if not decision.retry:
                raise error
            if status == 429 and server_wait(received.headers, now) is not None:
                logs.log_pause(
                    self._event(call, "retry", status=status, headers=received.headers),
                    decision.delay,
                )
                await self.rate_limiter.throttled(decision.delay)  # every caller waits it out
            await self._back_off(call, decision, error, elapsed, received)

    async def _back_off(
        self,
        call: _Call,
        decision: Decision,
        error: MDMError,
        elapsed: float,
        received: _Received | None = None,
    ) -> None:
        """Wait before the next attempt, unless the wait would pass the call's deadline."""
        call.last_error = error
        if call.ends is not None and self.clock() + decision.delay > call.ends:
            raise call.expired(
                f"not retrying: a {decision.delay:.2f}s wait would pass it"
            ) from error
        event = self._event(
            call,
            "retry",
            status=None if received is None else received.status,
            headers=None if received is None else received.headers,
            elapsed=elapsed,
            error=error,
            delay=decision.delay,
            reason=decision.reason,
        )
        await self._observe(event)
        await self.sleep(decision.delay)

    def _watching(self) -> bool:
        """Whether an attempt's outcome has a reader: a hook, or a DEBUG log handler."""
        return bool(self.hooks) or logs.http.isEnabledFor(logging.DEBUG)

    def _event(
        self,
        call: _Call,
        kind: HookKind,
        *,
        status: int | None = None,
        elapsed: float | None = None,
        headers: Mapping[str, str] | None = None,
        error: MDMError | None = None,
        delay: float | None = None,
        reason: str | None = None,
    ) -> RequestEvent:
        if call.context is None:
            call.context = {}
        if call.shown_url is None:
            call.shown_url = _with_query(call.url, call.params)
        request_id = request_id_of(headers) if headers else getattr(error, "request_id", None)
        return RequestEvent(
            kind=kind,
            backend=self.name,
            method=call.method,
            url=call.shown_url,
            attempt=call.sends,
            status=status,
            elapsed=elapsed,
            request_id=request_id,
            error=error,
            delay=delay,
            reason=reason,
            context=call.context,
        )

    def _pass_turn(self, call: _Call) -> None:
        """Hand the call's turn to send to the next in line, if it holds one."""
        if call.turn:
            call.turn = False
            self._pool.admission.leave()

    async def _observe(self, event: RequestEvent) -> None:
        """Log the event and run its hooks."""
        logs.log_event(event)
        if self.hooks:
            await self.hooks.emit(event)

    async def _exchange(
        self, call: _Call, session: aiohttp.ClientSession, credentials: _Credentials
    ) -> _Received:
        """One attempt: send, then read the body within max_response_size and call.seconds."""
        async with call.body.opened() as body:
            capacity = self.capacity
            if not _took_free_slot(capacity):  # (a call with a turn finds one free, mostly)
                await capacity.acquire()
            try:
                call.in_flight = True  # until _retrying has the outcome (not reset if cancelled)
                return await self._send(call, session, credentials, body)
            finally:
                capacity.release()
                # its send has ended: the next in line may start its work (a turn lasts to
                # the end of the first send, so the next call wakes once, to a free slot)
                self._pass_turn(call)
                if not capacity.borrowed_tokens:  # nothing on the wire to hand turns on
                    self._pool.admission.let_everyone_in()

    async def _send(
        self, call: _Call, session: aiohttp.ClientSession, credentials: _Credentials, body: Body
    ) -> _Received:
        """Send and read within call.seconds; TimeoutError when the attempt runs out of time.

        The attempt's clock is a TimeLimit on the task (the transport runs on asyncio alone):
        anyio's cancel scope would leave a record on the task for its lifetime, and 2,000
        gathered calls keep their tasks to the end."""
        limit = TimeLimit(call.seconds)
        try:
            async with session.request(
                call.method,
                URL(call.url, encoded=True),
                params=call.params,
                data=body.data,
                headers={
                    **self._default_headers,
                    **body.headers,
                    **call.headers,
                    **credentials.headers,
                },
                timeout=_connect_timeout(call.connect),
                allow_redirects=False,
                auto_decompress=False,  # read_body inflates, within the size limit
                skip_auto_headers=_NO_CONTENT_TYPE if body.empty else None,
            ) as raw:
                ok = raw.status < 300
                payload = await read_body(
                    raw,
                    limit=self.max_response_size if ok else ERROR_BODY_LIMIT,
                    truncate=not ok,  # an error body is read for its message only
                )
                received = _Received(
                    raw.status, {k.lower(): v for k, v in raw.headers.items()}, payload
                )
        except BaseException as raised:
            if limit.stop(raised):  # the limit's own cancellation, nobody else's
                raise TimeoutError(f"no complete answer within {call.seconds:g}s") from None
            raise  # aiohttp's connect timeout among them: the connection was never made
        limit.stop()
        return received


# a body-less POST would otherwise say "Content-Type: application/octet-stream"; a body says
# its own type, and None (not an empty tuple) keeps aiohttp on its path without skips
_NO_CONTENT_TYPE = ("Content-Type",)


def _took_free_slot(capacity: anyio.CapacityLimiter) -> bool:
    """Take a free send slot at once, if one is free and nobody is queued for it: anyio's
    ``acquire`` would yield to the event loop first, which costs more than the rest of it."""
    if capacity.available_tokens < 1:  # (a freed slot goes straight to the first in line)
        return False
    try:
        capacity.acquire_nowait()
    except anyio.WouldBlock:
        return False
    return True


@functools.lru_cache(maxsize=16)
def _connect_timeout(seconds: float) -> aiohttp.ClientTimeout:
    """aiohttp's part of an attempt's limits: only connecting (the attempt's scope bounds the
    rest); one frozen object for each value, not one a request."""
    return aiohttp.ClientTimeout(total=None, sock_connect=seconds)


def _limiter(given: Limiter | None, rate: float | None, clock: Clock, sleep: Sleep) -> Limiter:
    """The caller's limiter (a ``RedisBudget`` shared by processes), else one of this client's."""
    if given is None:
        return RateLimiter(rate, clock=clock, sleep=sleep)
    if rate is not None:
        raise ConfigurationError(
            "give requests_per_second or rate_limiter, not both: the limiter carries its own rate"
        )
    return given


def _checked(value: Any, kind: type[Any], setting: str) -> Any:
    """``value`` if it is None or a ``kind``; anything else is a ConfigurationError."""
    if value is not None and not isinstance(value, kind):
        raise ConfigurationError(f"{setting} must be a {kind.__name__}, got {value!r}")
    return value


def _checked_name(name: object, base_url: str) -> str:
    """The backend name logs and events show: ``name``, or the host of ``base_url``."""
    if name is None:
        return urlsplit(base_url).hostname or base_url
    if not isinstance(name, str) or not name.strip():
        raise ConfigurationError(f"name must be a non-empty string, got {name!r}")
    return name


def _with_query(url: str, params: Params | None) -> str:
    """``url`` with ``params`` as its query, as aiohttp will send it."""
    if not params:
        return url
    return url + ("&" if "?" in url else "?") + urlencode(params)


def _log_path(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")
