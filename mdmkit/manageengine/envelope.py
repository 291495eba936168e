"""ManageEngine's envelopes: error bodies, bare objects, and paged collections.

Errors come as ``{error_code, error_description, localized_error_description}`` from
``/api/v1/mdm`` and as ``{errorCode, errorMsg}`` from ``/emsapi``. Collections are keyed by
resource name with ``metadata.total_record_count`` and ``paging.next`` (a link, absolute or
relative: ``paging.py`` decides where it may lead).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, TypeVar

import attrs
import cattrs

from mdmkit.core.errors import PaginationError, ResponseFormatError
from mdmkit.http import jsonbody
from mdmkit.http.convert import structure_model, to_int
from mdmkit.http.response import ErrorDetail, Response, excerpt

__all__ = ["Collection", "error_code", "parse_error", "read_collection", "read_object"]

T = TypeVar("T")

SCOPE = re.compile(r"MDMOnDemand\.(MDMInventory|MDMDeviceMgmt|MDMUser)(?:\.[A-Z]+)?")


def _text(data: Mapping[str, Any], *keys: str) -> str | None:
    """The first of ``keys`` holding a non-blank string."""
    for key in keys:
        value = data.get(key)
        if isinstance(value, str) and value.strip():
            return value
    return None


def error_code(data: Mapping[str, Any]) -> str | None:
    """The vendor's code: ``error_code`` (``"COM0008"`` or a number such as 1002) or
    ``/emsapi``'s ``errorCode``; anything else (a bool, an object, a float) is no code."""
    for key in ("error_code", "errorCode"):
        value = data.get(key)
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        if isinstance(value, str) and value.strip():
            return value.strip()[:100]
    return None


def _json(body: bytes) -> Any:
    try:
        return jsonbody.loads(body) if body.strip() else None
    except ValueError:  # jsonbody's InvalidJSONError is one
        return None


def parse_error(status: int, headers: Mapping[str, str], body: bytes) -> ErrorDetail:
    """The code, message and (on 403) the missing OAuth scope of a ManageEngine error body."""
    data = _json(body)
    if isinstance(data, Mapping):
        code = error_code(data)
        message = _text(
            data, "error_description", "localized_error_description", "errorMsg", "message"
        )
        if code is not None or message is not None:
            text = message or f"HTTP {status}"
            found = SCOPE.search(text)
            scope = found.group(0) if status == 403 and found else None
            if scope and found is not None:
                text += f" (the token lacks scope family MDMOnDemand.{found.group(1)})"
            return ErrorDetail(text, code, scope)
    return ErrorDetail(excerpt(body) if body.strip() else f"HTTP {status}")


def _body(response: Response) -> Mapping[str, Any]:
    try:
        body = response.json()
    except RecursionError:  # nested deeper than a decoder can follow: not a documented shape
        body = None
    if not isinstance(body, Mapping):
        raise ResponseFormatError(
            "expected a JSON object",
            status=response.status,
            excerpt=excerpt(response.body),
            url=response.url,
        )
    return body


def read_object(response: Response, cls: type[T], converter: cattrs.Converter) -> T:
    """The bare object a ManageEngine endpoint returns, as ``cls``."""
    return structure_model(converter, _body(response), cls)


@attrs.frozen
class Collection:
    """One page of a collection: its raw items, the next page's URL and the total if given."""

    items: list[Any]
    next_url: str | None
    total: int | None


PAGING_KEYS = frozenset({"metadata", "paging", "delta-token"})
"""Keys a list answer may carry beside its collection."""


def read_collection(response: Response, key: str) -> Collection:
    """The items under ``key``, ``paging.next`` and ``metadata.total_record_count``.

    A 200 answer without ``key`` is an empty list only when it holds nothing but paging
    data; an error body (or anything else) there is a ResponseFormatError, never "no items".
    """
    body = _body(response)
    if key not in body and not set(body) <= PAGING_KEYS:
        code, message = error_code(body), _text(body, "error_description", "errorMsg")
        said = " ".join(part for part in (code, message) if part)
        reason = f"an error body ({said})" if said else "no such list"
        raise ResponseFormatError(
            f"expected a list under {key!r}, got {reason}",
            status=response.status,
            excerpt=excerpt(response.body),
            url=response.url,
        )
    items = body.get(key, [])
    if not isinstance(items, list):
        raise ResponseFormatError(
            f"expected a list under {key!r}",
            status=response.status,
            excerpt=excerpt(response.body),
            url=response.url,
        )
    paging = body.get("paging")
    next_url = paging.get("next") if isinstance(paging, Mapping) else None
    if next_url is not None and not isinstance(next_url, str):
        raise PaginationError(
            "paging.next is not a link",
            status=response.status,
            excerpt=excerpt(response.body),
            url=response.url,
        )
    metadata = body.get("metadata")
    total = metadata.get("total_record_count") if isinstance(metadata, Mapping) else None
    try:
        total_count = to_int(total) if total is not None else None
    except ValueError:
        total_count = None
    if total_count is not None and total_count < 0:
        total_count = None
    return Collection(items, next_url or None, total_count)
