"""``SimpleMDMClient``: the complete native SimpleMDM API, one attribute per reference section.

``client.request()`` reaches endpoints the SDK lacks with the same auth, limits and retries.
"""

from __future__ import annotations

import base64
import os
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Self, Unpack

import aiohttp
import anyio

from mdmkit.core.errors import ConfigurationError
from mdmkit.core.models import Vendor
from mdmkit.http.body import DEFAULT_MAX_RESPONSE_SIZE
from mdmkit.http.client import NativeClient
from mdmkit.http.convert import make_converter, one_a_process
from mdmkit.http.hooks import RequestHooks
from mdmkit.http.options import EngineOptions
from mdmkit.http.ratelimit import Limiter
from mdmkit.http.retry import RetryPolicy
from mdmkit.http.transport import Timeout, Transport
from mdmkit.simplemdm.envelope import parse_error
from mdmkit.simplemdm.resources.account import AccountResource
from mdmkit.simplemdm.resources.apps import Apps
from mdmkit.simplemdm.resources.assignment_groups import AssignmentGroups
from mdmkit.simplemdm.resources.custom_attributes import CustomAttributes
from mdmkit.simplemdm.resources.custom_configuration_profiles import CustomConfigurationProfiles
from mdmkit.simplemdm.resources.dep_servers import DepServers
from mdmkit.simplemdm.resources.device_groups import DeviceGroups
from mdmkit.simplemdm.resources.devices import Devices
from mdmkit.simplemdm.resources.enrollments import Enrollments
from mdmkit.simplemdm.resources.installed_apps import InstalledApps
from mdmkit.simplemdm.resources.logs import Logs
from mdmkit.simplemdm.resources.managed_configs import ManagedConfigs
from mdmkit.simplemdm.resources.profiles import Profiles
from mdmkit.simplemdm.resources.push_certificate import PushCertificates
from mdmkit.simplemdm.resources.script_jobs import ScriptJobs
from mdmkit.simplemdm.resources.scripts import Scripts

__all__ = ["DEFAULT_BASE_URL", "ApiKeyAuth", "SimpleMDMClient", "SimpleMDMOptions"]

DEFAULT_BASE_URL = "https://a.simplemdm.com/api/v1"


shared_converter = one_a_process(make_converter)
"""The converter every client of this vendor shares."""

# SimpleMDM publishes no limits; clients in the wild keep to about one request a second.
DEFAULT_MAX_CONCURRENCY = 4


class ApiKeyAuth:
    """HTTP Basic auth with the API key as user name and an empty password."""

    def __init__(self, api_key: str) -> None:
        if not isinstance(api_key, str) or not api_key.strip():
            raise ConfigurationError("api_key is empty: pass your SimpleMDM API key")
        token = base64.b64encode(f"{api_key}:".encode()).decode("ascii")
        self._header = {"Authorization": f"Basic {token}"}

    def __repr__(self) -> str:
        return "ApiKeyAuth(api_key=<redacted>)"

    async def headers(self, transport: Transport) -> Mapping[str, str]:
        return self._header

    async def refresh(self, transport: Transport, rejected: Mapping[str, str]) -> bool:
        return False  # a revoked key stays revoked


class SimpleMDMOptions(EngineOptions, total=False):
    """The keyword arguments of ``SimpleMDMClient`` (and ``SimpleMDM``) besides the key."""

    base_url: str


class SimpleMDMClient(NativeClient):
    """The native SimpleMDM client; use it as ``async with SimpleMDMClient(api_key) as sm:``.

    One session, one concurrency limit and one retry policy serve every call made through it;
    ``request()`` reaches endpoints the SDK lacks. ``base_url`` includes ``/api/v1``. ``name``
    (default ``"simplemdm"``) is what log lines and hook events call it; ``hooks`` run
    around every request.
    """

    account: AccountResource
    apps: Apps
    managed_configs: ManagedConfigs
    assignment_groups: AssignmentGroups
    custom_attributes: CustomAttributes
    custom_configuration_profiles: CustomConfigurationProfiles
    dep_servers: DepServers
    devices: Devices
    device_groups: DeviceGroups
    enrollments: Enrollments
    installed_apps: InstalledApps
    logs: Logs
    profiles: Profiles
    push_certificate: PushCertificates
    scripts: Scripts
    script_jobs: ScriptJobs

    def __init__(
        self,
        api_key: str,
        *,
        base_url: str = DEFAULT_BASE_URL,
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
        self._converter = shared_converter()
        transport = Transport(
            base_url,
            auth=ApiKeyAuth(api_key),
            error_parser=parse_error,
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
            default_headers={"Accept": "application/json"},
            name=name or Vendor.SIMPLEMDM.value,
            hooks=hooks,
        )
        self._bind(transport)

    def _bind(self, transport: Transport) -> None:
        self.transport = transport
        args = (transport, self._converter)
        self.account = AccountResource(*args)
        self.apps = Apps(*args)
        self.managed_configs = ManagedConfigs(*args)
        self.assignment_groups = AssignmentGroups(*args)
        self.custom_attributes = CustomAttributes(*args)
        self.custom_configuration_profiles = CustomConfigurationProfiles(*args)
        self.dep_servers = DepServers(*args)
        self.devices = Devices(*args)
        self.device_groups = DeviceGroups(*args)
        self.enrollments = Enrollments(*args)
        self.installed_apps = InstalledApps(*args)
        self.logs = Logs(*args)
        self.profiles = Profiles(*args)
        self.push_certificate = PushCertificates(*args)
        self.scripts = Scripts(*args)
        self.script_jobs = ScriptJobs(*args)

    @classmethod
    def from_env(cls, *, name: str | None = None, **options: Unpack[SimpleMDMOptions]) -> Self:
        """A client from ``SIMPLEMDM_API_KEY`` (and ``SIMPLEMDM_BASE_URL`` when set)."""
        api_key = os.environ.get("SIMPLEMDM_API_KEY", "")
        if not api_key.strip():
            raise ConfigurationError("SIMPLEMDM_API_KEY is not set")
        if "base_url" not in options and os.environ.get("SIMPLEMDM_BASE_URL"):
            options["base_url"] = os.environ["SIMPLEMDM_BASE_URL"]
        return cls(api_key, name=name, **options)
