"""SimpleMDM's native models as neutral ones: pure functions and the small tables they use.

Nothing here sends a request. SimpleMDM has two kinds of group, so neutral group ids say
which: ``"device_group:<id>"`` for a legacy device group and ``"assignment_group:<id>"`` for
a New Groups Experience static or dynamic group. Which assignment groups are groups of devices
depends on the account (:class:`Experience`): on a classic account every assignment group
(standard or munki, whatever its ``group_type`` says) carries apps to its device groups and
devices; on the New Groups Experience static and dynamic groups hold devices, while the ones
mdmkit creates to carry app assignments (named ``"mdmkit: <app> (<id>)"``) still carry apps.
"""

from __future__ import annotations

import enum
import functools
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

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
from mdmkit.http.compiled import builder
from mdmkit.simplemdm import models as native

__all__ = [
    "APP_KINDS",
    "APP_PLATFORMS",
    "ASSIGNMENT_GROUP",
    "CARRIER",
    "DEVICE_GROUP",
    "GONE_STATUSES",
    "GROUP_KINDS",
    "MUNKI_INSTALLS",
    "PLATFORM_PREFIXES",
    "STATUSES",
    "Experience",
    "app_kind",
    "app_platforms",
    "assignment",
    "assignments_of",
    "carrier_app_id",
    "carrier_name",
    "carrier_of",
    "device_status",
    "experience_of",
    "experience_refused",
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
    "apple store": AppKind.STORE,  # what the real service answered in 2022 (recorded)
    "custom b2b": AppKind.CUSTOM,
    "enterprise": AppKind.ENTERPRISE,  # PACKAGE when the app is for macOS (a pkg)
    "shared": AppKind.SHARED,  # the shared catalog, listed only with include_shared
}
APP_PLATFORMS: dict[str, frozenset[Platform]] = {
    "ios": frozenset({Platform.IOS, Platform.IPADOS}),
    "macos": frozenset({Platform.MACOS}),
    "tvos": frozenset({Platform.TVOS}),
}
GROUP_KINDS: dict[str, GroupKind] = {"static": GroupKind.STATIC, "dynamic": GroupKind.DYNAMIC}
# How a munki group's apps reach devices (its install_type; the reference's default: managed).
MUNKI_INSTALLS: dict[str, InstallMode] = {
    "managed": InstallMode.AUTOMATIC,  # Munki managed_installs: installed at its next run
    "default_installs": InstallMode.AUTOMATIC,  # installed once; the user may remove it later
    "self_serve": InstallMode.ON_DEMAND,  # offered in Munki's self-service catalog only
    "managed_updates": InstallMode.ON_DEMAND,  # only updated where already installed
}
# What GET /device_groups answers on an account that has no device groups left.
GONE_STATUSES = frozenset({404, 410, 422})
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


@functools.lru_cache(maxsize=1024)  # a fleet has few distinct models; listing asks per device
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


if TYPE_CHECKING:
    _new_device = Device  # what the builder takes and gives, checked
else:
    _new_device = builder(Device)  # a neutral Device without a setattr call a field


def to_device(device: native.Device, *, source: str) -> Device:
    """A neutral Device; SimpleMDM has no device user e-mail (``managed_apple_id`` stays
    in ``native``) and names only the legacy device group a device is in."""
    groups = (
        () if device.device_group_id is None else (group_id(DEVICE_GROUP, device.device_group_id),)
    )
    return _new_device(
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
        group_ids_known=device.device_group_id is not None,  # classic: its one device group
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


class Experience(enum.Enum):
    """Which group model a SimpleMDM account is on."""

    CLASSIC = "classic"  # legacy device groups; assignment groups carry apps to them
    NEW_GROUPS = "new groups"  # the New Groups Experience: static and dynamic groups


def experience_of(device_groups: int) -> Experience:
    """The account's experience from a ``GET /device_groups`` that answered: device groups
    listed -> CLASSIC (where device groups exist), none -> NEW_GROUPS."""
    return Experience.CLASSIC if device_groups else Experience.NEW_GROUPS


def experience_refused(status: int) -> Experience | None:
    """The account's experience from a refused ``GET /device_groups``: the endpoint gone (404,
    410, 422) -> NEW_GROUPS; any other refusal says nothing (None: raise what came back)."""
    return Experience.NEW_GROUPS if status in GONE_STATUSES else None


def nge_kind(group: native.AssignmentGroup, experience: Experience) -> GroupKind | None:
    """STATIC or DYNAMIC for a New Groups Experience group of devices; None for a group that
    carries apps. mdmkit's carriers carry apps; ``type`` static/dynamic (written only by the
    New Groups Experience) is a group of devices; otherwise the account decides: on the New
    Groups Experience ``group_type`` static/dynamic says so (``type`` may then be the
    deployment kind, standard or munki), while on a classic account every other group carries
    apps (its ``group_type`` reads "dynamic" and means nothing here)."""
    if carrier_app_id(group) is not None:
        return None
    if group.type in GROUP_KINDS:
        return GROUP_KINDS[group.type]
    if experience is Experience.NEW_GROUPS:
        return GROUP_KINDS.get(group.group_type or "")
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


def to_assignment_group(
    group: native.AssignmentGroup, experience: Experience, *, source: str
) -> Group:
    """A static or dynamic group; an app-carrying group is refused (it is not a device group)."""
    kind = nge_kind(group, experience)
    if kind is None:
        raise InvalidRequestError(
            f"assignment group {group.id} ({group.name!r}, type {group.type!r}) carries apps "
            f"on this {experience.value} account; it is not a static or dynamic group of devices",
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
    """A munki group installs as its ``install_type`` says (``self_serve`` is on demand even
    with ``auto_deploy`` on); any other group, or an ``install_type`` not known yet, is
    AUTOMATIC when it auto-deploys (SimpleMDM's default when not said)."""
    if group.type == "munki" and (group.install_type or "managed") in MUNKI_INSTALLS:
        return MUNKI_INSTALLS[group.install_type or "managed"]
    return InstallMode.ON_DEMAND if group.auto_deploy is False else InstallMode.AUTOMATIC


def carrier_of(group: native.AssignmentGroup) -> Carrier:
    """The assignment group as the carrier of an assignment."""
    return Carrier(kind=CARRIER, id=str(group.id), name=group.name)


def targets_of(group: native.AssignmentGroup, experience: Experience) -> list[Target]:
    """What an assignment group's apps go to: the group itself (static or dynamic), or its
    devices and legacy device groups (an app-carrying group)."""
    if nge_kind(group, experience) is not None:
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
    group: native.AssignmentGroup,
    experience: Experience,
    *,
    source: str,
    apps: Iterable[int] | None = None,
) -> list[AppAssignment]:
    """Every (app, target) pair an assignment group makes, of ``apps`` only when given."""
    wanted = None if apps is None else set(apps)
    targets = targets_of(group, experience)
    return [
        assignment(app, target, group, source=source)
        for app in group.app_ids
        if wanted is None or app in wanted
        for target in targets
    ]
