"""``FakeManageEngine``: ManageEngine MDM (Cloud, or on-premises) as a stateful local server.

Written from ManageEngine's and Zoho's documentation and the research notes, never from
mdmkit's client::

    async with FakeManageEngine(devices=120, seed=1) as fake:
        fake.base_url, fake.accounts_url          # MDM root and Zoho accounts root (two ports)
        fake.client_id, fake.client_secret, fake.refresh_token
        fake.faults.add(ServerError(503), route="GET /api/v1/mdm/devices")
        fake.state.devices[device_id].lock_count

Cloud mode takes ``Authorization: Zoho-oauthtoken <access token>`` minted by the fake's
``FakeZohoAccounts`` (always running, sharing the clock) and checks each endpoint's
scope (see ``scopes.py``). On-premises mode takes ``Authorization: <api_key>`` and knows no
scopes. No answer carries an ``x-request-id``: ManageEngine is not known to send one.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from aiohttp import web

from mdmkit.testing._server import Clock, FakeServer, Problem, Route, SystemClock, json_response
from mdmkit.testing.fleetgen import ENROLLED, MIXED, generate_device, generate_fleet
from mdmkit.testing.manageengine import actions, apps, devices, files, groups, users
from mdmkit.testing.manageengine.accounts import FakeZohoAccounts, TokenFormat
from mdmkit.testing.manageengine.build import SHARED_USER, build_state, new_device
from mdmkit.testing.manageengine.common import (
    EMSAPI,
    ME_JSON,
    emsapi_error_body,
    error_body,
)
from mdmkit.testing.manageengine.records import Device, User
from mdmkit.testing.manageengine.scopes import grants, parse_scopes, required_scopes
from mdmkit.testing.manageengine.state import (
    DEVICE_BASE,
    USER_BASE,
    ManageEngineState,
    NextLinks,
)

if TYPE_CHECKING:  # annotations only: the fake never runs client code
    from mdmkit.manageengine import ManageEngine, ManageEngineClient

__all__ = ["FakeManageEngine"]

_SECTIONS = (
    devices.routes,
    actions.routes,
    apps.routes,
    files.routes,
    files.emsapi,
    groups.routes,
    users.routes,
)
OAUTH_PREFIX = "Zoho-oauthtoken "
UNKNOWN_OBJECT = "COM0008"
INVALID_TOKEN = "Invalid OAuth token"


class FakeManageEngine(FakeServer[ManageEngineState]):
    """A fake ManageEngine MDM tenant with ``devices`` generated iOS, Android and Windows devices.

    ``scopes`` are those of the ready-made refresh token (default: the three ``.ALL``
    scopes); ``token_lifetime``, ``mint_limit``, ``mint_window`` and ``token_format``
    ("legacy": ``expires_in_sec`` plus ``expires_in`` in milliseconds) configure the Zoho fake;
    ``upload_delay`` is how long (clock seconds) an ``/emsapi/files`` upload stays pending
    (default 0: ready at once; set it to test a client's polling).
    ``next_links`` (``"absolute"``, ``"relative"`` or ``"proxy"`` on ``proxy_origin``) and
    ``numeric_error_codes`` shape paging links and unknown-id errors as the real server may
    (see ``ManageEngineState``).
    ``clock`` is anything with ``time()`` (a FakeClock in tests), shared by both servers.
    """

    content_type = ME_JSON
    request_id_header = None

    def __init__(
        self,
        devices: int = 250,
        *,
        seed: int = 0,
        clock: Clock | None = None,
        on_premises: bool = False,
        scopes: str | Iterable[str] | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        accounts_port: int = 0,
        token_lifetime: float = 3600.0,
        mint_limit: int = 10,
        mint_window: float = 600.0,
        upload_delay: float = 0.0,
        api_key: str | None = None,
        token_format: TokenFormat = "current",
        next_links: NextLinks = "absolute",
        proxy_origin: str | None = None,
        numeric_error_codes: bool = False,
    ) -> None:
        clock = clock if clock is not None else SystemClock()
        fleet = generate_fleet(
            devices, seed=seed, platforms=MIXED, now=clock.time(), start_id=DEVICE_BASE + 1
        )
        super().__init__(
            build_state(fleet, upload_delay=upload_delay),
            error_body=error_body,
            host=host,
            port=port,
            clock=clock,
        )
        self.on_premises = on_premises
        self.state.next_links = next_links
        if proxy_origin is not None:
            self.state.proxy_origin = proxy_origin.rstrip("/")
        self.state.numeric_error_codes = numeric_error_codes
        self.api_key: str = api_key if api_key is not None else secrets.token_hex(16).upper()
        self.accounts: FakeZohoAccounts = FakeZohoAccounts(
            clock=clock,
            host=host,
            port=accounts_port,
            token_lifetime=token_lifetime,
            mint_limit=mint_limit,
            mint_window=mint_window,
            token_format=token_format,
        )
        self.refresh_token: str = self.accounts.new_refresh_token(parse_scopes(scopes))

    # -- addresses and credentials ------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """The MDM server root, ``http://127.0.0.1:<port>`` (append ``/api/v1/mdm/...``)."""
        return self.root_url

    @property
    def url(self) -> str:
        """The same as ``base_url``."""
        return self.root_url

    @property
    def accounts_url(self) -> str:
        """The Zoho accounts root on its own port (append ``/oauth/v2/token``)."""
        return self.accounts.url

    @property
    def client_id(self) -> str:
        return self.accounts.client_id

    @property
    def client_secret(self) -> str:
        return self.accounts.client_secret

    def client(self, **options: Any) -> ManageEngineClient:
        """A new ``ManageEngineClient`` on this fake (Zoho self client or on-premises key, both
        URLs, and the clock when it is a FakeClock); ``async with fake.client() as me:``."""
        from mdmkit.testing.wiring import manageengine_client  # the fake imports no client code

        return manageengine_client(self, **options)

    def mdm(self, **options: Any) -> ManageEngine:
        """A new neutral ``ManageEngine`` on this fake, wired like ``client()``, with
        ``upload_defaults={"app_category_id": 1}`` unless given."""
        from mdmkit.testing.wiring import manageengine_mdm

        return manageengine_mdm(self, **options)

    # -- lifecycle ----------------------------------------------------------------------------

    async def start(self) -> None:
        """Start the Zoho accounts server, then the MDM server."""
        await self.accounts.start()
        try:
            await super().start()
        except BaseException:
            await self.accounts.close()
            raise

    async def close(self) -> None:
        try:
            await super().close()
        finally:
            await self.accounts.close()

    # -- the FakeServer hooks -----------------------------------------------------------------

    def routes(self) -> Iterable[Route[ManageEngineState]]:
        for section in _SECTIONS:
            yield from section.routes

    def _bearer(self, request: web.Request) -> str | None:
        header = request.headers.get("Authorization", "")
        if header[: len(OAUTH_PREFIX)].lower() != OAUTH_PREFIX.lower():
            return None
        return header[len(OAUTH_PREFIX) :].strip()

    def authenticate(self, request: web.Request) -> bool:
        if self.on_premises:
            given = request.headers.get("Authorization", "")
            return secrets.compare_digest(given.encode(), self.api_key.encode())
        token = self._bearer(request)
        return token is not None and self.accounts.validate(token) is not None

    def authorize(self, route: Route[ManageEngineState], request: web.Request) -> None:
        """403 COM0013 naming the scope when the token lacks the endpoint's.

        The token is the one authenticated when the request arrived: one that expired since
        (during an injected latency, say) keeps its scopes, as a server checks a token once.
        """
        if self.on_premises:
            return
        token = self.accounts.state.access_tokens.get(self._bearer(request) or "")
        needed = required_scopes(route.method, route.path)
        if token is None or not any(grants(token.scopes, scope) for scope in needed):
            raise Problem(403, f"Insufficient scope: {needed[0]} is required", code="COM0013")

    def unauthorized_message(self) -> str:
        """The same words in both modes (on-premises keys answer like OAuth tokens)."""
        return INVALID_TOKEN

    def invalid_argument(self, name: str, message: str) -> Problem:
        return Problem(400, message, code="COM0014")

    def unrouted(self, exc: web.HTTPException) -> Problem:
        if exc.status == 405:
            return Problem(405, "Method not allowed", code="COM0001")
        return Problem(exc.status, "Invalid URL", code="COM0001")

    def problem(
        self,
        status: int,
        message: str,
        headers: Mapping[str, str] | None = None,
        *,
        code: str | None = None,
        request: web.Request | None = None,
    ) -> web.Response:
        """With ``numeric_error_codes``, an unknown id answers as the documented example."""
        if self.state.numeric_error_codes and code == UNKNOWN_OBJECT:
            body = {"error_code": 1002, "error_description": "Unknown ID"}
            body["localized_error_description"] = "Unknown ID"
            return json_response(body, 400, headers, content_type=self.content_type)
        return super().problem(status, message, headers, code=code, request=request)

    def error_payload(
        self, status: int, message: str, code: str | None, request: web.Request | None
    ) -> Any:
        if request is not None and request.path.startswith(EMSAPI + "/"):
            return emsapi_error_body(status, message)
        return error_body(status, message, code)

    # -- test setup helpers -------------------------------------------------------------------

    def add_device(
        self,
        name: str | None = None,
        *,
        platform: str = "ios",
        status: str = ENROLLED,
        user_id: int | None = None,
        group_ids: Iterable[int] = (),
    ) -> Device:
        """Add a generated device of ``platform`` (ios, ipados, macos, tvos, android, windows)
        with ``status`` enrolled, awaiting_enrollment or unenrolled, for ``user_id`` (default:
        the shared user) and in ``group_ids``."""
        state = self.state
        device_id = state.devices.next_id(DEVICE_BASE + 1)
        now = self.clock.time()
        gen = generate_device(state.fleet, device_id, platform, status=status, now=now)
        device = new_device(gen, user_id if user_id is not None else self._shared_user().id, now)
        device.name = name or gen.name
        state.devices.add(device_id, device)
        for gid in group_ids:
            state.groups[gid].member_ids.add(device_id)
        return device

    def _shared_user(self) -> User:
        name, email = SHARED_USER
        for user in self.state.users.values():
            if user.email == email:
                return user
        user = User(self.state.users.next_id(USER_BASE + 1), name, email)
        return self.state.users.add(user.id, user)
