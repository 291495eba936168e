"""The retry rules, table by table: no server, no clock, no sleeping."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mdmkit.http.retry import (
    Decision,
    Delivery,
    RetryPolicy,
    backoff_delay,
    decide,
    is_idempotent,
    parse_rate_limit_reset,
    parse_retry_after,
    server_wait,
)

NOW = 1_800_000_000.0  # 2027-01-15T08:00:00Z
POLICY = RetryPolicy(max_attempts=4, initial_backoff=0.5, max_backoff=8.0, max_wait=60.0)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        ("", None),
        ("   ", None),
        ("0", 0.0),
        ("3", 3.0),
        ("2.5", 2.5),
        (" 7 ", 7.0),
        ("-1", None),
        ("nan", None),
        ("inf", None),
        ("soon", None),
        ("Fri, 15 Jan 2027 08:00:30 GMT", 30.0),  # an HTTP date 30 s ahead
        ("Fri, 15 Jan 2027 07:59:00 GMT", 0.0),  # a date in the past: no wait
        ("Fri, 15 Jan 2027 08:00:30", None),  # a date without a zone is unusable
    ],
)
def test_parse_retry_after(value: str | None, expected: float | None) -> None:
    assert parse_retry_after(value, NOW) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        ("", None),
        ("x", None),
        ("-5", None),
        ("inf", None),
        ("12", 12.0),  # small numbers are a delta in seconds
        (str(int(NOW) + 20), 20.0),  # epoch seconds
        (str(int(NOW * 1000) + 5000), 5.0),  # epoch milliseconds
        (str(int(NOW) - 100), 0.0),  # a reset already passed
    ],
)
def test_parse_rate_limit_reset(value: str | None, expected: float | None) -> None:
    result = parse_rate_limit_reset(value, NOW)
    assert result == (pytest.approx(expected) if expected is not None else None)


def test_server_wait_prefers_retry_after_and_ignores_header_case() -> None:
    headers = {"Retry-After": "4", "X-RateLimit-Reset": str(int(NOW) + 30)}
    assert server_wait(headers, NOW) == 4.0
    assert server_wait({"x-ratelimit-reset": str(int(NOW) + 30)}, NOW) == 30.0
    assert server_wait({"Retry-After": "garbage", "X-RateLimit-Reset": "9"}, NOW) == 9.0
    assert server_wait({}, NOW) is None


@pytest.mark.parametrize(
    ("method", "expected"),
    [
        ("GET", True),
        ("get", True),
        ("HEAD", True),
        ("PUT", True),
        ("DELETE", True),
        ("POST", False),
        ("PATCH", False),
    ],
)
def test_is_idempotent(method: str, expected: bool) -> None:
    assert is_idempotent(method) is expected


@pytest.mark.parametrize(
    ("failures", "rand", "expected"),
    [
        (1, 0.0, 0.5),
        (2, 0.0, 1.0),
        (3, 0.0, 2.0),
        (4, 0.0, 4.0),
        (5, 0.0, 8.0),
        (9, 0.0, 8.0),  # capped at max_backoff
        (1, 1.0, 0.375),  # full jitter takes a quarter off
        (3, 0.5, 1.75),
    ],
)
def test_backoff_delay(failures: int, rand: float, expected: float) -> None:
    assert backoff_delay(failures, POLICY, rand) == pytest.approx(expected)


@given(st.integers(min_value=1, max_value=60), st.floats(min_value=0.0, max_value=0.999999))
def test_backoff_is_bounded_and_never_negative(failures: int, rand: float) -> None:
    delay = backoff_delay(failures, POLICY, rand)
    assert 0.0 <= delay <= POLICY.max_backoff
    assert delay >= POLICY.initial_backoff * (1 - POLICY.jitter) or failures == 1


# (method, status, delivery, expected retry)
STATUS_TABLE = [
    ("GET", 429, None, True),
    ("POST", 429, None, True),  # 429: the server did not act, any method may retry
    ("PATCH", 503, None, True),
    ("GET", 500, None, True),
    ("POST", 500, None, False),  # the POST may have been applied
    ("DELETE", 502, None, True),
    ("POST", 504, None, False),
    ("PUT", 408, None, True),
    ("GET", 400, None, False),
    ("GET", 401, None, False),
    ("GET", 403, None, False),
    ("GET", 404, None, False),
    ("POST", 409, None, False),
    ("POST", 422, None, False),
    ("GET", 501, None, False),
    ("GET", None, Delivery.NOT_SENT, True),
    ("POST", None, Delivery.NOT_SENT, True),  # the connection never opened
    ("GET", None, Delivery.MAYBE_SENT, True),
    ("POST", None, Delivery.MAYBE_SENT, False),  # a lock/wipe may have happened
    ("PATCH", None, Delivery.MAYBE_SENT, False),
]


@pytest.mark.parametrize(("method", "status", "delivery", "retry"), STATUS_TABLE)
def test_decide_by_method_and_outcome(
    method: str, status: int | None, delivery: Delivery | None, retry: bool
) -> None:
    decision = decide(POLICY, method=method, attempt=1, status=status, delivery=delivery)
    assert decision.retry is retry, decision.reason
    assert decision.reason


def test_decide_gives_up_after_max_attempts() -> None:
    assert decide(POLICY, method="GET", attempt=3, status=503).retry
    final = decide(POLICY, method="GET", attempt=4, status=503)
    assert final == Decision(False, reason=final.reason)
    assert "4 attempts" in final.reason


def test_decide_honours_server_hint_over_backoff() -> None:
    decision = decide(
        POLICY, method="POST", attempt=1, status=429, headers={"Retry-After": "7"}, now=NOW
    )
    assert decision == Decision(True, 7.0, decision.reason)
    reset = {"X-RateLimit-Reset": str(int(NOW) + 12)}
    assert decide(POLICY, method="GET", attempt=2, status=429, headers=reset, now=NOW).delay == 12


def test_decide_refuses_a_hint_longer_than_max_wait() -> None:
    decision = decide(
        POLICY, method="GET", attempt=1, status=429, headers={"Retry-After": "3600"}, now=NOW
    )
    assert not decision.retry
    assert "3600" in decision.reason


def test_decide_falls_back_to_jittered_backoff() -> None:
    decision = decide(POLICY, method="GET", attempt=2, status=503, rand=0.0)
    assert decision.delay == 1.0
    jittered = decide(POLICY, method="GET", attempt=2, status=503, rand=0.99)
    assert 0.75 <= jittered.delay < 1.0


def test_decide_idempotent_override() -> None:
    assert decide(POLICY, method="POST", attempt=1, status=500, idempotent=True).retry
    assert not decide(POLICY, method="GET", attempt=1, status=500, idempotent=False).retry


def test_consumed_stream_is_never_resent() -> None:
    for status in (429, 503, 500):
        assert not decide(POLICY, method="GET", attempt=1, status=status, replayable=False).retry
    lost = decide(POLICY, method="PUT", attempt=1, delivery=Delivery.MAYBE_SENT, replayable=False)
    assert not lost.retry
    # a connection that never opened did not read the stream: safe
    assert decide(
        POLICY, method="POST", attempt=1, delivery=Delivery.NOT_SENT, replayable=False
    ).retry


def test_never_policy_sends_once() -> None:
    assert not decide(RetryPolicy.never(), method="GET", attempt=1, status=503).retry


@pytest.mark.parametrize(
    "kwargs",
    [{"max_attempts": 0}, {"initial_backoff": -1.0}, {"jitter": 1.5}, {"max_wait": -2.0}],
)
def test_policy_rejects_nonsense(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError, match="must be"):
        RetryPolicy(**kwargs)  # type: ignore[arg-type]


@given(st.floats(allow_nan=True, allow_infinity=True))
def test_parse_retry_after_never_returns_garbage(number: float) -> None:
    result = parse_retry_after(repr(number), NOW)
    assert result is None or (math.isfinite(result) and result >= 0)
