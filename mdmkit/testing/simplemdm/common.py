"""What every SimpleMDM handler shares: envelopes, the error shape, pagination, lookups.

Pagination follows the reference: ``limit`` 1..100 (default 10; anything else is a 400),
``starting_after`` an object id, ``direction`` asc|desc, and ``has_more`` in the answer.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

from aiohttp import web

from mdmkit.testing._server import Call, Problem, RouteTable, json_response
from mdmkit.testing._table import Table, take_page
from mdmkit.testing.simplemdm.state import SimpleMDMState

__all__ = [
    "Routes",
    "SCall",
    "error_body",
    "find",
    "listing",
    "one",
    "read_routes",
    "require",
    "status_only",
    "toggle_member",
]

SCall = Call[SimpleMDMState]
Routes = RouteTable[SimpleMDMState]
V = TypeVar("V")
K = TypeVar("K", int, str)
NOT_FOUND = "object not found"


def error_body(status: int, message: str) -> Any:
    """SimpleMDM's only documented error shape."""
    return {"errors": [{"title": message}]}


def one(payload: Any, status: int = 200) -> web.Response:
    """``{"data": ...}``."""
    return json_response({"data": payload}, status)


def status_only(status: int) -> web.Response:
    """An answer with no body (202 Accepted, 204 No Content)."""
    return web.Response(status=status)


def find(table: Table[int, V], call: SCall, name: str) -> V:
    """The object whose integer id is the path parameter ``name``, or a 404."""
    found = table.get(call.path_int(name, NOT_FOUND))
    if found is None:
        raise Problem(404, NOT_FOUND)
    return found


def find_key(table: Table[K, V], key: K) -> V:
    """The object with this id, or a 404."""
    found = table.get(key)
    if found is None:
        raise Problem(404, NOT_FOUND)
    return found


def require(call: SCall, name: str) -> str:
    """A required, non-empty argument (422 when missing)."""
    value = call.arg(name)
    if value is None or value.strip() == "":
        raise Problem(422, f"{name} is required")
    return value


def choice(
    call: SCall, name: str, allowed: Iterable[str], default: str | None = None
) -> str | None:
    """An argument restricted to ``allowed`` values (422 otherwise)."""
    value = call.arg(name)
    if value is None or value == "":
        return default
    options = tuple(allowed)
    if value not in options:
        raise Problem(422, f"{name} must be one of {', '.join(options)}")
    return value


def _page_args(call: SCall) -> tuple[int, str | None, bool]:
    raw_limit = call.request.query.get("limit")
    limit = 10
    if raw_limit is not None:
        if not raw_limit.strip().isdigit() or not 1 <= int(raw_limit) <= 100:
            raise Problem(400, "limit must be an integer between 1 and 100")
        limit = int(raw_limit)
    direction = call.request.query.get("direction", "asc") or "asc"
    if direction not in ("asc", "desc"):
        raise Problem(400, "direction must be asc or desc")
    after = call.request.query.get("starting_after") or None
    return limit, after, direction == "desc"


def listing(
    call: SCall,
    walk: Callable[[Any, bool], Iterator[V]],
    render: Callable[[V], Any],
    *,
    accept: Callable[[V], Any] | None = None,
    int_ids: bool = True,
) -> web.Response:
    """One page of a list endpoint: ``walk(cursor, desc)`` yields objects past the cursor."""
    limit, after, desc = _page_args(call)
    cursor: int | str | None = after
    if after is not None and int_ids:
        if not after.isdigit():
            raise Problem(400, "starting_after must be an object id")
        cursor = int(after)
    page, more = take_page(walk(cursor, desc), limit, accept)
    return json_response({"data": [render(item) for item in page], "has_more": more})


def listing_of(
    call: SCall,
    items: Iterable[V],
    key: Callable[[V], int],
    render: Callable[[V], Any],
) -> web.Response:
    """A page over a small in-memory list, ordered by ``key``."""
    table: Table[int, V] = Table((key(item), item) for item in items)
    return listing(call, table.after, render)


def toggle_member(members: list[int] | set[int], item: int, add: bool) -> web.Response:
    """Assign or unassign ``item``; 409 when it already is (or is not) assigned."""
    if (item in members) == add:
        raise Problem(409, "already assigned" if add else "not assigned")
    if not add:
        members.remove(item)
    elif isinstance(members, list):
        members.append(item)
    else:
        members.add(item)
    return status_only(204)


def read_routes(
    routes: Routes,
    path: str,
    param: str,
    table: Callable[[SimpleMDMState], Table[int, V]],
    render: Callable[[V], Any],
) -> None:
    """Register ``GET <path>`` (a page) and ``GET <path>/{param}`` (one object) over a table."""

    def list_all(call: SCall) -> web.Response:
        return listing(call, table(call.state).after, render)

    def get_one(call: SCall) -> web.Response:
        return one(render(find(table(call.state), call, param)))

    routes.get(path)(list_all)
    routes.get(f"{path}/{{{param}}}")(get_one)
