"""From settings to live backends: resolve secrets, build each ``MDM``, check it authenticates.

Built with the public constructors (``SimpleMDM``, ``ManageEngine``, ``ManageEngine.on_premises``,
``from_env()`` for the environment), so the command behaves as a program using mdmkit would.
ManageEngine Cloud tokens are cached in a file (mode 0600) by default, because Zoho allows
about ten token mints per ten minutes and every command run would otherwise mint one. With
``[redis]`` (or ``MDMKIT_REDIS_URL``) they live in Redis instead, shared with every other
process, and SimpleMDM backends share their account's request budget there.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, cast

from mdmkit.cli.exits import ConfigError
from mdmkit.cli.secrets import SecretRef, resolve
from mdmkit.cli.settings import BackendSettings, RedisSettings

if TYPE_CHECKING:
    from redis.asyncio import Redis

    from mdmkit.core.fleet import Fleet
    from mdmkit.core.interface import MDM
    from mdmkit.manageengine import ManageEngineClient
    from mdmkit.simplemdm import SimpleMDMClient

__all__ = ["build", "check", "close_shared", "default_token_cache", "open_fleet"]

_REDIS_CLIENTS: dict[str, Redis] = {}
"""One Redis client per URL for this run of the command; ``close_shared`` closes them."""


def default_token_cache(environ: Mapping[str, str]) -> str:
    """``$XDG_CACHE_HOME/mdmkit/zoho-tokens.json`` (``~/.cache/...`` without the variable)."""
    home = environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(home, "mdmkit", "zoho-tokens.json")


def _redis_client(settings: RedisSettings, environ: Mapping[str, str]) -> Redis:
    from mdmkit.http.redis import redis_client

    url = _value(settings.url, environ)
    if url not in _REDIS_CLIENTS:
        _REDIS_CLIENTS[url] = redis_client(url)
    return _REDIS_CLIENTS[url]


async def close_shared() -> None:
    """Close the Redis clients this run opened (the command's event loop ends after this)."""
    clients = list(_REDIS_CLIENTS.values())
    _REDIS_CLIENTS.clear()
    for client in clients:
        await client.aclose()


def _budget_options(
    backend: BackendSettings, options: dict[str, Any], environ: Mapping[str, str]
) -> dict[str, Any]:
    """With ``[redis]``: the account's shared ``RedisBudget``, carrying requests_per_second."""
    key = options.pop("budget_key", backend.name)
    if backend.redis is None:
        return {}
    from mdmkit.http.redis import RedisBudget

    budget = RedisBudget(
        _redis_client(backend.redis, environ),
        key=f"simplemdm:{key}",
        requests_per_second=options.pop("requests_per_second", None),
        prefix=backend.redis.prefix,
    )
    return {"rate_limiter": budget}


def _token_options(
    backend: BackendSettings, cache: Any, environ: Mapping[str, str]
) -> dict[str, Any]:
    if backend.redis is not None:
        from mdmkit.http.redis import RedisTokenStore

        client = _redis_client(backend.redis, environ)
        return {"token_store": RedisTokenStore(client, prefix=backend.redis.prefix)}
    if cache is False:
        return {}
    from mdmkit.manageengine import FileTokenStore

    path = cache if isinstance(cache, str) else default_token_cache(environ)
    return {"token_store": FileTokenStore(path)}


def build(backend: BackendSettings, environ: Mapping[str, str] | None = None) -> MDM:
    """The backend's ``MDM``, not yet connected; ConfigError names the backend on bad settings."""
    from mdmkit.core.errors import ConfigurationError

    env = os.environ if environ is None else environ
    try:
        return _build(backend, env)
    except ConfigurationError as exc:
        raise ConfigError(f"backend {backend.name!r}: {exc}") from None


def _build(backend: BackendSettings, env: Mapping[str, str]) -> MDM:
    options = dict(backend.options)
    name = backend.name
    if backend.vendor == "simplemdm":
        from mdmkit.simplemdm import SimpleMDM

        shared = _budget_options(backend, options, env)
        if backend.origin == "environment":
            return SimpleMDM.from_env(name=name, **shared)
        return SimpleMDM(_value(backend.secrets["api_key"], env), name=name, **shared, **options)

    from mdmkit.manageengine import ManageEngine

    cache = options.pop("token_cache", None)
    if backend.origin == "environment":
        extra = {} if backend.on_premises else _token_options(backend, cache, env)
        return ManageEngine.from_env(name=name, **extra)
    if backend.on_premises:
        server_url = options.pop("server_url")
        api_key = _value(backend.secrets["api_key"], env)
        return ManageEngine.on_premises(server_url, api_key, name=name, **options)
    values = {k: _value(v, env) for k, v in backend.secrets.items()}
    return ManageEngine(
        values["client_id"],
        values["client_secret"],
        values["refresh_token"],
        name=name,
        **_token_options(backend, cache, env),
        **options,
    )


def _value(secret: SecretRef | str, env: Mapping[str, str]) -> str:
    return secret if isinstance(secret, str) else resolve(secret, env)


def open_fleet(backends: Sequence[BackendSettings]) -> Fleet:
    """A ``Fleet`` of the backends (enter it with ``async with``); nothing is sent yet."""
    from mdmkit.core.fleet import Fleet

    built: list[MDM] = []
    for backend in backends:
        built.append(build(backend))
    return Fleet(*built)


async def check(mdm: MDM) -> str:
    """One cheap authenticated call; what it found (the account, or how many devices)."""
    from mdmkit.core.models import Vendor

    if mdm.vendor is Vendor.SIMPLEMDM:
        account = await cast("SimpleMDMClient", mdm.native).account.get()
        return f"account {account.name!r}"
    page = await cast("ManageEngineClient", mdm.native).devices.list(limit=1)
    return f"{page.total} devices" if page.total is not None else "devices readable"
