"""No secret in the repr or str of anything that holds one, in any error, or in any log line.

One run drives both fakes through successes, retries, failures and token mints, keeping
every object that holds a credential (auth objects, token stores, native clients, neutral
adapters, transports, a Fleet) and every error raised on the way; then each is checked for
every form of every secret: the SimpleMDM key and its Basic encoding, the Zoho client
secret, refresh token and each minted access token, the on-premises key.
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Awaitable
from pathlib import Path
from typing import Any

import anyio
import attrs
import pytest
from aiohttp import web

from mdmkit import Fleet, ManageEngine, SimpleMDM
from mdmkit.core.errors import (
    AuthenticationError,
    ConfigurationError,
    ConflictError,
    DeadlineExceededError,
    InvalidRequestError,
    NotFoundError,
    OAuthError,
    PermissionDeniedError,
    RateLimitError,
    ResponseFormatError,
    ResponseTooLargeError,
    ServerError,
    TransportError,
    ValidationError,
)
from mdmkit.http.jsonbody import InvalidJSONError
from mdmkit.http.transport import Timeout
from mdmkit.manageengine import FileTokenStore, ManageEngineClient, TokenRateLimitError
from mdmkit.simplemdm import RecentDeliveries, SimpleMDMClient, WebhookReceiver
from mdmkit.simplemdm.webhook_aiohttp import webhook_handler
from mdmkit.simplemdm.webhooks import WebhookEvent
from mdmkit.testing import (
    FakeClock,
    FakeManageEngine,
    FakeSimpleMDM,
    Malformed,
    RateLimited,
    Reply,
)
from mdmkit.testing import ServerError as FakeServerError
from mdmkit.testing.simplemdm.webhooks import WebhookDelivery
from tests.leaks import exception_texts, forms_of_key, frame_texts, leaks

pytestmark = pytest.mark.anyio


@attrs.define
class Run:
    """What one run kept: objects holding secrets, errors raised, and the secrets themselves."""

    holders: dict[str, object] = attrs.Factory(dict)
    errors: dict[str, BaseException] = attrs.Factory(dict)
    secrets: list[str] = attrs.Factory(list)

    async def expect(self, name: str, kind: type[BaseException], call: Awaitable[Any]) -> None:
        """Await ``call``, which must raise ``kind``; keep the error under ``name``."""
        with pytest.raises(kind) as info:
            await call
        self.errors[name] = info.value


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def simplemdm_run(run: Run, clock: FakeClock) -> None:
    async with FakeSimpleMDM(devices=20, seed=1, clock=clock) as fake:
        key = fake.api_key
        run.secrets += forms_of_key(key)
        timing: dict[str, Any] = {"clock": clock.time, "sleep": clock.sleep}
        async with (
            SimpleMDMClient(key, base_url=fake.url, **timing) as sm,
            SimpleMDMClient(key, base_url=fake.url, max_response_size=64, **timing) as small,
            SimpleMDMClient(key + "x", base_url=fake.url, **timing) as wrong,
            SimpleMDMClient(key, base_url=f"http://127.0.0.1:{closed_port()}", **timing) as gone,
        ):
            neutral = SimpleMDM.from_client(sm)
            run.holders |= {
                "SimpleMDMClient": sm,
                "SimpleMDMClient.transport": sm.transport,
                "SimpleMDM ApiKeyAuth": sm.transport.auth,
                "SimpleMDM": neutral,
                "SimpleMDM.devices": neutral.devices,
                "SimpleMDMClient.devices": sm.devices,
            }
            device = next(iter(fake.state.devices))
            await sm.account.get()
            await neutral.devices.list().collect()
            fake.faults.add(FakeServerError(503), route="GET */account")  # retried, then fine
            await sm.account.get()
            await run.expect("NotFoundError", NotFoundError, sm.devices.get(999_999))
            await run.expect("AuthenticationError", AuthenticationError, wrong.account.get())
            await run.expect("TransportError", TransportError, gone.account.get())
            await run.expect("ResponseTooLargeError", ResponseTooLargeError, small.account.get())
            fake.faults.add(Malformed(), route="GET */account")
            await run.expect("ResponseFormatError", ResponseFormatError, sm.account.get())
            fake.faults.add(RateLimited(retry_after=3600), route="GET */account")
            await run.expect("RateLimitError", RateLimitError, sm.account.get())
            fake.faults.add(FakeServerError(500), route="POST */devices/*/lock")
            await run.expect("ServerError", ServerError, sm.devices.lock(device))
            for status, kind in [
                (403, PermissionDeniedError),
                (409, ConflictError),
                (422, ValidationError),
            ]:
                fake.faults.add(Reply(status, "refused"), route="POST */devices/*/refresh")
                await run.expect(kind.__name__, kind, sm.devices.refresh(device))
            fake.faults.add(RateLimited(retry_after=4), route="GET */account", times=None)
            await run.expect(
                "DeadlineExceededError",
                DeadlineExceededError,
                sm.transport.request("GET", "/account", limits=Timeout(deadline=6)),
            )
            fake.faults.clear()
            await run.expect("InvalidRequestError", InvalidRequestError, sm.devices.get("1/wipe"))
        try:
            SimpleMDMClient(key, base_url="http://example.com/api/v1")
        except ConfigurationError as exc:
            run.errors["ConfigurationError"] = exc


async def manageengine_run(run: Run, clock: FakeClock, tmp_path: Path) -> None:
    async with FakeManageEngine(devices=20, seed=1, clock=clock) as fake:
        cloud: dict[str, Any] = {
            "base_url": fake.base_url,
            "accounts_url": fake.accounts_url,
            "clock": clock.time,
            "sleep": clock.sleep,
        }
        credentials = (fake.client_id, fake.client_secret, fake.refresh_token)
        run.secrets += [fake.client_secret, fake.refresh_token]
        store = FileTokenStore(tmp_path / "tokens.json")
        async with (
            ManageEngineClient(*credentials, **cloud) as me,
            ManageEngineClient(*credentials, token_store=store, **cloud) as stored,
            ManageEngineClient(fake.client_id, fake.client_secret, "1000.bad", **cloud) as bad,
        ):
            neutral = ManageEngine.from_client(me)
            run.holders |= {
                "ManageEngineClient": me,
                "ManageEngineClient.transport": me.transport,
                "ZohoOAuth (token minted)": me.auth,
                "MemoryTokenStore (token saved)": getattr(me.auth, "token_store", None),
                "FileTokenStore (token saved)": store,
                "ManageEngine": neutral,
                "ManageEngine.devices": neutral.devices,
            }
            await neutral.devices.list().collect()  # the first call mints
            await stored.devices.list().first()
            fake.accounts.expire_tokens()
            await me.devices.list().first()  # a 401, a refresh, a replay
            fake.faults.add(Reply(403, "denied"), route="GET */groups")
            await run.expect("ME PermissionDeniedError", PermissionDeniedError, me.groups.list())
            await run.expect("OAuthError", OAuthError, bad.devices.list().first())
            for _ in range(11):  # Zoho allows ten mints in ten minutes, then says no
                fake.accounts.expire_tokens()
                try:
                    await me.devices.list().first()
                except TokenRateLimitError as exc:
                    run.errors["TokenRateLimitError"] = exc
                    break
            run.holders["Fleet"] = Fleet(SimpleMDM("unused-key-0123456789"), neutral)
            run.secrets.append("unused-key-0123456789")
        run.secrets += list(fake.accounts.state.access_tokens)
    async with FakeManageEngine(devices=5, seed=2, clock=clock, on_premises=True) as fake:
        run.secrets.append(fake.api_key)
        async with (
            ManageEngine.on_premises(fake.base_url, fake.api_key, sleep=clock.sleep) as on_prem,
            ManageEngineClient.on_premises(fake.base_url, fake.api_key + "x") as wrong,
        ):
            run.holders |= {
                "ManageEngine (on-premises)": on_prem,
                "ManageEngineClient (on-premises)": on_prem.native,
                "ManageEngine ApiKeyAuth": on_prem.native.auth,
                "ManageEngineClient (on-premises).transport": on_prem.native.transport,
            }
            await on_prem.devices.list().collect()
            await run.expect("ME AuthenticationError", AuthenticationError, wrong.devices.get(1))


@pytest.fixture
async def run(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> Run:
    caplog.set_level(logging.DEBUG)  # every logger: mdmkit's, aiohttp's, asyncio's
    kept = Run()
    clock = FakeClock()
    await simplemdm_run(kept, clock)
    await manageengine_run(kept, clock, tmp_path)
    return kept


async def test_nothing_that_holds_a_secret_shows_it_in_repr_or_str(run: Run) -> None:
    assert len(run.holders) >= 18
    assert all(holder is not None for holder in run.holders.values())
    texts = [
        (f"{how}({name})", render(holder))
        for name, holder in run.holders.items()
        for how, render in (("repr", repr), ("str", str))
    ]
    assert leaks(texts, run.secrets) == []


async def test_no_error_of_the_run_holds_a_secret_anywhere_reachable(run: Run) -> None:
    raised = {type(error) for error in run.errors.values()}
    assert raised == {
        AuthenticationError,
        ConfigurationError,
        ConflictError,
        DeadlineExceededError,
        InvalidRequestError,
        NotFoundError,
        OAuthError,
        PermissionDeniedError,
        RateLimitError,
        InvalidJSONError,  # the ResponseFormatError of a body that is not JSON
        ResponseTooLargeError,
        ServerError,
        TokenRateLimitError,
        TransportError,
        ValidationError,
    }
    found = [
        leak for error in run.errors.values() for leak in leaks(exception_texts(error), run.secrets)
    ]
    assert found == []


async def test_a_debug_log_of_the_run_holds_no_secret(
    run: Run, caplog: pytest.LogCaptureFixture
) -> None:
    records = caplog.get_records("setup")  # the run happens while the fixture is set up
    lines = [record.getMessage() for record in records]
    assert any("-> 503 (attempt 1" in line for line in lines)  # a retry was logged
    assert any("-> 401" in line for line in lines)  # a refused token and a wrong key
    assert any("retrying in" in line for line in lines)
    levels = {(record.name, record.levelname) for record in records}
    assert ("mdmkit.http.retry", "INFO") in levels  # retries and 429 pauses
    assert ("mdmkit.http", "WARNING") in levels  # calls that failed for good
    assert ("mdmkit.manageengine.auth", "INFO") in levels  # token mints
    assert any("minted a Zoho access token" in line for line in lines)
    assert any("every request of this backend waits" in line for line in lines)
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    texts = [("log", formatter.format(record)) for record in records]  # with any traceback
    texts += [("args", repr(record.args)) for record in records]
    events = [record.mdmkit for record in records if hasattr(record, "mdmkit")]
    assert events  # the request events the records carry, for structured logging
    texts += [("event", f"{event!r} {event.url} {event.error!r}") for event in events]
    assert leaks(texts, run.secrets) == []
    assert len(run.secrets) >= 8  # the key and its Basic form, Zoho's three, more minted


def test_the_check_sees_a_repr_that_shows_a_header() -> None:
    """The guard itself: an auth object whose repr printed its header would be caught."""

    class Leaky:
        def __init__(self, key: str) -> None:
            self._header = {"Authorization": f"Basic {forms_of_key(key)[1]}"}

        def __repr__(self) -> str:
            return f"Leaky({self._header})"

    assert leaks([("repr", repr(Leaky("k" * 20)))], forms_of_key("k" * 20))


# -- webhook receivers: the secret in the webhook URL ---------------------------------------------

WEBHOOK_SECRET = "whk-" + "s3cr3t" * 6


@attrs.define
class HookRun:
    """A receiver driven through every answer by the fake; what it logged and kept."""

    holders: dict[str, object] = attrs.Factory(dict)
    deliveries: list[WebhookDelivery] = attrs.Factory(list)
    records: list[logging.LogRecord] = attrs.Factory(list)


@pytest.fixture
async def hook_run(caplog: pytest.LogCaptureFixture) -> HookRun:
    caplog.set_level(logging.DEBUG)  # aiohttp's access log too: it prints the request path
    kept = HookRun()
    failures = [RuntimeError("the database is down"), None]

    async def on_event(event: WebhookEvent) -> None:
        failure = failures.pop(0) if failures else None
        if failure is not None:
            raise failure
        if event.type == "device.unenrolled":
            await anyio.sleep(5)  # past the receiver's timeout

    receiver = WebhookReceiver(
        on_event,
        secret=[WEBHOOK_SECRET, WEBHOOK_SECRET[::-1]],
        max_body_size=2048,
        dedup=RecentDeliveries(),
        callback_timeout=0.05,
    )
    redact = receiver.log_filter()
    access = logging.getLogger("aiohttp.access")
    access.addFilter(redact)
    app = web.Application()
    app.router.add_post("/hooks/{token}", webhook_handler(receiver))
    app.router.add_post("/query", webhook_handler(receiver))
    runner = web.AppRunner(app, handle_signals=False)  # with aiohttp's access log
    await runner.setup()
    try:
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        root = f"http://127.0.0.1:{runner.addresses[0][1]}"
        async with FakeSimpleMDM(devices=5, seed=1, clock=FakeClock()) as fake:
            hooks = fake.webhooks
            for url in (
                f"{root}/hooks/{WEBHOOK_SECRET}",
                f"{root}/query?token={WEBHOOK_SECRET[::-1]}",
                f"http://127.0.0.1:{closed_port()}/hooks/{WEBHOOK_SECRET}",
            ):
                hooks.register(url)
            hooks.retry_delays = (1.0,)
            kept.deliveries += await hooks.send_test()  # 500 then 200; unreachable
            kept.deliveries += await hooks.send("device.unenrolled", {"device": {"id": 1}})
            kept.deliveries += await hooks.send("device.changed_group", {"devices": [{}] * 1000})
            kept.deliveries += await hooks.send("device.enrolled", {})  # not a valid event
            kept.deliveries.append(await hooks.redeliver(kept.deliveries[0]))  # a duplicate
            hooks.unregister(f"{root}/hooks/{WEBHOOK_SECRET}")
            hooks.register(f"{root}/hooks/{WEBHOOK_SECRET[:-1]}")  # a wrong token
            kept.deliveries += await hooks.send_test()
            kept.holders |= {
                "WebhookReceiver": receiver,
                "its log filter": redact,
                "RecentDeliveries": receiver.dedup,
                "FakeWebhooks": hooks,
            }
    finally:
        await runner.cleanup()
        access.removeFilter(redact)
    kept.records = caplog.get_records("setup")
    return kept


async def test_the_webhook_run_answered_every_way(hook_run: HookRun) -> None:
    statuses = {status for d in hook_run.deliveries for status in d.statuses}
    assert statuses >= {200, 400, 404, 413, 500, 503, None}


async def test_no_webhook_object_shows_the_secret(hook_run: HookRun) -> None:
    texts = [
        (f"{how}({name})", render(holder))
        for name, holder in hook_run.holders.items()
        for how, render in (("repr", repr), ("str", str))
    ]
    for delivery in hook_run.deliveries:
        texts.append(("repr(delivery)", repr(delivery)))
        texts += [("attempt.error", a.error or "") for a in delivery.attempts]
        texts += [("attempt.response", a.response.decode()) for a in delivery.attempts]
    secrets = [WEBHOOK_SECRET, WEBHOOK_SECRET[::-1], WEBHOOK_SECRET[:-1]]
    assert leaks(texts, secrets) == []


async def test_the_webhook_logs_and_a_failed_callbacks_error_hold_no_secret(
    hook_run: HookRun,
) -> None:
    records = hook_run.records
    lines = [record.getMessage() for record in records]
    assert any("callback failed" in line for line in lines)
    assert any("/hooks/<redacted>" in line for line in lines)  # aiohttp's access log ran
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    texts = [("log", formatter.format(record)) for record in records]
    texts += [("args", repr(record.args)) for record in records]
    failed = [r.exc_info[1] for r in records if r.exc_info and r.exc_info[1] is not None]
    assert [type(error) for error in failed] == [RuntimeError]
    for error in failed:
        texts += list(exception_texts(error))
        texts += list(frame_texts(error))  # the locals an error tracker records
    assert leaks(texts, [WEBHOOK_SECRET, WEBHOOK_SECRET[::-1]]) == []
