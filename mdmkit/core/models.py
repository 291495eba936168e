"""The vendor-neutral models: Device, App, Group, AppAssignment and the enums they use.

Every neutral model keeps the vendor's own model in ``native`` (left out of ``==`` and
``repr``) and says which backend it came from in ``source`` (the MDM's name), so a Fleet can
route it back. Ids are strings; times are timezone-aware.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import attrs

__all__ = [
    "App",
    "AppAssignment",
    "AppChannel",
    "AppKind",
    "Capability",
    "Carrier",
    "Device",
    "DeviceStatus",
    "Group",
    "GroupKind",
    "InstallMode",
    "Platform",
    "Target",
    "TargetKind",
    "Vendor",
]


class Vendor(enum.StrEnum):
    """The MDM services mdmkit drives."""

    SIMPLEMDM = "simplemdm"
    MANAGEENGINE = "manageengine"


class Platform(enum.StrEnum):
    """A device's operating system family."""

    IOS = "ios"
    IPADOS = "ipados"
    MACOS = "macos"
    TVOS = "tvos"
    ANDROID = "android"
    WINDOWS = "windows"
    CHROMEOS = "chromeos"
    UNKNOWN = "unknown"


class DeviceStatus(enum.StrEnum):
    """Where a device stands with its MDM."""

    ENROLLED = "enrolled"
    AWAITING_ENROLLMENT = "awaiting enrollment"
    UNENROLLED = "unenrolled"
    REMOVED = "removed"
    UNKNOWN = "unknown"


class AppKind(enum.StrEnum):
    """Where an app comes from."""

    STORE = "store"  # a public App Store / Play Store app
    ENTERPRISE = "enterprise"  # an in-house package uploaded to the MDM (ipa, apk, msi...)
    CUSTOM = "custom"  # a custom (B2B) app published privately in the store
    PACKAGE = "package"  # a macOS installer package
    UNKNOWN = "unknown"
    SHARED = "shared"  # from a catalog the vendor keeps for all its customers (SimpleMDM's)


class GroupKind(enum.StrEnum):
    """How a group gets its members."""

    STATIC = "static"  # devices added by hand
    DYNAMIC = "dynamic"  # members follow rules
    LEGACY = "legacy"  # a SimpleMDM device group: every device in exactly one
    USER = "user"  # a group of users (ManageEngine)
    TAG = "tag"  # a tag group (ManageEngine)
    OTHER = "other"


class InstallMode(enum.StrEnum):
    """How an assigned app reaches devices."""

    AUTOMATIC = "automatic"  # pushed and installed without the user
    ON_DEMAND = "on demand"  # made available; installed when the user (or a later push) asks


class TargetKind(enum.StrEnum):
    """What an app is assigned to."""

    DEVICE = "device"
    GROUP = "group"


class Capability(enum.StrEnum):
    """A neutral operation; ``mdm.capabilities`` says which ones a backend can do."""

    DEVICES_LIST = "devices.list"
    DEVICES_GET = "devices.get"
    DEVICES_LOCK = "devices.lock"
    DEVICES_WIPE = "devices.wipe"
    DEVICES_RESTART = "devices.restart"
    DEVICES_SHUTDOWN = "devices.shutdown"
    DEVICES_REFRESH = "devices.refresh"
    DEVICES_CLEAR_PASSCODE = "devices.clear_passcode"
    DEVICES_LOST_MODE = "devices.lost_mode"
    APPS_LIST = "apps.list"
    APPS_GET = "apps.get"
    APPS_UPLOAD = "apps.upload"
    APPS_ADD_FROM_STORE = "apps.add_from_store"
    APPS_DELETE = "apps.delete"
    GROUPS_LIST = "groups.list"
    GROUPS_GET = "groups.get"
    GROUPS_CREATE = "groups.create"
    GROUPS_MEMBERS = "groups.members"
    GROUPS_ADD_DEVICE = "groups.add_device"
    GROUPS_REMOVE_DEVICE = "groups.remove_device"
    ASSIGNMENTS_LIST = "assignments.list"
    ASSIGNMENTS_ASSIGN = "assignments.assign"
    ASSIGNMENTS_UNASSIGN = "assignments.unassign"


@attrs.frozen(kw_only=True)
class Device:
    """A managed device, whichever MDM holds it.

    ``group_ids_known`` says whether ``group_ids`` lists every group the device is in (True)
    or only what the vendor's answer happened to say (False: ``()`` then means "unknown",
    not "in no group").
    """

    id: str
    name: str | None = None
    serial_number: str | None = None
    udid: str | None = None
    imei: tuple[str, ...] = ()
    platform: Platform = Platform.UNKNOWN
    os_version: str | None = None
    model: str | None = None
    status: DeviceStatus = DeviceStatus.UNKNOWN
    last_seen_at: datetime | None = None
    enrolled_at: datetime | None = None
    supervised: bool | None = None
    user_email: str | None = None
    group_ids: tuple[str, ...] = ()
    group_ids_known: bool = False
    vendor: Vendor
    source: str
    native: Any = attrs.field(default=None, eq=False, repr=False)


@attrs.frozen(kw_only=True)
class AppChannel:
    """A release channel of an app (a ManageEngine release label) and the version in it."""

    id: str
    name: str | None = None
    version: str | None = None


@attrs.frozen(kw_only=True)
class App:
    """An app in an MDM's catalog."""

    id: str
    name: str | None = None
    bundle_id: str | None = None
    version: str | None = None
    kind: AppKind = AppKind.UNKNOWN
    platforms: frozenset[Platform] = frozenset()
    channels: tuple[AppChannel, ...] = ()
    vendor: Vendor
    source: str
    native: Any = attrs.field(default=None, eq=False, repr=False)


@attrs.frozen(kw_only=True)
class Group:
    """A group of devices (or users) that apps and actions can target."""

    id: str
    name: str | None = None
    kind: GroupKind = GroupKind.OTHER
    vendor: Vendor
    source: str
    native: Any = attrs.field(default=None, eq=False, repr=False)


@attrs.frozen
class Target:
    """What an app is assigned to: a device or a group, by id."""

    kind: TargetKind
    id: str


@attrs.frozen(kw_only=True)
class Carrier:
    """What carries an assignment: a SimpleMDM assignment group or a ManageEngine label."""

    kind: str  # "assignment_group" or "release_label"
    id: str
    name: str | None = None


@attrs.frozen(kw_only=True)
class AppAssignment:
    """One app assigned to one target, how it installs, and what carries the assignment."""

    app_id: str
    target: Target
    install: InstallMode
    carrier: Carrier | None = None
    vendor: Vendor
    source: str
    native: Any = attrs.field(default=None, eq=False, repr=False)
