"""What a safe id looks like: the one rule for ids in URLs and in the neutral interface.

An id is a non-negative int or a string without ``/``, ``?``, ``#``, ``\\``, ``%``, ``..``
or control characters, so ``devices.get("1/wipe")`` can never reach the wipe endpoint.
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
    if (
        not value.strip()
        or ".." in value
        or any(ch in _FORBIDDEN or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in value)
    ):
        raise InvalidRequestError(f"{field} is not a safe id: {value!r}", field=field)
    return value
