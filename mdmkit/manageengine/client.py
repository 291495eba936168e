"""``ManageEngineClient``: the native ManageEngine MDM API, Cloud (Zoho OAuth) or on-premises.

Cloud: ``ManageEngineClient(client_id, client_secret, refresh_token, data_center="eu")``.
On-premises MDM Plus: ``ManageEngineClient.on_premises("https://mdm.corp:8383", api_key)``.
``client.request()`` reaches endpoints the SDK lacks with the same auth, limits and retries.
"""

from __future__ import annotations

import os
import time
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, Self

import aiohttp
import anyio

from mdmkit.core.errors import ConfigurationError
from mdmkit.http.body import DEFAULT_MAX_RESPONSE_SIZE
from mdmkit.http.client import NativeClient
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

__all__ = ["ManageEngineClient"]

DEFAULT_MAX_CONCURRENCY = 4
ENV_PREFIX = "MANAGEENGINE_"


class ManageEngineClient(NativeClient):
    """The native ManageEngine MDM client; use it as ``async with``.

    ``base_url`` is the server root (the client appends ``/api/v1/mdm/...`` and
    ``/emsapi/...``); ``accounts_url`` the Zoho accounts root. Both default to the
    ``data_center``'s hosts. ``server_aliases`` are origins the server may call itself
    behind a proxy (``"http://mdm-internal:9020"``): ``paging.next`` links on them are
    fetched from ``base_url``; links to any other origin raise PaginationError.
    """

    auth: Auth

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
        )

    @classmethod
    def on_premises(cls, server_url: str, api_key: str, **options: Any) -> Self:
        """A client for an on-premises MDM Plus server, authenticated by an API key."""
        client = cls.__new__(cls)
        client._setup(server_url, ApiKeyAuth(api_key), **options)
        return client

    def _setup(
        self,
        base_url: str,
        auth: Auth,
        *,
        upload_strategy: UploadStrategy = "emsapi",
        server_aliases: Iterable[str] = (),
        **options: Any,
    ) -> None:
        """Wire the transport and sections; ``options`` are the Transport knobs (retry...)."""
        self.auth = auth
        options.setdefault("max_concurrency", DEFAULT_MAX_CONCURRENCY)
        self.transport = Transport(
            base_url,
            auth=auth,
            error_parser=parse_error,
            default_headers={"Accept": "application/json"},
            **options,
        )
        links = NextLinks.of(self.transport.base_url, server_aliases)
        args = (self.transport, make_converter(), links)
        self.files = Files(*args, strategy=upload_strategy)
        self.apps = Apps(*args, files=self.files)
        self.labels = Labels(*args)
        self.devices = Devices(*args)
        self.groups = Groups(*args)
        self.users = Users(*args)
        self.profiles = Profiles(*args)

    @classmethod
    def from_env(cls, **options: Any) -> Self:
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
            return cls.on_premises(env["SERVER_URL"], env["API_KEY"], **options)
        missing = [
            ENV_PREFIX + name
            for name in ("CLIENT_ID", "CLIENT_SECRET", "REFRESH_TOKEN")
            if name not in env
        ]
        if missing:
            raise ConfigurationError(f"not set: {', '.join(missing)}")
        for name, option in (
            ("DATA_CENTER", "data_center"),
            ("BASE_URL", "base_url"),
            ("ACCOUNTS_URL", "accounts_url"),
        ):
            if name in env:
                options.setdefault(option, env[name])
        return cls(env["CLIENT_ID"], env["CLIENT_SECRET"], env["REFRESH_TOKEN"], **options)

    async def revoke(self) -> None:
        """Revoke the Zoho refresh token; the client cannot mint tokens afterwards."""
        if not isinstance(self.auth, ZohoOAuth):
            raise ConfigurationError(
                "revoke() is for Zoho OAuth; an on-premises key is revoked in the console"
            )
        await self.auth.revoke(self.transport)
