"""The soak proper: seeded mixed operations over both fakes, under faults and cancellations.

Each operation is drawn from ``Random(f"{seed}:{index}")``: a backend, a call of the neutral
interface or a native client, its arguments, and (1%) a cancellation after a few
milliseconds. The fakes inject faults at random (their own ``faults.random``, seeded) on the
API and on the Zoho token endpoint; the ManageEngine tokens live 30 s and an operation
sometimes expires them all. Every write carries an ``X-Soak-Op`` header (added by an aiohttp
``TraceConfig`` on the shared session) so the fakes' request logs tell which logical call
each POST belongs to.
"""

from __future__ import annotations

import asyncio
import contextvars
import random
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import aiohttp
import attrs

from mdmkit import App, AppAssignment, Device, Group, Platform
from mdmkit.core.interface import MDM
from mdmkit.http.response import Response
from mdmkit.http.retry import RetryPolicy
from mdmkit.http.transport import Timeout
from mdmkit.manageengine import models as me_models
from mdmkit.simplemdm import models as sm_models
from mdmkit.testing import (
    Drop,
    FakeManageEngine,
    FakeSimpleMDM,
    Latency,
    Malformed,
    RateLimited,
    Reply,
    ServerError,
)
from mdmkit.testing.faults import Fault, Faults
from mdmkit.testing.requestlog import RecordedRequest
from tests.leaks import forms_of_key
from tests.soak.figures import Figures, classify
from tests.soak.watch import Leftovers, SecretScan

__all__ = [
    "API_FAULTS",
    "SIMPLEMDM_FAULTS",
    "TAG_HEADER",
    "TOKEN_FAULTS",
    "SoakSettings",
    "run_soak",
    "writes_twice",
]

TAG_HEADER = "X-Soak-Op"
OPERATION = contextvars.ContextVar[str | None]("soak_operation", default=None)
RETRY = RetryPolicy(max_attempts=4, initial_backoff=0.01, max_backoff=0.1, max_wait=1.0)
TIMEOUT = Timeout(connect=5.0, read=2.0, upload=5.0)
WATCHDOG = 60.0  # seconds an operation may take before it counts as lost
UPLOAD_DEFAULTS = {"app_category_id": 1, "supported_devices": 3}
PACKAGE = b"PK\x03\x04 soak package"

API_FAULTS: tuple[Fault, ...] = (
    RateLimited(retry_after=0.05),
    RateLimited(retry_after=0.2),
    RateLimited(reset_in=0.0),  # X-RateLimit-Reset: the next whole second
    ServerError(503),
    ServerError(503, retry_after=0.05),
    ServerError(500),
    ServerError(502),
    ServerError(504),
    Drop(),
    Drop(after=True),
    Malformed(),
    Malformed(body=b"<html><body>Bad gateway</body></html>", content_type="text/html"),
    Latency(0.05),
    Latency(0.3),
    Latency(2.5),  # longer than the read timeout
)
"""What the fakes answer 10% of API requests with (picked uniformly)."""

SIMPLEMDM_FAULTS = (*API_FAULTS, Reply(401, "token expired"))
"""SimpleMDM's also include a 401 (an AuthenticationError: an API key is not renewed).

ManageEngine's tokens expire instead (30 s lifetimes, and all of them at once now and then):
a 401 injected at random on a token minted a moment ago is, by design (issue 7 §5), a 401
that persists, and the client stops minting until that token expires."""

TOKEN_FAULTS: tuple[Fault, ...] = (
    ServerError(503),
    ServerError(500),
    RateLimited(retry_after=0.05),
    Drop(),
    Drop(after=True),
    Latency(0.1),
)
"""What the Zoho fake answers 10% of token requests with."""


@attrs.frozen(kw_only=True)
class SoakSettings:
    """The size of a soak run; the seed makes the plan of operations the same every time."""

    seed: int
    operations: int = 10_000
    workers: int = 24
    fault_rate: float = 0.10
    cancel_rate: float = 0.01
    devices: int = 300
    token_lifetime: float = 30.0


@attrs.define
class Backend:
    """One vendor under soak: its fake, its neutral client, and what the operations pick from."""

    name: str
    fake: FakeSimpleMDM | FakeManageEngine
    mdm: MDM
    package: str
    fresh: Callable[[], MDM]  # a new neutral client with its own session
    devices: list[Device] = attrs.Factory(list)
    apps: list[App] = attrs.Factory(list)
    groups: list[Group] = attrs.Factory(list)

    def device(self, rng: random.Random) -> Device:
        return rng.choice(self.devices)

    def app(self, rng: random.Random) -> App:
        return rng.choice(self.apps)

    def group(self, rng: random.Random) -> Group:
        return rng.choice(self.groups)


Call = Callable[[Backend, random.Random, int], Awaitable[object]]


@attrs.frozen
class Operation:
    """One kind of call: its name, how often it is drawn, what it must return, how to make it."""

    name: str
    weight: int
    expected: type | tuple[type, ...]
    call: Call
    vendors: frozenset[str] = frozenset({"simplemdm", "manageengine"})


def _pin(device: Device) -> str | None:
    return "123456" if device.platform is Platform.MACOS else None


async def _lock(b: Backend, rng: random.Random, i: int) -> None:
    device = b.device(rng)
    await b.mdm.devices.lock(device, message=f"soak {i}", pin=_pin(device))


async def _wipe(b: Backend, rng: random.Random, i: int) -> None:
    device = b.device(rng)
    await b.mdm.devices.wipe(device, pin=_pin(device) if rng.random() < 0.5 else None)


async def _upload(b: Backend, rng: random.Random, i: int) -> App:
    app = await b.mdm.apps.upload(PACKAGE + str(i).encode(), name=f"soak {i}", filename=b.package)
    b.apps.append(app)
    return app


async def _create_group(b: Backend, rng: random.Random, i: int) -> Group:
    group = await b.mdm.groups.create(f"soak {i}")
    b.groups.append(group)
    return group


async def _assign(b: Backend, rng: random.Random, i: int) -> list[AppAssignment]:
    return await b.mdm.assignments.assign(b.app(rng), groups=[b.group(rng)])


async def _unassign(b: Backend, rng: random.Random, i: int) -> None:
    await b.mdm.assignments.unassign(b.app(rng), groups=[b.group(rng)])


async def _expire_tokens(b: Backend, rng: random.Random, i: int) -> Device:
    assert isinstance(b.fake, FakeManageEngine)
    b.fake.accounts.expire_tokens()
    return await b.mdm.devices.get(b.device(rng))


async def _fresh_client(b: Backend, rng: random.Random, i: int) -> Device:
    async with b.fresh() as mdm:  # its own aiohttp session, opened and closed here
        return await mdm.devices.get(b.device(rng))


def _native(b: Backend) -> Any:
    return b.mdm.native


SM = frozenset({"simplemdm"})
ME = frozenset({"manageengine"})

OPERATIONS: tuple[Operation, ...] = (
    Operation("devices.list", 8, list, lambda b, r, i: b.mdm.devices.list().collect(limit=150)),
    Operation("devices.get", 14, Device, lambda b, r, i: b.mdm.devices.get(b.device(r))),
    Operation("devices.lock", 6, type(None), _lock),
    Operation("devices.wipe", 2, type(None), _wipe),
    Operation("devices.restart", 4, type(None), lambda b, r, i: b.mdm.devices.restart(b.device(r))),
    Operation("devices.refresh", 4, type(None), lambda b, r, i: b.mdm.devices.refresh(b.device(r))),
    Operation("apps.list", 4, list, lambda b, r, i: b.mdm.apps.list().collect(limit=60)),
    Operation("apps.get", 5, App, lambda b, r, i: b.mdm.apps.get(b.app(r))),
    Operation("apps.upload", 3, App, _upload),
    Operation("groups.list", 4, list, lambda b, r, i: b.mdm.groups.list().collect(limit=60)),
    Operation("groups.get", 4, Group, lambda b, r, i: b.mdm.groups.get(b.group(r))),
    Operation(
        "groups.members", 3, list, lambda b, r, i: b.mdm.groups.members(b.group(r)).collect(40)
    ),
    Operation("groups.create", 2, Group, _create_group),
    Operation(
        "groups.add_device",
        4,
        type(None),
        lambda b, r, i: b.mdm.groups.add_device(b.group(r), b.device(r)),
    ),
    Operation(
        "groups.remove_device",
        2,
        type(None),
        lambda b, r, i: b.mdm.groups.remove_device(b.group(r), b.device(r)),
    ),
    Operation(
        "assignments.list", 3, list, lambda b, r, i: b.mdm.assignments.list().collect(60), SM
    ),
    Operation("assignments.assign", 4, list, _assign),
    Operation("assignments.unassign", 2, type(None), _unassign),
    Operation("fresh client", 1, Device, _fresh_client),
    Operation(
        "native devices.get",
        4,
        sm_models.Device,
        lambda b, r, i: _native(b).devices.get(int(b.device(r).id)),
        SM,
    ),
    Operation(
        "native account.get", 2, sm_models.Account, lambda b, r, i: _native(b).account.get(), SM
    ),
    Operation(
        "native assignment_groups.list",
        2,
        list,
        lambda b, r, i: _native(b).assignment_groups.list().collect(limit=50),
        SM,
    ),
    Operation(
        "native installed_apps",
        2,
        list,
        lambda b, r, i: _native(b).devices.installed_apps(int(b.device(r).id)).collect(limit=50),
        SM,
    ),
    Operation(
        "native request",
        1,
        Response,
        lambda b, r, i: _native(b).request("GET", "/custom_attributes"),
        SM,
    ),
    Operation(
        "native devices.get",
        3,
        me_models.Device,
        lambda b, r, i: _native(b).devices.get(int(b.device(r).id)),
        ME,
    ),
    Operation(
        "native devices.summary",
        2,
        me_models.DeviceSummary,
        lambda b, r, i: _native(b).devices.summary(int(b.device(r).id)),
        ME,
    ),
    Operation(
        "native users.list", 2, list, lambda b, r, i: _native(b).users.list().collect(50), ME
    ),
    Operation(
        "native profiles.list", 1, list, lambda b, r, i: _native(b).profiles.list().collect(50), ME
    ),
    Operation(
        "native request",
        1,
        Response,
        lambda b, r, i: _native(b).request("GET", "/api/v1/mdm/groups"),
        ME,
    ),
    Operation("token expiry", 1, Device, _expire_tokens, ME),
)


@attrs.frozen
class Planned:
    """One operation of the plan: which, on which backend, and when (if ever) to cancel it."""

    seed: int
    index: int
    backend: str
    operation: Operation
    cancel_after: float | None


def plan(settings: SoakSettings) -> list[Planned]:
    """Every operation of the run, the same for the same seed."""
    per_vendor = {
        vendor: [op for op in OPERATIONS if vendor in op.vendors]
        for vendor in ("simplemdm", "manageengine")
    }
    planned = []
    for index in range(settings.operations):
        rng = random.Random(f"{settings.seed}:{index}")
        vendor = rng.choice(("simplemdm", "manageengine"))
        choices = per_vendor[vendor]
        operation = rng.choices(choices, weights=[op.weight for op in choices])[0]
        cancel = rng.uniform(0.0, 0.03) if rng.random() < settings.cancel_rate else None
        planned.append(Planned(settings.seed, index, vendor, operation, cancel))
    return planned


def tagging_session() -> aiohttp.ClientSession:
    """An aiohttp session that marks each request with the operation it belongs to."""

    async def tag(
        session: aiohttp.ClientSession, context: Any, params: aiohttp.TraceRequestStartParams
    ) -> None:
        operation = OPERATION.get()
        if operation is not None:
            params.headers[TAG_HEADER] = operation

    trace = aiohttp.TraceConfig()
    trace.on_request_start.append(tag)
    return aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=64), trace_configs=[trace])


def writes_twice(records: Sequence[RecordedRequest], server: str, figures: Figures) -> int:
    """Count POSTs a fake may have acted on more than once for one logical call.

    A POST answered 401, 429 or 503 was refused (a replay or retry is right); any other
    answer, a dropped connection included, may have acted, so a second one is a defect.
    """
    seen: Counter[tuple[str, str]] = Counter()
    for record in records:
        if record.method != "POST" or record.status in (401, 429, 503):
            continue
        tag = {k.lower(): v for k, v in record.headers.items()}.get(TAG_HEADER.lower())
        if tag is not None:
            seen[(tag, record.path)] += 1
    twice = 0
    for (tag, path), count in sorted(seen.items()):
        if count > 1:
            twice += 1
            figures.defect("writes_twice", f"{server}: POST {path} {count} times for op {tag}")
    return twice


async def _run_one(planned: Planned, backend: Backend, figures: Figures, scan: SecretScan) -> None:
    rng = random.Random(f"{planned.seed}:{planned.index}:args")
    OPERATION.set(str(planned.index))  # this task's context: the requests it sends carry it

    async def invoke() -> object:
        return await planned.operation.call(backend, rng, planned.index)

    task = asyncio.ensure_future(invoke())
    requested = False
    if planned.cancel_after is not None:
        done, _ = await asyncio.wait({task}, timeout=planned.cancel_after)
        if not done:
            requested = task.cancel()
    done, _ = await asyncio.wait({task}, timeout=WATCHDOG)
    what = f"#{planned.index} {backend.name} {planned.operation.name}"
    if not done:
        task.cancel()
        await asyncio.wait({task}, timeout=5.0)
        figures.record(classify(finished=False), what)
        return
    error: BaseException | None
    if task.cancelled():
        error, result = asyncio.CancelledError(), None
    else:
        error, result = task.exception(), None
        if error is None:
            result = task.result()
    outcome = classify(
        finished=True,
        result=result,
        error=error,
        expected=planned.operation.expected,
        cancel_requested=requested,
    )
    figures.record(outcome, what)
    _known_secrets(backend, scan)
    if error is not None:
        scan.error(what, error)
    elif result is not None:
        scan.texts_of(what, [("repr(result)", repr(result))])


def _known_secrets(backend: Backend, scan: SecretScan) -> None:
    fake = backend.fake
    if isinstance(fake, FakeManageEngine):
        scan.add(*fake.accounts.state.access_tokens)


async def _prepare(backend: Backend) -> None:
    """What the operations pick from: devices, apps and groups as the fake has them now."""
    backend.devices = await backend.mdm.devices.list().collect()
    backend.apps = await backend.mdm.apps.list().collect()
    backend.groups = await backend.mdm.groups.list().collect()
    if not backend.groups:
        backend.groups.append(await backend.mdm.groups.create("soak seed group"))


def _inject(faults: Faults, settings: SoakSettings, offset: int, choices: Sequence[Fault]) -> None:
    faults.random(rate=settings.fault_rate, faults=list(choices), seed=settings.seed + offset)


async def run_soak(settings: SoakSettings, progress: Callable[[str], None] = print) -> Figures:
    """Run the soak and return its figures (defects included)."""
    figures = Figures("soak")
    scan = SecretScan(figures)
    leftovers = Leftovers(figures)
    started = time.monotonic()
    with leftovers.warnings(), scan.logging():
        async with (
            FakeSimpleMDM(devices=settings.devices, seed=settings.seed) as sm_fake,
            FakeManageEngine(
                devices=settings.devices,
                seed=settings.seed,
                token_lifetime=settings.token_lifetime,
                mint_limit=1_000_000,  # the soak counts mints; Zoho's limit has its own tests
            ) as me_fake,
        ):
            scan.add(*forms_of_key(sm_fake.api_key), me_fake.client_secret, me_fake.refresh_token)
            leftovers.start()
            await _soak(settings, sm_fake, me_fake, figures, scan, progress)
            await leftovers.finish()
            for name, server in (
                ("simplemdm", sm_fake),
                ("manageengine", me_fake),
                ("zoho", me_fake.accounts),
            ):
                for error in server.errors:
                    figures.defect("fake_crashes", f"{name}: {type(error).__name__}: {error}")
            writes_twice(sm_fake.requests.all(), "simplemdm", figures)
            writes_twice(me_fake.requests.all(), "manageengine", figures)
            figures.info["requests"] = sum(
                len(s.requests) for s in (sm_fake, me_fake, me_fake.accounts)
            )
            figures.info["mints"] = len(me_fake.accounts.mints)
            scan.add(*me_fake.accounts.state.access_tokens)
    leftovers.count_warnings()
    scan.flush()
    figures.info["secret_texts"] = scan.texts
    progress(f"soak: {figures.operations} operations in {time.monotonic() - started:.0f}s")
    return figures


async def _soak(
    settings: SoakSettings,
    sm_fake: FakeSimpleMDM,
    me_fake: FakeManageEngine,
    figures: Figures,
    scan: SecretScan,
    progress: Callable[[str], None],
) -> None:
    options: dict[str, Any] = {"retry": RETRY, "timeout": TIMEOUT, "max_concurrency": 16}
    session = tagging_session()
    sm = sm_fake.mdm(session=session, **options)
    me = me_fake.mdm(session=session, upload_defaults=UPLOAD_DEFAULTS, **options)
    backends = {
        "simplemdm": Backend("simplemdm", sm_fake, sm, "Soak.ipa", lambda: sm_fake.mdm(**options)),
        "manageengine": Backend(
            "manageengine",
            me_fake,
            me,
            "Soak.apk",
            lambda: me_fake.mdm(upload_defaults=UPLOAD_DEFAULTS, **options),
        ),
    }
    try:
        async with sm, me:
            for backend in backends.values():
                await _prepare(backend)
            _inject(sm_fake.faults, settings, 1, SIMPLEMDM_FAULTS)
            _inject(me_fake.faults, settings, 2, API_FAULTS)
            _inject(me_fake.accounts.faults, settings, 3, TOKEN_FAULTS)
            figures.info["cancel_requests"] = await _drive(
                plan(settings), backends, settings.workers, figures, scan, progress
            )
            fault_sets = (sm_fake.faults, me_fake.faults, me_fake.accounts.faults)
            figures.info["faults"] = sum(rule.hits for f in fault_sets for rule in f.rules)
            scan.objects(
                "holder",
                {
                    "SimpleMDM": sm,
                    "SimpleMDMClient": sm.native,
                    "SimpleMDM transport": sm.native.transport,
                    "SimpleMDM auth": sm.native.transport.auth,
                    "ManageEngine": me,
                    "ManageEngineClient": me.native,
                    "ManageEngine transport": me.native.transport,
                    "ZohoOAuth": me.native.auth,
                    "token store": getattr(me.native.auth, "token_store", None),
                },
            )
    finally:
        await session.close()


async def _drive(
    planned: list[Planned],
    backends: dict[str, Backend],
    workers: int,
    figures: Figures,
    scan: SecretScan,
    progress: Callable[[str], None],
) -> int:
    """Run the plan with ``workers`` operations in flight; the cancellations requested."""
    queue = iter(planned)
    step = max(1, len(planned) // 10)

    async def worker() -> None:
        for item in queue:
            await asyncio.create_task(
                _run_one(item, backends[item.backend], figures, scan),
                context=contextvars.copy_context(),
            )
            if figures.operations % step == 0:
                progress(f"  soak: {figures.operations}/{len(planned)} operations")

    await asyncio.gather(*(worker() for _ in range(workers)))
    return sum(1 for item in planned if item.cancel_after is not None)
