"""Argument checks and encodings shared by the vendor resources; each runs before any I/O.

Every check raises ``InvalidRequestError`` naming the argument, so a caller learns what to
fix without a round trip, and nothing is sent.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Iterable, Mapping
from typing import Any, TypeVar

from mdmkit.core.errors import InvalidRequestError
from mdmkit.core.ids import checked_id

__all__ = [
    "body_id",
    "body_ids",
    "check_choice",
    "check_digits",
    "check_form_text",
    "check_range",
    "check_text",
    "form_fields",
    "id_list",
    "ids_csv",
    "json_body",
    "require_exactly_one",
    "true_false",
]

T = TypeVar("T")
FormValue = str | int | float | bool | None


def check_range(value: int, low: int, high: int, field: str) -> int:
    """``value`` if it is an int in [low, high]."""
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InvalidRequestError(
            f"{field} must be an integer from {low} to {high}, got {value!r}", field=field
        )
    return value


def check_choice(value: T, choices: Collection[T], field: str) -> T:
    """``value`` if it is one of ``choices``."""
    if value not in choices:
        allowed = ", ".join(repr(c) for c in choices)
        raise InvalidRequestError(f"{field} must be one of {allowed}; got {value!r}", field=field)
    return value


def check_digits(value: str | int, field: str, *, count: int | None = None) -> str:
    """``value`` as a string of ASCII digits (exactly ``count`` of them when given, as a PIN)."""
    text = str(value) if isinstance(value, int) and not isinstance(value, bool) else value
    pattern = rf"[0-9]{{{count}}}" if count is not None else r"[0-9]+"
    if not isinstance(text, str) or not re.fullmatch(pattern, text):
        size = f"exactly {count} digits" if count is not None else "a number"
        raise InvalidRequestError(f"{field} must be {size}, got {value!r}", field=field)
    return text


def check_text(value: object, field: str) -> str:
    """``value`` if it is a non-empty string."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidRequestError(f"{field} must be a non-empty string", field=field)
    return value


def require_exactly_one(fields: Mapping[str, object], *, what: str = "") -> str:
    """The name of the one field in ``fields`` that is set; an error if none or several are."""
    given = [name for name, value in fields.items() if value is not None]
    if len(given) != 1:
        names = ", ".join(fields)
        found = ", ".join(given) or "none"
        raise InvalidRequestError(
            f"give exactly one of {names}{what} (got {found})", field=given[-1] if given else None
        )
    return given[0]


def id_list(ids: Iterable[object], field: str) -> list[str]:
    """Each id checked as a safe id (``mdmkit.core.ids``), as text for a request body."""
    if isinstance(ids, str | bytes) or not isinstance(ids, Iterable):
        kind = "a string" if isinstance(ids, str | bytes) else type(ids).__name__
        raise InvalidRequestError(f"{field} must be a list of ids, not {kind}", field=field)
    return [checked_id(item, field) for item in ids]


_CANONICAL_NUMBER = re.compile(r"0|[1-9][0-9]*")


def body_id(value: object, field: str) -> int | str:
    """An id for a JSON request body: a safe id, as a JSON number when it is one.

    ``"121"`` becomes 121 (exact, however many digits: never a float); an id that is not
    a plain number (``"0121"``, ``"abc"``) stays text, and an unsafe one (``"1/wipe"``,
    ``"1\\r\\n"``) is an InvalidRequestError naming ``field``, before anything is sent.
    """
    text = checked_id(value, field)
    return int(text) if _CANONICAL_NUMBER.fullmatch(text) else text


def body_ids(ids: Iterable[object], field: str) -> list[int | str]:
    """Each id as ``body_id`` gives it, for a list in a JSON request body."""
    return [body_id(item, field) for item in id_list(ids, field)]


def ids_csv(ids: Iterable[object] | None, field: str) -> str | None:
    """A list of ids joined with commas, as SimpleMDM documents for id lists."""
    if ids is None:
        return None
    checked = id_list(ids, field)
    return ",".join(checked) if checked else None


def true_false(value: bool) -> str:
    """A boolean as the strings "true"/"false" that form-encoded APIs expect."""
    return "true" if value else "false"


def form_fields(**fields: FormValue) -> list[tuple[str, str]]:
    """Form pairs for the fields that are set; booleans become "true"/"false"."""
    pairs: list[tuple[str, str]] = []
    for name, value in fields.items():
        if value is None:
            continue
        pairs.append((name, true_false(value) if isinstance(value, bool) else str(value)))
    return pairs


def check_form_text(fields: Iterable[tuple[str, object]]) -> None:
    """Every name and text value of a form or multipart body writable as UTF-8.

    A lone surrogate (``"\\ud800"``, from a broken decode) would fail in the encoder after
    the request started; it is an InvalidRequestError naming the field instead.
    """
    for name, value in fields:
        for text in (name, value):
            if isinstance(text, str) and not _utf8(text):
                where = name if _utf8(name) else None
                raise InvalidRequestError(
                    f"form field {name!r:.60} holds a lone surrogate, which UTF-8 cannot encode",
                    field=where,
                )


def json_body(value: Any) -> bytes:
    """``value`` as a compact JSON request body, or an InvalidRequestError when JSON cannot
    hold it (NaN or an infinity, a set, an object, a cycle, nesting past the recursion limit)."""
    try:
        return json.dumps(value, separators=(",", ":"), allow_nan=False).encode()
    except (TypeError, ValueError, RecursionError) as exc:
        raise InvalidRequestError(f"the JSON body cannot be written: {exc}", field="json") from None


def _utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
