"""The fuzz run: hostile answers from a raw socket server to the real clients.

Case ``n`` gets its own base URL (``/c<n>/...``) and so its own stream of answers: the
``k``-th request of case ``n`` is answered by ``hostile.py`` from ``Random(f"{seed}:{n}:{k}")``
and from what the real fake answered to the same request (fetched once per route, its origin
replaced). A case is a client (SimpleMDM, ManageEngine on-premises or Cloud; native or
neutral; a shared or its own aiohttp session) and one call; it must end in a result or an
MDMError. The server counts every POST sent again after an answer that was not a refusal.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import random
import re
import time
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import attrs

from mdmkit import Device
from mdmkit.core.errors import OAuthError
from mdmkit.core.interface import MDM
from mdmkit.http.client import NativeClient
from mdmkit.http.response import Response
from mdmkit.http.retry import RetryPolicy
from mdmkit.http.transport import Timeout
from mdmkit.manageengine import ManageEngine, ManageEngineClient
from mdmkit.manageengine import models as me_models
from mdmkit.simplemdm import SimpleMDM, SimpleMDMClient
from mdmkit.simplemdm import models as sm_models
from mdmkit.testing import FakeManageEngine, FakeSimpleMDM
from tests.leaks import forms_of_key
from tests.soak import hostile
from tests.soak.figures import Figures, classify
from tests.soak.watch import Leftovers, SecretScan

__all__ = ["FuzzSettings", "HostileServer", "run_case", "run_fuzz"]

API_KEY = "fuzz-simplemdm-key-0123456789abcdef"
ON_PREM_KEY = "FUZZ0123456789ABCDEF0123456789AB"
CLIENT_ID = "1000.FUZZCLIENT"
CLIENT_SECRET = "fuzz-client-secret-0123456789abcdef"
REFRESH_TOKEN = "1000.fuzzrefresh0123456789abcdef.0123456789abcdef"
RETRY = RetryPolicy(max_attempts=3, initial_backoff=0.001, max_backoff=0.005, max_wait=0.05)
TIMEOUT = Timeout(connect=2.0, read=1.0, upload=2.0)
MAX_RESPONSE_SIZE = 1024 * 1024  # the gzip bombs inflate to 2-64 MiB
WATCHDOG = 30.0
WORKER_PATH = re.compile(r"^/w(\d+)(/.*)?$")
SM_ERROR = {"errors": [{"title": "object not found"}]}
PACKAGE = b"PK\x03\x04 fuzz package"
ME_ERROR = {"error_code": "COM0008", "error_description": "Unknown object"}


@attrs.frozen(kw_only=True)
class FuzzSettings:
    """How many hostile bodies to serve (at least), with how many cases in flight."""

    seed: int
    bodies: int = 20_000
    workers: int = 32


@attrs.define
class Request:
    """A request as the raw server read it."""

    method: str
    target: str
    headers: dict[str, str]
    body: bytes


async def read_request(reader: asyncio.StreamReader) -> Request | None:
    """One HTTP/1.1 request (Content-Length or chunked body); None at the end of the stream."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
        return None
    lines = head.decode("latin-1").split("\r\n")
    method, target, _ = [*lines[0].split(" ", 2), "", ""][:3]
    headers = {}
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if sep:
            headers[name.strip().lower()] = value.strip()
    body = b""
    if headers.get("transfer-encoding", "").lower() == "chunked":
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            chunk = await reader.readexactly(size + 2)
            if size == 0:
                break
            body += chunk[:-2]
    elif headers.get("content-length", "0").isdigit():
        body = await reader.readexactly(int(headers.get("content-length", "0")))
    return Request(method, target, headers, body)


def route_of(path: str) -> str:
    """The path with its ids replaced by ``{id}``: which template answers it."""
    return re.sub(r"/\d+(?=/|$)", "/{id}", path)


@attrs.define
class CaseLog:
    """What the server did for one case: answers served, POSTs seen and how they were answered."""

    served: int = 0
    answers: list[str] = attrs.Factory(list)
    posts: dict[str, bool] = attrs.Factory(dict)  # path -> last answer was a refusal


class HostileServer:
    """A raw asyncio server answering every request of case ``n`` from its own seeded stream."""

    def __init__(
        self,
        seed: int,
        templates: Callable[[str, str], Awaitable[Any]],
        figures: Figures,
        scan: SecretScan,
        verbose: bool = False,
    ) -> None:
        self.seed = seed
        self.templates = templates
        self.figures = figures
        self.scan = scan
        self.verbose = verbose
        self.cases: dict[int, CaseLog] = {}
        self.current: dict[int, int] = {}  # worker -> the case it runs now
        self.served = 0
        self._server: asyncio.Server | None = None
        self._connections: set[asyncio.Task[Any]] = set()
        self.port = 0

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0, limit=2**20)
        self.port = self._server.sockets[0].getsockname()[1]

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            for task in list(self._connections):
                task.cancel()
            await asyncio.gather(*self._connections, return_exceptions=True)
            await self._server.wait_closed()

    def root(self, worker: int) -> str:
        """The base URL of one worker's clients: its requests belong to the case it runs."""
        return f"http://127.0.0.1:{self.port}/w{worker}"

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._connections.add(task)
        try:
            while True:
                request = await read_request(reader)
                if request is None:
                    break
                answer = await self._answer(request)
                writer.write(answer.data)
                await writer.drain()
                if answer.stall:
                    with contextlib.suppress(asyncio.TimeoutError):
                        await asyncio.wait_for(reader.read(), timeout=WATCHDOG)
                if answer.close or answer.stall:
                    break
        except (ConnectionError, asyncio.IncompleteReadError, ValueError):
            pass
        finally:
            self._connections.discard(task)
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()

    async def _answer(self, request: Request) -> hostile.Answer:
        path, _, _query = request.target.partition("?")
        match = WORKER_PATH.match(path)
        if match is None or int(match.group(1)) not in self.current:
            return hostile.Answer(hostile.http(404, b"{}"), "unknown", close=True)
        worker, rest = int(match.group(1)), match.group(2) or "/"
        case = self.current[worker]
        log = self.cases.setdefault(case, CaseLog())
        rng = random.Random(f"{self.seed}:{case}:{log.served}")
        log.served += 1
        self.served += 1
        if rest.endswith("/oauth/v2/token"):
            answer = hostile.token_answer(rng)
        else:
            self._check_post(case, log, request.method, rest)
            template = await self.templates(request.method, rest)
            error = SM_ERROR if rest.startswith("/api/v1/") and "/mdm/" not in rest else ME_ERROR
            answer = hostile.api_answer(rng, template, error_body=error)
            if request.method == "POST":
                log.posts[rest] = answer.refused
        self.scan.add(*answer.tokens)
        log.answers.append(f"{request.method} {rest} <- {answer.family}")
        if self.verbose:
            print(f"  case {case} #{log.served - 1}: {request.method} {request.target}")
            print(f"    <- {answer.family}: {answer.data[:300]!r}")
        return hostile.fill(answer, self.root(worker))

    def _check_post(self, case: int, log: CaseLog, method: str, path: str) -> None:
        """A POST sent again after an answer that was no refusal: the server may act twice."""
        if method == "POST" and path in log.posts and not log.posts[path]:
            self.figures.defect(
                "writes_twice",
                f"case {case}: POST {path} sent again after {log.answers[-1].split(' <- ')[-1]}",
            )


class Templates:
    """What the real fakes answer, fetched once per route: the shapes hostile.py breaks."""

    def __init__(self, sm: FakeSimpleMDM, me: FakeManageEngine, session: aiohttp.ClientSession):
        self.sm, self.me, self.session = sm, me, session
        self._cache: dict[tuple[str, str], Any] = {}
        self._lock = asyncio.Lock()

    async def __call__(self, method: str, path: str) -> Any:
        key = (method, route_of(path))
        async with self._lock:
            if key not in self._cache:
                self._cache[key] = await self._fetch(method, path)
            return self._cache[key]

    async def _fetch(self, method: str, path: str) -> Any:
        if path.startswith(("/api/v1/mdm/", "/emsapi/")):
            root, auth, origin = self.me.base_url, self.me.api_key, self.me.base_url
        else:
            root, origin = self.sm.root_url, self.sm.url
            auth = "Basic " + base64.b64encode(f"{self.sm.api_key}:".encode()).decode()
        async with self.session.request(
            method, root + path, headers={"Authorization": auth}
        ) as response:
            text = await response.text()
        if not text:
            return None
        text = text.replace(origin, hostile.ORIGIN).replace(self.me.base_url, hostile.ORIGIN)
        try:
            return json.loads(text)
        except ValueError:
            return None


# -- the cases ---------------------------------------------------------------------------------


@attrs.frozen
class Ids:
    """Ids that exist in the fakes, so the templates are real answers."""

    sm_devices: tuple[int, ...]
    sm_apps: tuple[int, ...]
    sm_groups: tuple[int, ...]
    me_devices: tuple[int, ...]
    me_apps: tuple[int, ...]
    me_groups: tuple[int, ...]


CaseCall = Callable[[Any, random.Random, Ids], Awaitable[object]]


@attrs.frozen
class CaseOp:
    name: str
    kind: str  # sm, sm-neutral, me, me-neutral
    expected: type | tuple[type, ...]
    call: CaseCall


def _c(name: str, kind: str, expected: type | tuple[type, ...], call: CaseCall) -> CaseOp:
    return CaseOp(name, kind, expected, call)


NONE = type(None)
CASE_OPS: tuple[CaseOp, ...] = (
    _c("devices.get", "sm", sm_models.Device,
       lambda c, r, i: c.devices.get(r.choice(i.sm_devices))),
    _c("devices.list", "sm", list, lambda c, r, i: c.devices.list().collect(limit=150)),
    _c("apps.list", "sm", list, lambda c, r, i: c.apps.list().collect(limit=50)),
    _c("apps.get", "sm", sm_models.App, lambda c, r, i: c.apps.get(r.choice(i.sm_apps))),
    _c("assignment_groups.list", "sm", list,
       lambda c, r, i: c.assignment_groups.list().collect(limit=50)),
    _c("assignment_groups.get", "sm", sm_models.AssignmentGroup,
       lambda c, r, i: c.assignment_groups.get(r.choice(i.sm_groups))),
    _c("account.get", "sm", sm_models.Account, lambda c, r, i: c.account.get()),
    _c("installed_apps", "sm", list,
       lambda c, r, i: c.devices.installed_apps(r.choice(i.sm_devices)).collect(limit=50)),
    _c("users", "sm", list, lambda c, r, i: c.devices.users(r.choice(i.sm_devices)).collect(20)),
    _c("custom attribute values", "sm", list,
       lambda c, r, i: c.custom_attributes.get_device_values(r.choice(i.sm_devices))),
    _c("custom_attributes.list", "sm", list, lambda c, r, i: c.custom_attributes.list().collect()),
    _c("devices.lock", "sm", NONE,
       lambda c, r, i: c.devices.lock(r.choice(i.sm_devices), message="fuzz")),
    _c("devices.refresh", "sm", NONE, lambda c, r, i: c.devices.refresh(r.choice(i.sm_devices))),
    _c("request", "sm", Response, lambda c, r, i: c.request("GET", "/account")),
    _c("apps.create (upload)", "sm", sm_models.App,
       lambda c, r, i: c.apps.create(binary=PACKAGE, filename="Fuzz.ipa", name="fuzz")),
    _c("devices.get", "sm-neutral", Device, lambda m, r, i: m.devices.get(r.choice(i.sm_devices))),
    _c("devices.list", "sm-neutral", list, lambda m, r, i: m.devices.list().collect(limit=150)),
    _c("apps.list", "sm-neutral", list, lambda m, r, i: m.apps.list().collect(limit=50)),
    _c("groups.list", "sm-neutral", list, lambda m, r, i: m.groups.list().collect(limit=50)),
    _c("assignments.list", "sm-neutral", list,
       lambda m, r, i: m.assignments.list().collect(limit=50)),
    _c("devices.lock", "sm-neutral", NONE,
       lambda m, r, i: m.devices.lock(str(r.choice(i.sm_devices)), message="fuzz")),
    _c("devices.get", "me", me_models.Device,
       lambda c, r, i: c.devices.get(r.choice(i.me_devices))),
    _c("devices.summary", "me", me_models.DeviceSummary,
       lambda c, r, i: c.devices.summary(r.choice(i.me_devices))),
    _c("devices.list", "me", list, lambda c, r, i: c.devices.list().collect(limit=120)),
    _c("apps.list", "me", list, lambda c, r, i: c.apps.list().collect(limit=50)),
    _c("apps.get", "me", me_models.App, lambda c, r, i: c.apps.get(r.choice(i.me_apps))),
    _c("groups.list", "me", list, lambda c, r, i: c.groups.list().collect(limit=50)),
    _c("users.list", "me", list, lambda c, r, i: c.users.list().collect(limit=50)),
    _c("profiles.list", "me", list, lambda c, r, i: c.profiles.list().collect(limit=50)),
    _c("installed_apps", "me", list,
       lambda c, r, i: c.devices.installed_apps(r.choice(i.me_devices)).collect(limit=50)),
    _c("available_actions", "me", list,
       lambda c, r, i: c.devices.available_actions(r.choice(i.me_devices))),
    _c("lock", "me", NONE, lambda c, r, i: c.devices.lock(r.choice(i.me_devices))),
    _c("request", "me", Response, lambda c, r, i: c.request("GET", "/api/v1/mdm/groups")),
    _c("files.upload", "me", me_models.UploadedFile,
       lambda c, r, i: c.files.upload(PACKAGE, filename="Fuzz.apk",
                                      strategy=r.choice(["emsapi", "legacy"]))),
    _c("devices.get", "me-neutral", Device, lambda m, r, i: m.devices.get(r.choice(i.me_devices))),
    _c("devices.list", "me-neutral", list, lambda m, r, i: m.devices.list().collect(limit=120)),
    _c("apps.list", "me-neutral", list, lambda m, r, i: m.apps.list().collect(limit=50)),
    _c("groups.list", "me-neutral", list, lambda m, r, i: m.groups.list().collect(limit=50)),
    _c("groups.members", "me-neutral", list,
       lambda m, r, i: m.groups.members(str(r.choice(i.me_groups))).collect(limit=50)),
    _c("devices.lock", "me-neutral", NONE,
       lambda m, r, i: m.devices.lock(str(r.choice(i.me_devices)), message="fuzz")),
)  # fmt: skip


@attrs.frozen
class Case:
    """One fuzz case: its number, call, which client, and whether it brings its own session."""

    number: int
    op: CaseOp
    client: str  # simplemdm, on-premises, cloud
    own_session: bool


def case_of(seed: int, number: int) -> Case:
    """Case ``number`` of the run, the same for the same seed."""
    rng = random.Random(f"{seed}:fuzz:{number}")
    op = rng.choice(CASE_OPS)
    if op.kind.startswith("sm"):
        client = "simplemdm"
    else:
        client = rng.choice(["on-premises", "on-premises", "cloud"])
    return Case(number, op, client, own_session=rng.random() < 0.03)


def new_client(kind: str, root: str, session: aiohttp.ClientSession | None) -> NativeClient:
    """A native client of ``kind`` (simplemdm, on-premises, cloud) on a worker's base URL."""
    options: dict[str, Any] = {
        "retry": RETRY,
        "timeout": TIMEOUT,
        "max_response_size": MAX_RESPONSE_SIZE,
        "session": session,
    }
    if kind == "simplemdm":
        return SimpleMDMClient(API_KEY, base_url=root + "/api/v1", **options)
    if kind == "on-premises":
        return ManageEngineClient.on_premises(root, ON_PREM_KEY, **options)
    return ManageEngineClient(
        CLIENT_ID, CLIENT_SECRET, REFRESH_TOKEN, base_url=root, accounts_url=root, **options
    )


class Pool:
    """The clients one worker reuses from case to case, as a service keeps its clients.

    A client is replaced after ``REUSE`` cases (a new one pays its converter's warm-up), and
    a Cloud client after any OAuthError (a refusal may start a ten-minute cool-down that
    would answer every later case).
    """

    REUSE = 100

    def __init__(self, worker: int, server: HostileServer, session: aiohttp.ClientSession):
        self.worker, self.server, self.session = worker, server, session
        self._clients: dict[str, tuple[NativeClient, int]] = {}

    async def client(self, kind: str) -> NativeClient:
        found = self._clients.get(kind)
        if found is not None and found[1] < self.REUSE:
            self._clients[kind] = (found[0], found[1] + 1)
            return found[0]
        if found is not None:
            await found[0].aclose()
        client = new_client(kind, self.server.root(self.worker), self.session)
        self._clients[kind] = (client, 1)
        return client

    async def retire(self, kind: str) -> None:
        found = self._clients.pop(kind, None)
        if found is not None:
            await found[0].aclose()

    async def aclose(self) -> None:
        for kind in list(self._clients):
            await self.retire(kind)


def _neutral(client: Any) -> MDM:
    if isinstance(client, SimpleMDMClient):
        return SimpleMDM.from_client(client)
    return ManageEngine.from_client(client, upload_defaults={"app_category_id": 1})


async def _call(case: Case, pool: Pool, rng: random.Random, ids: Ids) -> object:
    if case.own_session:  # a client of its own, opened and closed by the case
        async with new_client(case.client, pool.server.root(pool.worker), None) as native:
            return await _on(case, native, rng, ids)
    return await _on(case, await pool.client(case.client), rng, ids)


async def _on(case: Case, native: NativeClient, rng: random.Random, ids: Ids) -> object:
    target: Any = _neutral(native) if case.op.kind.endswith("neutral") else native
    return await case.op.call(target, rng, ids)


async def run_case(case: Case, pool: Pool, ids: Ids, figures: Figures, scan: SecretScan) -> None:
    """Run one case on ``pool``'s worker and record its outcome (result, MDMError, defect)."""
    server = pool.server
    rng = random.Random(f"{server.seed}:args:{case.number}")
    server.current[pool.worker] = case.number
    task = asyncio.ensure_future(_call(case, pool, rng, ids))
    done, _ = await asyncio.wait({task}, timeout=WATCHDOG)
    what = f"case {case.number} ({case.client} {case.op.kind} {case.op.name})"
    if not done:
        task.cancel()
        await asyncio.wait({task}, timeout=5.0)
        await pool.retire(case.client)
        figures.record(classify(finished=False), what)
        return
    error = task.exception()
    result = task.result() if error is None else None
    outcome = classify(finished=True, result=result, error=error, expected=case.op.expected)
    figures.record(outcome, what)
    if error is not None:
        scan.error(what, error)
        if isinstance(error, OAuthError):
            await pool.retire(case.client)


async def _ids(sm: FakeSimpleMDM, me: FakeManageEngine) -> Ids:
    return Ids(
        sm_devices=tuple(sorted(sm.state.devices))[:20],
        sm_apps=tuple(sorted(sm.state.apps))[:10],
        sm_groups=tuple(sorted(sm.state.assignment_groups))[:10],
        me_devices=tuple(sorted(me.state.devices))[:20],
        me_apps=tuple(sorted(me.state.apps))[:10],
        me_groups=tuple(sorted(me.state.groups))[:10],
    )


async def run_fuzz(
    settings: FuzzSettings,
    progress: Callable[[str], None] = print,
    only: int | None = None,
) -> Figures:
    """Serve at least ``settings.bodies`` hostile bodies; ``only`` runs that one case, verbosely."""
    figures = Figures("fuzz")
    scan = SecretScan(figures)
    scan.add(*forms_of_key(API_KEY), ON_PREM_KEY, CLIENT_SECRET, REFRESH_TOKEN)
    leftovers = Leftovers(figures)
    started = time.monotonic()
    with leftovers.warnings(), scan.logging():
        async with (
            FakeSimpleMDM(devices=6, seed=settings.seed) as sm_fake,
            FakeManageEngine(devices=6, seed=settings.seed, on_premises=True) as me_fake,
        ):
            template_session = aiohttp.ClientSession()
            templates = Templates(sm_fake, me_fake, template_session)
            server = HostileServer(
                settings.seed, templates, figures, scan, verbose=only is not None
            )
            await server.start()
            try:
                ids = await _ids(sm_fake, me_fake)
                leftovers.start()
                session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=64))
                try:
                    if only is not None:
                        pool = Pool(0, server, session)
                        try:
                            await run_case(case_of(settings.seed, only), pool, ids, figures, scan)
                        finally:
                            await pool.aclose()
                    else:
                        await _drive(settings, server, ids, session, figures, scan, progress)
                finally:
                    await session.close()
                    await template_session.close()  # the fakes' connections end with it
                await leftovers.finish()
            finally:
                await server.close()
            figures.info["bodies"] = server.served
            for name, fake in (("simplemdm", sm_fake), ("manageengine", me_fake)):
                for error in fake.errors:
                    figures.defect("fake_crashes", f"{name}: {type(error).__name__}: {error}")
    leftovers.count_warnings()
    scan.flush()
    figures.info["secret_texts"] = scan.texts
    progress(f"fuzz: {figures.operations} cases, {server.served} bodies in "
             f"{time.monotonic() - started:.0f}s")  # fmt: skip
    return figures


async def _drive(
    settings: FuzzSettings,
    server: HostileServer,
    ids: Ids,
    session: aiohttp.ClientSession,
    figures: Figures,
    scan: SecretScan,
    progress: Callable[[str], None],
) -> None:
    numbers = iter(range(10**9))
    step = max(1, settings.bodies // 10)
    reported = 0

    async def worker(index: int) -> None:
        nonlocal reported
        pool = Pool(index, server, session)
        try:
            while server.served < settings.bodies:
                await run_case(case_of(settings.seed, next(numbers)), pool, ids, figures, scan)
                if server.served // step > reported:
                    reported = server.served // step
                    progress(f"  fuzz: {server.served}/{settings.bodies} bodies")
        finally:
            await pool.aclose()

    await asyncio.gather(*(worker(index) for index in range(settings.workers)))
