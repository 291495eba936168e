"""Request hooks: callables a client runs around every request, for tracing and metrics.

``on_request`` runs before each attempt is sent, ``on_response`` after each attempt (with the
status, or the error when no answer came), ``on_retry`` before waiting to try again, and
``on_error`` once when a call fails for good. A hook may be a plain or an async function; one
that raises is logged (``mdmkit.http.hooks``, WARNING) and never breaks the call.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, Literal, TypeAlias
from urllib.parse import urlsplit

import attrs

from mdmkit.core.errors import ConfigurationError, MDMError

__all__ = ["Hook", "HookKind", "RequestEvent", "RequestHooks"]

logger: logging.Logger = logging.getLogger("mdmkit.http.hooks")

HookKind: TypeAlias = Literal["request", "response", "retry", "error"]
KINDS: tuple[HookKind, ...] = ("request", "response", "retry", "error")


@attrs.frozen(kw_only=True)
class RequestEvent:
    """One moment of one request, as hooks and log records (``record.mdmkit``) see it.

    ``url`` is absolute with its query and holds no credential (they travel in headers).
    ``attempt`` counts the sends of this call so far (0 when it failed before the first).
    ``elapsed`` is this attempt's seconds on ``response`` and ``retry``, the whole call's on
    ``error``. ``delay`` and ``reason`` say, on ``retry``, how long until the next attempt and
    why it is worth one. ``context`` is one dict per call, shared by all its events: a tracing hook
    keeps its span there between ``on_request`` and ``on_response``.
    """

    kind: HookKind
    backend: str
    method: str
    url: str
    attempt: int
    status: int | None = None
    elapsed: float | None = None
    request_id: str | None = None
    error: MDMError | None = None
    delay: float | None = None
    reason: str | None = None
    context: dict[str, Any] = attrs.field(factory=dict, eq=False, repr=False)

    @property
    def host(self) -> str:
        """Where the request goes: ``a.simplemdm.com``, with the port when one is given."""
        return host_of(self.url)

    @property
    def path(self) -> str:
        """The path and query, without scheme and host."""
        parts = urlsplit(self.url)
        return parts.path + (f"?{parts.query}" if parts.query else "")


def host_of(url: str) -> str:
    """The host of ``url`` and its port, if it names one (never any user info)."""
    return urlsplit(url).netloc.rpartition("@")[2]


Hook: TypeAlias = Callable[[RequestEvent], "Awaitable[None] | None"]
"""A request hook: called with the event; may return an awaitable, which is awaited."""


def _hooks(value: Hook | Iterable[Hook] | None, kind: str) -> list[Hook]:
    """One hook or several as a list; anything not callable is a ConfigurationError."""
    if value is None:
        return []
    found = [value] if callable(value) else list(value)
    for hook in found:
        if not callable(hook):
            raise ConfigurationError(f"on_{kind} hooks must be callables, got {hook!r}")
    return found


class RequestHooks:
    """The hooks of one client, each kind run in the order added.

    ``SimpleMDMClient(key, hooks=RequestHooks(on_response=record))``, or later
    ``client.hooks.add(on_retry=count)``. A view from ``with_options`` shares them.
    """

    def __init__(
        self,
        *,
        on_request: Hook | Iterable[Hook] | None = None,
        on_response: Hook | Iterable[Hook] | None = None,
        on_retry: Hook | Iterable[Hook] | None = None,
        on_error: Hook | Iterable[Hook] | None = None,
    ) -> None:
        self._by_kind: dict[HookKind, list[Hook]] = {kind: [] for kind in KINDS}
        self._any = False  # read before every attempt: kept, not counted each time
        self.add(
            on_request=on_request, on_response=on_response, on_retry=on_retry, on_error=on_error
        )

    def __repr__(self) -> str:
        counts = ", ".join(f"{kind}={len(hooks)}" for kind, hooks in self._by_kind.items())
        return f"RequestHooks({counts})"

    def __bool__(self) -> bool:
        return self._any

    def add(
        self,
        *,
        on_request: Hook | Iterable[Hook] | None = None,
        on_response: Hook | Iterable[Hook] | None = None,
        on_retry: Hook | Iterable[Hook] | None = None,
        on_error: Hook | Iterable[Hook] | None = None,
    ) -> None:
        """Register more hooks, after those already there."""
        given = dict(zip(KINDS, (on_request, on_response, on_retry, on_error), strict=True))
        checked = {kind: _hooks(value, kind) for kind, value in given.items()}
        for kind, hooks in checked.items():  # all checked before any is added
            self._by_kind[kind].extend(hooks)
        self._any = any(self._by_kind.values())

    def remove(self, hook: Hook) -> None:
        """Unregister ``hook`` from every kind it was added to (nothing if it was not)."""
        for hooks in self._by_kind.values():
            hooks[:] = [h for h in hooks if h != hook]  # == : a bound method is made anew
        self._any = any(self._by_kind.values())

    def of(self, kind: HookKind) -> tuple[Hook, ...]:
        """The hooks of one kind, in the order they run."""
        return tuple(self._by_kind[kind])

    async def emit(self, event: RequestEvent) -> None:
        """Run the event's hooks in order; one that raises is logged, and the rest still run.

        Cancellation is never caught: a cancelled call stops at its hooks as anywhere else.
        """
        for hook in self._by_kind[event.kind]:
            try:
                outcome = hook(event)
                if inspect.isawaitable(outcome):
                    await outcome
            except Exception:
                logger.warning(
                    "%s %s: the on_%s hook %s raised; the call goes on without it",
                    event.backend,
                    event.host,
                    event.kind,
                    getattr(hook, "__qualname__", repr(hook)),
                    exc_info=True,
                    extra={"mdmkit": event},
                )
