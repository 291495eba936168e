"""What a safe id looks like: the one rule for ids in URLs, request bodies and the neutral API.

An id is a non-negative int or a string without ``/``, ``?``, ``#``, ``\\``, ``%``, ``..``,
control, format or separator characters (an inner ASCII space aside), lone surrogates, digits
other than 0-9, or spaces at its ends, so ``devices.get("1/wipe")`` can never reach the wipe
endpoint and no id can break a URL, a header or an encoder.
"""

from __future__ import annotations

from mdmkit.core.errors import InvalidRequestError

__all__ = ["checked_id"]

_FORBIDDEN = frozenset("/?#\\%")


def checked_id(value: object, field: str) -> str:
    """``value`` as id text; InvalidRequestError naming ``field`` when it is not a safe id."""
    if isinstance(value, bool):
        raise InvalidRequestError(f"{field} must be an id, not a bool", field=field)
    if isinstance(value, int):
        if value < 0:
            raise InvalidRequestError(f"{field} must not be negative, got {value}", field=field)
        return str(value)
    if not isinstance(value, str):
        raise InvalidRequestError(
            f"{field} must be an int or a string id, got {type(value).__name__}", field=field
        )
    if not value.strip() or value != value.strip() or ".." in value or _unsafe(value):
        raise InvalidRequestError(f"{field} is not a safe id: {value!r:.80}", field=field)
    return value


def _unsafe(text: str) -> bool:
    # not printable: Unicode's "Other" and "Separator" categories (controls, format
    # characters, surrogates, private use, unassigned; every space but " ", line and
    # paragraph separators)
    if not text.isprintable() or not _FORBIDDEN.isdisjoint(text):
        return True
    # digits other than 0-9: "١٢٣" would be read as 123
    return not text.isascii() and any(ch.isdecimal() and not ch.isascii() for ch in text)
