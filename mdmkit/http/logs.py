"""mdmkit's request log lines, worded in one place, and ``MDMKIT_LOG`` to turn them on.

Loggers, all under ``mdmkit``: ``mdmkit.http`` logs every attempt (DEBUG) and every call
that fails for good (WARNING; INFO for 404 and 409, answers callers routinely expect);
``mdmkit.http.retry`` every retry and every shared 429 pause (INFO); ``mdmkit.http.hooks`` a
request hook that raised (WARNING); ``mdmkit.manageengine.auth`` every Zoho token minted
(INFO); ``mdmkit.testing`` the fakes. A line starts with the backend's name and host, and its
record carries the ``RequestEvent`` as ``record.mdmkit`` for structured logging.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Mapping

from mdmkit.core.errors import APIError, MDMError
from mdmkit.http.hooks import RequestEvent

__all__ = [
    "ENV",
    "FAILURE_LEVELS",
    "configure_from_env",
    "failure_line",
    "log_event",
    "log_pause",
    "parse_level",
    "prefix",
]

ENV = "MDMKIT_LOG"
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
http: logging.Logger = logging.getLogger("mdmkit.http")
retries: logging.Logger = logging.getLogger("mdmkit.http.retry")
# A call that fails for good is a WARNING, unless its status is one callers expect.
FAILURE_LEVELS: Mapping[int, int] = {404: logging.INFO, 409: logging.INFO}
_LEVELS = {"debug": logging.DEBUG, "info": logging.INFO, "warning": logging.WARNING,
           "warn": logging.WARNING, "error": logging.ERROR}  # fmt: skip
_ON = frozenset({"1", "true", "yes", "on"})
_OFF = frozenset({"", "0", "false", "no", "off", "none"})


def prefix(backend: str, host: str) -> str:
    """Who a line is about: the backend's name and its host (once, when they are the same)."""
    return host if backend == host else f"{backend} {host}"


def _details(event: RequestEvent) -> str:
    parts = [f"attempt {event.attempt}"]
    if event.elapsed is not None:
        parts.append(f"{event.elapsed:.3f}s")
    if event.request_id:
        parts.append(f"request id {event.request_id}")
    return ", ".join(parts)


def _result(event: RequestEvent) -> str:
    if event.status is not None:
        return str(event.status)
    return str(getattr(event.error, "error_type", None) or type(event.error).__name__)


def attempt_line(event: RequestEvent) -> str:
    """``tenant-a a.simplemdm.com GET /api/v1/account -> 200 (attempt 1, 0.012s, ...)``."""
    who = prefix(event.backend, event.host)
    return f"{who} {event.method} {event.path} -> {_result(event)} ({_details(event)})"


def retry_line(event: RequestEvent) -> str:
    """An attempt's line, then how long until the next one and why."""
    reason = f": {event.reason}" if event.reason else ""
    return f"{attempt_line(event)}; retrying in {event.delay or 0.0:.2f}s{reason}"


def failure_line(event: RequestEvent) -> str:
    """How a call ended: after how many attempts and how long, with which error."""
    error: MDMError | None = event.error
    text = error.message if isinstance(error, APIError) else str(error)
    status = f" {error.status}" if isinstance(error, APIError) else ""
    request_id = f", request id {event.request_id}" if event.request_id else ""
    took = f"{event.elapsed or 0.0:.3f}s"
    return (
        f"{prefix(event.backend, event.host)} {event.method} {event.path} failed after "
        f"{event.attempt} attempt(s) in {took}{request_id}: {type(error).__name__}{status}: {text}"
    )


def log_event(event: RequestEvent) -> None:
    """Log one request event at its level (an ``on_request`` event is not logged)."""
    if event.kind == "response":
        logger, level, line = http, logging.DEBUG, attempt_line
    elif event.kind == "retry":
        logger, level, line = retries, logging.INFO, retry_line
    elif event.kind == "error":
        status = event.error.status if isinstance(event.error, APIError) else 0
        logger, level, line = http, FAILURE_LEVELS.get(status, logging.WARNING), failure_line
    else:
        return
    if logger.isEnabledFor(level):
        logger.log(level, line(event), extra={"mdmkit": event})


def log_pause(event: RequestEvent, seconds: float) -> None:
    """A 429 with the server's wait: every request of the backend holds off that long."""
    if retries.isEnabledFor(logging.INFO):
        retries.info(
            f"{attempt_line(event)}: every request of this backend waits {seconds:.2f}s, "
            "as the server asked",
            extra={"mdmkit": event},
        )


def parse_level(value: str) -> tuple[int | None, str | None]:
    """The level ``MDMKIT_LOG`` asks for (None: off), and a problem with the value, if any.

    Level names (``debug``, ``info``, ``warning``, ``error``), numbers, and ``1``/``true``
    (INFO); an unknown word turns logging on at INFO and says so.
    """
    word = value.strip().lower()
    if word in _OFF:
        return None, None
    if word in _ON:
        return logging.INFO, None
    if word in _LEVELS:
        return _LEVELS[word], None
    if word.isdigit():
        return int(word), None
    known = ", ".join(sorted(set(_LEVELS) - {"warn"}))
    return logging.INFO, f"{ENV}={value!r} is not a level ({known}); logging at info"


class StderrHandler(logging.Handler):
    """Writes to the current ``sys.stderr``, and stands down once the application configures
    logging itself (the root logger has handlers), so no line is printed twice."""

    def emit(self, record: logging.LogRecord) -> None:
        if logging.getLogger().handlers:
            return
        try:
            sys.stderr.write(self.format(record) + "\n")
        except Exception:
            self.handleError(record)


_configured = False


def configure_from_env(environ: Mapping[str, str] = os.environ) -> None:
    """Turn logging on as ``MDMKIT_LOG`` says, once per process (the first client does it).

    Only the ``mdmkit`` logger is touched: its level, and a handler to stderr that leaves the
    lines to the application's own handlers when it has any. The root logger is left alone.
    """
    global _configured
    if _configured:
        return
    _configured = True
    level, problem = parse_level(environ.get(ENV, ""))
    if level is None:
        return
    root = logging.getLogger("mdmkit")
    root.setLevel(level)
    if not any(isinstance(handler, StderrHandler) for handler in root.handlers):
        handler = StderrHandler()
        handler.setFormatter(logging.Formatter(FORMAT))
        root.addHandler(handler)
    if problem:
        root.warning(problem)
