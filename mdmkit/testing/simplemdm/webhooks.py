"""Webhook delivery of the fake SimpleMDM: registered URLs, real POSTs with retries, a log.

``fake.webhooks.register(url)``, then every change SimpleMDM reports (a device enrolls,
unenrolls, is locked, changes group) is POSTed to each URL as ``{"type", "at", "data"}``,
and ``await fake.webhooks.send_test()`` sends the ``test_event`` of SimpleMDM's test button.
Events go to each URL one at a time, in the order they happened. A delivery not answered 2xx
is retried after each of ``retry_delays`` (the fake's schedule: SimpleMDM does not publish
its own), waiting on the fake's clock, so a FakeClock makes retries take no real time.
"""

from __future__ import annotations

import asyncio
import collections
import io
import json
import logging
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any, Literal

import aiohttp
import anyio
import attrs
import yarl

from mdmkit.testing._server import Clock
from mdmkit.testing.simplemdm.render import iso

__all__ = ["DEFAULT_RETRY_DELAYS", "DeliveryAttempt", "FakeWebhooks", "WebhookDelivery"]

log: logging.Logger = logging.getLogger("mdmkit.testing")

DEFAULT_RETRY_DELAYS = (1.0, 5.0, 25.0, 125.0)
"""Seconds between attempts: five attempts in all, the last about 2.5 minutes after the first."""

DeliveryState = Literal["pending", "delivered", "failed", "abandoned"]
HEADERS = {"Content-Type": "application/json", "User-Agent": "mdmkit-fake-simplemdm"}
MAX_REPLY = 4096


def _origin(url: str) -> str:
    """A URL without its path and query, where a receiver keeps its secret token."""
    try:
        return f"{yarl.URL(url).origin()}/..."
    except ValueError:
        return "a URL that is not absolute"


def _origin_repr(url: str) -> str:
    return repr(_origin(url))


@attrs.frozen
class DeliveryAttempt:
    """One POST of a delivery: when (fake clock), the status answered (None: no answer, see
    ``error``) and the first bytes of the answer's body."""

    at: float
    status: int | None
    response: bytes = attrs.field(default=b"", repr=False)
    error: str | None = None

    @property
    def ok(self) -> bool:
        """Answered 2xx."""
        return self.status is not None and 200 <= self.status < 300


@attrs.define(eq=False)
class WebhookDelivery:
    """One event sent to one URL: the exact body posted, every attempt, how it ended.

    ``state`` is ``pending`` until an attempt is answered 2xx (``delivered``) or the last retry
    is not (``failed``); ``abandoned`` when the fake closed first. The repr shows only the
    URL's origin: its path or query holds the receiver's secret.
    """

    url: str = attrs.field(repr=_origin_repr)
    type: str
    body: bytes = attrs.field(repr=False)
    attempts: list[DeliveryAttempt] = attrs.Factory(list)
    state: DeliveryState = "pending"

    @property
    def event(self) -> Any:
        """The event posted, decoded: ``{"type", "at", "data"}``."""
        return json.loads(self.body)

    @property
    def statuses(self) -> list[int | None]:
        """The status each attempt was answered with, in order."""
        return [attempt.status for attempt in self.attempts]


class FakeWebhooks:
    """The fake's webhook sender (``fake.webhooks``): where events go, and what became of them.

    ``deliveries`` logs every delivery, oldest first. ``retry_delays`` and ``timeout`` (seconds
    per attempt) may be changed at any time; they apply to the next wait or attempt. A failure
    of the sender itself goes to ``errors`` (the fake's ``errors``), as a handler's would.
    """

    def __init__(
        self,
        clock: Clock,
        *,
        retry_delays: Iterable[float] = DEFAULT_RETRY_DELAYS,
        timeout: float = 10.0,
        errors: list[BaseException] | None = None,
    ) -> None:
        self.errors: list[BaseException] = (
            errors if errors is not None else []
        )  # the fake's own failures
        self.urls: list[str] = []
        self.deliveries: list[WebhookDelivery] = []
        self.retry_delays: tuple[float, ...] = tuple(retry_delays)
        self.timeout = timeout
        self._clock = clock
        sleep: Callable[[float], Awaitable[None]] | None = getattr(clock, "sleep", None)
        self._sleep = sleep if sleep is not None else anyio.sleep
        self._queues: dict[str, collections.deque[WebhookDelivery]] = {}
        self._workers: dict[str, asyncio.Task[None]] = {}
        self._session: aiohttp.ClientSession | None = None
        self._changed: anyio.Event | None = None
        self._running = False

    def __repr__(self) -> str:
        return f"FakeWebhooks({len(self.urls)} urls, {len(self.deliveries)} deliveries)"

    def __deepcopy__(self, memo: dict[int, Any]) -> FakeWebhooks:
        """Itself: a snapshot of the state keeps announcing to the fake's one sender."""
        return self

    # -- registration ---------------------------------------------------------------------------

    def register(self, url: str) -> None:
        """Send every event from now on to ``url`` (an absolute http or https URL)."""
        parsed = yarl.URL(url)
        if parsed.scheme not in ("http", "https") or not parsed.host:
            raise ValueError(f"a webhook URL must be absolute http(s), not {_origin(url)}")
        if url not in self.urls:
            self.urls.append(url)

    def unregister(self, url: str) -> None:
        """Stop sending to ``url`` (deliveries already made still finish)."""
        self.urls.remove(url)

    # -- sending ----------------------------------------------------------------------------------

    def notify(self, now: float, event_type: str, data: dict[str, Any]) -> list[WebhookDelivery]:
        """Queue one event for every registered URL (the state calls this on each change)."""
        body = json.dumps(
            {"type": event_type, "at": iso(now), "data": data}, separators=(",", ":")
        ).encode()
        made = [WebhookDelivery(url, event_type, body) for url in self.urls]
        for delivery in made:
            self._enqueue(delivery)
        return made

    def queue(self, event_type: str, data: dict[str, Any] | None = None) -> list[WebhookDelivery]:
        """Queue an event now, whatever the state (``abm.device.added``, a type SimpleMDM may
        add one day, a large ``device.changed_group``...), without waiting for it."""
        return self.notify(self._clock.time(), event_type, data if data is not None else {})

    async def send(
        self, event_type: str, data: dict[str, Any] | None = None
    ) -> list[WebhookDelivery]:
        """Send an event now, as ``queue()``, and return once each delivery has ended."""
        made = self.queue(event_type, data)
        await self.wait(made)
        return made

    async def send_test(self) -> list[WebhookDelivery]:
        """Send a ``test_event``, as SimpleMDM's test button does, and wait for its end."""
        return await self.send("test_event")

    async def redeliver(self, delivery: WebhookDelivery) -> WebhookDelivery:
        """Post the same body to the same URL again, as SimpleMDM does when it did not see
        the answer to a delivery; returns the new delivery once it ended."""
        again = WebhookDelivery(delivery.url, delivery.type, delivery.body)
        self._enqueue(again)
        await self.wait([again])
        return again

    async def wait(self, deliveries: Sequence[WebhookDelivery] | None = None) -> None:
        """Until ``deliveries`` (default: every one logged) are no longer pending."""
        targets = self.deliveries if deliveries is None else deliveries
        while any(d.state == "pending" for d in targets):
            if not self._running:
                raise RuntimeError("webhook deliveries wait for the fake to be running")
            if self._changed is None:
                self._changed = anyio.Event()
            await self._changed.wait()

    # -- lifecycle (the fake's start and close) -------------------------------------------------

    def start(self) -> None:
        """Start delivering (what was queued while the fake was not running goes out now)."""
        self._running = True
        for url, queue in self._queues.items():
            if queue:
                self._spawn(url)

    async def aclose(self) -> None:
        """Stop delivering: pending deliveries are ``abandoned``; the HTTP session closes."""
        self._running = False
        workers = list(self._workers.values())
        for worker in workers:
            worker.cancel()
        if workers:
            await asyncio.gather(*workers, return_exceptions=True)
        for queue in self._queues.values():
            for delivery in queue:
                delivery.state = "abandoned"
            queue.clear()
        session, self._session = self._session, None
        if session is not None:
            await session.close()
        self._signal()

    # -- delivery ---------------------------------------------------------------------------------

    def _enqueue(self, delivery: WebhookDelivery) -> None:
        self.deliveries.append(delivery)
        self._queues.setdefault(delivery.url, collections.deque()).append(delivery)
        if self._running:
            self._spawn(delivery.url)

    def _spawn(self, url: str) -> None:
        """One worker per URL, alive while its queue has deliveries (aiohttp runs on asyncio,
        and the fake's lifetime is start()..close(), so these are asyncio tasks it owns)."""
        if url not in self._workers:
            self._workers[url] = asyncio.get_running_loop().create_task(self._work(url))

    async def _work(self, url: str) -> None:
        queue = self._queues[url]
        try:
            while queue:
                await self._deliver(queue[0])
                queue.popleft()
                self._signal()
        finally:
            self._workers.pop(url, None)

    async def _deliver(self, delivery: WebhookDelivery) -> None:
        for number, delay in enumerate((0.0, *self.retry_delays), start=1):
            if delay > 0:
                await self._sleep(delay)
            attempt = await self._attempt(delivery)
            delivery.attempts.append(attempt)
            log.debug(
                "webhook %s to %s -> %s (attempt %d)",
                delivery.type,
                _origin(delivery.url),
                attempt.status if attempt.status is not None else attempt.error,
                number,
            )
            if attempt.ok:
                delivery.state = "delivered"
                return
        delivery.state = "failed"

    async def _attempt(self, delivery: WebhookDelivery) -> DeliveryAttempt:
        if self._session is None:
            self._session = aiohttp.ClientSession()
        at = self._clock.time()
        timeout = aiohttp.ClientTimeout(total=self.timeout)
        try:
            async with self._session.post(
                delivery.url,
                data=io.BytesIO(delivery.body),  # streamed: bytes past 1 MiB warn
                headers=HEADERS,
                timeout=timeout,
                allow_redirects=False,
            ) as response:
                reply = await response.content.read(MAX_REPLY)
                return DeliveryAttempt(at, response.status, reply)
        except (aiohttp.ClientError, TimeoutError) as exc:
            return DeliveryAttempt(at, None, error=_scrubbed(exc, delivery.url))
        except Exception as exc:  # a bug of the fake's: kept in fake.errors, never hangs a wait
            self.errors.append(exc)
            log.exception("webhook %s to %s: the fake failed", delivery.type, _origin(delivery.url))
            return DeliveryAttempt(at, None, error=_scrubbed(exc, delivery.url))

    def _signal(self) -> None:
        changed, self._changed = self._changed, None
        if changed is not None:
            changed.set()


def _scrubbed(exc: BaseException, url: str) -> str:
    """The error as text, without the URL's path and query (the receiver's secret)."""
    parsed = yarl.URL(url)
    text = f"{type(exc).__name__}: {exc}"
    for secret_part in (url, parsed.raw_path_qs, parsed.path_qs, parsed.raw_path, parsed.path):
        if secret_part and secret_part != "/":
            text = text.replace(secret_part, "/...")
    return text
