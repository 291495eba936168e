"""Users (skip-token paging) and profiles (limit/offset paging).

``GET /users`` pages with an opaque ``skip-token``: ``paging.next`` is
``<origin>/api/v1/mdm/users?skip-token=<base64 of "users:<last user id>:<ms timestamp>">``
(in the state's ``next_links`` style).
Any page takes ``limit`` (default 50); the token carries no page size, so pages after the first
are 50 long unless ``limit`` is sent again. An unreadable token answers 400 COM0014.
``search`` matches the name or e-mail address (any case).
"""

from __future__ import annotations

import base64
import binascii
from urllib.parse import urlencode

from aiohttp import web

from mdmkit.testing._table import take_page
from mdmkit.testing.manageengine.common import (
    MDM,
    MCall,
    Routes,
    find,
    invalid,
    link,
    listing,
    page_limit,
    reply,
)
from mdmkit.testing.manageengine.records import User
from mdmkit.testing.manageengine.render import profile_json, user_json

__all__ = ["decode_skip_token", "encode_skip_token", "routes"]

routes = Routes(MDM)


def encode_skip_token(last_id: int, now: float) -> str:
    """The opaque cursor after user ``last_id``."""
    return base64.b64encode(f"users:{last_id}:{int(now * 1000)}".encode()).decode()


def decode_skip_token(token: str) -> int:
    """The last user id of a skip token (400 COM0014 when unreadable)."""
    try:
        kind, last, stamp = base64.b64decode(token, validate=True).decode().split(":")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise invalid("skip-token") from None
    if kind != "users" or not last.isdigit() or not stamp.isdigit():
        raise invalid("skip-token")
    return int(last)


@routes.get("/users")
def list_users(call: MCall) -> web.Response:
    state = call.state
    limit = page_limit(call)
    token = call.request.query.get("skip-token")
    cursor = decode_skip_token(token) if token is not None else None
    search = (call.arg("search") or "").strip().lower()

    def accept(user: User) -> bool:
        return not search or search in user.name.lower() or search in user.email.lower()

    total = sum(1 for u in state.users.values() if accept(u)) if search else len(state.users)
    page, more = take_page(state.users.after(cursor), limit, accept)
    out: dict[str, object] = {
        "users": [user_json(u) for u in page],
        "metadata": {"total_record_count": total},
    }
    if more:
        kept = [(k, v) for k, v in call.request.query.items() if k not in ("limit", "skip-token")]
        query = urlencode([*kept, ("skip-token", encode_skip_token(page[-1].id, call.now))])
        out["paging"] = {"next": link(call, query)}
    return reply(out)


@routes.get("/users/{user_id}")
def get_user(call: MCall) -> web.Response:
    return reply(user_json(find(call.state.users, call, "user_id", "User")))


@routes.get("/profiles")
def list_profiles(call: MCall) -> web.Response:
    state = call.state
    search = (call.arg("search") or "").strip().lower()
    items = (
        [p for p in state.profiles.values() if search in p.name.lower()]
        if search
        else state.profiles
    )
    return listing(call, "profiles", items, profile_json)
