"""The one JSON decoder for every response body: plain JSON data, or a typed error.

Beyond what ``json.loads`` refuses, it refuses what would break later: nesting deeper than
``MAX_DEPTH`` (``repr``, cattrs and recursion would fail on it), ``NaN``/``Infinity``,
numbers that overflow to infinity, and lone surrogates that no encoder can write.

With the ``speed`` extra installed (orjson), orjson decodes the bytes bodies it reads as
``json`` does; any body it refuses goes through ``json`` (whose words the error keeps), and
so does any body holding an integer literal past 64 bits (which orjson makes a float), so
results and errors are the same either way. ``use_fast_decoder(False)`` turns it off.
"""

from __future__ import annotations

import gc
import importlib
import json
import math
import re
from collections.abc import Callable, Iterator
from itertools import chain
from typing import Any

from mdmkit.core.errors import ResponseFormatError

__all__ = ["MAX_DEPTH", "InvalidJSONError", "excerpt", "fast_decoder", "loads", "use_fast_decoder"]

MAX_DEPTH = 64  # MDM bodies nest under 10 levels; this leaves room and stays far from recursion
TOO_DEEP = f"JSON nested deeper than {MAX_DEPTH} levels"
LONE_SURROGATE = "a JSON string holds a lone surrogate, which no encoder can write"
_ESCAPED_SURROGATE = re.compile(rb"\\u[dD][89a-fA-F]")  # how a lone surrogate enters JSON text
_CONTAINERS = (dict, list)
_UTF8 = ("utf-8", "utf-8-sig")


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
    problem: str | None = None
    fast = _fast if _fast is not _UNLOADED else _load_fast()
    if fast is not None and isinstance(body, bytes) and not _may_not_fit_64_bits(body):
        try:
            data = fast(body)
        except Exception:
            pass  # refused: json below says why in its own words (or reads what orjson cannot)
        else:  # (orjson refuses the bytes that would give a lone surrogate)
            if _too_deep(data, len(body)):
                raise _error(TOO_DEEP, body, status, url)
            return data
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
        if _too_deep(data, len(body)):
            problem = TOO_DEEP
        elif _may_hold_surrogate(body) and any(_has_surrogate(s) for s in _strings(data)):
            problem = LONE_SURROGATE
        else:
            return data
    raise _error(problem, body, status, url)


def _error(problem: str, body: bytes | str, status: int | None, url: str) -> InvalidJSONError:
    error = InvalidJSONError(problem, status=status, excerpt=excerpt(body), url=url)
    error.problem = problem
    return error


_UNLOADED: Any = object()
_fast: Callable[[bytes | str], Any] | None = _UNLOADED
_fast_enabled = True


def _load_fast() -> Callable[[bytes | str], Any] | None:
    """orjson's ``loads`` when the speed extra is installed (imported on first use)."""
    global _fast
    try:
        _fast = importlib.import_module("orjson").loads if _fast_enabled else None
    except ImportError:
        _fast = None
    return _fast


def fast_decoder() -> str | None:
    """The name of the faster decoder in use ("orjson"), or None when ``json`` decodes alone."""
    return "orjson" if (_fast if _fast is not _UNLOADED else _load_fast()) is not None else None


def use_fast_decoder(enabled: bool = True) -> None:
    """Use orjson where it is installed (the default), or not: ``json`` then decodes alone."""
    global _fast, _fast_enabled
    _fast_enabled, _fast = enabled, _UNLOADED


def _refuse_constant(name: str) -> Any:
    raise _Refused(f"JSON holds {name}, which is not a JSON number")


def _finite_float(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise _Refused(f"JSON number {text[:40]} overflows a float")
    return number


def _too_deep(data: Any, size: int) -> bool:
    """Whether ``data``, decoded from ``size`` bytes, holds a list or dict ``MAX_DEPTH`` levels
    below it. Bodies up to ``_WALKED_IN_C_UP_TO`` are walked in C by the collector: a level is
    every value its lists and dicts hold (a dict with str keys gives its values only), and the
    numbers, strings and constants in it hold nothing. That walk holds a whole level at once,
    twice, so a bigger body is walked holding its containers only."""
    if size > _WALKED_IN_C_UP_TO:
        return _may_be_too_deep(data) and _containers_too_deep(data)
    level = [data]
    for _ in range(MAX_DEPTH):
        level = gc.get_referents(*level)
        if not level:
            return False
    return any(type(value) in _CONTAINERS for value in level)


_WALKED_IN_C_UP_TO = 1 << 20  # a page of 100 SimpleMDM devices is about 280 kB


def _may_be_too_deep(data: Any) -> bool:
    """False when ``data`` surely nests no deeper than ``MAX_DEPTH``, found by C-speed walks:
    a level's children are its dicts' values and its lists' items, and the next level keeps
    those the collector tracks, which are the lists and dicts less the dicts of plain values
    (which end a path one level down), so its count of levels is short by one at most."""
    level = [data] if type(data) in _CONTAINERS else []
    for _ in range(MAX_DEPTH - 1):  # level i holds the tracked objects nested i deep
        if not level:
            return False
        lists = [value for value in level if type(value) is list]
        if lists:  # (keys are never containers: reading only values halves the walk)
            dicts = [value for value in level if type(value) is dict]
            children = chain(chain.from_iterable(map(dict.values, dicts)), *lists)
        else:
            children = chain.from_iterable(map(dict.values, level))
        level = list(filter(gc.is_tracked, children))
    return bool(level)


def _containers_too_deep(data: Any) -> bool:
    """The exact answer, holding only the containers of a level at a time."""
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


_DIGIT_CLASSES = bytes(
    ord("0") if 48 <= i <= 57 else ord("-") if i == ord("-") else ord(" ") for i in range(256)
)
_RUN = b"0" * 19  # the shortest run of digits that may not fit: "-" and 19, or 20
_DIGITS = re.compile(rb"0+")  # a run's end, matched in the classed bytes from its start
_NOT_A_NUMBER_START = frozenset(b'"0123456789.eE+-')  # a run after these is no integer's start
_SAFE_INTEGERS = range(-(2**63), 2**64)  # what orjson reads as an int (int64 and uint64)


def _may_not_fit_64_bits(body: bytes) -> bool:
    """Whether ``body`` may hold an integer literal past 64 bits, which orjson makes a float.

    One pass classes the bytes and one search finds each run of 19 digits or more; only those
    runs are read, with the byte before them (a quote starts a string, a dot a fraction).
    """
    classes = body.translate(_DIGIT_CLASSES)
    at = classes.find(_RUN)
    while at >= 0:
        run = _DIGITS.match(classes, at)
        assert run is not None  # (classes[at] is a digit)
        end = run.end()
        start = at - 1 if at and body[at - 1] == 45 else at  # with its minus sign
        if not start or body[start - 1] not in _NOT_A_NUMBER_START:
            number = body[start:end]
            if len(number) > 21 or int(number) not in _SAFE_INTEGERS:
                return True
        at = classes.find(_RUN, end)
    return False


def _may_hold_surrogate(body: bytes | str) -> bool:
    """An escape ``\\uD8xx``-``\\uDFxx``, or bytes json decodes with surrogates kept: UTF-8's
    encoding of one (lead byte 0xED) or a body in UTF-16/32."""
    if isinstance(body, str):
        return (not body.isascii() and _has_surrogate(body)) or "\\u" in body
    if b"\\" in body and b"\\u" in body and _ESCAPED_SURROGATE.search(body) is not None:
        return True
    non_ascii = not body.isascii()
    return (non_ascii and b"\xed" in body) or json.detect_encoding(body) not in _UTF8


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
