"""HTTP control endpoints under ``/_fake``: faults, the request log and state, for any language.

Every fake server answers these beside the vendor API (whose paths never start with ``/_fake``).
They are not authenticated, never meet an injected fault and are not in the request log::

    GET    /_fake                       what this server is and the endpoints below
    GET    /_fake/requests              the request log (?method=POST&path=*/lock&since=N)
    DELETE /_fake/requests              forget it
    GET    /_fake/faults                the fault rules, with their hits
    POST   /_fake/faults                add a rule: {"fault": {"type": "RateLimited", ...}, ...}
    DELETE /_fake/faults                remove every rule
    GET    /_fake/state                 the state's tables (with their sizes) and settings
    PATCH  /_fake/state                 change settings: {"settings": {"upload_delay": 0}}
    GET    /_fake/state/{table}         records of a table (?offset=0&limit=100)
    GET    /_fake/state/{table}/{id}    one record
    GET    /_fake/snapshots             the saved snapshots' names
    POST   /_fake/snapshots             save the state: {"name": "before-wipe"}
    POST   /_fake/snapshots/{name}/restore   put a saved state back
    POST   /_fake/reset                 clear faults and log; rebuild the state where it can

Errors answer ``{"error": "..."}`` with 400 (a bad spec) or 404 (an unknown table, id or name).
A vendor adds endpoints of its own with ``FakeServer.control_extras()`` (FakeSimpleMDM: its
webhooks, under ``/_fake/webhooks``); the index lists them too.
"""

from __future__ import annotations

import base64
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any

import attrs
from aiohttp import web

from mdmkit.testing._table import Table
from mdmkit.testing.faults import rule_from_spec, rule_spec
from mdmkit.testing.requestlog import RecordedRequest, matches

if TYPE_CHECKING:
    from mdmkit.testing._server import FakeServer

__all__ = ["CONTROL_PREFIX", "ENDPOINTS", "control_routes", "record_json", "to_json"]

CONTROL_PREFIX = "/_fake"
ENDPOINTS = {
    "GET /_fake": "this index",
    "GET /_fake/requests": "the request log; query: method, path (a glob), since (an index)",
    "DELETE /_fake/requests": "forget the request log",
    "GET /_fake/faults": "the fault rules",
    "POST /_fake/faults": 'add a rule: {"fault": {"type": ...}, "route": ..., "times": ...} '
    'or {"faults": [...], "rate": ..., "seed": ...}',
    "DELETE /_fake/faults": "remove every fault rule",
    "GET /_fake/state": "the state's tables and settings",
    "PATCH /_fake/state": 'change settings: {"settings": {"name": value}}',
    "GET /_fake/state/{table}": "records of a table; query: offset, limit (default 100)",
    "GET /_fake/state/{table}/{id}": "one record",
    "GET /_fake/snapshots": "saved snapshot names",
    "POST /_fake/snapshots": 'save the state: {"name": ...}',
    "POST /_fake/snapshots/{name}/restore": "restore a saved state",
    "POST /_fake/reset": "clear faults and the request log; rebuild the state where possible",
}
_PAGE = 100
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class _Refused(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def to_json(value: Any) -> Any:
    """A record (attrs objects, tables, sets, bytes, enums...) as plain JSON-able data."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if attrs.has(type(value)):
        return {f.name: to_json(getattr(value, f.name)) for f in attrs.fields(type(value))}
    if isinstance(value, Mapping):
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, set | frozenset):
        items = [to_json(v) for v in value]
        return sorted(items, key=repr)
    if isinstance(value, list | tuple):
        return [to_json(v) for v in value]
    if isinstance(value, bytes):
        return {"base64": base64.b64encode(value).decode(), "size": len(value)}
    enum_value = getattr(value, "value", None)
    if enum_value is not None and isinstance(enum_value, str | int):
        return enum_value
    return repr(value)


def record_json(index: int, record: RecordedRequest) -> dict[str, Any]:
    """One request of the log as JSON; bodies as text unless they carried files."""
    data: dict[str, Any] = to_json(record)
    del data["body"]
    data["index"] = index
    data["body_size"] = len(record.body)
    data["body"] = None if record.files else record.body.decode("utf-8", errors="replace")
    return data


def _reply(payload: Any, status: int = 200) -> web.Response:
    return web.json_response(payload, status=status)


async def _json_body(request: web.Request) -> Any:
    raw = await request.read()
    if not raw.strip():
        return {}
    try:
        return await request.json()
    except ValueError:
        raise _Refused(400, "the body is not valid JSON") from None


def _integer(request: web.Request, name: str, default: int) -> int:
    text = request.query.get(name)
    if text is None:
        return default
    if not text.isdigit():
        raise _Refused(400, f"{name} must be a non-negative integer")
    return int(text)


def _tables(state: Any) -> dict[str, Table[Any, Any]]:
    return {k: v for k, v in vars(state).items() if isinstance(v, Table)}


def _settings(state: Any) -> dict[str, Any]:
    return {
        k: v
        for k, v in vars(state).items()
        if not k.startswith("_") and (v is None or isinstance(v, bool | int | float | str))
    }


def _same_kind(current: Any, value: Any) -> bool:
    """Whether ``value`` may replace the setting ``current`` (numbers for numbers, and so on)."""
    if isinstance(current, bool) or isinstance(value, bool):
        return isinstance(current, bool) and isinstance(value, bool)
    if isinstance(current, int | float):
        return isinstance(value, int | float)
    return current is None or value is None or type(value) is type(current)


def _table(state: Any, name: str) -> Table[Any, Any]:
    table = _tables(state).get(name)
    if table is None:
        raise _Refused(404, f"no table {name!r}; tables: {', '.join(_tables(state))}")
    return table


def _key(table: Table[Any, Any], text: str) -> Any:
    first = next(iter(table), None)
    if isinstance(first, int):
        if not text.isdigit():
            raise _Refused(404, f"no record {text!r}")
        return int(text)
    return text


def control_routes(server: FakeServer[Any]) -> list[web.RouteDef]:
    """The control endpoints of one server, as aiohttp routes."""

    def guarded(handler: Handler) -> Handler:
        async def run(request: web.Request) -> web.StreamResponse:
            try:
                return await handler(request)
            except _Refused as refused:
                return _reply({"error": str(refused)}, refused.status)
            except ValueError as exc:  # a bad fault spec, snapshot name...
                return _reply({"error": str(exc)}, 400)

        return run

    extra_endpoints, extra_routes = server.control_extras()

    async def index(request: web.Request) -> web.StreamResponse:
        endpoints = ENDPOINTS | extra_endpoints
        return _reply(
            {"server": type(server).__name__, "url": server.root_url, "endpoints": endpoints}
        )

    async def requests(request: web.Request) -> web.StreamResponse:
        since = _integer(request, "since", 0)
        method, path = request.query.get("method"), request.query.get("path")
        return _reply(
            [
                record_json(i, r)
                for i, r in enumerate(server.requests.all())
                if i >= since and matches(r, method, path)
            ]
        )

    async def forget_requests(request: web.Request) -> web.StreamResponse:
        server.requests.clear()
        return _reply({"cleared": True})

    async def faults(request: web.Request) -> web.StreamResponse:
        return _reply([rule_spec(rule) for rule in server.faults.rules])

    async def add_fault(request: web.Request) -> web.StreamResponse:
        rule = rule_from_spec(server.faults, await _json_body(request))
        return _reply(rule_spec(rule), 201)

    async def clear_faults(request: web.Request) -> web.StreamResponse:
        server.faults.clear()
        return _reply({"cleared": True})

    async def state(request: web.Request) -> web.StreamResponse:
        tables = {name: len(table) for name, table in _tables(server.state).items()}
        return _reply({"tables": tables, "settings": _settings(server.state)})

    async def change_settings(request: web.Request) -> web.StreamResponse:
        body = await _json_body(request)
        given = body.get("settings") if isinstance(body, dict) else None
        if not isinstance(given, dict):
            raise _Refused(400, 'give {"settings": {"name": value}}')
        current = _settings(server.state)
        for name, value in given.items():
            if name not in current:
                raise _Refused(400, f"no setting {name!r}; settings: {', '.join(current)}")
            if not _same_kind(current[name], value):
                raise _Refused(400, f"{name} must be like {current[name]!r}")
        for name, value in given.items():
            setattr(server.state, name, value)
        return _reply({"settings": _settings(server.state)})

    async def table(request: web.Request) -> web.StreamResponse:
        found = _table(server.state, request.match_info["table"])
        offset = _integer(request, "offset", 0)
        limit = max(1, min(_integer(request, "limit", _PAGE), 10_000))
        records = found.slice(offset, offset + limit)
        return _reply(
            {
                "total": len(found),
                "offset": offset,
                "records": [to_json(r) for r in records],
            }
        )

    async def record(request: web.Request) -> web.StreamResponse:
        found = _table(server.state, request.match_info["table"])
        key = _key(found, request.match_info["id"])
        if key not in found:
            raise _Refused(404, f"no record {request.match_info['id']!r}")
        return _reply(to_json(found[key]))

    async def snapshots(request: web.Request) -> web.StreamResponse:
        return _reply(sorted(server.snapshots))

    async def save(request: web.Request) -> web.StreamResponse:
        body = await _json_body(request)
        name = body.get("name") if isinstance(body, dict) else None
        if not isinstance(name, str) or not name:
            raise _Refused(400, 'give the snapshot a name: {"name": "..."}')
        server.snapshot(name)
        return _reply({"saved": name}, 201)

    async def restore(request: web.Request) -> web.StreamResponse:
        name = request.match_info["name"]
        if name not in server.snapshots:
            raise _Refused(404, f"no snapshot {name!r}; saved: {sorted(server.snapshots)}")
        server.restore(name)
        return _reply({"restored": name})

    async def reset(request: web.Request) -> web.StreamResponse:
        rebuilt = server.reset()
        return _reply({"faults": "cleared", "requests": "cleared", "state_rebuilt": rebuilt})

    p = CONTROL_PREFIX
    return [
        web.get(p, guarded(index)),
        web.get(f"{p}/requests", guarded(requests)),
        web.delete(f"{p}/requests", guarded(forget_requests)),
        web.get(f"{p}/faults", guarded(faults)),
        web.post(f"{p}/faults", guarded(add_fault)),
        web.delete(f"{p}/faults", guarded(clear_faults)),
        web.get(f"{p}/state", guarded(state)),
        web.patch(f"{p}/state", guarded(change_settings)),
        web.get(f"{p}/state/{{table}}", guarded(table)),
        web.get(f"{p}/state/{{table}}/{{id}}", guarded(record)),
        web.get(f"{p}/snapshots", guarded(snapshots)),
        web.post(f"{p}/snapshots", guarded(save)),
        web.post(f"{p}/snapshots/{{name}}/restore", guarded(restore)),
        web.post(f"{p}/reset", guarded(reset)),
        *(web.route(r.method, r.path, guarded(r.handler)) for r in extra_routes),
    ]
