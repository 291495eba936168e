"""ManageEngine's native models as mdmkit's neutral ones: pure functions and the tables they use.

Nothing here sends a request; the adapter (``adapter.py``) fetches and calls these. Every neutral
model keeps the native one in ``native``; ids become exact decimal strings (never a float).

ManageEngine knows one Apple platform (``platform_type`` ``"ios"`` / 1) for iPhones, iPads,
Macs and Apple TVs; the neutral platform is refined from the hardware names
(``product_name``, ``model``, ``model_name``), so ``devices.list(platform=...)`` filters the
Apple ones client-side (``SERVER_PLATFORMS`` and ``EXACT_ON_SERVER`` say which).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, TypeVar

from mdmkit.core.models import (
    App,
    AppAssignment,
    AppChannel,
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
from mdmkit.manageengine import models as native

__all__ = [
    "APP_KINDS",
    "APP_PLATFORMS",
    "DEVICE_STATUSES",
    "EXACT_ON_SERVER",
    "GROUP_KINDS",
    "SERVER_PLATFORMS",
    "STABLE_LABEL",
    "app",
    "apple_platform",
    "assignments",
    "carrier",
    "channel",
    "device",
    "device_platform",
    "device_status",
    "group",
    "stable_label",
]

K = TypeVar("K")
V = TypeVar("V")
VENDOR = Vendor.MANAGEENGINE
APPLE = 1
STABLE_LABEL = 1
"""``release_label_type`` of the built-in Stable channel (2: every channel created later)."""

DEVICE_STATUSES = {
    2: DeviceStatus.ENROLLED,
    1: DeviceStatus.AWAITING_ENROLLMENT,
    4: DeviceStatus.REMOVED,
}
"""``managed_status``: 2 managed, 1 enrollment pending, 4 removed (or wiped); others UNKNOWN."""

PLATFORM_CODES = {2: Platform.ANDROID, 3: Platform.WINDOWS, 4: Platform.CHROMEOS}
"""``platform_type`` / ``platform_type_id`` other than 1 (Apple, refined by hardware name)."""

PLATFORM_NAMES = {
    "ipados": Platform.IPADOS,
    "macos": Platform.MACOS,
    "tvos": Platform.TVOS,
    "android": Platform.ANDROID,
    "windows": Platform.WINDOWS,
    "chrome": Platform.CHROMEOS,
    "chromeos": Platform.CHROMEOS,
}
"""A device's ``platform_type`` as a name: these are taken as they are; ``"ios"`` is refined."""

APPLE_PREFIXES = (
    ("ipad", Platform.IPADOS),
    ("appletv", Platform.TVOS),
    ("apple tv", Platform.TVOS),
    ("mac", Platform.MACOS),  # Mac15,3, MacBookAir10,1, "MacBook Pro (...)", "Mac mini"
    ("imac", Platform.MACOS),
    ("iphone", Platform.IOS),
    ("ipod", Platform.IOS),
)
"""Hardware name prefixes (any case) that tell the Apple platforms apart."""

SERVER_PLATFORMS = {
    Platform.IOS: "iOS",
    Platform.IPADOS: "iOS",
    Platform.MACOS: "iOS",
    Platform.TVOS: "iOS",
    Platform.ANDROID: "Android",
    Platform.WINDOWS: "Windows",
}
"""The ``devices.list`` ``platform`` filter for a neutral platform (absent: no server filter)."""

EXACT_ON_SERVER = frozenset({Platform.ANDROID, Platform.WINDOWS})
"""Neutral platforms the server filter selects exactly; the others are refined client-side."""

APP_KINDS = {1: AppKind.STORE, 2: AppKind.STORE, 3: AppKind.ENTERPRISE}
"""``app_type``: 1 free store app, 2 paid store app, 3 enterprise app."""

APP_PLATFORMS = {
    1: frozenset({Platform.IOS, Platform.IPADOS}),
    2: frozenset({Platform.ANDROID}),
    3: frozenset({Platform.WINDOWS}),
    4: frozenset({Platform.CHROMEOS}),
}
"""An app's ``platform_type``."""

GROUP_KINDS = {6: GroupKind.STATIC, 7: GroupKind.USER, 11: GroupKind.TAG}
"""``group_type``: 6 device group, 7 user group, 11 tag group; others OTHER."""


def apple_platform(*names: str | None) -> Platform:
    """IPADOS, MACOS, TVOS or IOS from the first hardware name that tells (IOS if none does)."""
    for name in names:
        lowered = (name or "").strip().lower()
        for prefix, platform in APPLE_PREFIXES:
            if lowered.startswith(prefix):
                return platform
    return Platform.IOS


def _platform_code(value: object) -> int | None:
    try:
        return native.platform_code(value)
    except ValueError:
        return None


def device_platform(item: native.Device) -> Platform:
    """The neutral platform of a device: ``platform_type`` (name or number), then the id fields."""
    named = (item.platform_type or "").strip().lower()
    if named in PLATFORM_NAMES:
        return PLATFORM_NAMES[named]
    code = _platform_code(item.platform_type)
    if code is None:
        code = item.platform_type_id
    if code is None and item.os is not None:
        code = item.os.platform_type
    if code == APPLE:
        return apple_platform(item.product_name, item.model, item.model_name)
    return PLATFORM_CODES.get(code, Platform.UNKNOWN) if code is not None else Platform.UNKNOWN


def device_status(item: native.Device) -> DeviceStatus:
    """REMOVED when ``is_removed`` (a bool or "true"), else from ``managed_status``."""
    if item.is_removed:
        return DeviceStatus.REMOVED
    if item.managed_status is None:
        return DeviceStatus.UNKNOWN
    return DEVICE_STATUSES.get(item.managed_status, DeviceStatus.UNKNOWN)


if TYPE_CHECKING:
    _new_device = Device  # what the builder takes and gives, checked
else:
    _new_device = builder(Device)  # a neutral Device without a setattr call a field


def device(
    item: native.Device, source: str, *, summary: native.DeviceSummary | None = None
) -> Device:
    """A neutral Device; ``group_ids`` come from the ``summary`` (list items carry no groups,
    and a device without a summary has groups unknown: ``group_ids_known`` False)."""
    return _new_device(
        id=str(item.device_id),
        name=item.device_name,
        serial_number=item.serial_number,
        udid=item.udid,
        imei=tuple(item.imei),
        platform=device_platform(item),
        os_version=item.os_version,
        model=item.model_name or item.model or item.product_name,
        status=device_status(item),
        last_seen_at=item.last_contact_time,
        enrolled_at=item.registered_time,
        supervised=item.is_supervised,
        user_email=item.user.user_email if item.user is not None else None,
        group_ids=_ids(g.group_id for g in summary.group) if summary is not None else (),
        group_ids_known=summary is not None,
        vendor=VENDOR,
        source=source,
        native=item,
    )


def channel(label: native.ReleaseLabel) -> AppChannel:
    """A release label as an AppChannel, with the version the app has in it."""
    return AppChannel(
        id=str(label.release_label_id),
        name=label.release_label_name or label.release_label_display_name,
        version=label.app_version,
    )


def app(item: native.App, source: str) -> App:
    """A neutral App, its release labels as ``channels``."""
    return App(
        id=str(item.app_id),
        name=item.app_name,
        bundle_id=item.bundle_identifier,
        version=item.version,
        kind=_lookup(APP_KINDS, item.app_type, AppKind.UNKNOWN),
        platforms=_lookup(APP_PLATFORMS, item.platform_type, frozenset()),
        channels=tuple(channel(label) for label in item.release_labels),
        vendor=VENDOR,
        source=source,
        native=item,
    )


def stable_label(item: native.App) -> native.ReleaseLabel | None:
    """The label assignments use: Stable (``release_label_type`` 1), else the first one."""
    labels = item.release_labels
    first = labels[0] if labels else None
    return next((x for x in labels if x.release_label_type == STABLE_LABEL), first)


def carrier(label: native.ReleaseLabel) -> Carrier:
    """The release label that carries an assignment."""
    return Carrier(
        kind="release_label",
        id=str(label.release_label_id),
        name=label.release_label_name or label.release_label_display_name,
    )


def assignments(
    app_id: str,
    label: native.ReleaseLabel,
    install: InstallMode,
    source: str,
    *,
    devices: Iterable[str] = (),
    groups: Iterable[str] = (),
) -> list[AppAssignment]:
    """One AppAssignment per device, then per group, carried by ``label``."""
    targets = [Target(TargetKind.DEVICE, d) for d in devices]
    targets += [Target(TargetKind.GROUP, g) for g in groups]
    return [
        AppAssignment(
            app_id=app_id,
            target=target,
            install=install,
            carrier=carrier(label),
            vendor=VENDOR,
            source=source,
            native=label,
        )
        for target in targets
    ]


def group(item: native.Group, source: str) -> Group:
    """A neutral Group."""
    return Group(
        id=str(item.group_id),
        name=item.name,
        kind=_lookup(GROUP_KINDS, item.group_type, GroupKind.OTHER),
        vendor=VENDOR,
        source=source,
        native=item,
    )


def _lookup(table: dict[K, V], key: K | None, default: V) -> V:
    return default if key is None else table.get(key, default)


def _ids(values: Iterable[int]) -> tuple[str, ...]:
    return tuple(str(value) for value in values)
