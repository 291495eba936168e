"""Path parameters, checked and quoted before they become part of a URL.

An id is an int or a string without ``/``, ``?``, ``#``, ``\\``, ``..`` or control
characters, so ``devices.get("1/wipe")`` can never reach the wipe endpoint.
"""

from __future__ import annotations

from urllib.parse import quote, urlsplit

from mdmkit.core.errors import InvalidRequestError

__all__ = ["path_id", "same_origin"]

_FORBIDDEN = frozenset("/?#\\%")


def path_id(value: object, field: str) -> str:
    """``value`` as one quoted URL path segment; InvalidRequestError naming ``field`` otherwise."""
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
    return quote(value, safe="")


def same_origin(url: str, base_url: str) -> bool:
    """Whether ``url`` has the scheme, host and port of ``base_url``."""
    a, b = urlsplit(url), urlsplit(base_url)
    return (a.scheme.lower(), a.hostname, a.port) == (b.scheme.lower(), b.hostname, b.port)
