"""SimpleMDM's native models as neutral ones: pure functions and the small tables they use.

Nothing here sends a request. SimpleMDM has two kinds of group, so neutral group ids say
which: ``"device_group:<id>"`` for a legacy device group and ``"assignment_group:<id>"`` for
a New Groups Experience static or dynamic group. Old-style assignment groups (standard,
munki) and the ones mdmkit creates to carry app assignments (named ``"mdmkit: <app> (<id>)"``)
carry apps; they are not device groups.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from mdmkit.core.errors import InvalidRequestError
from mdmkit.core.models import (
    App,
    AppAssignment,
    AppKind,
    Carrier,
    Device,
    DeviceStatus,
    Group,
    GroupKind,
    InstallMode,
    Platform,
    Target,
    TargetKind,
    Vendor,
)
from mdmkit.simplemdm import models as native

__all__ = [
    "APP_KINDS",
    "APP_PLATFORMS",
    "ASSIGNMENT_GROUP",
    "CARRIER",
    "DEVICE_GROUP",
    "GROUP_KINDS",
    "PLATFORM_PREFIXES",
    "STATUSES",
    "app_kind",
    "app_platforms",
    "assignment",
    "assignments_of",
    "carrier_app_id",
    "carrier_name",
    "carrier_of",
    "device_status",
    "group_id",
    "install_of",
    "model_of",
    "native_id",
    "nge_kind",
    "parse_group_id",
    "platform_of",
    "targets_of",
    "to_app",
    "to_assignment_group",
    "to_device",
    "to_device_group",
]

VENDOR = Vendor.SIMPLEMDM
DEVICE_GROUP = "device_group"
ASSIGNMENT_GROUP = "assignment_group"
CARRIER = "assignment_group"  # Carrier.kind of every SimpleMDM assignment

# First match wins, on product_name ("iPhone16,2", "Mac15,3") then on model_name.
PLATFORM_PREFIXES: tuple[tuple[str, Platform], ...] = (
    ("iPhone", Platform.IOS),
    ("iPod", Platform.IOS),
    ("iPad", Platform.IPADOS),
    ("AppleTV", Platform.TVOS),
    ("Apple TV", Platform.TVOS),
    ("iMac", Platform.MACOS),
    ("Mac", Platform.MACOS),  # Mac15,3, MacBookAir10,1, MacBook Pro (...), Mac mini (...)
    ("VirtualMac", Platform.MACOS),  # a macOS virtual machine
)
STATUSES: dict[str, DeviceStatus] = {
    "enrolled": DeviceStatus.ENROLLED,
    "awaiting enrollment": DeviceStatus.AWAITING_ENROLLMENT,
    "unenrolled": DeviceStatus.UNENROLLED,
}
APP_KINDS: dict[str, AppKind] = {
    "app store": AppKind.STORE,
    "custom b2b": AppKind.CUSTOM,
    "enterprise": AppKind.ENTERPRISE,  # PACKAGE when the app is for macOS (a pkg)
}
APP_PLATFORMS: dict[str, frozenset[Platform]] = {
    "ios": frozenset({Platform.IOS, Platform.IPADOS}),
    "macos": frozenset({Platform.MACOS}),
    "tvos": frozenset({Platform.TVOS}),
}
GROUP_KINDS: dict[str, GroupKind] = {"static": GroupKind.STATIC, "dynamic": GroupKind.DYNAMIC}
UNKNOWN_MODEL = "Unknown"  # model_name of a device awaiting enrollment
_GROUP_PREFIXES = (DEVICE_GROUP, ASSIGNMENT_GROUP)
_CARRIER_NAME = re.compile(r"mdmkit: .* \(([0-9]+)\)", re.DOTALL)


def native_id(value: str, field: str) -> int:
    """A neutral id (already checked safe) as SimpleMDM's integer id."""
    if not value.isascii() or not value.isdigit():
        raise InvalidRequestError(
            f"{field} must be a SimpleMDM id (digits), got {value!r}", field=field
        )
    return int(value)


# -- devices -----------------------------------------------------------------------------------


def platform_of(product_name: str | None, model_name: str | None) -> Platform:
    """The platform from ``product_name`` ("iPhone16,2"), else ``model_name`` ("iPad Air")."""
    for text in (product_name, model_name):
        for prefix, platform in PLATFORM_PREFIXES:
            if text and text.startswith(prefix):
                return platform
    return Platform.UNKNOWN


def model_of(model_name: str | None) -> str | None:
    """The marketing model name; SimpleMDM's "Unknown" placeholder (a device that has not
    enrolled yet) is no model."""
    return None if not model_name or model_name == UNKNOWN_MODEL else model_name


def device_status(status: str | None) -> DeviceStatus:
    """SimpleMDM's device status; anything new is UNKNOWN."""
    return STATUSES.get(status or "", DeviceStatus.UNKNOWN)


def group_id(kind: str, ident: int) -> str:
    """The neutral id of a SimpleMDM group: ``"device_group:7"``, ``"assignment_group:12"``."""
    return f"{kind}:{ident}"


def to_device(device: native.Device, *, source: str) -> Device:
    """A neutral Device; SimpleMDM has no device user e-mail (``managed_apple_id`` stays
    in ``native``) and names only the legacy device group a device is in."""
    groups = (
        () if device.device_group_id is None else (group_id(DEVICE_GROUP, device.device_group_id),)
    )
    return Device(
        id=str(device.id),
        name=device.name,
        serial_number=device.serial_number,
        udid=device.unique_identifier,
        imei=(device.imei,) if device.imei else (),
        platform=platform_of(device.product_name, device.model_name),
        os_version=device.os_version,
        model=model_of(device.model_name),
        status=device_status(device.status),
        last_seen_at=device.last_seen_at,
        enrolled_at=device.enrolled_at,
        supervised=device.is_supervised,
        user_email=None,
        group_ids=groups,
        vendor=VENDOR,
        source=source,
        native=device,
    )


# -- apps --------------------------------------------------------------------------------------


def app_platforms(platform_support: str | None) -> frozenset[Platform]:
    """``platform_support`` ("iOS", "macOS", "tvOS", or several joined) as platforms."""
    found: set[Platform] = set()
    for word in re.split(r"[\s,/;|]+", (platform_support or "").lower()):
        found |= APP_PLATFORMS.get(word, frozenset())
    return frozenset(found)


def app_kind(app_type: str | None, platform_support: str | None) -> AppKind:
    """``app_type`` as a kind; an enterprise app for macOS is an installer package."""
    kind = APP_KINDS.get(app_type or "", AppKind.UNKNOWN)
    if kind is AppKind.ENTERPRISE and Platform.MACOS in app_platforms(platform_support):
        return AppKind.PACKAGE
    return kind


def to_app(app: native.App, *, source: str) -> App:
    """A neutral App (SimpleMDM has no release channels)."""
    return App(
        id=str(app.id),
        name=app.name,
        bundle_id=app.bundle_identifier,
        version=app.version,
        kind=app_kind(app.app_type, app.platform_support),
        platforms=app_platforms(app.platform_support),
        channels=(),
        vendor=VENDOR,
        source=source,
        native=app,
    )


# -- groups ------------------------------------------------------------------------------------


def parse_group_id(value: str) -> tuple[str, int]:
    """``"device_group:7"`` -> ("device_group", 7); anything else is refused."""
    kind, sep, rest = value.partition(":")
    if sep and kind in _GROUP_PREFIXES and rest.isascii() and rest.isdigit():
        return kind, int(rest)
    raise InvalidRequestError(
        f"a SimpleMDM group id is 'device_group:<id>' (a legacy device group) or "
        f"'assignment_group:<id>' (a static or dynamic group), got {value!r}",
        field="group",
    )


def carrier_name(app_name: str | None, app_id: int) -> str:
    """The name of the assignment group mdmkit creates to carry an app to devices."""
    return f"mdmkit: {app_name or 'app'} ({app_id})"


def carrier_app_id(group: native.AssignmentGroup) -> int | None:
    """The app a carrier mdmkit created is for (from its name), or None for other groups."""
    found = _CARRIER_NAME.fullmatch(group.name or "")
    return int(found.group(1)) if found else None


def nge_kind(group: native.AssignmentGroup) -> GroupKind | None:
    """STATIC or DYNAMIC for a New Groups Experience group of devices; None for a group that
    carries apps (old standard/munki groups, and mdmkit's carriers whatever their type)."""
    if carrier_app_id(group) is not None:
        return None
    for value in (group.type, group.group_type):
        if value in GROUP_KINDS:
            return GROUP_KINDS[value]
    return None


def to_device_group(group: native.DeviceGroup, *, source: str) -> Group:
    """A legacy device group (every device is in exactly one)."""
    return Group(
        id=group_id(DEVICE_GROUP, group.id),
        name=group.name,
        kind=GroupKind.LEGACY,
        vendor=VENDOR,
        source=source,
        native=group,
    )


def to_assignment_group(group: native.AssignmentGroup, *, source: str) -> Group:
    """A static or dynamic group; an app-carrying group is refused (it is not a device group)."""
    kind = nge_kind(group)
    if kind is None:
        raise InvalidRequestError(
            f"assignment group {group.id} ({group.name!r}, type {group.type!r}) carries apps; "
            "it is not a static or dynamic group of devices",
            field="group",
        )
    return Group(
        id=group_id(ASSIGNMENT_GROUP, group.id),
        name=group.name,
        kind=kind,
        vendor=VENDOR,
        source=source,
        native=group,
    )


# -- assignments -------------------------------------------------------------------------------


def install_of(group: native.AssignmentGroup) -> InstallMode:
    """AUTOMATIC when the group auto-deploys (SimpleMDM's default when not said)."""
    return InstallMode.ON_DEMAND if group.auto_deploy is False else InstallMode.AUTOMATIC


def carrier_of(group: native.AssignmentGroup) -> Carrier:
    """The assignment group as the carrier of an assignment."""
    return Carrier(kind=CARRIER, id=str(group.id), name=group.name)


def targets_of(group: native.AssignmentGroup) -> list[Target]:
    """What an assignment group's apps go to: the group itself (static or dynamic), or its
    devices and legacy device groups (an app-carrying group)."""
    if nge_kind(group) is not None:
        return [Target(TargetKind.GROUP, group_id(ASSIGNMENT_GROUP, group.id))]
    devices = [Target(TargetKind.DEVICE, str(d)) for d in sorted(group.device_ids)]
    groups = [Target(TargetKind.GROUP, group_id(DEVICE_GROUP, g)) for g in group.device_group_ids]
    return devices + groups


def assignment(
    app: int | str, target: Target, group: native.AssignmentGroup, *, source: str
) -> AppAssignment:
    """One app to one target through ``group``."""
    return AppAssignment(
        app_id=str(app),
        target=target,
        install=install_of(group),
        carrier=carrier_of(group),
        vendor=VENDOR,
        source=source,
        native=group,
    )


def assignments_of(
    group: native.AssignmentGroup, *, source: str, apps: Iterable[int] | None = None
) -> list[AppAssignment]:
    """Every (app, target) pair an assignment group makes, of ``apps`` only when given."""
    wanted = None if apps is None else set(apps)
    return [
        assignment(app, target, group, source=source)
        for app in group.app_ids
        if wanted is None or app in wanted
        for target in targets_of(group)
    ]
