"""Receiving SimpleMDM webhooks in a service, whatever its framework: ``WebhookReceiver``.

One delivery: check the secret token from the webhook URL (in constant time; SimpleMDM signs
nothing), refuse a body past the size cap before reading it all, parse it into a typed event,
skip an event handled before (``dedup``), await the callback, and say what to answer. The glue
modules (``webhook_aiohttp``, ``webhook_fastapi``) only carry requests in and answers out.
"""

from __future__ import annotations

import collections
import hmac
import logging
import re
from collections.abc import AsyncIterable, Awaitable, Callable, Iterable
from typing import Protocol

import anyio
import attrs

from mdmkit.core.errors import ConfigurationError, InvalidWebhookError
from mdmkit.simplemdm.webhooks import WebhookEvent, parse_webhook

__all__ = [
    "DEFAULT_MAX_BODY_SIZE",
    "RecentDeliveries",
    "WebhookAnswer",
    "WebhookCallback",
    "WebhookDedup",
    "WebhookReceiver",
]

log: logging.Logger = logging.getLogger("mdmkit.simplemdm.webhooks")

WebhookCallback = Callable[[WebhookEvent], Awaitable[object]]
"""What the receiver hands each new event to: ``async def on_event(event) -> None``."""

DEFAULT_MAX_BODY_SIZE = 1024 * 1024
"""1 MiB: events are small, but one ``device.changed_group`` can list thousands of devices."""

MIN_SECRET_LENGTH = 16
_URL_SAFE = re.compile(r"[A-Za-z0-9._~-]+")
_REDACTED = "<redacted>"


class WebhookDedup(Protocol):
    """Where the delivery keys of handled events are kept: in memory, or shared by workers."""

    async def claim(self, key: str) -> bool:
        """Take the key and say True, unless a delivery of this event was handled (or is being
        handled) already: then False."""
        ...

    async def release(self, key: str) -> None:
        """Give a claimed key back because its callback failed, so that the retry is handled."""
        ...


class RecentDeliveries:
    """The delivery keys of the last ``size`` events handled, in this process's memory.

    Enough for one worker: SimpleMDM retries within minutes. Several workers need a store they
    share (anything with ``claim`` and ``release``, such as Redis ``SET key 1 NX EX``).
    """

    def __init__(self, size: int = 10_000) -> None:
        if size < 1:
            raise ValueError(f"RecentDeliveries keeps at least one key, not {size}")
        self.size = size
        self._keys: collections.OrderedDict[str, None] = collections.OrderedDict()

    async def claim(self, key: str) -> bool:
        if key in self._keys:
            self._keys.move_to_end(key)
            return False
        self._keys[key] = None
        while len(self._keys) > self.size:
            self._keys.popitem(last=False)
        return True

    async def release(self, key: str) -> None:
        self._keys.pop(key, None)

    def __contains__(self, key: object) -> bool:
        return key in self._keys

    def __len__(self) -> int:
        return len(self._keys)

    def __repr__(self) -> str:
        return f"RecentDeliveries({len(self._keys)} of {self.size} keys)"


@attrs.frozen
class WebhookAnswer:
    """What to answer one delivery: the HTTP ``status``, a short ``message``, and the event
    when one was parsed (``duplicate``: it had been handled before, the callback was skipped)."""

    status: int
    message: str
    event: WebhookEvent | None = None
    duplicate: bool = False

    @property
    def body(self) -> dict[str, object]:
        """The JSON answer: the message, and the event's delivery key when there is one."""
        body: dict[str, object] = {"message": self.message}
        if self.event is not None:
            body["delivery_key"] = self.event.delivery_key
        return body


def _checked_secrets(secret: str | Iterable[str]) -> tuple[str, ...]:
    secrets = (secret,) if isinstance(secret, str) else tuple(secret)
    if not secrets:
        raise ConfigurationError("WebhookReceiver needs a secret (the token in the webhook URL)")
    for value in secrets:
        if not isinstance(value, str) or len(value) < MIN_SECRET_LENGTH:
            raise ConfigurationError(
                f"a webhook secret must be a string of at least {MIN_SECRET_LENGTH} characters; "
                "make one with secrets.token_urlsafe(32)"
            )
        if not _URL_SAFE.fullmatch(value):
            raise ConfigurationError(
                "a webhook secret goes into a URL: use only letters, digits and - . _ ~ "
                "(secrets.token_urlsafe(32) makes one)"
            )
    return secrets


class WebhookReceiver:
    """Turns SimpleMDM webhook deliveries into typed events for ``callback``, and answers them.

    ``secret`` is the token in the webhook URL you give SimpleMDM (several during a change of
    URL); a delivery without it is answered 404 and never read. A body over ``max_body_size``
    bytes is answered 413, a body that is not an event 400. A failing callback is logged and
    answered 500, one still running after ``callback_timeout`` seconds is cancelled and answered
    503: SimpleMDM retries both. ``dedup`` (e.g. ``RecentDeliveries()``) recognises a delivery
    of an event already handled: answered 200 without calling back.
    """

    def __init__(
        self,
        callback: WebhookCallback,
        *,
        secret: str | Iterable[str],
        max_body_size: int = DEFAULT_MAX_BODY_SIZE,
        dedup: WebhookDedup | None = None,
        callback_timeout: float | None = 10.0,
    ) -> None:
        if max_body_size < 1:
            raise ConfigurationError(f"max_body_size must be positive, not {max_body_size}")
        if callback_timeout is not None and callback_timeout <= 0:
            raise ConfigurationError(f"callback_timeout must be positive, not {callback_timeout}")
        self._secrets = _checked_secrets(secret)
        self.callback = callback
        self.max_body_size = max_body_size
        self.dedup = dedup
        self.callback_timeout = callback_timeout

    def __repr__(self) -> str:
        name = getattr(self.callback, "__qualname__", type(self.callback).__name__)
        return (
            f"WebhookReceiver(callback={name}, secret={_REDACTED}, "
            f"max_body_size={self.max_body_size}, dedup={self.dedup!r}, "
            f"callback_timeout={self.callback_timeout})"
        )

    def authorized(self, token: str | None) -> bool:
        """Whether ``token`` is one of the secrets, compared in constant time."""
        if token is None:
            return False
        received = token.encode()
        matched = False
        for secret in self._secrets:  # every secret compared: the time says nothing of which
            matched |= hmac.compare_digest(received, secret.encode())
        return matched

    def log_filter(self) -> logging.Filter:
        """A filter that masks the secrets in log records, for a server's access log (the
        token is in the URL): ``logging.getLogger("uvicorn.access").addFilter(...)``."""
        return _RedactSecrets(self._secrets)

    async def receive(
        self, token: str | None, body: AsyncIterable[bytes], *, content_length: int | None = None
    ) -> WebhookAnswer:
        """Handle one delivery: ``token`` from its URL, ``body`` as it arrives (chunks), the
        ``Content-Length`` it announced if any. Never raises for what a client sent."""
        if not self.authorized(token):
            log.warning("webhook refused: wrong or missing token (answered 404)")
            return WebhookAnswer(404, "not found")
        if content_length is not None and content_length > self.max_body_size:
            return self._too_large(f"announced {content_length} bytes")
        raw = await self._read(body)
        if raw is None:
            return self._too_large("sent more")
        try:
            event = parse_webhook(raw)
        except InvalidWebhookError as exc:
            log.warning("webhook refused: %s (answered 400)", exc)
            return WebhookAnswer(400, f"not a SimpleMDM webhook event: {exc}")
        return await self._dispatch(event)

    def _too_large(self, what: str) -> WebhookAnswer:
        log.warning(
            "webhook refused: body over %d bytes, %s (answered 413)", self.max_body_size, what
        )
        return WebhookAnswer(413, f"body larger than {self.max_body_size} bytes")

    async def _read(self, body: AsyncIterable[bytes]) -> bytes | None:
        """The whole body, or None as soon as it passes the cap (the rest is never read)."""
        chunks: list[bytes] = []
        size = 0
        iterator = aiter(body)
        try:
            async for chunk in iterator:
                size += len(chunk)
                if size > self.max_body_size:
                    return None
                chunks.append(chunk)
        finally:
            close = getattr(iterator, "aclose", None)
            if close is not None:
                await close()
        return b"".join(chunks)

    async def _dispatch(self, event: WebhookEvent) -> WebhookAnswer:
        key = event.delivery_key
        if self.dedup is not None and not await self.dedup.claim(key):
            log.info("webhook %s (delivery %s) seen before: not called back", event.type, key)
            return WebhookAnswer(200, "duplicate: this event was received before", event, True)
        try:
            with anyio.move_on_after(self.callback_timeout) as scope:
                await self.callback(event)
        except Exception:
            await self._release(key)
            log.exception(
                "webhook %s (delivery %s): the callback failed (answered 500, SimpleMDM retries)",
                event.type,
                key,
            )
            return WebhookAnswer(500, "the callback failed; retry later", event)
        except BaseException:  # cancelled: a claim must not outlive the delivery that made it
            with anyio.CancelScope(shield=True):
                await self._release(key)
            raise
        if scope.cancelled_caught:
            await self._release(key)
            log.error(
                "webhook %s (delivery %s): the callback ran past %s s and was cancelled "
                "(answered 503, SimpleMDM retries)",
                event.type,
                key,
                self.callback_timeout,
            )
            return WebhookAnswer(503, "the callback took too long; retry later", event)
        log.debug("webhook %s (delivery %s) handled", event.type, key)
        return WebhookAnswer(200, "received", event)

    async def _release(self, key: str) -> None:
        if self.dedup is not None:
            await self.dedup.release(key)


class _RedactSecrets(logging.Filter):
    """Replaces each secret with ``<redacted>`` in a record's message, arguments and extras."""

    def __init__(self, secrets: tuple[str, ...]) -> None:
        super().__init__()
        self._secrets = secrets

    def _clean(self, value: object) -> object:
        if isinstance(value, str):
            for secret in self._secrets:
                value = value.replace(secret, _REDACTED)
        return value

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = self._clean(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(self._clean(arg) for arg in record.args)
        elif isinstance(record.args, dict):
            record.args = {key: self._clean(arg) for key, arg in record.args.items()}
        for name, value in list(vars(record).items()):  # extras, e.g. aiohttp's request line
            if isinstance(value, str):
                setattr(record, name, self._clean(value))
        return True

    def __repr__(self) -> str:
        return f"_RedactSecrets({len(self._secrets)} secrets)"
