"""When a failed request is tried again, and how long to wait first.

Every rule is a pure function over plain data (method, status, headers, clock reading), so
the whole policy is tested table by table without a server.
"""

from __future__ import annotations

import email.utils
import enum
import math
from collections.abc import Mapping

import attrs
from attrs.validators import ge, le

__all__ = [
    "Decision",
    "Delivery",
    "RetryPolicy",
    "backoff_delay",
    "decide",
    "is_idempotent",
    "parse_rate_limit_reset",
    "parse_retry_after",
    "server_wait",
]

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
# The server said it did not act on the request: safe to repeat whatever the method.
REFUSED_STATUSES = frozenset({429, 503})
# The server may have acted before failing: repeat only what is safe to repeat.
FAILED_STATUSES = frozenset({408, 500, 502, 504})


@attrs.frozen(kw_only=True)
class RetryPolicy:
    """How many times to try a request and how long to wait between tries.

    ``max_wait`` is the longest wait honoured from a server hint (Retry-After or
    X-RateLimit-Reset); a longer hint raises ``RateLimitError`` at once instead of sleeping.
    """

    max_attempts: int = attrs.field(default=4, validator=ge(1))
    initial_backoff: float = attrs.field(default=0.5, validator=ge(0.0))
    max_backoff: float = attrs.field(default=8.0, validator=ge(0.0))
    max_wait: float = attrs.field(default=60.0, validator=ge(0.0))
    jitter: float = attrs.field(default=0.25, validator=[ge(0.0), le(1.0)])

    @classmethod
    def never(cls) -> RetryPolicy:
        """A policy that sends every request once."""
        return cls(max_attempts=1)


class Delivery(enum.Enum):
    """What is known about a request that got no HTTP response."""

    NOT_SENT = "not sent"  # the connection was never made: the server cannot have acted
    MAYBE_SENT = "maybe sent"  # dropped or timed out after sending: the server may have acted


@attrs.frozen
class Decision:
    """The outcome of ``decide``: retry or not, after how many seconds, and why."""

    retry: bool
    delay: float = 0.0
    reason: str = ""


def is_idempotent(method: str) -> bool:
    """Whether sending this HTTP method twice has the same effect as sending it once."""
    return method.upper() in IDEMPOTENT_METHODS


def parse_retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait from a Retry-After value (delta-seconds or HTTP date); None if unusable."""
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    try:
        seconds = float(text)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            return None
        return max(when.timestamp() - now, 0.0)
    if not math.isfinite(seconds) or seconds < 0:
        return None
    return seconds


def parse_rate_limit_reset(value: str | None, now: float) -> float | None:
    """Seconds to wait from X-RateLimit-Reset: an epoch time (s or ms), or a small delta."""
    if value is None:
        return None
    try:
        number = float(value.strip())
    except ValueError:
        return None
    if not math.isfinite(number) or number < 0:
        return None
    if number >= 1e12:  # epoch milliseconds
        number /= 1000.0
    if number >= 1e9:  # epoch seconds
        return max(number - now, 0.0)
    return number  # already a delta in seconds


def server_wait(headers: Mapping[str, str], now: float) -> float | None:
    """The wait the server asked for, preferring Retry-After over X-RateLimit-Reset."""
    lowered = {k.lower(): v for k, v in headers.items()}
    hint = parse_retry_after(lowered.get("retry-after"), now)
    if hint is None:
        hint = parse_rate_limit_reset(lowered.get("x-ratelimit-reset"), now)
    return hint


def backoff_delay(failures: int, policy: RetryPolicy, rand: float) -> float:
    """Exponential backoff after ``failures`` failed tries; ``rand`` in [0, 1) jitters it down."""
    base = min(policy.max_backoff, policy.initial_backoff * 2.0 ** max(failures - 1, 0))
    return base * (1.0 - policy.jitter * rand)


def decide(
    policy: RetryPolicy,
    *,
    method: str,
    attempt: int,
    status: int | None = None,
    delivery: Delivery | None = None,
    headers: Mapping[str, str] | None = None,
    now: float = 0.0,
    rand: float = 0.0,
    idempotent: bool | None = None,
    replayable: bool = True,
) -> Decision:
    """Whether to retry after ``attempt`` tries ended in ``status`` or a connection ``delivery``.

    ``idempotent`` overrides the method's own semantics; ``replayable`` is False when the
    body was a one-shot stream that cannot be sent again once it left.
    """
    safe = is_idempotent(method) if idempotent is None else idempotent
    if not replayable and delivery is not Delivery.NOT_SENT:
        return Decision(False, reason="the body was a one-shot stream and has been consumed")
    if status is not None:
        if status in REFUSED_STATUSES:
            reason = f"server refused with {status}"
        elif status in FAILED_STATUSES and safe:
            reason = f"server failed with {status} on an idempotent request"
        else:
            return Decision(False, reason=f"status {status} is not retried for {method}")
    elif delivery is Delivery.NOT_SENT:
        reason = "connection failed before the request was sent"
    elif delivery is Delivery.MAYBE_SENT and safe:
        reason = "connection lost on an idempotent request"
    else:
        return Decision(False, reason=f"{method} may have reached the server; not sent twice")

    if attempt >= policy.max_attempts:
        return Decision(False, reason=f"gave up after {attempt} attempts ({reason})")
    hint = server_wait(headers or {}, now) if status is not None else None
    if hint is not None:
        if hint > policy.max_wait:
            return Decision(
                False, reason=f"server asked to wait {hint:.0f}s, more than {policy.max_wait:.0f}s"
            )
        return Decision(True, hint, reason)
    return Decision(True, backoff_delay(attempt, policy, rand), reason)
