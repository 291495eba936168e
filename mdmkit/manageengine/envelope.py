"""ManageEngine's envelopes: error bodies, bare objects, and paged collections.

Errors come as ``{error_code, error_description, localized_error_description}`` from
``/api/v1/mdm`` and as ``{errorCode, errorMsg}`` from ``/emsapi``. Collections are keyed by
resource name with ``metadata.total_record_count`` and ``paging.next`` (an absolute URL).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, TypeVar

import attrs
import cattrs

from mdmkit.core.errors import ResponseFormatError
from mdmkit.http import jsonbody
from mdmkit.http.convert import structure_model, to_int
from mdmkit.http.response import ErrorDetail, Response, excerpt

__all__ = ["Collection", "parse_error", "read_collection", "read_object"]

T = TypeVar("T")

SCOPE = re.compile(r"MDMOnDemand\.(MDMInventory|MDMDeviceMgmt|MDMUser)(?:\.[A-Z]+)?")


def parse_error(status: int, headers: Mapping[str, str], body: bytes) -> ErrorDetail:
    """The code, message and (on 403) the missing OAuth scope of a ManageEngine error body."""
    try:
        data = jsonbody.loads(body) if body.strip() else None
    except ValueError:
        data = None
    if isinstance(data, Mapping):
        code = data.get("error_code") or data.get("errorCode")
        message = (
            data.get("error_description")
            or data.get("localized_error_description")
            or data.get("errorMsg")
            or data.get("message")
        )
        if code is not None or message is not None:
            text = str(message or f"HTTP {status}")
            found = SCOPE.search(text)
            scope = found.group(0) if status == 403 and found else None
            if scope:
                text += f" (the token lacks scope family MDMOnDemand.{found.group(1)})"  # type: ignore[union-attr]
            return ErrorDetail(text, str(code) if code is not None else None, scope)
    return ErrorDetail(excerpt(body) if body.strip() else f"HTTP {status}")


def _body(response: Response) -> Mapping[str, Any]:
    body = response.json()
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


def read_collection(response: Response, key: str) -> Collection:
    """The items under ``key``, ``paging.next`` and ``metadata.total_record_count``."""
    body = _body(response)
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
    metadata = body.get("metadata")
    total = metadata.get("total_record_count") if isinstance(metadata, Mapping) else None
    try:
        total_count = to_int(total) if total is not None else None
    except ValueError:
        total_count = None
    return Collection(
        items, next_url if isinstance(next_url, str) and next_url else None, total_count
    )
