"""Finding secrets where an error tracker or a log would record them.

``exception_texts`` walks everything reachable from an exception: its repr and str, ``args``,
attributes (``__dict__`` and slots), ``__cause__``/``__context__``/``__notes__`` recursively,
and whatever those hold (``request_info``, headers, tuples, mappings). ``frame_texts`` renders
the local variables of the exception's mdmkit frames the way Sentry does (mappings and
sequences item by item, anything else by its repr), since trackers record those too.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Iterator, Mapping
from types import FunctionType, MethodType, ModuleType, TracebackType
from typing import Any

SCALARS = (int, float, complex, bool, type(None))
OPAQUE = (type, ModuleType, FunctionType, MethodType, TracebackType)
MAX_DEPTH = 8


def forms_of_key(api_key: str) -> list[str]:
    """An API key as it can appear on the wire or in a message: raw and as Basic credentials."""
    basic = base64.b64encode(f"{api_key}:".encode()).decode()
    return [api_key, basic]


def exception_texts(root: BaseException) -> Iterator[tuple[str, str]]:
    """``(where, text)`` for every text reachable from ``root`` (see the module docstring)."""
    seen: set[int] = set()
    yield from _walk(root, "error", seen, 0)


def _walk(obj: Any, where: str, seen: set[int], depth: int) -> Iterator[tuple[str, str]]:
    if isinstance(obj, SCALARS) or id(obj) in seen or depth > MAX_DEPTH:
        return
    if isinstance(obj, str):
        yield where, obj
        return
    if isinstance(obj, bytes | bytearray | memoryview):
        yield where, bytes(obj).decode("latin-1")
        return
    seen.add(id(obj))
    yield f"repr({where})", _safe(repr, obj)
    if isinstance(obj, OPAQUE):
        return
    if isinstance(obj, BaseException):
        yield f"str({where})", _safe(str, obj)
        yield from _walk(obj.args, f"{where}.args", seen, depth + 1)
        for link in ("__cause__", "__context__", "__notes__"):
            yield from _walk(getattr(obj, link, None), f"{where}.{link}", seen, depth + 1)
    if isinstance(obj, Mapping) or (hasattr(obj, "items") and hasattr(obj, "keys")):
        try:
            items = list(obj.items())
        except Exception:  # a mapping-like object that is not one
            items = []
        for key, value in items:
            yield from _walk(key, f"{where}.keys()", seen, depth + 1)
            yield from _walk(value, f"{where}[{key!r}]", seen, depth + 1)
    elif isinstance(obj, list | tuple | set | frozenset):
        for index, item in enumerate(obj):
            yield from _walk(item, f"{where}[{index}]", seen, depth + 1)
    for name, value in _attributes(obj):
        yield from _walk(value, f"{where}.{name}", seen, depth + 1)


def _attributes(obj: Any) -> Iterable[tuple[str, Any]]:
    names: dict[str, None] = dict.fromkeys(getattr(obj, "__dict__", {}) or {})
    for cls in type(obj).__mro__:
        slots = cls.__dict__.get("__slots__", ())
        names.update(dict.fromkeys([slots] if isinstance(slots, str) else slots))
    for name in names:
        if name in ("__dict__", "__weakref__"):
            continue
        try:
            yield name, object.__getattribute__(obj, name)
        except AttributeError:
            continue


def frame_texts(root: BaseException, package: str = "mdmkit") -> Iterator[tuple[str, str]]:
    """Sentry-style renderings of the locals of ``root``'s frames that run ``package`` code."""
    tb = root.__traceback__
    while tb is not None:
        frame = tb.tb_frame
        if str(frame.f_globals.get("__name__", "")).startswith(package):
            for name, value in frame.f_locals.items():
                where = f"{frame.f_code.co_name}:{name}"
                yield from _render(value, where, 0)
        tb = tb.tb_next


def _render(value: Any, where: str, depth: int) -> Iterator[tuple[str, str]]:
    if depth > 4:
        return
    if isinstance(value, Mapping):
        for key, item in value.items():
            yield f"{where}.keys()", _safe(repr, key)
            yield from _render(item, f"{where}[{key!r}]", depth + 1)
    elif isinstance(value, list | tuple | set | frozenset):
        for index, item in enumerate(value):
            yield from _render(item, f"{where}[{index}]", depth + 1)
    else:
        yield where, _safe(repr, value)


def leaks(texts: Iterable[tuple[str, str]], secrets: Iterable[str]) -> list[str]:
    """Where each secret shows up in ``texts`` (empty when none does)."""
    wanted = [s for s in secrets if s]
    return [
        f"{where}: {secret[:6]}..." for where, text in texts for secret in wanted if secret in text
    ]


def _safe(render: Any, obj: Any) -> str:
    try:
        return str(render(obj))
    except Exception as exc:  # a broken repr is itself worth seeing
        return f"<{type(exc).__name__} rendering {type(obj).__name__}>"
