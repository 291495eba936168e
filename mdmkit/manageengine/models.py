"""ManageEngine MDM objects as typed, frozen models that tolerate the service's quirks.

Ids are 17-19 digit integers kept exact (never through float); ``"true"``/``"false"``
strings are booleans; ``imei`` may be a string or a list; counts may arrive as strings;
times are epoch milliseconds, read as aware datetimes. What the server does not know it
writes as ``"--"`` (text) and ``0``/``"0"`` (dates): ``make_converter`` reads both as None
in every optional field. Anything else off the documented shape is a ResponseFormatError.
Every top-level model keeps the object as sent in ``raw`` (left out of ``==`` and ``repr``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

import attrs
import cattrs

from mdmkit.http import convert
from mdmkit.http.convert import hooked, to_int

__all__ = [
    "App",
    "BulkActionItem",
    "BulkActionResult",
    "Device",
    "DeviceAction",
    "DeviceSummary",
    "DeviceUser",
    "FileStatus",
    "Group",
    "GroupRef",
    "InstalledApp",
    "OsInfo",
    "Profile",
    "ReleaseLabel",
    "SummaryCounts",
    "UploadedFile",
    "User",
    "make_converter",
]

PLATFORM_CODES = {"ios": 1, "android": 2, "windows": 3, "chrome": 4, "macos": 1, "tvos": 1}


def _raw() -> Any:
    return attrs.field(factory=dict, eq=False, repr=False)


UNKNOWN = "--"
"""How the server writes a text field it does not know (``DeviceDetailsModel``)."""
UNKNOWN_DATES = (0, "0", UNKNOWN, "")
"""How it writes a date it does not know: never 1970-01-01."""
_OPTIONAL_SCALARS = (str, int, float, bool)
_UNKNOWN_TEXT = ("", UNKNOWN)  # the strings _unknown reads as None


def _unknown(value: object) -> bool:
    return value is None or value == "" or value == UNKNOWN


def imei_list(value: object, _: object = None) -> tuple[str, ...]:
    """IMEIs as a tuple: the service sends one (a string or a number), a list, or nothing
    (null, ``""`` or ``"--"``); anything else is not an IMEI."""
    if _unknown(value):
        return ()
    items = value if isinstance(value, list | tuple) else [value]
    imeis = []
    for item in items:
        if _unknown(item):
            continue
        if isinstance(item, bool) or not isinstance(item, str | int):
            raise ValueError(f"not an IMEI: {item!r}")
        imeis.append(str(item))
    return tuple(imeis)


def platform_code(value: object, _: object = None) -> int | None:
    """A platform as ManageEngine's number (1 iOS, 2 Android, 3 Windows, 4 Chrome)."""
    if _unknown(value):
        return None
    if isinstance(value, str) and value.strip().lower() in PLATFORM_CODES:
        return PLATFORM_CODES[value.strip().lower()]
    return to_int(value)


def optional_int(value: object, _: object = None) -> int | None:
    """An int, or None for null, empty strings and the server's ``"--"``."""
    return None if _unknown(value) else to_int(value)


def make_converter() -> cattrs.Converter:
    """The shared converter plus ManageEngine's "unknown" spellings: ``"--"`` (and ``""``) in
    any optional text, number or flag, and ``0``/``"0"`` in any optional date, read as None."""
    converter = convert.make_converter()

    def reads(kind: type) -> tuple[Callable[[Any], bool], Callable[[object, object], object]]:
        known = converter.get_structure_hook(kind)  # resolved once, not dispatched per value

        def hook(value: object, _: object) -> object:
            return None if _unknown(value) else known(value, kind)

        if converter.pass_through.get(known) is kind:  # generated code skips the call for these
            converter.optional_pass_through[hook] = (kind, _UNKNOWN_TEXT if kind is str else ())
        return (lambda wanted: wanted == (kind | None)), hook

    for kind in _OPTIONAL_SCALARS:
        converter.register_structure_hook_func(*reads(kind))

    known_date = converter.get_structure_hook(datetime)

    def date(value: object, _: object) -> datetime | None:
        if value is None or (type(value) in (int, str) and value in UNKNOWN_DATES):
            return None
        return known_date(value, datetime)  # type: ignore[no-any-return]

    converter.register_structure_hook_func(lambda t: t == (datetime | None), date)
    converter.optional_pass_through[date] = (None, ())  # skipped for None only
    converter.optional_pass_through[optional_int] = (int, ())
    return converter


@attrs.frozen(kw_only=True)
class ReleaseLabel:
    """A release channel of an app (1 Stable, 2 Beta, or one you created) and its version."""

    release_label_id: int
    release_label_name: str | None = None
    release_label_type: int | None = None
    release_label_display_name: str | None = None
    app_version: str | None = None


@attrs.frozen(kw_only=True)
class App:
    """An app in the App Repository: store (1 free, 2 paid) or enterprise (3)."""

    app_id: int
    app_name: str | None = None
    app_title: str | None = None
    app_type: int | None = None
    app_category: str | None = None
    app_category_id: int | None = None
    app_category_name: str | None = None
    version: str | None = None
    app_version_code: str | None = None
    platform_type: int | None = hooked(platform_code, default=None)
    description: str | None = None
    icon: str | None = None
    bundle_identifier: str | None = None
    store_url: str | None = None
    store_id: str | None = None
    country_code: str | None = None
    is_app_paid: bool | None = None
    is_paid_app: bool | None = None
    supported_devices: int | None = None
    prevent_backup: bool | None = None
    remove_app_with_profile: bool | None = None
    app_file: int | None = None
    app_group_id: int | None = None
    release_label_id: int | None = None
    release_label_display_name: str | None = None
    release_labels: tuple[ReleaseLabel, ...] = ()
    app_distributed_devices_count: int | None = None
    app_distributed_group_count: int | None = None
    is_distributable: bool | None = None
    is_delete_applicable: bool | None = None
    is_multiple_app_version_available: bool | None = None
    added_time: datetime | None = None
    modified_time: datetime | None = None
    raw: Mapping[str, Any] = _raw()


@attrs.frozen(kw_only=True)
class UploadedFile:
    """A file uploaded for later use (an app package's ``app_file``), and its state."""

    file_id: int
    file_name: str | None = None
    content_type: str | None = None
    content_length: int | None = None
    status: str = "pending"  # "pending", "completed" or "failed"
    expiry_time: datetime | None = None
    raw: Mapping[str, Any] = _raw()


@attrs.frozen(kw_only=True)
class FileStatus:
    """Where an uploaded file's processing stands."""

    file_id: int
    status: str  # "pending", "completed" or "failed"
    expiry_time: datetime | None = None
    raw: Mapping[str, Any] = _raw()


@attrs.frozen(kw_only=True)
class DeviceUser:
    """The user a device is assigned to."""

    user_id: int | None = hooked(optional_int, default=None)
    user_name: str | None = None
    user_email: str | None = None


@attrs.frozen(kw_only=True)
class SummaryCounts:
    """How many profiles, apps, documents and groups a device has."""

    profile_count: int | None = hooked(optional_int, default=None)
    app_count: int | None = hooked(optional_int, default=None)
    doc_count: int | None = hooked(optional_int, default=None)
    group_count: int | None = hooked(optional_int, default=None)


@attrs.frozen(kw_only=True)
class OsInfo:
    """The operating system a device reports (``platform_type`` 1 iOS, 2 Android, 3 Windows)."""

    platform_type: int | None = hooked(platform_code, default=None)
    os_version: str | None = None
    build_version: str | None = None


@attrs.frozen(kw_only=True)
class Device:
    """A managed device (list items carry a subset of these fields; ``get`` carries all)."""

    device_id: int
    device_name: str | None = None
    platform_type: str | None = None  # "ios", "android", "windows"
    platform_type_id: int | None = hooked(platform_code, default=None)
    os_version: str | None = None
    product_name: str | None = None
    model: str | None = None
    model_name: str | None = None
    device_type: str | None = None
    udid: str | None = None
    serial_number: str | None = None
    imei: tuple[str, ...] = hooked(imei_list, factory=tuple)
    owned_by: int | None = hooked(optional_int, default=None)  # 1 corporate, 2 personal
    managed_status: int | None = hooked(optional_int, default=None)
    is_removed: bool | None = None
    is_lost_mode_enabled: bool | None = None
    is_supervised: bool | None = None
    is_activation_lock_enabled: bool | None = None
    user: DeviceUser | None = None
    summary: SummaryCounts | None = None
    os: OsInfo | None = None
    network: Mapping[str, Any] = attrs.field(factory=dict)
    security: Mapping[str, Any] = attrs.field(factory=dict)
    battery_level: float | None = None
    device_capacity: float | None = None
    available_device_capacity: float | None = None
    agent_version: str | None = None
    agent_version_code: str | None = None
    last_contact_time: datetime | None = None
    registered_time: datetime | None = None
    added_time: datetime | None = None
    asset_tag: str | None = None
    asset_owner: str | None = None
    description: str | None = None
    office: str | None = None
    purchase_date: datetime | None = None
    purchase_price: float | None = None
    purchase_type: str | None = None
    purchase_order_number: str | None = None
    warranty_number: str | None = None
    warranty_type: str | None = None
    warranty_expiration_date: datetime | None = None
    raw: Mapping[str, Any] = _raw()


@attrs.frozen(kw_only=True)
class GroupRef:
    """A group a device belongs to, as a summary names it."""

    group_id: int
    group_name: str | None = None


@attrs.frozen(kw_only=True)
class DeviceSummary:
    """A device's at-a-glance summary: counts, agent, last contact and groups."""

    device_id: int
    device_name: str | None = None
    platform_type: int | None = hooked(platform_code, default=None)
    agent_version: str | None = None
    last_contact_time: datetime | None = None
    profile_count: int | None = hooked(optional_int, default=None)
    app_count: int | None = hooked(optional_int, default=None)
    doc_count: int | None = hooked(optional_int, default=None)
    group_count: int | None = hooked(optional_int, default=None)
    group: tuple[GroupRef, ...] = ()
    raw: Mapping[str, Any] = _raw()


@attrs.frozen(kw_only=True)
class InstalledApp:
    """An app found on a device."""

    app_id: int | None = hooked(optional_int, default=None)
    app_name: str | None = None
    app_version: str | None = None
    identifier: str | None = None
    platform_type: int | None = hooked(platform_code, default=None)
    raw: Mapping[str, Any] = _raw()


@attrs.frozen(kw_only=True)
class DeviceAction:
    """An action and whether it can run on a device now."""

    name: str
    localized_name: str | None = None
    is_enabled: bool | None = None
    status_code: int | None = hooked(optional_int, default=None)
    status_description: str | None = None
    localized_status_description: str | None = None
    action_info: str | None = None
    raw: Mapping[str, Any] = _raw()


@attrs.frozen(kw_only=True)
class BulkActionItem:
    """One device's outcome in a bulk action."""

    device_id: int
    status: str | None = None
    remarks: str | None = None


@attrs.frozen(kw_only=True)
class BulkActionResult:
    """What a bulk action did: the devices it ran on and the ones it did not apply to."""

    success_list: tuple[BulkActionItem, ...] = ()
    na_list: tuple[BulkActionItem, ...] = ()
    total_count: int | None = hooked(optional_int, default=None)
    success_count: int | None = hooked(optional_int, default=None)
    not_applicable_count: int | None = hooked(optional_int, default=None)
    raw: Mapping[str, Any] = _raw()


@attrs.frozen(kw_only=True)
class Group:
    """A group of devices (6), users (7) or a tag group (11); ``member_ids`` when asked for."""

    group_id: int
    name: str | None = None
    group_type: int | None = hooked(optional_int, default=None)
    domain: str | None = None
    description: str | None = None
    member_count: int | None = hooked(optional_int, default=None)
    member_ids: tuple[int, ...] = ()
    raw: Mapping[str, Any] = _raw()


@attrs.frozen(kw_only=True)
class User:
    """A user devices can be assigned to."""

    user_id: int
    name: str | None = None
    user_name: str | None = None
    email_address: str | None = None
    phone_number: str | None = None
    domain: str | None = None
    raw: Mapping[str, Any] = _raw()


@attrs.frozen(kw_only=True)
class Profile:
    """A configuration profile (platform 1 iOS, 2 Android, 3 Windows, 4 Chrome)."""

    profile_id: int
    profile_name: str | None = None
    profile_description: str | None = None
    platform_type: int | None = hooked(platform_code, default=None)
    scope: int | None = hooked(optional_int, default=None)
    profile_status: str | None = None
    profile_status_id: int | None = hooked(optional_int, default=None)
    collection_id: int | None = hooked(optional_int, default=None)
    profile_version: int | None = hooked(optional_int, default=None)
    creation_time: datetime | None = None
    last_modified_time: datetime | None = None
    is_moved_to_trash: bool | None = None
    raw: Mapping[str, Any] = _raw()
