"""Fault injection shared by the fake servers: throttling, 5xx, dropped connections, latency.

A test adds rules to a server's :class:`Faults`; each request that passed authentication is
offered to the rules in order and the first matching rule with hits left answers it::

    fake.faults.add(RateLimited(retry_after=1), route="POST */devices/*/lock", times=2)
    fake.faults.add(Drop(after=True))      # apply the request, then hang up
    fake.faults.random(rate=0.1, faults=[ServerError(500)], seed=7)
    fake.faults.throttle(20)               # a server-side limit: 20 requests a second, then 429

``route`` is an fnmatch glob over ``"<METHOD> <path>"`` (no query string). Error bodies use the
vendor's shape through the ``error_body`` factory the vendor fake passes in.

The same rules travel as JSON for the HTTP control endpoints (``POST /_fake/faults``):
``fault_from_spec()`` reads ``{"type": "RateLimited", "retry_after": 1}`` and
``rule_spec()`` writes a rule back out.
"""

from __future__ import annotations

import base64
import fnmatch
import json
import math
import random
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, cast

import attrs
from aiohttp import web

__all__ = [
    "Drop",
    "Fault",
    "FaultRule",
    "Faults",
    "Latency",
    "Malformed",
    "RateLimited",
    "Reply",
    "ServerError",
    "Throttle",
    "fault_from_spec",
    "fault_spec",
    "rule_from_spec",
    "rule_spec",
]

ErrorBody = Callable[[int, str], Any]
JSON_TYPE = "application/json; charset=utf-8"


def plain_error_body(status: int, message: str) -> Any:
    """A neutral error body for servers that do not pass their own."""
    return {"error": message, "status": status}


class Fault:
    """Base of every fault; ``name`` is what the request log records."""

    @property
    def name(self) -> str:
        return type(self).__name__


class Answering(Fault):
    """A fault that answers the request itself (the handler never runs)."""

    def response(self, error_body: ErrorBody, now: float) -> web.Response:
        raise NotImplementedError


def _error(
    status: int, message: str, error_body: ErrorBody, headers: dict[str, str]
) -> web.Response:
    body = json.dumps(error_body(status, message)).encode()
    return web.Response(status=status, body=body, headers={"Content-Type": JSON_TYPE, **headers})


@attrs.frozen
class RateLimited(Answering):
    """429 Too Many Requests, with ``Retry-After`` and/or ``X-RateLimit-Reset`` (epoch seconds)."""

    retry_after: float | None = attrs.field(default=None, kw_only=True)
    reset_in: float | None = attrs.field(default=None, kw_only=True)

    def response(self, error_body: ErrorBody, now: float) -> web.Response:
        headers: dict[str, str] = {}
        if self.retry_after is not None:
            headers["Retry-After"] = _seconds(self.retry_after)
        if self.reset_in is not None:
            headers["X-RateLimit-Reset"] = str(math.ceil(now + self.reset_in))
        return _error(429, "rate limit exceeded", error_body, headers)


_REASONS = {
    500: "internal server error",
    502: "bad gateway",
    503: "service unavailable",
    504: "gateway timeout",
}


@attrs.frozen
class ServerError(Answering):
    """A 5xx answer (500, 502, 503, 504 ...); ``retry_after`` adds a ``Retry-After`` header."""

    status: int = 500
    retry_after: float | None = attrs.field(default=None, kw_only=True)

    def __attrs_post_init__(self) -> None:
        if not 500 <= self.status <= 599:
            raise ValueError(f"ServerError needs a 5xx status, not {self.status}")

    def response(self, error_body: ErrorBody, now: float) -> web.Response:
        headers = {} if self.retry_after is None else {"Retry-After": _seconds(self.retry_after)}
        message = _REASONS.get(self.status, "server error")
        return _error(self.status, message, error_body, headers)


@attrs.frozen
class Reply(Answering):
    """Any error status with ``message`` in the vendor's error shape (a 401 to force re-auth)."""

    status: int
    message: str = "injected error"

    def __attrs_post_init__(self) -> None:
        if not 400 <= self.status <= 599:
            raise ValueError(f"Reply needs an error status, not {self.status}")

    def response(self, error_body: ErrorBody, now: float) -> web.Response:
        return _error(self.status, self.message, error_body, {})


@attrs.frozen
class Malformed(Answering):
    """A success status whose body is not valid JSON (by default a cut-off JSON document)."""

    status: int = 200
    body: bytes = attrs.field(default=b'{"data": {"type": "device", "id": 1, "attri', kw_only=True)
    content_type: str = attrs.field(default=JSON_TYPE, kw_only=True)

    def response(self, error_body: ErrorBody, now: float) -> web.Response:
        return web.Response(
            status=self.status, body=self.body, headers={"Content-Type": self.content_type}
        )


@attrs.frozen
class Drop(Fault):
    """Close the connection without an answer; ``after=True`` applies the request first."""

    after: bool = attrs.field(default=False, kw_only=True)


@attrs.frozen
class Latency(Fault):
    """Wait ``seconds`` (real time) and then handle the request normally."""

    seconds: float


def _seconds(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


@attrs.define
class FaultRule:
    """One rule: which requests it hits, what it does, and how many hits it has left."""

    route: str
    choices: tuple[Fault, ...]
    remaining: int | None
    rate: float = 1.0
    rng: random.Random | None = None
    hits: int = 0

    def take(self, key: str) -> Fault | None:
        """The fault for this request key, or None when the rule does not fire."""
        if self.remaining == 0 or not fnmatch.fnmatchcase(key, self.route):
            return None
        if self.rng is not None:
            if self.rng.random() >= self.rate:
                return None
            fault = self.rng.choice(self.choices)
        else:
            fault = self.choices[0]
        self.hits += 1
        if self.remaining is not None:
            self.remaining -= 1
        return fault


@attrs.define
class Throttle:
    """A server-side rate limit: a bucket of ``burst`` requests refilled at ``per_second``.

    A request that finds the bucket empty is answered 429 with ``Retry-After`` in whole
    seconds (at least 1), as a server that counts requests per account does; ``passed`` and
    ``hits`` count the requests let through and refused.
    """

    per_second: float
    burst: int
    route: str
    clock: Callable[[], float] = attrs.field(repr=False)
    tokens: float = attrs.field(init=False)
    updated: float = attrs.field(init=False)
    passed: int = 0
    hits: int = 0

    def __attrs_post_init__(self) -> None:
        if not (math.isfinite(self.per_second) and self.per_second > 0) or self.burst < 1:
            raise ValueError("a throttle needs a positive rate and a burst of at least 1")
        self.tokens = float(self.burst)
        self.updated = self.clock()

    def take(self, key: str) -> Fault | None:
        """A 429 for this request when the bucket is empty, else None (and one token used)."""
        if not fnmatch.fnmatchcase(key, self.route):
            return None
        now = self.clock()
        elapsed = max(now - self.updated, 0.0)
        self.tokens = min(float(self.burst), self.tokens + elapsed * self.per_second)
        self.updated = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            self.passed += 1
            return None
        self.hits += 1
        wait = (1.0 - self.tokens) / self.per_second
        return RateLimited(retry_after=max(1, math.ceil(wait)))


class Faults:
    """The fault rules of one server, consulted for every authenticated request."""

    def __init__(
        self, *, error_body: ErrorBody = plain_error_body, clock: Callable[[], float] = time.time
    ) -> None:
        self.error_body = error_body
        self._clock = clock
        self.rules: list[FaultRule | Throttle] = []

    def add(self, fault: Fault, route: str = "*", times: int | None = 1) -> FaultRule:
        """Answer the next ``times`` requests matching ``route`` with ``fault`` (None: forever)."""
        if times is not None and times < 1:
            raise ValueError("times must be at least 1, or None for forever")
        rule = FaultRule(route=route, choices=(fault,), remaining=times)
        self.rules.append(rule)
        return rule

    def random(
        self,
        rate: float,
        faults: Sequence[Fault],
        seed: int | None = None,
        route: str = "*",
        times: int | None = None,
    ) -> FaultRule:
        """Hit each matching request with probability ``rate`` and a fault picked from ``faults``.

        With a ``seed`` the same sequence of requests meets the same faults on every run.
        """
        if not faults:
            raise ValueError("random() needs at least one fault")
        if not 0.0 <= rate <= 1.0:
            raise ValueError("rate must be between 0 and 1")
        rule = FaultRule(
            route=route,
            choices=tuple(faults),
            remaining=times,
            rate=rate,
            rng=random.Random(seed),
        )
        self.rules.append(rule)
        return rule

    def throttle(self, per_second: float, burst: int | None = None, route: str = "*") -> Throttle:
        """Limit matching requests to ``per_second`` (bursts of ``burst``, default one second's
        worth), answering the excess 429 with ``Retry-After``, until :meth:`clear`."""
        rule = Throttle(
            per_second,
            burst if burst is not None else max(1, math.ceil(per_second)),
            route,
            self._clock,
        )
        self.rules.append(rule)
        return rule

    def clear(self) -> None:
        """Remove every rule."""
        self.rules.clear()

    def take(self, method: str, path: str) -> Fault | None:
        """The fault for this request (using up one hit of its rule), or None."""
        key = f"{method.upper()} {path}"
        for rule in self.rules:
            fault = rule.take(key)
            if fault is not None:
                return fault
        return None

    def now(self) -> float:
        """The server clock's time, for ``X-RateLimit-Reset``."""
        return self._clock()


# -- faults as JSON (the control endpoints) ---------------------------------------------------

FAULT_TYPES: dict[str, type[Fault]] = {
    cls.__name__: cls for cls in (RateLimited, ServerError, Reply, Malformed, Drop, Latency)
}
_NUMBER = (int, float)
_FIELD_TYPES: dict[str, tuple[type, ...]] = {
    "retry_after": _NUMBER,
    "reset_in": _NUMBER,
    "seconds": _NUMBER,
    "status": (int,),
    "message": (str,),
    "content_type": (str,),
    "body": (str,),
    "after": (bool,),
}
"""What JSON type each fault field takes (``Malformed.body`` as UTF-8 text)."""


def fault_from_spec(spec: object) -> Fault:
    """A fault from ``{"type": "<class name>", <its fields>...}``; ValueError says what is wrong."""
    if not isinstance(spec, Mapping):
        raise ValueError(f"a fault is a JSON object with a type, got {spec!r}")
    kind = spec.get("type")
    cls = FAULT_TYPES.get(kind) if isinstance(kind, str) else None
    if cls is None:
        raise ValueError(f"unknown fault type {kind!r}; known: {', '.join(FAULT_TYPES)}")
    names = [field.name for field in attrs.fields(cast(Any, cls))]
    arguments: dict[str, Any] = {}
    for key, value in spec.items():
        if key == "type":
            continue
        if key not in names:
            raise ValueError(f"{kind} takes {', '.join(names) or 'no fields'}; got {key!r}")
        wanted = _FIELD_TYPES[key]
        if value is not None and (
            not isinstance(value, wanted) or (bool not in wanted and isinstance(value, bool))
        ):
            raise ValueError(f"{kind}.{key} must be {' or '.join(t.__name__ for t in wanted)}")
        arguments[key] = value.encode() if isinstance(value, str) and key == "body" else value
    try:
        return cls(**arguments)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{kind}: {exc}") from None


def fault_spec(fault: Fault) -> dict[str, Any]:
    """The JSON form of a fault, as ``fault_from_spec()`` reads it."""
    spec: dict[str, Any] = {"type": fault.name}
    for key, value in attrs.asdict(fault).items():  # type: ignore[arg-type]
        if isinstance(value, bytes):
            try:
                value = value.decode()
            except UnicodeDecodeError:
                value = {"base64": base64.b64encode(value).decode()}
        spec[key] = value
    return spec


_RULE_KEYS = frozenset({"fault", "faults", "route", "times", "rate", "seed"})


def rule_from_spec(faults: Faults, spec: object) -> FaultRule:
    """Add the rule a JSON object describes to ``faults`` and return it.

    ``{"fault": {...}, "route": "POST */lock", "times": 2}`` adds one fault (``times`` null:
    forever); ``{"faults": [{...}, ...], "rate": 0.1, "seed": 7}`` adds a random rule.
    """
    if not isinstance(spec, Mapping):
        raise ValueError("a fault rule is a JSON object with a fault (or faults)")
    unknown = set(spec) - _RULE_KEYS
    if unknown:
        raise ValueError(f"unknown keys {sorted(unknown)}; a rule takes {sorted(_RULE_KEYS)}")
    route = spec.get("route", "*")
    if not isinstance(route, str):
        raise ValueError("route must be a string such as 'POST */devices/*/lock'")
    times = spec.get("times", 1 if "fault" in spec else None)
    if times is not None and (isinstance(times, bool) or not isinstance(times, int)):
        raise ValueError("times must be a positive integer, or null for forever")
    if ("fault" in spec) == ("faults" in spec):
        raise ValueError("give either fault (one fault) or faults (a random rule), not both")
    if "fault" in spec:
        if "rate" in spec or "seed" in spec:
            raise ValueError("rate and seed belong to a random rule (faults: [...])")
        return faults.add(fault_from_spec(spec["fault"]), route=route, times=times)
    choices = spec["faults"]
    if not isinstance(choices, list):
        raise ValueError("faults must be a list of faults")
    rate, seed = spec.get("rate", 1.0), spec.get("seed")
    if isinstance(rate, bool) or not isinstance(rate, _NUMBER):
        raise ValueError("rate must be a number between 0 and 1")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
        raise ValueError("seed must be an integer")
    return faults.random(
        float(rate), [fault_from_spec(c) for c in choices], seed=seed, route=route, times=times
    )


def rule_spec(rule: FaultRule | Throttle) -> dict[str, Any]:
    """The JSON form of a rule, with how many hits it had and has left."""
    if isinstance(rule, Throttle):
        return {
            "route": rule.route,
            "throttle": {"per_second": rule.per_second, "burst": rule.burst},
            "passed": rule.passed,
            "hits": rule.hits,
        }
    return {
        "route": rule.route,
        "faults": [fault_spec(f) for f in rule.choices],
        "random": rule.rng is not None,
        "rate": rule.rate,
        "remaining": rule.remaining,
        "hits": rule.hits,
    }
