"""The cattrs setup both vendors share: tolerant scalars, aware datetimes, raw data kept.

Vendors send numbers as strings, booleans as ``"true"``, epoch milliseconds and ISO dates;
these hooks accept all of them and never route an id through float. Unknown fields are
ignored by the model and stay reachable in its ``raw`` mapping.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, TypeVar

import attrs
import cattrs
from cattrs.gen import make_dict_structure_fn, override

from mdmkit.core.errors import ResponseFormatError

__all__ = [
    "hooked",
    "make_converter",
    "structure_model",
    "to_bool",
    "to_datetime",
    "to_int",
    "to_str",
]

T = TypeVar("T")

_TRUE = frozenset({"true", "1", "yes", "y", "on", "t"})
_FALSE = frozenset({"false", "0", "no", "n", "off", "f", ""})


def to_bool(value: object, _: object = None) -> bool:
    """True/False from bools, 0/1 and the strings vendors use ("true", "false", "1", "0")."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
    raise ValueError(f"not a boolean: {value!r}")


def to_int(value: object, _: object = None) -> int:
    """An int from an int, a whole float, or a decimal string; exact for 19-digit ids."""
    if isinstance(value, bool):
        raise ValueError(f"not an integer: {value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        text = value.strip()
        if text.lstrip("+-").isdigit():
            return int(text)
        raise ValueError(f"not an integer: {value!r}")
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    raise ValueError(f"not an integer: {value!r}")


def to_float(value: object, _: object = None) -> float:
    """A float from a number or a numeric string."""
    if isinstance(value, bool):
        raise ValueError(f"not a number: {value!r}")
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        number = float(value.strip().rstrip("%"))
        if math.isfinite(number):
            return number
    raise ValueError(f"not a number: {value!r}")


def to_str(value: object, _: object = None) -> str:
    """A string from a string or a number (vendors swap them freely)."""
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    raise ValueError(f"not a string: {value!r}")


def to_datetime(value: object, _: object = None) -> datetime:
    """An aware datetime from ISO 8601 text or epoch seconds/milliseconds; naive means UTC."""
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, int | float) and not isinstance(value, bool):
        parsed = _from_epoch(float(value))
    elif isinstance(value, str):
        text = value.strip()
        if text.lstrip("-").isdigit():
            parsed = _from_epoch(float(text))
        else:
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    else:
        raise ValueError(f"not a date: {value!r}")
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _from_epoch(number: float) -> datetime:
    seconds = number / 1000.0 if abs(number) >= 1e11 else number
    return datetime.fromtimestamp(seconds, tz=UTC)


def _identity(value: Any, _: object) -> Any:
    return value


def make_converter() -> cattrs.Converter:
    """A converter with the tolerant hooks; models with a ``raw`` field keep their input there."""
    converter = cattrs.Converter(forbid_extra_keys=False, detailed_validation=True)
    converter.register_structure_hook(bool, to_bool)
    converter.register_structure_hook(int, to_int)
    converter.register_structure_hook(float, to_float)
    converter.register_structure_hook(str, to_str)
    converter.register_structure_hook(datetime, to_datetime)
    converter.register_structure_hook(Any, _identity)

    def needs_overrides(cls: Any) -> bool:
        return attrs.has(cls) and any(
            f.name == "raw" or HOOK in f.metadata for f in attrs.fields(cls)
        )

    def model_factory(cls: Any) -> Any:
        overrides: dict[str, Any] = {
            f.name: override(struct_hook=f.metadata.get(HOOK, _identity))
            for f in attrs.fields(cls)
            if f.name == "raw" or HOOK in f.metadata
        }
        return make_dict_structure_fn(cls, converter, **overrides)

    converter.register_structure_hook_factory(needs_overrides, model_factory)
    return converter


HOOK = "mdmkit.structure"


def hooked(hook: Any, **field_args: Any) -> Any:
    """An attrs field structured by ``hook(value, type)`` instead of by its annotation."""
    return attrs.field(metadata={HOOK: hook}, **field_args)


def structure_model(
    converter: cattrs.Converter,
    data: object,
    cls: type[T],
    *,
    raw: Mapping[str, Any] | None = None,
) -> T:
    """``data`` as a ``cls``, with ``raw`` (default: ``data`` itself) kept on it.

    A body of the wrong shape raises ResponseFormatError naming the fields at fault.
    """
    if not isinstance(data, Mapping):
        raise ResponseFormatError(
            f"expected an object for {cls.__name__}", excerpt=repr(data)[:200]
        )
    try:
        return converter.structure({**data, "raw": data if raw is None else raw}, cls)
    except (cattrs.BaseValidationError, ValueError, TypeError, KeyError) as exc:
        problems = (
            cattrs.transform_error(exc)
            if isinstance(exc, cattrs.BaseValidationError)
            else [str(exc)]
        )
        raise ResponseFormatError(
            f"{cls.__name__} does not match the documented shape: " + "; ".join(problems[:3]),
            excerpt=repr(dict(data))[:200],
        ) from exc
