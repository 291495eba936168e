"""The one JSON decoder for every response body: plain JSON data, or a typed error.

Beyond what ``json.loads`` refuses, it refuses what would break later: nesting deeper than
``MAX_DEPTH`` (``repr``, cattrs and recursion would fail on it), ``NaN``/``Infinity``,
numbers that overflow to infinity, and lone surrogates that no encoder can write.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from typing import Any

from mdmkit.core.errors import ResponseFormatError

__all__ = ["MAX_DEPTH", "InvalidJSONError", "excerpt", "loads"]

MAX_DEPTH = 64  # MDM bodies nest under 10 levels; this leaves room and stays far from recursion
TOO_DEEP = f"JSON nested deeper than {MAX_DEPTH} levels"
LONE_SURROGATE = "a JSON string holds a lone surrogate, which no encoder can write"
_ESCAPED_SURROGATE = re.compile(rb"\\u[dD][89a-fA-F]")  # how a lone surrogate enters JSON text
_CONTAINERS = (dict, list)


class InvalidJSONError(ResponseFormatError, ValueError):
    """A body that is not JSON, or JSON mdmkit refuses to hold; a ValueError like json's own.

    ``problem`` says what is wrong without quoting the body.
    """

    problem: str = ""


class _Refused(ValueError):
    """Raised from the decoder's hooks: a value the body holds that JSON data must not."""


def loads(body: bytes | str, *, status: int | None = None, url: str = "") -> Any:
    """``body`` decoded as JSON; InvalidJSONError (a ResponseFormatError) when it is unfit.

    ``status`` and ``url`` say where the body came from, for the error. The error never
    chains the decoder's own exception, which holds the whole body (and any secret in it).
    """
    problem: str | None
    try:
        data = json.loads(body, parse_constant=_refuse_constant, parse_float=_finite_float)
    except RecursionError:
        problem = TOO_DEEP
    except json.JSONDecodeError as exc:
        problem = f"response body is not JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
    except _Refused as exc:
        problem = str(exc)
    except ValueError as exc:  # bytes that are not UTF-8, an integer past Python's digit limit
        problem = f"response body is not JSON: {str(exc)[:120]}"
    else:
        problem = _problem_in(data, body)
        if problem is None:
            return data
    error = InvalidJSONError(problem, status=status, excerpt=excerpt(body), url=url)
    error.problem = problem
    raise error


def _refuse_constant(name: str) -> Any:
    raise _Refused(f"JSON holds {name}, which is not a JSON number")


def _finite_float(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise _Refused(f"JSON number {text[:40]} overflows a float")
    return number


def _problem_in(data: Any, body: bytes | str) -> str | None:
    """What ``data`` holds that it must not: too deep a nesting, or a lone surrogate.

    The body says cheaply when neither can be there; a walk of the data confirms the rest.
    """
    if _openings(body) > MAX_DEPTH and _too_deep(data):
        return TOO_DEEP
    if _may_hold_surrogate(body) and any(_has_surrogate(s) for s in _strings(data)):
        return LONE_SURROGATE
    return None


def _openings(body: bytes | str) -> int:
    if isinstance(body, str):
        return body.count("[") + body.count("{")
    return body.count(b"[") + body.count(b"{")


def _too_deep(data: Any) -> bool:
    level = [data]
    for _ in range(MAX_DEPTH):
        level = [
            child
            for value in level
            if type(value) in _CONTAINERS
            for child in (value.values() if type(value) is dict else value)
            if type(child) in _CONTAINERS
        ]
        if not level:
            return False
    return True


def _may_hold_surrogate(body: bytes | str) -> bool:
    if isinstance(body, str):
        return (not body.isascii() and _has_surrogate(body)) or "\\u" in body
    return b"\\u" in body and _ESCAPED_SURROGATE.search(body) is not None


def _strings(data: Any) -> Iterator[str]:
    """Every string in ``data``, keys included (depth already bounded; no recursion)."""
    stack = [data]
    while stack:
        value = stack.pop()
        if isinstance(value, str):
            yield value
        elif isinstance(value, dict):
            stack.extend(value)
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)


def _has_surrogate(value: object) -> bool:
    if not isinstance(value, str) or value.isascii():
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def excerpt(body: bytes | str, limit: int = 200) -> str:
    """The start of a body as text, for error messages."""
    raw = body.encode("utf-8", "replace") if isinstance(body, str) else body
    text = raw[:limit].decode("utf-8", errors="replace")
    return text + ("..." if len(raw) > limit else "")
