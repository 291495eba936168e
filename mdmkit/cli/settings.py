"""What the ``mdmkit`` command is configured with: named backends from a TOML file, or from the
environment variables ``SimpleMDM.from_env()`` and ``ManageEngine.from_env()`` read.

Pure: parsing reads no secret (a secret is a ``SecretRef`` until a command needs it) and
sends nothing. The file is found at ``--config``, else ``$MDMKIT_CONFIG``, else
``$XDG_CONFIG_HOME/mdmkit/config.toml`` (``~/.config/mdmkit/config.toml``); without one, the
environment configures at most one SimpleMDM and one ManageEngine backend.
"""

from __future__ import annotations

import os
import re
import shlex
import tomllib
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal
from urllib.parse import urlsplit

import attrs

from mdmkit.cli.exits import ConfigError, UsageError
from mdmkit.cli.secrets import SecretRef

__all__ = [
    "SECRET_KEYS",
    "BackendSettings",
    "RedisSettings",
    "Settings",
    "config_path",
    "from_environment",
    "load",
    "parse",
]

Vendor = Literal["simplemdm", "manageengine"]
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,62}")
"""A backend name: no ``:`` (``NAME:ID`` names a device), no spaces."""

SECRET = "secret"
SECRET_OR_TEXT = "secret or text"
SECRET_KEYS = frozenset({"api_key", "client_secret", "refresh_token"})


def _check_text(value: Any) -> str | None:
    return None if isinstance(value, str) and value.strip() else "a non-empty string"


def _check_int(value: Any) -> str | None:
    ok = isinstance(value, int) and not isinstance(value, bool) and value > 0
    return None if ok else "a positive integer"


def _check_number(value: Any) -> str | None:
    ok = isinstance(value, int | float) and not isinstance(value, bool) and value > 0
    return None if ok else "a positive number"


def _check_bool(value: Any) -> str | None:
    return None if isinstance(value, bool) else "true or false"


def _check_table(value: Any) -> str | None:
    return None if isinstance(value, dict) else "a table, such as { app_category_id = 5 }"


def _check_cache(value: Any) -> str | None:
    return None if value is False or _check_text(value) is None else "a path, or false"


Check = Callable[[Any], "str | None"]
_KNOBS: dict[str, Check] = {
    "max_concurrency": _check_int,
    "requests_per_second": _check_number,
    "allow_insecure": _check_bool,
}
# The keys each kind of backend takes: a secret reference, or a plain value and its check.
KEYS: dict[str, dict[str, str | Check]] = {
    "simplemdm": {
        "api_key": SECRET,
        "base_url": _check_text,
        "budget_key": _check_text,  # with [redis]: the account's shared budget (default: name)
        **_KNOBS,
    },
    "manageengine": {
        "client_id": SECRET_OR_TEXT,
        "client_secret": SECRET,
        "refresh_token": SECRET,
        "data_center": _check_text,
        "base_url": _check_text,
        "accounts_url": _check_text,
        "token_cache": _check_cache,
        "upload_defaults": _check_table,
        **_KNOBS,
    },
    "manageengine on-premises": {
        "server_url": _check_text,
        "api_key": SECRET,
        "upload_defaults": _check_table,
        **_KNOBS,
    },
}
REQUIRED: dict[str, tuple[str, ...]] = {
    "simplemdm": ("api_key",),
    "manageengine": ("client_id", "client_secret", "refresh_token"),
    "manageengine on-premises": ("server_url", "api_key"),
}
_TOP_LEVEL = ("backends", "defaults", "redis")
REDIS_KEYS: dict[str, str | Check] = {"url": SECRET_OR_TEXT, "prefix": _check_text}
_SECRET_FORMS = '{ env = "NAME" }, { file = "PATH" } or { command = ["prog", "arg"] }'


@attrs.frozen(kw_only=True)
class RedisSettings:
    """Where worker processes share Zoho tokens and request budgets (``[redis]`` or
    ``MDMKIT_REDIS_URL``); ``url`` may be a secret reference (a URL can carry a password)."""

    url: SecretRef | str
    prefix: str = "mdmkit"


@attrs.frozen(kw_only=True)
class BackendSettings:
    """One named backend: its vendor, its secrets' sources and its other settings.

    ``origin`` is the config file's path, or ``"environment"`` (then the backend is built by
    the vendor's ``from_env()`` and ``env_names`` lists the variables that were set).
    """

    name: str
    vendor: Vendor
    origin: str
    secrets: Mapping[str, SecretRef | str] = attrs.field(factory=dict)
    options: Mapping[str, Any] = attrs.field(factory=dict)
    env_names: tuple[str, ...] = ()
    redis: RedisSettings | None = None

    @property
    def on_premises(self) -> bool:
        """ManageEngine MDM Plus (an API key and a server URL) rather than Cloud."""
        if self.vendor != "manageengine":
            return False
        if self.origin == "environment":
            return "MANAGEENGINE_API_KEY" in self.env_names
        return "server_url" in self.options

    @property
    def kind(self) -> str:
        """``simplemdm``, ``manageengine`` or ``manageengine on-premises``."""
        return "manageengine on-premises" if self.on_premises else self.vendor


@attrs.frozen(kw_only=True)
class Settings:
    """Every configured backend, and which ones a command uses when not told."""

    backends: Mapping[str, BackendSettings]
    defaults: tuple[str, ...] = ()
    source: str = "environment"

    def select(self, names: Sequence[str] | None = None) -> list[BackendSettings]:
        """The backends called ``names`` (a usage error names an unknown one), or the defaults."""
        if not self.backends:
            raise ConfigError(
                "no backend is configured",
                hint="set SIMPLEMDM_API_KEY or the MANAGEENGINE_* variables, or write a config "
                "file (mdmkit config example)",
            )
        wanted = list(names) if names else list(self.defaults or self.backends)
        unknown = [n for n in wanted if n not in self.backends]
        if unknown:
            raise UsageError(
                f"unknown backend {unknown[0]!r}; configured: {', '.join(self.backends)}"
            )
        return [self.backends[n] for n in dict.fromkeys(wanted)]


def config_path(given: str | None, environ: Mapping[str, str]) -> tuple[str, bool]:
    """The config file to read and whether it was asked for (a missing one is then an error)."""
    if given:
        return os.path.expanduser(given), True
    if environ.get("MDMKIT_CONFIG"):
        return os.path.expanduser(environ["MDMKIT_CONFIG"]), True
    home = environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return os.path.join(home, "mdmkit", "config.toml"), False


def load(given: str | None = None, environ: Mapping[str, str] | None = None) -> Settings:
    """The settings: from the config file when there is one, else from the environment."""
    env = os.environ if environ is None else environ
    path, asked = config_path(given, env)
    try:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError:
        if asked:
            raise ConfigError(f"config file {path} does not exist") from None
        return from_environment(env)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {path} is not valid TOML: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror}") from None
    return parse(data, origin=path)


def parse(data: Mapping[str, Any], *, origin: str = "config.toml") -> Settings:
    """Settings from a parsed TOML document; ConfigError names the first wrong setting."""
    unknown = [key for key in data if key not in _TOP_LEVEL]
    if unknown:
        raise ConfigError(f"{origin}: unknown table {unknown[0]!r}; expected {_TOP_LEVEL}")
    tables = data.get("backends", {})
    if not isinstance(tables, dict) or not tables:
        raise ConfigError(f"{origin}: no backends; add a [backends.NAME] table")
    backends = {name: _backend(name, table, origin) for name, table in tables.items()}
    if "redis" in data:
        shared = _redis(data["redis"], origin)
        backends = {name: attrs.evolve(b, redis=shared) for name, b in backends.items()}
    for backend in backends.values():
        if "budget_key" in backend.options and backend.redis is None:
            raise ConfigError(f"{origin}: backends.{backend.name}.budget_key needs a [redis] table")
    defaults = _defaults(data.get("defaults", {}), backends, origin)
    return Settings(backends=backends, defaults=defaults, source=origin)


def _redis(table: Any, origin: str) -> RedisSettings:
    if not isinstance(table, dict):
        raise ConfigError(f"{origin}: [redis] must be a table with url = ...")
    unknown = [key for key in table if key not in REDIS_KEYS]
    if unknown:
        raise ConfigError(
            f"{origin}: redis.{unknown[0]} is not a [redis] setting; known: url, prefix"
        )
    if "url" not in table:
        raise ConfigError(f"{origin}: [redis] needs url (redis://host:6379/0, or a secret)")
    url = _secret(table["url"], "redis.url", origin, plain=True)
    if isinstance(url, str):
        parts = urlsplit(url)
        if parts.scheme not in ("redis", "rediss", "unix"):
            raise ConfigError(f"{origin}: redis.url must start with redis://, rediss:// or unix://")
        if parts.password:
            raise ConfigError(
                f"{origin}: redis.url carries a password in clear; secrets are never stored in "
                f"the config file: give the URL as {_SECRET_FORMS}"
            )
    prefix = table.get("prefix", "mdmkit")
    if _check_text(prefix):
        raise ConfigError(f"{origin}: redis.prefix must be a non-empty string")
    return RedisSettings(url=url, prefix=prefix)


def _defaults(table: Any, backends: Mapping[str, Any], origin: str) -> tuple[str, ...]:
    if not isinstance(table, dict) or set(table) - {"backends"}:
        raise ConfigError(f"{origin}: [defaults] takes only backends = [...]")
    names = table.get("backends", [])
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise ConfigError(f"{origin}: defaults.backends must be a list of backend names")
    for name in names:
        if name not in backends:
            raise ConfigError(f"{origin}: defaults.backends names unknown backend {name!r}")
    return tuple(names)


def _backend(name: str, table: Any, origin: str) -> BackendSettings:
    where = f"backends.{name}"
    if not NAME.fullmatch(name):
        raise ConfigError(
            f"{origin}: backend name {name!r} must be letters, digits, '.', '_' or '-'"
        )
    if not isinstance(table, dict):
        raise ConfigError(f"{origin}: {where} must be a table")
    vendor = table.get("vendor")
    if vendor not in ("simplemdm", "manageengine"):
        raise ConfigError(f"{origin}: {where}.vendor must be 'simplemdm' or 'manageengine'")
    kind = (
        "manageengine on-premises"
        if vendor == "manageengine" and ("server_url" in table or "api_key" in table)
        else vendor
    )
    keys = KEYS[kind]
    secrets: dict[str, SecretRef | str] = {}
    options: dict[str, Any] = {}
    for key, value in table.items():
        if key == "vendor":
            continue
        rule = keys.get(key)
        if rule is None:
            raise ConfigError(
                f"{origin}: {where}.{key} is not a {kind} setting; known: {', '.join(sorted(keys))}"
            )
        if rule in (SECRET, SECRET_OR_TEXT):
            secrets[key] = _secret(value, f"{where}.{key}", origin, plain=rule == SECRET_OR_TEXT)
            continue
        assert callable(rule)
        problem = rule(value)
        if problem:
            raise ConfigError(f"{origin}: {where}.{key} must be {problem}")
        options[key] = value
    missing = [key for key in REQUIRED[kind] if key not in secrets and key not in options]
    if missing:
        raise ConfigError(f"{origin}: {where} ({kind}) needs {', '.join(missing)}")
    return BackendSettings(
        name=name, vendor=vendor, origin=origin, secrets=secrets, options=options
    )


def _secret(value: Any, setting: str, origin: str, *, plain: bool) -> SecretRef | str:
    if isinstance(value, str) and plain:
        if not value.strip():
            raise ConfigError(f"{origin}: {setting} is empty")
        return value
    if isinstance(value, str):
        raise ConfigError(
            f"{origin}: {setting} is written in clear; secrets are never stored in the config "
            f"file: give {_SECRET_FORMS}"
        )
    if not isinstance(value, dict) or len(value) != 1:
        raise ConfigError(f"{origin}: {setting} must be one of {_SECRET_FORMS}")
    ((kind, where),) = value.items()
    if kind in ("env", "file") and isinstance(where, str) and where.strip():
        return SecretRef(kind, (where,), setting)
    if kind == "command":
        argv = _argv(where)
        if argv:
            return SecretRef("command", argv, setting)
    raise ConfigError(f"{origin}: {setting} must be one of {_SECRET_FORMS}")


def _argv(value: Any) -> tuple[str, ...] | None:
    if isinstance(value, str):
        try:
            parts = shlex.split(value)
        except ValueError:
            return None
        return tuple(parts) or None
    if isinstance(value, list) and value and all(isinstance(v, str) and v for v in value):
        return tuple(value)
    return None


# -- the environment ---------------------------------------------------------------------------

_SIMPLEMDM_VARS = ("SIMPLEMDM_API_KEY", "SIMPLEMDM_BASE_URL")
_MANAGEENGINE_TRIGGERS = (
    "MANAGEENGINE_CLIENT_ID",
    "MANAGEENGINE_CLIENT_SECRET",
    "MANAGEENGINE_REFRESH_TOKEN",
    "MANAGEENGINE_API_KEY",
)


def from_environment(environ: Mapping[str, str]) -> Settings:
    """A ``simplemdm`` backend when ``SIMPLEMDM_API_KEY`` is set, a ``manageengine`` one when
    any ``MANAGEENGINE_*`` credential is (``from_env()`` then says what else is missing)."""
    backends: dict[str, BackendSettings] = {}
    if environ.get("SIMPLEMDM_API_KEY", "").strip():
        names = tuple(n for n in _SIMPLEMDM_VARS if environ.get(n))
        backends["simplemdm"] = BackendSettings(
            name="simplemdm", vendor="simplemdm", origin="environment", env_names=names
        )
    if any(environ.get(n, "").strip() for n in _MANAGEENGINE_TRIGGERS):
        names = tuple(sorted(n for n in environ if n.startswith("MANAGEENGINE_") and environ[n]))
        options: dict[str, Any] = {}
        if environ.get("MDMKIT_TOKEN_CACHE"):
            cache = environ["MDMKIT_TOKEN_CACHE"]
            options["token_cache"] = False if cache.lower() in ("off", "0", "false") else cache
        backends["manageengine"] = BackendSettings(
            name="manageengine",
            vendor="manageengine",
            origin="environment",
            env_names=names,
            options=options,
        )
    if environ.get("MDMKIT_REDIS_URL", "").strip():
        shared = RedisSettings(
            url=SecretRef("env", ("MDMKIT_REDIS_URL",), "MDMKIT_REDIS_URL"),
            prefix=environ.get("MDMKIT_REDIS_PREFIX") or "mdmkit",
        )
        backends = {name: attrs.evolve(b, redis=shared) for name, b in backends.items()}
    return Settings(backends=backends, source="environment")
