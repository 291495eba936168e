"""The cattrs setup both vendors share: the documented quirks tolerated, the rest refused.

Tolerated, because the vendors send them: booleans as ``"true"``/``"false"``, numbers as
plain decimal strings (``"121"``, ``"75.13"``), epoch seconds or milliseconds and ISO dates
for times. Everything else that does not match a field's type (``"yes"``, ``"0121"``,
``121.0`` for an int, ``NaN``, an object where a list belongs) is a ResponseFormatError from
``structure_model``. Ids never go through float. Unknown fields are ignored by the model and
stay reachable in its ``raw`` mapping.
"""

from __future__ import annotations

import functools
import math
import re
import reprlib
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any, TypeVar, get_args

import attrs
import cattrs
from cattrs.cols import (
    homogenous_tuple_structure_factory,
    is_any_set,
    is_mapping,
    is_mutable_sequence,
    is_sequence,
    is_set,
    list_structure_factory,
    mapping_structure_factory,
)
from cattrs.gen import make_dict_structure_fn, override
from cattrs.v import format_exception

from mdmkit.core.errors import ResponseFormatError
from mdmkit.http.compiled import HOOK, ModelConverter, StructureFn
from mdmkit.http.compiled import identity as _identity

__all__ = [
    "hooked",
    "make_converter",
    "one_a_process",
    "plain_structure",
    "structure_model",
    "structurer",
    "to_bool",
    "to_datetime",
    "to_float",
    "to_int",
    "to_str",
]

T = TypeVar("T")
C = TypeVar("C", bound=cattrs.Converter)

_BOOLEANS = {"true": True, "false": False}
_INTEGER = re.compile(r"-?(?:0|[1-9][0-9]*)")  # JSON's integer grammar, ASCII digits only
_DECIMAL = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")  # JSON's number


def to_bool(value: object, _: object = None) -> bool:
    """A JSON boolean, or the strings ``"true"``/``"false"`` in any case (nothing else)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in _BOOLEANS:
        return _BOOLEANS[value.lower()]
    raise ValueError(f"not a boolean: {value!r:.60}")


def to_int(value: object, _: object = None) -> int:
    """A JSON integer, or a plain decimal string such as ``"121"``; exact for 19-digit ids.

    Refused: floats (even ``121.0``), booleans, and text with a plus, spaces, leading zeros
    or non-ASCII digits, which would silently turn into some other id.
    """
    if type(value) is int or (isinstance(value, int) and not isinstance(value, bool)):
        return value
    if isinstance(value, str) and _INTEGER.fullmatch(value):
        return int(value)
    raise ValueError(f"not an integer: {value!r:.60}")


def _is_integer_text(text: str) -> bool:
    """Whether ``text`` is in JSON's integer grammar (``_INTEGER``), without the regex."""
    digits = text[1:] if text[:1] == "-" else text
    return digits.isascii() and digits.isdigit() and (digits[0] != "0" or len(digits) == 1)


def to_float(value: object, _: object = None) -> float:
    """A finite number from a JSON number or a decimal string such as ``"75.13"``."""
    if type(value) is float and value - value == 0.0:  # the common case: a finite float
        return value
    number = math.nan
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = _as_float(value)
    if isinstance(value, str) and _DECIMAL.fullmatch(value):
        number = _as_float(value)
    if math.isfinite(number):
        return number
    raise ValueError(f"not a finite number: {value!r:.60}")


def _as_float(value: int | float | str) -> float:
    try:
        return float(value)
    except OverflowError:  # an int past float's range
        return math.inf


def to_str(value: object, _: object = None) -> str:
    """A string from a string or a finite number (vendors swap them freely); never ``'nan'``."""
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and math.isfinite(value):
        return str(value)
    raise ValueError(f"not a string: {value!r:.60}")


def to_datetime(value: object, _: object = None) -> datetime:
    """An aware datetime from ISO 8601 text or epoch seconds/milliseconds; naive means UTC."""
    if type(value) is str:  # the exact types JSON gives first; then any subclass, as before
        if ":" in value and value.isascii():  # ISO text (never an epoch)
            try:  # _from_iso's first try, inline: the common case costs no calls
                parsed = datetime.fromisoformat(value)
            except ValueError:
                return _aware(_from_iso_z(value))
            return _aware(parsed)
        if _is_integer_text(value):
            return _from_epoch(int(value))
    elif type(value) is int or type(value) is float:
        return _from_epoch(value)
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, int | float) and not isinstance(value, bool):
        parsed = _from_epoch(value)
    elif isinstance(value, str) and _INTEGER.fullmatch(value):
        parsed = _from_epoch(int(value))
    elif isinstance(value, str) and value.isascii():
        parsed = _from_iso(value)
    else:
        raise ValueError(f"not a date: {value!r:.60}")
    return _aware(parsed)


def _aware(parsed: datetime) -> datetime:
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _from_iso(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text)  # reads a "Z" too (Python 3.11 on)
    except ValueError:
        return _from_iso_z(text)


def _from_iso_z(text: str) -> datetime:
    """ISO text that ``fromisoformat`` refused as it is, tried with "Z" as "+00:00"."""
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"not a date: {text!r:.60}") from None


def _from_epoch(number: int | float) -> datetime:
    """Epoch seconds, or milliseconds when the number is too large to be seconds."""
    try:
        seconds = number / 1000 if abs(number) >= 1e11 else number
        return datetime.fromtimestamp(seconds, UTC)  # (positional: a keyword costs 0.3 us)
    except (OverflowError, OSError, ValueError):  # past year 9999, NaN, or the platform's range
        raise ValueError(f"not a date: epoch {number!r:.40} is out of range") from None


def _kind(value: object) -> str:
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, str):
        return "a string"
    return type(value).__name__


def _is_array(cls: Any) -> bool:
    return is_sequence(cls) or is_any_set(cls)


def _array_hook(cls: Any, converter: cattrs.Converter) -> Callable[[Any, Any], Any]:
    """Lists, tuples and sets from a JSON array only: not an object's keys, a string's letters."""
    if is_any_set(cls):
        items: Any = list[(get_args(cls) or (Any,))[0]]  # type: ignore[misc]
        as_list = list_structure_factory(items, converter)
        build = set if is_set(cls) else frozenset
        inner: Callable[[Any, Any], Any] = lambda value, _: build(as_list(value, items))  # noqa: E731
    elif is_mutable_sequence(cls):
        inner = list_structure_factory(cls, converter)
    else:
        inner = homogenous_tuple_structure_factory(cls, converter)

    def structure_array(value: Any, type_: Any) -> Any:
        if not isinstance(value, list | tuple):
            raise ValueError(f"expected a JSON array, got {_kind(value)}")
        return inner(value, type_)

    return structure_array


def _object_hook(cls: Any, converter: cattrs.Converter) -> Callable[[Any, Any], Any]:
    """Mappings from a JSON object only."""
    inner = mapping_structure_factory(cls, converter)

    def structure_object(value: Any, type_: Any) -> Any:
        if not isinstance(value, Mapping):
            raise ValueError(f"expected a JSON object, got {_kind(value)}")
        return inner(value, type_)

    return structure_object


def one_a_process(make: Callable[[], C]) -> Callable[[], C]:
    """``make`` called once a process: a vendor's converter, which every client shares, so
    its structure functions are written once rather than once a client (it holds no state)."""
    return functools.cache(make)


def make_converter() -> ModelConverter:
    """A converter with the tolerant hooks; models with a ``raw`` field keep their input there.

    It also writes a fast structure function per model (``mdmkit.http.compiled``), which
    ``structure_model`` tries first; the plain cattrs path below stays the reference.
    """
    converter = ModelConverter(
        pass_through={to_str: str, to_int: int, to_bool: bool, to_float: float},
        forbid_extra_keys=False,
        detailed_validation=True,
    )
    converter.register_structure_hook(bool, to_bool)
    converter.register_structure_hook(int, to_int)
    converter.register_structure_hook(float, to_float)
    converter.register_structure_hook(str, to_str)
    converter.register_structure_hook(datetime, to_datetime)
    converter.register_structure_hook(Any, _identity)
    converter.register_structure_hook_factory(_is_array, lambda cls: _array_hook(cls, converter))
    converter.register_structure_hook_factory(is_mapping, lambda cls: _object_hook(cls, converter))

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

    Any data that does not fit raises ResponseFormatError naming the fields at fault;
    no other exception escapes, whatever the data holds.
    """
    return _structured(converter, _generated_for(converter, cls), cls, data, raw)


def structurer(converter: cattrs.Converter, cls: type[T]) -> Callable[..., T]:
    """``structure_model`` for one ``cls``, looked up once: ``structure(data, raw=None)``, for
    every item of a page (the per-item lookups cost a sixth of structuring a device)."""
    return functools.partial(_structured, converter, _generated_for(converter, cls), cls)


def _generated_for(converter: cattrs.Converter, cls: type) -> StructureFn | None:
    return converter.generated(cls) if isinstance(converter, ModelConverter) else None


def _structured(
    converter: cattrs.Converter,
    generated: StructureFn | None,
    cls: type[T],
    data: object,
    raw: Mapping[str, Any] | None = None,
) -> T:
    """``structure_model``'s work, with ``cls``'s generated function already looked up."""
    if type(data) is not dict and not isinstance(data, Mapping):  # (the ABC check is slow)
        raise ResponseFormatError(
            f"expected an object for {cls.__name__}, got {_kind(data)}", excerpt=_shown(data)
        )
    if generated is not None:
        try:
            return generated(data, data if raw is None else raw)  # type: ignore[no-any-return]
        except Exception:
            pass  # declined: the plain path says what is wrong (or structures what was declined)
    return plain_structure(converter, data, cls, raw=raw)


def plain_structure(
    converter: cattrs.Converter,
    data: Mapping[str, Any],
    cls: type[T],
    *,
    raw: Mapping[str, Any] | None = None,
) -> T:
    """``structure_model`` through the converter's cattrs hooks alone: the reference path."""
    try:
        return converter.structure({**data, "raw": data if raw is None else raw}, cls)
    except Exception as exc:
        problems = (
            cattrs.transform_error(exc, format_exception=_reason)
            if isinstance(exc, cattrs.BaseValidationError)
            else [f"{type(exc).__name__}: {exc}"]
        )
        raise ResponseFormatError(
            f"{cls.__name__} does not match the documented shape: " + "; ".join(problems[:3]),
            excerpt=_shown(data),
        ) from exc


def _reason(exc: BaseException, type_: Any) -> str:
    """Why one field failed: the hook's own words (they name the value), else cattrs' words."""
    if isinstance(exc, ValueError) and str(exc):
        return str(exc)[:120]
    return format_exception(exc, type_)


_REPR = reprlib.Repr()
_REPR.maxlevel, _REPR.maxdict, _REPR.maxlist, _REPR.maxstring = 3, 12, 6, 60


def _shown(data: object) -> str:
    """A short excerpt of ``data``: bounded in depth and length, so it never recurses far."""
    return _REPR.repr(data)[:200]
