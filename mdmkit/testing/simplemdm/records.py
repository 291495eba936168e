"""The objects the fake SimpleMDM keeps: small mutable attrs records tests can read back.

Generated devices keep their hardware in the shared :class:`GeneratedDevice` (``gen``); what the
API can change (name, status, group, counters of commands received) lives on :class:`Device`.
"""

from __future__ import annotations

from typing import Any

import attrs

from mdmkit.testing._records import DeviceActivity
from mdmkit.testing.fleetgen import GeneratedDevice
from mdmkit.testing.requestlog import UploadedFile

__all__ = [
    "Account",
    "App",
    "AssignmentGroup",
    "CustomAttribute",
    "DepServer",
    "Device",
    "DeviceGroup",
    "DeviceUser",
    "Enrollment",
    "InstalledApp",
    "JobDevice",
    "LogEntry",
    "ManagedConfig",
    "Profile",
    "PushCertificate",
    "Script",
    "ScriptJob",
]

AWAITING = "awaiting enrollment"
ENROLLED = "enrolled"
UNENROLLED = "unenrolled"


@attrs.define
class Account:
    name: str = "Example Inc."
    apple_store_country_code: str = "US"
    licenses_total: int | None = None  # subscription info: manual billing plans only
    licenses_available: int | None = None


@attrs.define(slots=True, eq=False)
class Device(DeviceActivity):
    """A device and everything the API did to it.

    ``commands`` lists every device command received, as ``(name, arguments)``, in order
    (with the lock, lost mode and wipe records of :class:`DeviceActivity`).
    """

    id: int
    name: str
    status: str
    gen: GeneratedDevice | None = None
    device_name: str | None = None
    device_group_id: int | None = None
    enrollment_url: str | None = None
    enrolled_at: float | None = None
    last_seen_at: float | None = None
    custom_attribute_values: dict[str, str] = attrs.Factory(dict)
    lost_mode_footnote: str | None = None
    remote_desktop_enabled: bool = False
    bluetooth_enabled: bool | None = None
    time_zone: str | None = None
    location_updated_at: float | None = None  # set by lost_mode/update_location
    installed_apps: list[InstalledApp] | None = None  # None: still the generated list
    users: list[DeviceUser] | None = None  # None: still the generated list

    @property
    def platform(self) -> str | None:
        """ios, ipados, macos or tvos; None for a device that never enrolled."""
        return self.gen.platform if self.gen is not None else None

    @property
    def is_macos(self) -> bool:
        return self.platform == "macos"


@attrs.define(eq=False)
class InstalledApp:
    id: int
    device_id: int
    name: str
    identifier: str
    version: str
    short_version: str
    bundle_size: int
    dynamic_size: int | None
    managed: bool
    discovered_at: float
    last_seen_at: float


@attrs.define(eq=False)
class DeviceUser:
    id: int
    username: str
    full_name: str
    uid: int
    user_guid: str
    secure_token: bool
    logged_in: bool


@attrs.define(eq=False)
class ManagedConfig:
    id: int
    key: str
    value: str
    value_type: str


@attrs.define(eq=False)
class App:
    """A catalog app; ``binary`` and ``munki_pkginfo`` describe the last uploaded files."""

    id: int
    name: str
    app_type: str  # "app store" | "enterprise" | "custom b2b" (a shared app reads "shared")
    bundle_identifier: str | None = None
    itunes_store_id: int | None = None
    version: str | None = None
    platform_support: str = "iOS"
    processing_status: str = "processed"
    shared: bool = False
    binary: UploadedFile | None = None
    munki_pkginfo: UploadedFile | None = None
    deploys: list[str] = attrs.Factory(list)  # deploy_to values of updates
    managed_configs: dict[int, ManagedConfig] = attrs.Factory(dict)
    managed_config_pushes: int = 0
    created_at: float = 0.0
    updated_at: float = 0.0


@attrs.define(eq=False)
class AssignmentGroup:
    """An assignment group, classic (``standard``/``munki``) or NGE (``static``/``dynamic``).

    ``media_ids`` are the documents the group pushes to its devices (no API writes them).
    """

    id: int
    name: str
    type: str = "static"
    group_type: str = "static"  # what the API reads: see SimpleMDMState.new_assignment_group
    auto_deploy: bool = True
    install_type: str = "managed"
    priority: int | None = None
    app_track_location: bool = True
    app_ids: list[int] = attrs.Factory(list)
    app_settings: dict[int, dict[str, str]] = attrs.Factory(dict)
    device_group_ids: list[int] = attrs.Factory(list)
    device_ids: set[int] = attrs.Factory(set)
    profile_ids: list[int] = attrs.Factory(list)
    media_ids: list[int] = attrs.Factory(list)
    push_apps_count: int = 0
    update_apps_count: int = 0
    sync_profiles_count: int = 0
    last_sync_profiles_at: float | None = None

    @property
    def is_nge(self) -> bool:
        """A New Groups Experience group (static or dynamic)."""
        return self.type in ("static", "dynamic")


@attrs.define(eq=False)
class DeviceGroup:
    """A legacy device group (one per device)."""

    id: int
    name: str
    custom_attribute_values: dict[str, str] = attrs.Factory(dict)


@attrs.define(eq=False)
class CustomAttribute:
    name: str
    default_value: str | None = None
    secret: bool = False


@attrs.define(eq=False)
class Profile:
    """A configuration profile; ``kind`` is its type (uploads: ``custom_configuration_profile``)."""

    id: int
    kind: str
    name: str
    profile_identifier: str
    user_scope: bool = True
    reinstall_after_os_update: bool = False
    attribute_support: bool = False
    escape_attributes: bool = False
    mobileconfig: bytes | None = None
    device_ids: set[int] = attrs.Factory(set)
    device_group_ids: set[int] = attrs.Factory(set)

    @property
    def is_custom(self) -> bool:
        return self.kind == "custom_configuration_profile"


@attrs.define(eq=False)
class Script:
    id: int
    name: str
    content: str
    variable_support: bool
    created_at: float
    updated_at: float


@attrs.define(eq=False)
class JobDevice:
    device_id: int
    status: str = "pending"
    status_code: str | None = None
    response: str | None = None


@attrs.define(eq=False)
class ScriptJob:
    id: int
    script_id: int
    script_name: str
    job_name: str
    content: str
    job_id: str
    variable_support: bool
    devices: list[JobDevice]
    custom_attribute: str | None
    custom_attribute_regex: str
    created_by: str
    created_at: float
    updated_at: float
    status: str = "pending"

    def counts(self) -> tuple[int, int, int]:
        """(pending, success, errored) device counts."""
        states = [d.status for d in self.devices]
        return states.count("pending"), states.count("completed"), states.count("error")


@attrs.define(eq=False)
class Enrollment:
    id: int
    url: str | None
    user_enrollment: bool = False
    welcome_screen: bool = True
    authentication: bool = False
    device_group_id: int | None = None
    device_id: int | None = None
    invitations: list[str] = attrs.Factory(list)


@attrs.define(eq=False)
class DepServer:
    id: int
    server_name: str
    organization_name: str
    token_expires_at: float
    last_synced_at: float
    sync_count: int = 0


@attrs.define(eq=False)
class LogEntry:
    id: str
    namespace: str
    event_type: str
    source: str
    at: float
    level: str = "info"
    metadata: dict[str, Any] = attrs.Factory(dict)
    device_id: int | None = None
    serial_number: str | None = None
    udid: str | None = None


@attrs.define
class PushCertificate:
    apple_id: str = "devops@example.com"
    expires_at: float = 0.0
    file: UploadedFile | None = None
