"""``FakeZohoAccounts``: the Zoho accounts token endpoint a ManageEngine Cloud client talks to.

Its own aiohttp server (another port than the MDM server), sharing the MDM fake's clock::

    POST /oauth/v2/token          grant_type=refresh_token | authorization_code
    POST /oauth/v2/token/revoke   token=<refresh or access token>

Parameters come in an ``application/x-www-form-urlencoded`` body or the query string. As
Zoho does, token errors answer **HTTP 200** with an ``error`` key:

- ``invalid_client``: wrong client id or secret (checked first);
- ``invalid_code``: unknown or revoked refresh token, or an unknown, used or expired code;
- ``Access Denied`` (with ``error_description`` and ``"status": "failure"``): more than
  ``mint_limit`` successful mints within ``mint_window`` seconds for one refresh token;
- ``unsupported_grant_type``: any other (or no) grant type.

``token_format="legacy"`` answers in Zoho's older format, still quoted by Zoho clients:
``expires_in_sec`` in seconds beside ``expires_in`` in **milliseconds**. Injected faults
(``faults``: 503, 500, 429 with Retry-After, dropped connections) hit the token endpoint as
they hit any fake (``route="POST /oauth/v2/token"``).

A code exchange creates a refresh token carrying the code's scopes, and that exchange counts
as the new refresh token's first mint. A refresh token keeps at most ``max_active_tokens``
(10) access tokens: minting one more silently invalidates the oldest. Revoking a refresh
token ends it and all its access tokens; revoking an access token ends that token only; an
unknown token answers 400 ``{"error": "invalid_token"}``. A GET answers 405.
"""

from __future__ import annotations

import secrets
import string
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, Literal, overload

import attrs
from aiohttp import web

from mdmkit.testing._server import Call, Clock, FakeServer, Route, RouteTable, json_response
from mdmkit.testing.manageengine.scopes import parse_scopes

__all__ = [
    "ACCESS_DENIED",
    "TOKEN_PATH",
    "AccessToken",
    "FakeZohoAccounts",
    "GrantCode",
    "Mint",
    "Mints",
    "RefreshToken",
    "TokenFormat",
    "ZohoState",
]

TOKEN_PATH = "/oauth/v2/token"
API_DOMAIN = "https://www.zohoapis.com"
ZOHO_JSON = "application/json;charset=UTF-8"
TokenFormat = Literal["current", "legacy"]
ACCESS_DENIED = {
    "error": "Access Denied",
    "error_description": (
        "You have made too many requests continuously. Please try again after some time."
    ),
    "status": "failure",
}
"""Zoho's answer (HTTP 200) to too many token mints, word for word."""


def _token() -> str:
    return f"1000.{secrets.token_hex(16)}.{secrets.token_hex(16)}"


@attrs.define(eq=False)
class RefreshToken:
    """A refresh token: its scopes, its mints (epoch seconds) and its live access tokens."""

    token: str = attrs.field(repr=False)
    client_id: str
    scopes: frozenset[str]
    created_at: float
    revoked: bool = False
    mint_times: list[float] = attrs.Factory(list)
    access_tokens: list[AccessToken] = attrs.field(factory=list, repr=False)


@attrs.define(eq=False)
class AccessToken:
    """An access token; ``revoked`` also when an 11th mint pushed it out."""

    token: str = attrs.field(repr=False)
    refresh: RefreshToken = attrs.field(repr=False)
    minted_at: float
    expires_at: float
    revoked: bool = False

    @property
    def scopes(self) -> frozenset[str]:
        return self.refresh.scopes

    def active(self, now: float) -> bool:
        """Neither revoked (itself or its refresh token) nor expired at ``now``."""
        return not self.revoked and not self.refresh.revoked and now < self.expires_at


@attrs.define(eq=False)
class GrantCode:
    """A self-client grant code: single use, short-lived."""

    code: str = attrs.field(repr=False)
    scopes: frozenset[str]
    expires_at: float
    used: bool = False


@attrs.frozen
class Mint:
    """One successful token request."""

    at: float
    grant_type: str
    scopes: frozenset[str]
    access_token: str = attrs.field(repr=False)


class Mints(Sequence[Mint]):
    """The successful mints, oldest first; compares with an int as its count.

    ``len(fake.accounts.mints) == 1`` and ``fake.accounts.mints == 1`` both hold after one mint.
    """

    def __init__(self) -> None:
        self._items: list[Mint] = []

    def append(self, mint: Mint) -> None:
        self._items.append(mint)

    @overload
    def __getitem__(self, index: int) -> Mint: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[Mint]: ...

    def __getitem__(self, index: int | slice) -> Mint | Sequence[Mint]:
        return self._items[index]

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[Mint]:
        return iter(list(self._items))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, int):
            return len(self._items) == other
        if isinstance(other, Mints):
            return self._items == other._items
        if isinstance(other, Sequence):
            return self._items == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __int__(self) -> int:
        return len(self._items)

    def __repr__(self) -> str:
        return f"Mints({len(self._items)})"


class ZohoState:
    """The accounts server's store: one self client, its refresh tokens, codes and mints."""

    def __init__(
        self,
        client_id: str,
        client_secret: str,
        *,
        token_lifetime: float = 3600.0,
        mint_limit: int = 10,
        mint_window: float = 600.0,
        max_active_tokens: int = 10,
        code_lifetime: float = 180.0,
        token_format: TokenFormat = "current",
    ) -> None:
        self.client_id = client_id
        self.token_format: TokenFormat = token_format
        self.client_secret = client_secret
        self.token_lifetime = token_lifetime
        self.mint_limit = mint_limit
        self.mint_window = mint_window
        self.max_active_tokens = max_active_tokens
        self.code_lifetime = code_lifetime
        self.refresh_tokens: dict[str, RefreshToken] = {}
        self.access_tokens: dict[str, AccessToken] = {}
        self.codes: dict[str, GrantCode] = {}
        self.mints: Mints = Mints()
        self.denied: int = 0  # "Access Denied" answers

    def new_refresh_token(self, scopes: frozenset[str], now: float) -> RefreshToken:
        refresh = RefreshToken(_token(), self.client_id, scopes, now)
        self.refresh_tokens[refresh.token] = refresh
        return refresh

    def issue_code(self, scopes: frozenset[str], now: float) -> GrantCode:
        code = GrantCode(_token(), scopes, now + self.code_lifetime)
        self.codes[code.code] = code
        return code

    def mint(self, refresh: RefreshToken, now: float, grant_type: str) -> AccessToken | None:
        """A new access token, or None when the refresh token used up its mints."""
        recent = [t for t in refresh.mint_times if t > now - self.mint_window]
        if len(recent) >= self.mint_limit:
            self.denied += 1
            return None
        refresh.mint_times = [*recent, now]
        access = AccessToken(_token(), refresh, now, now + self.token_lifetime)
        live = [t for t in refresh.access_tokens if t.active(now)]
        while len(live) >= self.max_active_tokens:
            live.pop(0).revoked = True
        refresh.access_tokens = [*live, access]
        self.access_tokens[access.token] = access
        self.mints.append(Mint(now, grant_type, refresh.scopes, access.token))
        return access

    def lookup(self, token: str, now: float) -> AccessToken | None:
        """The access token if it is active now."""
        access = self.access_tokens.get(token)
        return access if access is not None and access.active(now) else None

    def revoke(self, token: str) -> bool:
        """Revoke a refresh token (and its access tokens) or one access token."""
        refresh = self.refresh_tokens.get(token)
        if refresh is not None:
            refresh.revoked = True
            for minted in refresh.access_tokens:
                minted.revoked = True
            return True
        access = self.access_tokens.get(token)
        if access is not None:
            access.revoked = True
        return access is not None

    def expire(self, now: float) -> None:
        """Every access token expires now."""
        for access in self.access_tokens.values():
            access.expires_at = min(access.expires_at, now)


ZCall = Call[ZohoState]
routes = RouteTable[ZohoState]()


def _reply(payload: Any, status: int = 200) -> web.Response:
    return json_response(payload, status, content_type=ZOHO_JSON)


def _token_json(state: ZohoState, access: AccessToken, refresh: str | None = None) -> Any:
    body: dict[str, Any] = {"access_token": access.token}
    if refresh is not None:
        body["refresh_token"] = refresh
    lifetime = int(state.token_lifetime)
    if state.token_format == "legacy":  # seconds in expires_in_sec, milliseconds in expires_in
        body["expires_in_sec"] = lifetime
    body |= {"api_domain": API_DOMAIN, "token_type": "Bearer"}
    body["expires_in"] = lifetime * 1000 if state.token_format == "legacy" else lifetime
    return body


def _same(given: str | None, expected: str) -> bool:
    return given is not None and secrets.compare_digest(given.encode(), expected.encode())


@routes.post(TOKEN_PATH)
def token(call: ZCall) -> web.Response:
    state = call.state
    grant = call.arg("grant_type")
    if grant not in ("refresh_token", "authorization_code"):
        return _reply({"error": "unsupported_grant_type"})
    if not (
        _same(call.arg("client_id"), state.client_id)
        and _same(call.arg("client_secret"), state.client_secret)
    ):
        return _reply({"error": "invalid_client"})
    if grant == "refresh_token":
        refresh = state.refresh_tokens.get(call.arg("refresh_token") or "")
        if refresh is None or refresh.revoked:
            return _reply({"error": "invalid_code"})
        access = state.mint(refresh, call.now, grant)
        if access is None:
            return _reply(ACCESS_DENIED)
        return _reply(_token_json(state, access))
    code = state.codes.get(call.arg("code") or "")
    if code is None or code.used or call.now >= code.expires_at:
        return _reply({"error": "invalid_code"})
    code.used = True
    new = state.new_refresh_token(code.scopes, call.now)
    first = state.mint(new, call.now, grant)
    assert first is not None  # a fresh refresh token has no mints yet
    return _reply(_token_json(state, first, new.token))


@routes.post(TOKEN_PATH + "/revoke")
def revoke(call: ZCall) -> web.Response:
    if not call.state.revoke(call.arg("token") or ""):
        return _reply({"error": "invalid_token"}, 400)
    return _reply({"status": "success"})


def error_body(status: int, message: str) -> Any:
    """Zoho's error shape: ``{"error": "<code>"}``."""
    return {"error": message}


def _client_id() -> str:
    alphabet = string.ascii_uppercase + string.digits
    return "1000." + "".join(secrets.choice(alphabet) for _ in range(30))


class FakeZohoAccounts(FakeServer[ZohoState]):
    """A fake Zoho accounts server with one self client (``client_id``, ``client_secret``).

    ``url`` is the accounts root (a client appends ``/oauth/v2/token``); ``mints`` the
    successful token requests; ``faults`` and ``requests`` as on every fake.
    """

    content_type = ZOHO_JSON
    request_id_header = None

    def __init__(
        self,
        *,
        clock: Clock | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        client_id: str | None = None,
        client_secret: str | None = None,
        token_lifetime: float = 3600.0,
        mint_limit: int = 10,
        mint_window: float = 600.0,
        max_active_tokens: int = 10,
        code_lifetime: float = 180.0,
        token_format: TokenFormat = "current",
    ) -> None:
        state = ZohoState(
            client_id if client_id is not None else _client_id(),
            client_secret if client_secret is not None else secrets.token_hex(21),
            token_lifetime=token_lifetime,
            mint_limit=mint_limit,
            mint_window=mint_window,
            max_active_tokens=max_active_tokens,
            code_lifetime=code_lifetime,
            token_format=token_format,
        )
        super().__init__(state, error_body=error_body, host=host, port=port, clock=clock)

    @property
    def url(self) -> str:
        """The accounts root, ``http://127.0.0.1:<port>``."""
        return self.root_url

    @property
    def client_id(self) -> str:
        return self.state.client_id

    @property
    def client_secret(self) -> str:
        return self.state.client_secret

    @property
    def mints(self) -> Mints:
        """Every successful mint (refresh or code exchange), oldest first."""
        return self.state.mints

    def authenticate(self, request: web.Request) -> bool:
        """The token endpoint checks credentials itself and answers in its own words."""
        return True

    def routes(self) -> Iterable[Route[ZohoState]]:
        return routes.routes

    def issue_code(self, scopes: str | Iterable[str] | None = None) -> str:
        """A self-client grant code for ``scopes`` (default: the three ``.ALL`` scopes)."""
        return self.state.issue_code(parse_scopes(scopes), self.clock.time()).code

    def new_refresh_token(self, scopes: str | Iterable[str] | None = None) -> str:
        """A refresh token for ``scopes``, as if a code had been exchanged in the console."""
        return self.state.new_refresh_token(parse_scopes(scopes), self.clock.time()).token

    def expire_tokens(self) -> None:
        """Expire every access token now (clients must mint again)."""
        self.state.expire(self.clock.time())

    def revoke(self, token: str) -> bool:
        """Revoke a refresh or access token, as the revoke endpoint does."""
        return self.state.revoke(token)

    def validate(self, token: str) -> AccessToken | None:
        """The active access token with this value, or None."""
        return self.state.lookup(token, self.clock.time())
