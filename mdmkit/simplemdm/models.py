"""SimpleMDM's objects as typed, frozen models, with every attribute the reference shows.

Relationships are kept as ids (``device_group_id``, ``app_ids``); every model keeps the
untouched resource object in ``raw`` (left out of ``==`` and ``repr``), so fields SimpleMDM
adds later stay reachable. Vendor enums stay strings: a new value never breaks parsing.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs

__all__ = [
    "Account",
    "App",
    "AssignmentGroup",
    "CustomAttribute",
    "CustomAttributeValue",
    "CustomConfigurationProfile",
    "DepDevice",
    "DepServer",
    "Device",
    "DeviceGroup",
    "DeviceUser",
    "Enrollment",
    "Firewall",
    "InstalledApp",
    "Licenses",
    "Log",
    "ManagedConfig",
    "OsUpdate",
    "Profile",
    "PushCertificate",
    "Script",
    "ScriptJob",
    "ScriptJobDevice",
    "Subscription",
]


def _raw() -> Any:
    return attrs.field(factory=dict, eq=False, repr=False)


@attrs.frozen(kw_only=True)
class Licenses:
    """Seats on a manually billed subscription."""

    total: int | None = None
    available: int | None = None


@attrs.frozen(kw_only=True)
class Subscription:
    """Subscription details (only for accounts on a manual billing plan)."""

    licenses: Licenses | None = None


@attrs.frozen(kw_only=True)
class Account:
    """The SimpleMDM account the API key belongs to."""

    name: str | None = None
    apple_store_country_code: str | None = None
    subscription: Subscription | None = None
    raw: Mapping[str, Any] = _raw()


@attrs.frozen(kw_only=True)
class App:
    """An app in the catalog: App Store, enterprise (ipa), custom B2B, or macOS package."""

    id: int
    name: str | None = None
    bundle_identifier: str | None = None
    app_type: str | None = None  # "app store" (also "apple store"), "enterprise", "shared", ...
    itunes_store_id: int | None = None
    version: str | None = None
    installation_channels: tuple[str, ...] = ()
    platform_support: str | None = None
    processing_status: str | None = None
    deploy_to: str | None = None
    raw: Mapping[str, Any] = _raw()


@attrs.frozen(kw_only=True)
class InstalledApp:
    """An app found installed on a device."""

    id: int
    name: str | None = None
    identifier: str | None = None
    version: str | None = None
    short_version: str | None = None
    bundle_size: int | None = None
    dynamic_size: int | None = None
    managed: bool | None = None
    discovered_at: datetime | None = None
    last_seen_at: datetime | None = None
    device_id: int | None = None
    raw: Mapping[str, Any] = _raw()


@attrs.frozen(kw_only=True)
class ManagedConfig:
    """One key of an app's managed configuration."""

    id: int
    key: str | None = None
    value: str | None = None
    value_type: str | None = None
    raw: Mapping[str, Any] = _raw()


@attrs.frozen(kw_only=True)
class AssignmentGroup:
    """Pairs apps, media and profiles with devices and device groups.

    Classic accounts report ``type`` standard/munki (the deployment kind) with ``group_type``
    "dynamic", and the group carries its apps to its ``device_group_ids`` and ``device_ids``;
    ``install_type`` (managed, self_serve, default_installs, managed_updates) says how a munki
    group installs. On the New Groups Experience ``type`` or ``group_type`` reads
    static/dynamic and a device may be in several groups. ``media_ids`` are the documents
    (books, PDFs) the group pushes.
    """

    id: int
    name: str | None = None
    auto_deploy: bool | None = None
    priority: int | None = None
    type: str | None = None
    group_type: str | None = None
    install_type: str | None = None
    app_track_location: bool | None = None
    app_ids: tuple[int, ...] = ()
    device_group_ids: tuple[int, ...] = ()
    device_ids: tuple[int, ...] = ()
    profile_ids: tuple[int, ...] = ()
    media_ids: tuple[int, ...] = ()
    raw: Mapping[str, Any] = _raw()


@attrs.frozen(kw_only=True)
class CustomAttribute:
    """A custom attribute defined on the account; its id is its name."""

    id: str
    name: str | None = None
    default_value: str | None = None
    raw: Mapping[str, Any] = _raw()


@attrs.frozen(kw_only=True)
class CustomAttributeValue:
    """A custom attribute's value for a device or group; ``id`` is the attribute's name."""

    id: str
    value: str | None = None
    secret: bool | None = None
    source: str | None = None  # "account", "group" or "device": where the value comes from
    raw: Mapping[str, Any] = _raw()


@attrs.frozen(kw_only=True)
class CustomConfigurationProfile:
    """A profile uploaded as a mobileconfig file."""

    id: int
    name: str | None = None
    profile_identifier: str | None = None
    user_scope: bool | None = None
    attribute_support: bool | None = None
    escape_attributes: bool | None = None
    reinstall_after_os_update: bool | None = None
    group_count: int | None = None
    device_count: int | None = None
    profile_sha: str | None = None
    device_group_ids: tuple[int, ...] = ()
    raw: Mapping[str, Any] = _raw()


@attrs.frozen(kw_only=True)
class DepServer:
    """An Apple Business Manager (automated enrollment) server association."""

    id: int
    server_name: str | None = None
    organization_name: str | None = None
    token_expires_at: datetime | None = None
    last_synced_at: datetime | None = None
    raw: Mapping[str, Any] = _raw()


@attrs.frozen(kw_only=True)
class DepDevice:
    """A device record Apple holds for a DEP server (not necessarily enrolled)."""

    id: int
    serial_number: str | None = None
    model: str | None = None
    description: str | None = None
    color: str | None = None
    asset_tag: str | None = None
    os: str | None = None
    device_family: str | None = None
    profile_status: str | None = None
    profile_uuid: str | None = None
    profile_assign_time: datetime | None = None
    profile_push_time: datetime | None = None
    device_assigned_date: datetime | None = None
    device_assigned_by: str | None = None
    enrollment_status: str | None = None
    device_id: int | None = None
    raw: Mapping[str, Any] = _raw()


@attrs.frozen(kw_only=True)
class Firewall:
    """macOS application firewall state."""

    enabled: bool | None = None
    block_all_incoming: bool | None = None
    stealth_mode: bool | None = None


@attrs.frozen(kw_only=True)
class OsUpdate:
    """macOS software update settings as last reported."""

    automatic_os_installation_enabled: bool | None = None
    automatic_app_installation_enabled: bool | None = None
    automatic_check_enabled: bool | None = None
    automatic_security_updates_enabled: bool | None = None
    background_download_enabled: bool | None = None
    catalog_url: str | None = None
    default_catalog: bool | None = None
    perform_periodic_check: bool | None = None
    previous_scan_date: datetime | None = None
    previous_scan_result: str | None = None


@attrs.frozen(kw_only=True)
class Device:
    """An enrolled (or awaiting enrollment) device with everything SimpleMDM reports on it."""

    id: int
    name: str | None = None
    status: str | None = None  # "enrolled", "awaiting enrollment", "unenrolled"
    last_seen_at: datetime | None = None
    last_seen_ip: str | None = None
    enrolled_at: datetime | None = None
    enrollment_channels: tuple[str, ...] = ()
    enrollment_url: str | None = None
    device_name: str | None = None
    os_version: str | None = None
    build_version: str | None = None
    supplemental_build_version: str | None = None
    supplemental_os_version_extra: str | None = None
    model_name: str | None = None
    model: str | None = None
    product_name: str | None = None
    unique_identifier: str | None = None
    serial_number: str | None = None
    processor_architecture: str | None = None
    imei: str | None = None
    meid: str | None = None
    device_capacity: float | None = None
    available_device_capacity: float | None = None
    battery_level: str | None = None
    modem_firmware_version: str | None = None
    iccid: str | None = None
    bluetooth_mac: str | None = None
    ethernet_macs: tuple[str, ...] = ()
    wifi_mac: str | None = None
    current_carrier_network: str | None = None
    sim_carrier_network: str | None = None
    subscriber_carrier_network: str | None = None
    carrier_settings_version: str | None = None
    phone_number: str | None = None
    voice_roaming_enabled: bool | None = None
    data_roaming_enabled: bool | None = None
    is_roaming: bool | None = None
    subscriber_mcc: str | None = None
    subscriber_mnc: str | None = None
    simmnc: str | None = None
    simmcc: str | None = None
    current_mcc: str | None = None
    current_mnc: str | None = None
    hardware_encryption_caps: int | None = None
    passcode_present: bool | None = None
    passcode_compliant: bool | None = None
    passcode_compliant_with_profiles: bool | None = None
    is_supervised: bool | None = None
    is_dep_enrollment: bool | None = None
    dep_enrolled: bool | None = None
    dep_assigned: bool | None = None
    is_user_approved_enrollment: bool | None = None
    user_enrollment: bool | None = None
    is_device_locator_service_enabled: bool | None = None
    is_do_not_disturb_in_effect: bool | None = None
    personal_hotspot_enabled: bool | None = None
    itunes_store_account_is_active: bool | None = None
    cellular_technology: int | None = None
    last_cloud_backup_date: datetime | None = None
    is_activation_lock_enabled: bool | None = None
    is_cloud_backup_enabled: bool | None = None
    filevault_enabled: bool | None = None
    filevault_recovery_key: str | None = attrs.field(default=None, repr=False)
    lost_mode_enabled: bool | None = None
    firmware_password_enabled: bool | None = None
    recovery_lock_password_enabled: bool | None = None
    remote_desktop_enabled: bool | None = None
    firmware_password: str | None = attrs.field(default=None, repr=False)
    recovery_lock_password: str | None = attrs.field(default=None, repr=False)
    managed_apple_id: str | None = None
    firewall: Firewall | None = None
    system_integrity_protection_enabled: bool | None = None
    os_update: OsUpdate | None = None
    service_subscriptions: tuple[Any, ...] = ()
    ddm_enabled: bool | None = None
    time_zone: str | None = None
    auto_admin_name: str | None = None
    location_latitude: float | None = None
    location_longitude: float | None = None
    location_accuracy: float | None = None
    location_updated_at: datetime | None = None
    device_group_id: int | None = None
    custom_attribute_values: Mapping[str, str | None] = attrs.field(factory=dict)
    raw: Mapping[str, Any] = _raw()


@attrs.frozen(kw_only=True)
class DeviceGroup:
    """A (legacy) device group; deprecated by SimpleMDM in favour of assignment groups."""

    id: int
    name: str | None = None
    device_ids: tuple[int, ...] = ()
    raw: Mapping[str, Any] = _raw()


@attrs.frozen(kw_only=True)
class DeviceUser:
    """A user account on a macOS device."""

    id: int
    username: str | None = None
    full_name: str | None = None
    uid: int | None = None
    user_guid: str | None = None
    data_quota: int | None = None
    data_used: int | None = None
    data_to_sync: bool | None = None
    secure_token: bool | None = None
    logged_in: bool | None = None
    mobile_account: bool | None = None
    raw: Mapping[str, Any] = _raw()


@attrs.frozen(kw_only=True)
class Enrollment:
    """A way to enroll devices; one with a ``device_id`` is a one-time enrollment."""

    id: int
    url: str | None = None  # None for account-driven enrollments
    user_enrollment: bool | None = None
    welcome_screen: bool | None = None
    authentication: bool | None = None
    device_group_id: int | None = None
    device_id: int | None = None
    raw: Mapping[str, Any] = _raw()


@attrs.frozen(kw_only=True)
class Log:
    """A logged event. ``at`` stays text: SimpleMDM writes it as "11/06/19 18:27:41", no zone."""

    id: str
    namespace: str | None = None
    event_type: str | None = None
    level: str | None = None
    source: str | None = None
    at: str | None = None
    metadata: Mapping[str, Any] = attrs.field(factory=dict)
    raw: Mapping[str, Any] = _raw()


@attrs.frozen(kw_only=True)
class Profile:
    """A configuration profile; ``resource_type`` is its kind ("apn", "email", ...)."""

    id: int
    resource_type: str | None = None
    name: str | None = None
    profile_identifier: str | None = None
    user_scope: bool | None = None
    attribute_support: bool | None = None
    escape_attributes: bool | None = None
    reinstall_after_os_update: bool | None = None
    group_count: int | None = None
    device_count: int | None = None
    device_group_ids: tuple[int, ...] = ()
    raw: Mapping[str, Any] = _raw()


@attrs.frozen(kw_only=True)
class PushCertificate:
    """The Apple push certificate the account uses."""

    apple_id: str | None = None
    expires_at: datetime | None = None
    raw: Mapping[str, Any] = _raw()


@attrs.frozen(kw_only=True)
class Script:
    """A macOS shell script."""

    id: int
    name: str | None = None
    content: str | None = None
    variable_support: bool | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    raw: Mapping[str, Any] = _raw()


@attrs.frozen(kw_only=True)
class ScriptJobDevice:
    """One device's part in a script job: its status and, once run, its output."""

    id: int
    status: str | None = None  # "pending", "completed", "error", "cancelled"
    status_code: str | None = None
    response: str | None = None


@attrs.frozen(kw_only=True)
class ScriptJob:
    """A script run on devices; status pending, completed, completed-with-errors or cancelled."""

    id: int
    script_name: str | None = None
    job_name: str | None = None
    content: str | None = None
    job_id: str | None = None
    variable_support: bool | None = None
    status: str | None = None
    pending_count: int | None = None
    success_count: int | None = None
    errored_count: int | None = None
    custom_attribute_regex: str | None = None
    created_by: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    devices: tuple[ScriptJobDevice, ...] = ()
    custom_attribute_id: str | None = None
    raw: Mapping[str, Any] = _raw()
