"""Plumbing shared by the fake servers: lifecycle, body parsing, auth, faults and the request log.

A vendor fake subclasses ``FakeServer``, says how to authenticate and which routes exist,
and writes plain synchronous handlers that take a ``Call`` and return a response (or raise
``Problem``). Everything that happens around a handler lives here, once for every vendor,
including the HTTP control endpoints under ``/_fake`` (``control.py``) and state snapshots.
"""

from __future__ import annotations

import copy
import email.parser
import email.policy
import hashlib
import json
import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable, Mapping
from types import TracebackType
from typing import Any, Generic, Protocol, Self, TypeVar
from urllib.parse import parse_qsl

import anyio
import attrs
from aiohttp import web

from mdmkit.testing.control import CONTROL_PREFIX, control_routes
from mdmkit.testing.faults import JSON_TYPE, Answering, Drop, ErrorBody, Faults, Latency
from mdmkit.testing.requestlog import RecordedRequest, RequestLog, UploadedFile

__all__ = [
    "JSON_TYPE",
    "Body",
    "Call",
    "Clock",
    "FakeServer",
    "FilePart",
    "Problem",
    "Route",
    "RouteTable",
    "SystemClock",
    "json_response",
    "no_content",
    "unprocessable",
]

log = logging.getLogger("mdmkit.testing")
S = TypeVar("S")


class Clock(Protocol):
    """Anything with ``time()`` in epoch seconds: the real clock or a FakeClock."""

    def time(self) -> float: ...


class SystemClock:
    """The real wall clock."""

    def time(self) -> float:
        return time.time()


class Problem(Exception):
    """Raised by a handler to answer with an error status in the vendor's error shape."""

    def __init__(
        self,
        status: int,
        message: str,
        headers: Mapping[str, str] | None = None,
        *,
        code: str | None = None,
    ):
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers: dict[str, str] = dict(headers or {})
        self.code = code  # the vendor's error code, for vendors whose errors carry one


@attrs.frozen
class FilePart:
    """A file sent in a multipart body."""

    name: str
    filename: str | None
    content_type: str | None
    data: bytes

    def text(self) -> str:
        """The content as UTF-8 text (undecodable bytes replaced)."""
        return self.data.decode("utf-8", errors="replace")

    def summary(self) -> UploadedFile:
        """What the request log keeps of the file."""
        return UploadedFile(
            filename=self.filename,
            content_type=self.content_type,
            size=len(self.data),
            sha256=hashlib.sha256(self.data).hexdigest(),
        )


@attrs.frozen
class Body:
    """A request body taken apart: form fields (urlencoded or multipart), files, JSON, raw bytes."""

    form: tuple[tuple[str, str], ...] = ()
    files: Mapping[str, FilePart] = attrs.field(factory=dict)
    json: Any = None
    json_error: bool = False
    raw: bytes = attrs.field(default=b"", repr=False)


def parse_body(content_type: str | None, raw: bytes) -> Body:
    """Parse form-urlencoded, multipart/form-data or JSON; anything else stays raw."""
    return attrs.evolve(_parse(content_type, raw), raw=raw)


def _parse(content_type: str | None, raw: bytes) -> Body:
    if not raw or not content_type:
        return Body()
    kind = content_type.split(";", 1)[0].strip().lower()
    if kind == "application/x-www-form-urlencoded":
        text = raw.decode("utf-8", errors="replace")
        return Body(form=tuple(parse_qsl(text, keep_blank_values=True)))
    if kind == "multipart/form-data":
        return _parse_multipart(content_type, raw)
    if kind == "application/json" or kind.endswith("+json"):
        try:
            return Body(json=json.loads(raw))
        except ValueError:
            return Body(json_error=True)
    return Body()


def _parse_multipart(content_type: str, raw: bytes) -> Body:
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + raw)
    form: list[tuple[str, str]] = []
    files: dict[str, FilePart] = {}
    if not message.is_multipart():
        return Body()
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        filename = part.get_filename()
        if filename is None:
            form.append((name, data.decode("utf-8", errors="replace")))
        else:
            files[name] = FilePart(name, filename, part.get_content_type(), data)
    return Body(form=tuple(form), files=files)


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def unprocessable(name: str, message: str) -> Problem:
    """The default answer to an invalid argument: 422 with the message."""
    return Problem(422, message)


class Call(Generic[S]):
    """One request as a handler sees it: path parameters, arguments, files and the state.

    Arguments are looked up in the JSON object body, then the form body, then the query
    string; the last value of a repeated name wins. ``invalid(name, message)`` builds the
    Problem an invalid argument answers with (the server's ``FakeServer.invalid_argument()``).
    """

    def __init__(
        self,
        request: web.Request,
        body: Body,
        state: S,
        now: float,
        invalid: Callable[[str, str], Problem] = unprocessable,
    ) -> None:
        self.request = request
        self.body = body
        self.state = state
        self.now = now
        self.invalid = invalid
        self.match: Mapping[str, str] = request.match_info
        self.query_pairs: list[tuple[str, str]] = list(request.query.items())

    def _pairs(self) -> list[tuple[str, str]]:
        pairs = list(self.query_pairs) + list(self.body.form)
        if isinstance(self.body.json, dict):
            for key, value in self.body.json.items():
                if isinstance(value, list):
                    pairs.extend((key, _scalar(v)) for v in value)
                elif value is not None:
                    pairs.append((key, _scalar(value)))
        return pairs

    def arg(self, name: str) -> str | None:
        """The value of one argument, or None when it was not sent."""
        found = None
        for key, value in self._pairs():
            if key == name:
                found = value
        return found

    def has(self, name: str) -> bool:
        """Whether the argument was sent at all (even empty)."""
        return any(key == name for key, _ in self._pairs())

    def args(self, name: str) -> list[str]:
        """Every value sent as ``name`` or ``name[]`` (repeated fields, JSON lists)."""
        return [value for key, value in self._pairs() if key in (name, f"{name}[]")]

    def file(self, name: str) -> FilePart | None:
        """The file part of that name, if one was sent."""
        return self.body.files.get(name)

    def path_int(self, name: str, missing: str = "object not found") -> int:
        """An integer path parameter; anything else answers 404."""
        text = self.match[name]
        if not text.isdigit():
            raise Problem(404, missing)
        return int(text)

    def boolean(self, name: str, default: bool | None = None) -> bool | None:
        """A boolean argument: true/false, 1/0 (any case); anything else is invalid."""
        value = self.arg(name)
        if value is None or value == "":
            return default
        lowered = value.strip().lower()
        if lowered in ("true", "1"):
            return True
        if lowered in ("false", "0"):
            return False
        raise self.invalid(name, f"{name} must be true or false")

    def integer(self, name: str) -> int | None:
        """An integer argument, or None when absent; anything else is invalid."""
        value = self.arg(name)
        if value is None or value == "":
            return None
        try:
            return int(value)
        except ValueError:
            raise self.invalid(name, f"{name} must be an integer") from None


Handler = Callable[[Call[S]], web.StreamResponse]


@attrs.frozen
class Route(Generic[S]):
    """One endpoint: method, aiohttp path pattern (under the server's prefix), handler."""

    method: str
    path: str
    handler: Handler[S]


class RouteTable(Generic[S]):
    """Collects a module's endpoints with decorators: ``@routes.get("/devices")``.

    ``prefix`` is put before every path of this table (a vendor with several API roots).
    """

    def __init__(self, prefix: str = "") -> None:
        self.prefix = prefix
        self.routes: list[Route[S]] = []

    def add(self, method: str, path: str) -> Callable[[Handler[S]], Handler[S]]:
        def register(handler: Handler[S]) -> Handler[S]:
            self.routes.append(Route(method, self.prefix + path, handler))
            return handler

        return register

    def get(self, path: str) -> Callable[[Handler[S]], Handler[S]]:
        return self.add("GET", path)

    def post(self, path: str) -> Callable[[Handler[S]], Handler[S]]:
        return self.add("POST", path)

    def put(self, path: str) -> Callable[[Handler[S]], Handler[S]]:
        return self.add("PUT", path)

    def patch(self, path: str) -> Callable[[Handler[S]], Handler[S]]:
        return self.add("PATCH", path)

    def delete(self, path: str) -> Callable[[Handler[S]], Handler[S]]:
        return self.add("DELETE", path)


def json_response(
    payload: Any,
    status: int = 200,
    headers: Mapping[str, str] | None = None,
    *,
    content_type: str = JSON_TYPE,
) -> web.Response:
    """A JSON answer (``application/json; charset=utf-8`` unless the vendor says otherwise)."""
    body = json.dumps(payload, separators=(",", ":")).encode()
    return web.Response(
        status=status, body=body, headers={"Content-Type": content_type, **(headers or {})}
    )


def no_content(status: int = 204) -> web.Response:
    """An answer without a body (and so without a Content-Type)."""
    return web.Response(status=status)


_BODY = web.RequestKey("mdmkit_body", Body)


class FakeServer(Generic[S]):
    """An aiohttp server on 127.0.0.1 that authenticates, injects faults and logs requests.

    Subclasses set ``prefix``, implement ``authenticate()`` and ``routes()``, and keep
    their store in ``state``; the other hooks (``authorize()``, ``check_body()``,
    ``error_payload()``, ``invalid_argument()``, ``unrouted()``) and the class attributes
    have defaults.
    Use it as an async context manager.
    """

    prefix = ""
    content_type = JSON_TYPE
    """The Content-Type of the vendor's JSON error answers (injected faults' too)."""
    request_id_header: str | None = "x-request-id"
    """The header carrying a fresh UUID on every answer (None: the vendor sends none)."""

    def __init__(
        self,
        state: S,
        *,
        error_body: ErrorBody,
        host: str = "127.0.0.1",
        port: int = 0,
        clock: Clock | None = None,
    ) -> None:
        self.state: S = state
        self.host: str = host
        self.port: int = port
        self.clock: Clock = clock if clock is not None else SystemClock()
        self.error_body = error_body
        self.faults: Faults = Faults(error_body=error_body, clock=self.clock.time)
        self.requests: RequestLog = RequestLog()
        self.errors: list[BaseException] = []
        self.snapshots: dict[str, S] = {}
        self.state_factory: Callable[[], S] | None = None
        """Builds the state afresh for ``reset()`` (``mdmkit fake`` sets it; None: keep it)."""
        self._runner: web.AppRunner | None = None

    # -- what a vendor provides -------------------------------------------------------------

    def authenticate(self, request: web.Request) -> bool:
        """Whether the request carries valid credentials."""
        raise NotImplementedError

    def routes(self) -> Iterable[Route[S]]:
        """Every endpoint of the vendor API."""
        raise NotImplementedError

    def unauthorized_message(self) -> str:
        """The error title of a 401."""
        return "unauthorized"

    def authorize(self, route: Route[S], request: web.Request) -> None:
        """Raise ``Problem`` when authenticated credentials may not use ``route`` (403)."""

    def check_body(self, body: Body) -> None:
        """Raise ``Problem`` for a body the vendor refuses before routing (default: none)."""

    def invalid_argument(self, name: str, message: str) -> Problem:
        """The Problem an invalid argument ``name`` answers with (default 422)."""
        return unprocessable(name, message)

    def error_payload(
        self, status: int, message: str, code: str | None, request: web.Request | None
    ) -> Any:
        """The JSON body of an error answer (default: the ``error_body`` factory's)."""
        return self.error_body(status, message)

    def unrouted(self, exc: web.HTTPException) -> Problem:
        """What an unknown path (404) or method (405) answers."""
        return Problem(exc.status, "object not found" if exc.status == 404 else exc.reason.lower())

    def control_extras(self) -> tuple[dict[str, str], list[web.RouteDef]]:
        """Control endpoints of this vendor's own under ``/_fake``: their descriptions (for the
        index) and their routes, whose ValueErrors answer 400 (default: none)."""
        return {}, []

    # -- snapshots ----------------------------------------------------------------------------

    def snapshot(self, name: str) -> None:
        """Keep a copy of the state under ``name`` (generated hardware is shared, not copied)."""
        self.snapshots[name] = _copy_state(self.state)

    def restore(self, name: str) -> None:
        """Put the state saved as ``name`` back (the snapshot stays, to restore again)."""
        self.state = _copy_state(self.snapshots[name])

    def reset(self) -> bool:
        """Clear faults and the request log, and rebuild the state if a ``state_factory`` is set.

        Returns whether the state was rebuilt.
        """
        self.faults.clear()
        self.requests.clear()
        if self.state_factory is None:
            return False
        self.state = self.state_factory()
        return True

    # -- lifecycle ----------------------------------------------------------------------------

    @property
    def root_url(self) -> str:
        """``http://127.0.0.1:<port>`` (without the prefix)."""
        return f"http://{self.host}:{self.port}"

    @property
    def control_url(self) -> str:
        """The root of the HTTP control endpoints, ``http://127.0.0.1:<port>/_fake``."""
        return self.root_url + CONTROL_PREFIX

    async def start(self) -> None:
        """Bind the socket and start serving."""
        app = web.Application(middlewares=[self._middleware], client_max_size=1024**3)
        for route in self.routes():
            app.router.add_route(route.method, self.prefix + route.path, self._endpoint(route))
        app.router.add_routes(control_routes(self))
        runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=0.5)
        await runner.setup()
        try:
            site = web.TCPSite(runner, self.host, self.port)
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        self.port = int(runner.addresses[0][1])

    async def close(self) -> None:
        """Stop serving and release the socket."""
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    # -- request handling ---------------------------------------------------------------------

    def _endpoint(self, route: Route[S]) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
        async def endpoint(request: web.Request) -> web.StreamResponse:
            self.authorize(route, request)
            self.check_body(request[_BODY])
            now = self.clock.time()
            return route.handler(
                Call(request, request[_BODY], self.state, now, self.invalid_argument)
            )

        return endpoint

    def problem(
        self,
        status: int,
        message: str,
        headers: Mapping[str, str] | None = None,
        *,
        code: str | None = None,
        request: web.Request | None = None,
    ) -> web.Response:
        """An error answer in the vendor's shape."""
        payload = self.error_payload(status, message, code, request)
        return json_response(payload, status, headers, content_type=self.content_type)

    async def _run(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        try:
            return await handler(request)
        except web.HTTPException as exc:
            problem = self.unrouted(exc)
        except Problem as exc:
            problem = exc
        except Exception as exc:
            self.errors.append(exc)
            log.exception("fake server handler failed: %s %s", request.method, request.path)
            problem = Problem(500, "internal server error")
        return self.problem(
            problem.status, problem.message, problem.headers, code=problem.code, request=request
        )

    @web.middleware
    async def _middleware(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        if request.path == CONTROL_PREFIX or request.path.startswith(CONTROL_PREFIX + "/"):
            return await _control(request, handler)  # no auth, faults or request log
        raw = await request.read()
        body = parse_body(request.headers.get("Content-Type"), raw)
        request[_BODY] = body
        authenticated = self.authenticate(request)
        request_id = str(uuid.uuid4()) if self.request_id_header else None
        status, fault_name = 0, None
        position = self.requests.append(
            _record(request, raw, body, status, fault_name, authenticated, request_id)
        )
        try:
            if not authenticated:
                response: web.StreamResponse = self.problem(
                    401, self.unauthorized_message(), request=request
                )
            else:
                fault = self.faults.take(request.method, request.path)
                fault_name = fault.name if fault is not None else None
                if isinstance(fault, Latency):
                    await anyio.sleep(fault.seconds)
                if isinstance(fault, Answering):
                    response = fault.response(self._fault_body(request), self.clock.time())
                    if response.headers.get("Content-Type") == JSON_TYPE:
                        response.headers["Content-Type"] = self.content_type
                elif isinstance(fault, Drop):
                    if fault.after:
                        await self._run(request, handler)
                    return self._drop(request)
                else:
                    response = await self._run(request, handler)
            if self.request_id_header and request_id:
                response.headers[self.request_id_header] = request_id
            status = response.status
            return response
        finally:
            self.requests.update(
                position, _record(request, raw, body, status, fault_name, authenticated, request_id)
            )

    def _fault_body(self, request: web.Request) -> ErrorBody:
        def body(status: int, message: str) -> Any:
            return self.error_payload(status, message, None, request)

        return body

    @staticmethod
    def _drop(request: web.Request) -> web.StreamResponse:
        if request.transport is not None:
            request.transport.close()
        return web.Response(status=204)


async def _control(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    """A control endpoint; an unknown one answers in the endpoints' JSON error shape."""
    try:
        return await handler(request)
    except web.HTTPException as exc:
        message = f"no control endpoint {request.method} {request.path} (see GET {CONTROL_PREFIX})"
        return web.json_response({"error": message}, status=exc.status)


def _copy_state(state: S) -> S:
    """A deep copy of a fake's state that shares the generated fleet (frozen, and large)."""
    memo: dict[int, Any] = {}
    fleet = getattr(state, "fleet", None)
    if fleet is not None:
        memo[id(fleet)] = fleet
        for device in getattr(fleet, "devices", ()):
            memo[id(device)] = device
    return copy.deepcopy(state, memo)


def _record(
    request: web.Request,
    raw: bytes,
    body: Body,
    status: int,
    fault: str | None,
    authenticated: bool,
    request_id: str | None,
) -> RecordedRequest:
    headers = {
        key: ("<redacted>" if key.lower() == "authorization" else value)
        for key, value in request.headers.items()
    }
    content_type = request.headers.get("Content-Type")
    return RecordedRequest(
        method=request.method,
        path=request.path,
        query=dict(request.query.items()),
        query_pairs=tuple(request.query.items()),
        headers=headers,
        content_type=content_type,
        body=raw,
        form=dict(body.form),
        files={name: part.summary() for name, part in body.files.items()},
        json=body.json,
        status=status,
        fault=fault,
        authenticated=authenticated,
        request_id=request_id,
    )
