"""What every ManageEngine handler shares: error shapes and codes, JSON bodies, paging.

Errors are ``{"error_code", "error_description", "localized_error_description"}`` with
``Content-Type: application/json;charset=UTF-8``. The real status-per-code table is not
public; the fake uses:

====== ========= ===================================================================
status code      when
====== ========= ===================================================================
400    COM0014   a missing or invalid parameter or body field (the message names it)
400    COM0024   an unexpected parameter: ``page`` or ``size`` (lists take limit/offset)
401    COM0013   missing, unknown, revoked or expired OAuth token; wrong on-premises key
403    COM0013   a valid token without the endpoint's scope (the message names the scope)
404    COM0008   an unknown object (device, app, label, group, member, user, file, action)
404    COM0001   an unknown URL (405 with COM0001: a method the URL does not take)
other  COM0004   anything else, including injected 429 and 5xx faults
====== ========= ===================================================================

``/emsapi/*`` errors are ``{"errorCode": "<status>", "errorMsg": "<message>"}`` instead.

Lists page with ``limit`` (default 50; more than 200 is silently clamped to 200, as the
server's ``PagingUtil`` does) and ``offset`` and answer
``{"<collection>": [...], "metadata": {"total_record_count": N}, "paging": {...}}`` where
``paging.next`` and ``paging.previous`` are links built from the request URL the server saw
(its query with ``limit``/``offset`` replaced): absolute on this server by default,
relative (``state.next_links = "relative"``) or on the origin a server behind a proxy sees
(``"proxy"``, ``state.proxy_origin``). ``next`` is absent on the last page and ``previous``
on the first, and ``paging`` itself is left out when both are.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar
from urllib.parse import urlencode

from aiohttp import web

from mdmkit.testing._server import Call, Problem, RouteTable, json_response
from mdmkit.testing._table import Table
from mdmkit.testing.manageengine.state import ManageEngineState

__all__ = [
    "EMSAPI",
    "MDM",
    "ME_JSON",
    "MCall",
    "Routes",
    "body_object",
    "emsapi_error_body",
    "error_body",
    "find",
    "flag",
    "id_list",
    "invalid",
    "link",
    "listing",
    "ms",
    "not_found",
    "number",
    "page_limit",
    "page_url",
    "reply",
    "status_only",
    "text",
    "whole",
]

MDM = "/api/v1/mdm"
EMSAPI = "/emsapi"
ME_JSON = "application/json;charset=UTF-8"
MCall = Call[ManageEngineState]
Routes = RouteTable[ManageEngineState]
V = TypeVar("V")
CODES = {400: "COM0014", 401: "COM0013", 403: "COM0013", 404: "COM0008", 405: "COM0001"}
DEFAULT_LIMIT, MAX_LIMIT = 50, 200
_FOREIGN_PAGING = ("page", "size")


def error_body(status: int, message: str, code: str | None = None) -> Any:
    """The MDM API's error shape (the code from the table above unless given)."""
    return {
        "error_code": code or CODES.get(status, "COM0004"),
        "error_description": message,
        "localized_error_description": message,
    }


def emsapi_error_body(status: int, message: str) -> Any:
    """The ``/emsapi`` stack's error shape."""
    return {"errorCode": str(status), "errorMsg": message}


def reply(payload: Any, status: int = 200) -> web.Response:
    """A JSON answer with ManageEngine's content type."""
    return json_response(payload, status, content_type=ME_JSON)


def status_only(status: int) -> web.Response:
    """An answer without a body (202 Accepted, 204 No Content)."""
    return web.Response(status=status)


def invalid(name: str, message: str | None = None) -> Problem:
    """400 COM0014 naming the parameter."""
    return Problem(400, message or f"Invalid value for parameter: {name}", code="COM0014")


def not_found(kind: str) -> Problem:
    """404 COM0008."""
    return Problem(404, f"{kind} not found", code="COM0008")


def ms(ts: float | None) -> int | None:
    """Epoch seconds as epoch milliseconds."""
    return None if ts is None else int(ts * 1000)


def find(table: Table[int, V], call: MCall, param: str, kind: str) -> V:
    """The object whose id is the path parameter ``param``, or 404 COM0008."""
    text_id = call.match[param]
    found = table.get(int(text_id)) if text_id.isdigit() else None
    if found is None:
        raise not_found(kind)
    return found


def body_object(call: MCall) -> dict[str, Any]:
    """The JSON object body ({} when the body is empty); 400 COM0014 for anything else."""
    body = call.body
    if not body.raw.strip():
        return {}
    if body.json_error or not isinstance(body.json, dict):
        raise invalid("body", "The request body must be a JSON object")
    return body.json


def whole(value: Any) -> int | None:
    """An id or number sent as a JSON integer or a string of digits; None otherwise."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


def text(body: dict[str, Any], name: str, *, required: bool = False) -> str | None:
    """A string field (required: present and not blank)."""
    value = body.get(name)
    if value is None:
        if required:
            raise invalid(name, f"Required parameter missing: {name}")
        return None
    if not isinstance(value, str) or (required and not value.strip()):
        raise invalid(name)
    return value


def number(body: dict[str, Any], name: str, *, required: bool = False) -> int | None:
    """An integer field, sent as a number or a string of digits."""
    value = body.get(name)
    if value is None:
        if required:
            raise invalid(name, f"Required parameter missing: {name}")
        return None
    parsed = whole(value)
    if parsed is None:
        raise invalid(name)
    return parsed


def flag(body: dict[str, Any], name: str, default: bool | None = None) -> bool:
    """A boolean field: true/false, or the strings "true"/"false" (required without default)."""
    value = body.get(name)
    if value is None:
        if default is None:
            raise invalid(name, f"Required parameter missing: {name}")
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise invalid(name)


def id_list(body: dict[str, Any], name: str, *, required: bool = True) -> list[int]:
    """A list of ids (numbers or digit strings); required lists must not be empty."""
    value = body.get(name)
    if value is None and not required:
        return []
    if not isinstance(value, list) or (required and not value):
        raise invalid(name, f"{name} must be a non-empty list of ids")
    ids = [whole(item) for item in value]
    if any(item is None for item in ids):
        raise invalid(name, f"{name} must be a list of ids")
    return [item for item in ids if item is not None]


def page_limit(call: MCall) -> int:
    """``limit`` (at least 1, default 50, clamped to 200); ``page``/``size`` answer 400 COM0024."""
    query = call.request.query
    for name in _FOREIGN_PAGING:
        if name in query:
            raise Problem(400, f"Unexpected parameter: {name}", code="COM0024")
    raw = query.get("limit")
    if raw is None:
        return DEFAULT_LIMIT
    if not raw.strip().isdigit() or int(raw) < 1:
        raise invalid("limit", "Invalid value for parameter: limit (a positive number)")
    return min(int(raw), MAX_LIMIT)


def link(call: MCall, query: str) -> str:
    """A paging link to this request's path with ``query``, in the state's ``next_links`` style."""
    style = call.state.next_links
    if style == "relative":
        return f"{call.request.path}?{query}"
    origin = call.state.proxy_origin if style == "proxy" else str(call.request.url.origin())
    return f"{origin}{call.request.path}?{query}"


def page_url(call: MCall, **params: Any) -> str:
    """This request's link with ``params`` replacing query parameters."""
    kept = [(k, v) for k, v in call.request.query.items() if k not in params]
    return link(call, urlencode([*kept, *params.items()]))


def listing(
    call: MCall,
    key: str,
    items: Sequence[V] | Table[int, V],
    render: Callable[[V], Any],
) -> web.Response:
    """One limit/offset page of ``items`` (all of a table, or an already filtered list)."""
    limit = page_limit(call)
    raw = call.request.query.get("offset", "0")
    if not raw.strip().isdigit():
        raise invalid("offset")
    offset, total = int(raw), len(items)
    if isinstance(items, Table):
        page = items.slice(offset, offset + limit)
    else:
        page = list(items[offset : offset + limit])
    paging: dict[str, str] = {}
    if offset + limit < total:
        paging["next"] = page_url(call, limit=limit, offset=offset + limit)
    if offset > 0:
        paging["previous"] = page_url(call, limit=limit, offset=max(0, offset - limit))
    out: dict[str, Any] = {key: [render(item) for item in page]}
    out["metadata"] = {"total_record_count": total}
    if paging:
        out["paging"] = paging
    return reply(out)
