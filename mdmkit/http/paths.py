"""Path parameters, checked and quoted before they become part of a URL.

What a safe id is lives in ``mdmkit.core.ids``; this module quotes it into a URL.
"""

from __future__ import annotations

from urllib.parse import quote, urlsplit

from mdmkit.core.ids import checked_id

__all__ = ["path_id", "same_origin"]


def path_id(value: object, field: str) -> str:
    """``value`` as one quoted URL path segment; InvalidRequestError naming ``field`` otherwise."""
    return quote(checked_id(value, field), safe="")


def same_origin(url: str, base_url: str) -> bool:
    """Whether ``url`` has the scheme, host and port of ``base_url``."""
    a, b = urlsplit(url), urlsplit(base_url)
    return (a.scheme.lower(), a.hostname, a.port) == (b.scheme.lower(), b.hostname, b.port)
