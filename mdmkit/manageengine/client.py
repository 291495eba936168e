"""``ManageEngineClient``: the native ManageEngine MDM API, Cloud (Zoho OAuth) or on-premises.

Cloud: ``ManageEngineClient(client_id, client_secret, refresh_token, data_center="eu")``.
On-premises MDM Plus: ``ManageEngineClient.on_premises("https://mdm.corp:8383", api_key)``.
``client.request()`` reaches endpoints the SDK lacks with the same auth, limits and retries.
"""

from __future__ import annotations

import os
import time
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, Self, Unpack, cast

import aiohttp
import anyio

from mdmkit.core.errors import ConfigurationError
from mdmkit.core.models import Vendor
from mdmkit.http.body import DEFAULT_MAX_RESPONSE_SIZE
from mdmkit.http.client import NativeClient
from mdmkit.http.convert import one_a_process
from mdmkit.http.hooks import RequestHooks
from mdmkit.http.options import EngineOptions
from mdmkit.http.ratelimit import Limiter
from mdmkit.http.retry import RetryPolicy
from mdmkit.http.transport import Auth, Timeout, Transport
from mdmkit.manageengine.auth import ApiKeyAuth, DataCenter, TokenStore, ZohoOAuth
from mdmkit.manageengine.envelope import parse_error
from mdmkit.manageengine.models import make_converter
from mdmkit.manageengine.paging import NextLinks
from mdmkit.manageengine.resources.apps import Apps
from mdmkit.manageengine.resources.devices import Devices
from mdmkit.manageengine.resources.files import Files, UploadStrategy
from mdmkit.manageengine.resources.groups import Groups
from mdmkit.manageengine.resources.labels import Labels
from mdmkit.manageengine.resources.profiles import Profiles
from mdmkit.manageengine.resources.users import Users

__all__ = ["ManageEngineClient", "ManageEngineOptions", "OnPremisesOptions"]


shared_converter = one_a_process(make_converter)
"""The converter every client of this vendor shares."""


DEFAULT_MAX_CONCURRENCY = 4
ENV_PREFIX = "MANAGEENGINE_"


class OnPremisesOptions(EngineOptions, total=False):
    """The keyword arguments of ``ManageEngineClient.on_premises`` besides the URL and key."""

    upload_strategy: UploadStrategy
    server_aliases: Iterable[str]


class ManageEngineOptions(OnPremisesOptions, total=False):
    """The keyword arguments of ``ManageEngineClient`` (Cloud) besides the three credentials."""

    data_center: str
    base_url: str | None
    accounts_url: str | None
    token_store: TokenStore | None


CLOUD_ONLY = frozenset(ManageEngineOptions.__annotations__) - frozenset(
    OnPremisesOptions.__annotations__
)


class ManageEngineClient(NativeClient):
    """The native ManageEngine MDM client; use it as ``async with``.

    ``base_url`` is the server root (the client appends ``/api/v1/mdm/...`` and
    ``/emsapi/...``); ``accounts_url`` the Zoho accounts root. Both default to the
    ``data_center``'s hosts. ``server_aliases`` are origins the server may call itself
    behind a proxy (``"http://mdm-internal:9020"``): ``paging.next`` links on them are
    fetched from ``base_url``; links to any other origin raise PaginationError. ``name``
    (default ``"manageengine"``) is what log lines and hook events call it; ``hooks`` run
    around every request.
    """

    auth: Auth
    files: Files
    apps: Apps
    labels: Labels
    devices: Devices
    groups: Groups
    users: Users
    profiles: Profiles
    _upload_strategy: UploadStrategy
    _links: NextLinks

    def __init__(
        self,
        client_id: str,
        client_secret: str,
        refresh_token: str,
        *,
        data_center: str = "us",
        base_url: str | None = None,
        accounts_url: str | None = None,
        token_store: TokenStore | None = None,
        upload_strategy: UploadStrategy = "emsapi",
        server_aliases: Iterable[str] = (),
        max_concurrency: int = DEFAULT_MAX_CONCURRENCY,
        requests_per_second: float | None = None,
        rate_limiter: Limiter | None = None,
        retry: RetryPolicy | None = None,
        timeout: Timeout | None = None,
        max_response_size: int = DEFAULT_MAX_RESPONSE_SIZE,
        session: aiohttp.ClientSession | None = None,
        allow_insecure: bool = False,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], Awaitable[None]] = anyio.sleep,
        hooks: RequestHooks | None = None,
        name: str | None = None,
    ) -> None:
        center = DataCenter.get(data_center)
        oauth = ZohoOAuth(
            client_id,
            client_secret,
            refresh_token,
            accounts_url=accounts_url or center.accounts_url,
            token_store=token_store,
            clock=clock,
            allow_insecure=allow_insecure,
        )
        self._setup(
            base_url or center.mdm_url,
            oauth,
            upload_strategy=upload_strategy,
            server_aliases=server_aliases,
            max_concurrency=max_concurrency,
            requests_per_second=requests_per_second,
            rate_limiter=rate_limiter,
            retry=retry,
            timeout=timeout,
            max_response_size=max_response_size,
            session=session,
            allow_insecure=allow_insecure,
            clock=clock,
            sleep=sleep,
            hooks=hooks,
            name=name,
        )

    @classmethod
    def on_premises(
        cls,
        server_url: str,
        api_key: str,
        *,
        name: str | None = None,
        **options: Unpack[OnPremisesOptions],
    ) -> Self:
        """A client for an on-premises MDM Plus server, authenticated by an API key."""
        cloud = sorted(CLOUD_ONLY & set(options))
        if cloud:
            raise ConfigurationError(
                f"{', '.join(cloud)}: Cloud settings; an on-premises server takes none (with "
                "from_env, MANAGEENGINE_API_KEY selects on-premises)"
            )
        client = cls.__new__(cls)
        client._setup(server_url, ApiKeyAuth(api_key), name=name, **options)
        return client

    def _setup(
        self,
        base_url: str,
        auth: Auth,
        *,
        upload_strategy: UploadStrategy = "emsapi",
        server_aliases: Iterable[str] = (),
        name: str | None = None,
        **options: Any,
    ) -> None:
        """Make the transport and wire the sections; ``options`` are the Transport knobs."""
        self.auth = auth
        self._upload_strategy = upload_strategy
        self._converter = shared_converter()
        options.setdefault("max_concurrency", DEFAULT_MAX_CONCURRENCY)
        transport = Transport(
            base_url,
            auth=auth,
            error_parser=parse_error,
            default_headers={"Accept": "application/json"},
            name=name or Vendor.MANAGEENGINE.value,
            **options,
        )
        self._links = NextLinks.of(transport.base_url, server_aliases)
        self._bind(transport)

    def _bind(self, transport: Transport) -> None:
        self.transport = transport
        args = (transport, self._converter, self._links)
        self.files = Files(*args, strategy=self._upload_strategy)
        self.apps = Apps(*args, files=self.files)
        self.labels = Labels(*args)
        self.devices = Devices(*args)
        self.groups = Groups(*args)
        self.users = Users(*args)
        self.profiles = Profiles(*args)

    @classmethod
    def from_env(cls, *, name: str | None = None, **options: Unpack[ManageEngineOptions]) -> Self:
        """A client from ``MANAGEENGINE_*`` variables.

        On-premises when ``MANAGEENGINE_API_KEY`` and ``MANAGEENGINE_SERVER_URL`` are set;
        otherwise Cloud from ``MANAGEENGINE_CLIENT_ID``, ``_CLIENT_SECRET``, ``_REFRESH_TOKEN``
        and optionally ``_DATA_CENTER``, ``_BASE_URL``, ``_ACCOUNTS_URL``.
        """
        env = {
            k.removeprefix(ENV_PREFIX): v
            for k, v in os.environ.items()
            if k.startswith(ENV_PREFIX) and v
        }
        if "API_KEY" in env:
            if "SERVER_URL" not in env:
                raise ConfigurationError("MANAGEENGINE_API_KEY needs MANAGEENGINE_SERVER_URL")
            on_premises = cast(OnPremisesOptions, options)  # Cloud settings are refused there
            return cls.on_premises(env["SERVER_URL"], env["API_KEY"], name=name, **on_premises)
        missing = [
            ENV_PREFIX + name
            for name in ("CLIENT_ID", "CLIENT_SECRET", "REFRESH_TOKEN")
            if name not in env
        ]
        if missing:
            raise ConfigurationError(f"not set: {', '.join(missing)}")
        if "DATA_CENTER" in env:
            options.setdefault("data_center", env["DATA_CENTER"])
        if "BASE_URL" in env:
            options.setdefault("base_url", env["BASE_URL"])
        if "ACCOUNTS_URL" in env:
            options.setdefault("accounts_url", env["ACCOUNTS_URL"])
        return cls(
            env["CLIENT_ID"], env["CLIENT_SECRET"], env["REFRESH_TOKEN"], name=name, **options
        )

    async def revoke(self) -> None:
        """Revoke the Zoho refresh token; the client cannot mint tokens afterwards."""
        if not isinstance(self.auth, ZohoOAuth):
            raise ConfigurationError(
                "revoke() is for Zoho OAuth; an on-premises key is revoked in the console"
            )
        await self.auth.revoke(self.transport)
