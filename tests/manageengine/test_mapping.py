"""ManageEngine native models -> neutral models, table by table (no server).

Native models are structured from JSON-shaped dicts with the client's own converter, so the
service's quirks (numbers as strings, "true" booleans, ids above 2**53) reach the mapping as
they would from the wire.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any, TypeVar

import pytest

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
from mdmkit.http.convert import structure_model
from mdmkit.manageengine import mapping
from mdmkit.manageengine import models as native
from mdmkit.manageengine.models import make_converter

T = TypeVar("T")
CONVERTER = make_converter()
BIG = 108_870_000_001_000_123  # odd and above 2**53: a float would change it
ME = Vendor.MANAGEENGINE


def build(cls: type[T], data: dict[str, Any] | str) -> T:
    """A native model from a dict, or from JSON text (big ids parsed as the wire has them)."""
    loaded = json.loads(data) if isinstance(data, str) else data
    return structure_model(CONVERTER, loaded, cls)


def a_device(**fields: Any) -> native.Device:
    return build(native.Device, {"device_id": 1, **fields})


def an_app(**fields: Any) -> native.App:
    return build(native.App, {"app_id": 1, **fields})


def a_label(label_id: int, label_type: int | None, name: str = "x") -> dict[str, Any]:
    return {
        "release_label_id": label_id,
        "release_label_type": label_type,
        "release_label_name": name,
        "app_version": f"{label_id}.0",
    }


PLATFORMS = [
    ({"platform_type": "ios", "product_name": "iPhone16,2"}, Platform.IOS),
    ({"platform_type": "ios", "product_name": "iPad13,16"}, Platform.IPADOS),
    ({"platform_type": "ios", "product_name": "Mac15,3"}, Platform.MACOS),
    ({"platform_type": "ios", "product_name": "MacBookAir10,1"}, Platform.MACOS),
    ({"platform_type": "ios", "product_name": "iMac21,1"}, Platform.MACOS),
    ({"platform_type": "ios", "model_name": "MacBook Pro (14-inch, Nov 2023)"}, Platform.MACOS),
    ({"platform_type": "ios", "product_name": "AppleTV14,1"}, Platform.TVOS),
    ({"platform_type": "ios", "model": "Apple TV 4K (3rd generation)"}, Platform.TVOS),
    ({"platform_type": "ios", "product_name": "iPod9,1"}, Platform.IOS),
    ({"platform_type": "ios"}, Platform.IOS),  # no hardware name: an iPhone until told
    ({"platform_type": "ios", "product_name": "", "model": "iPad Air"}, Platform.IPADOS),
    ({"platform_type": "ios", "product_name": "iPhone16,2", "model": "iPad"}, Platform.IOS),
    ({"platform_type": "iOS", "model_name": "Mac mini (2024)"}, Platform.MACOS),
    ({"platform_type": 1, "product_name": "iPad14,1"}, Platform.IPADOS),
    ({"platform_type": "1", "product_name": "AppleTV11,1"}, Platform.TVOS),
    ({"platform_type_id": 1, "model_name": "iPad mini (6th generation)"}, Platform.IPADOS),
    ({"os": {"platform_type": 1}, "product_name": "Mac16,10"}, Platform.MACOS),
    ({"platform_type": "macos", "product_name": "iPhone16,2"}, Platform.MACOS),
    ({"platform_type": "tvos"}, Platform.TVOS),
    ({"platform_type": "ipados"}, Platform.IPADOS),
    ({"platform_type": "android", "product_name": "SM-X710"}, Platform.ANDROID),
    ({"platform_type": "Android"}, Platform.ANDROID),
    ({"platform_type": 2}, Platform.ANDROID),
    ({"platform_type_id": 2}, Platform.ANDROID),
    ({"os": {"platform_type": "android"}}, Platform.ANDROID),
    ({"platform_type": "windows", "product_name": "Mac-like name"}, Platform.WINDOWS),
    ({"platform_type": "3"}, Platform.WINDOWS),
    ({"platform_type": "chrome"}, Platform.CHROMEOS),
    ({"platform_type": 4}, Platform.CHROMEOS),
    ({}, Platform.UNKNOWN),
    ({"platform_type": "blackberry"}, Platform.UNKNOWN),
    ({"platform_type": 9}, Platform.UNKNOWN),
]


@pytest.mark.parametrize(("fields", "expected"), PLATFORMS)
def test_device_platform(fields: dict[str, Any], expected: Platform) -> None:
    item = a_device(**fields)
    assert mapping.device_platform(item) is expected
    assert mapping.device(item, "me").platform is expected


STATUSES = [
    ({"managed_status": 2}, DeviceStatus.ENROLLED),
    ({"managed_status": "2"}, DeviceStatus.ENROLLED),
    ({"managed_status": 1}, DeviceStatus.AWAITING_ENROLLMENT),
    ({"managed_status": 4}, DeviceStatus.REMOVED),
    ({"managed_status": 3}, DeviceStatus.UNKNOWN),
    ({"managed_status": None}, DeviceStatus.UNKNOWN),
    ({}, DeviceStatus.UNKNOWN),
    ({"managed_status": 2, "is_removed": "true"}, DeviceStatus.REMOVED),
    ({"managed_status": 2, "is_removed": True}, DeviceStatus.REMOVED),
    ({"is_removed": "true"}, DeviceStatus.REMOVED),
    ({"managed_status": 2, "is_removed": "false"}, DeviceStatus.ENROLLED),
    ({"managed_status": 1, "is_removed": False}, DeviceStatus.AWAITING_ENROLLMENT),
    ({"managed_status": 4, "is_removed": "false"}, DeviceStatus.REMOVED),
]


@pytest.mark.parametrize(("fields", "expected"), STATUSES)
def test_device_status(fields: dict[str, Any], expected: DeviceStatus) -> None:
    item = a_device(**fields)
    assert mapping.device_status(item) is expected
    assert mapping.device(item, "me").status is expected


PHONE = {"model_name": "iPhone 15 Pro", "model": "iPhone 15", "product_name": "iPhone16,1"}
MODELS = [
    (PHONE, "iPhone 15 Pro"),
    ({"model": "Google Pixel 8", "product_name": "shiba"}, "Google Pixel 8"),
    ({"product_name": "SM-S921U"}, "SM-S921U"),
    ({}, None),
]


@pytest.mark.parametrize(("fields", "expected"), MODELS)
def test_device_model_prefers_the_marketing_name(
    fields: dict[str, Any], expected: str | None
) -> None:
    assert mapping.device(a_device(**fields), "me").model == expected


def test_a_device_detail_maps_every_neutral_field() -> None:
    text = json.dumps(
        {
            "device_id": BIG,
            "device_name": "Sara's iPad",
            "platform_type": "ios",
            "platform_type_id": 1,
            "product_name": "iPad13,16",
            "model": "iPad Air (5th generation)",
            "model_name": "iPad Air (5th generation)",
            "os_version": "18.1",
            "udid": "00008101-000A1B2C3D4E5F60",
            "serial_number": "DMPXK2ABCD",
            "imei": ["356789012345678", "356789012345679"],
            "managed_status": 2,
            "is_removed": "false",
            "is_supervised": "true",
            "last_contact_time": 1_800_000_000_000,
            "registered_time": "1700000000000",
            "user": {"user_id": "108870000002000001", "user_email": "sara@example.com"},
        }
    )
    item = build(native.Device, text)
    assert mapping.device(item, "tenant-a") == Device(
        id="108870000001000123",
        name="Sara's iPad",
        serial_number="DMPXK2ABCD",
        udid="00008101-000A1B2C3D4E5F60",
        imei=("356789012345678", "356789012345679"),
        platform=Platform.IPADOS,
        os_version="18.1",
        model="iPad Air (5th generation)",
        status=DeviceStatus.ENROLLED,
        last_seen_at=datetime(2027, 1, 15, 8, 0, tzinfo=UTC),
        enrolled_at=datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC),
        supervised=True,
        user_email="sara@example.com",
        group_ids=(),
        vendor=ME,
        source="tenant-a",
    )
    assert mapping.device(item, "tenant-a").native is item


def test_a_list_item_has_no_groups_and_the_summary_fills_them() -> None:
    item = a_device(platform_type="android")
    summary = build(
        native.DeviceSummary,
        '{"device_id": 1, "group_count": "2", "group": ['
        '{"group_id": 108870000005000001, "group_name": "Sales"},'
        '{"group_id": "108870000005000003", "group_name": "Kiosks"}]}',
    )
    assert mapping.device(item, "me").group_ids == ()
    assert mapping.device(item, "me", summary=summary).group_ids == (
        "108870000005000001",
        "108870000005000003",
    )
    empty = build(native.DeviceSummary, {"device_id": 1})
    assert mapping.device(item, "me", summary=empty).group_ids == ()


def test_missing_optional_fields_stay_none() -> None:
    neutral = mapping.device(a_device(), "me")
    assert (neutral.name, neutral.user_email, neutral.supervised, neutral.imei) == (
        None,
        None,
        None,
        (),
    )
    assert (neutral.last_seen_at, neutral.enrolled_at) == (None, None)
    no_email = mapping.device(a_device(user={"user_name": "Shared"}), "me")
    assert no_email.user_email is None


IDS = [
    ('{"device_id": 108870000001000123}', "108870000001000123"),
    ('{"device_id": "108870000001000123"}', "108870000001000123"),
    ('{"device_id": 1088700000010001239}', "1088700000010001239"),
    ('{"device_id": 10887000000100013}', "10887000000100013"),
    ('{"device_id": 7}', "7"),
]


@pytest.mark.parametrize(("text", "expected"), IDS)
def test_device_ids_become_exact_strings(text: str, expected: str) -> None:
    assert mapping.device(build(native.Device, text), "me").id == expected


def test_app_group_label_and_summary_ids_stay_exact() -> None:
    app = build(
        native.App,
        '{"app_id": 108870000003000017, "release_labels": ['
        '{"release_label_id": 108870000004000001, "release_label_type": 1}]}',
    )
    group = build(native.Group, '{"group_id": 108870000005000009, "group_type": 6}')
    assert mapping.app(app, "me").id == "108870000003000017"
    assert mapping.app(app, "me").channels[0].id == "108870000004000001"
    assert mapping.group(group, "me").id == "108870000005000009"
    assert float(BIG) != BIG  # the ids above are beyond what a float holds exactly


APP_KINDS = [
    (1, AppKind.STORE),
    (2, AppKind.STORE),
    ("2", AppKind.STORE),
    (3, AppKind.ENTERPRISE),
    ("3", AppKind.ENTERPRISE),
    (5, AppKind.UNKNOWN),
    (None, AppKind.UNKNOWN),
]


@pytest.mark.parametrize(("app_type", "expected"), APP_KINDS)
def test_app_kind(app_type: object, expected: AppKind) -> None:
    assert mapping.app(an_app(app_type=app_type), "me").kind is expected


APP_PLATFORMS = [
    (1, {Platform.IOS, Platform.IPADOS}),
    ("ios", {Platform.IOS, Platform.IPADOS}),
    (2, {Platform.ANDROID}),
    ("android", {Platform.ANDROID}),
    (3, {Platform.WINDOWS}),
    (4, {Platform.CHROMEOS}),
    (7, set()),
    (None, set()),
]


@pytest.mark.parametrize(("platform_type", "expected"), APP_PLATFORMS)
def test_app_platforms(platform_type: object, expected: set[Platform]) -> None:
    assert mapping.app(an_app(platform_type=platform_type), "me").platforms == expected


def test_an_app_maps_every_neutral_field_and_its_labels_as_channels() -> None:
    item = build(
        native.App,
        {
            "app_id": "108870000003000001",
            "app_name": "Field Notes",
            "app_type": 3,
            "bundle_identifier": "com.example.fieldnotes",
            "version": "2.4",
            "platform_type": 2,
            "release_labels": [
                a_label(11, 1, "Stable"),
                {"release_label_id": 12, "release_label_display_name": "Beta"},
            ],
        },
    )
    assert mapping.app(item, "me") == App(
        id="108870000003000001",
        name="Field Notes",
        bundle_id="com.example.fieldnotes",
        version="2.4",
        kind=AppKind.ENTERPRISE,
        platforms=frozenset({Platform.ANDROID}),
        channels=(
            AppChannel(id="11", name="Stable", version="11.0"),
            AppChannel(id="12", name="Beta", version=None),
        ),
        vendor=ME,
        source="me",
    )
    assert mapping.app(item, "me").native is item
    assert mapping.app(an_app(), "me").channels == ()


GROUP_KINDS = [
    (6, GroupKind.STATIC),
    ("6", GroupKind.STATIC),
    (7, GroupKind.USER),
    (11, GroupKind.TAG),
    ("11", GroupKind.TAG),
    (1, GroupKind.OTHER),
    (None, GroupKind.OTHER),
]


@pytest.mark.parametrize(("group_type", "expected"), GROUP_KINDS)
def test_group_kind(group_type: object, expected: GroupKind) -> None:
    item = build(native.Group, {"group_id": 5, "name": "Sales", "group_type": group_type})
    assert mapping.group(item, "me") == Group(
        id="5", name="Sales", kind=expected, vendor=ME, source="me"
    )


STABLE_LABELS = [
    ([a_label(2, 2, "Beta"), a_label(1, 1, "Stable")], 1),
    ([a_label(1, 1, "Stable"), a_label(2, 2, "Beta")], 1),
    ([a_label(2, 2, "Beta"), a_label(3, 2, "Canary")], 2),
    ([a_label(4, None)], 4),
    ([], None),
]


@pytest.mark.parametrize(("labels", "expected"), STABLE_LABELS)
def test_assignments_use_the_stable_label_else_the_first(
    labels: list[dict[str, Any]], expected: int | None
) -> None:
    label = mapping.stable_label(an_app(release_labels=labels))
    assert (label.release_label_id if label else None) == expected


def test_assignments_one_per_target_carried_by_the_label() -> None:
    label = build(native.ReleaseLabel, a_label(108870000004000001, 1, "Stable"))
    made = mapping.assignments(
        "9", label, InstallMode.ON_DEMAND, "me", devices=["1", "2"], groups=["3"]
    )
    carrier = Carrier(kind="release_label", id="108870000004000001", name="Stable")
    assert made == [
        AppAssignment(
            app_id="9",
            target=Target(kind, target_id),
            install=InstallMode.ON_DEMAND,
            carrier=carrier,
            vendor=ME,
            source="me",
        )
        for kind, target_id in [
            (TargetKind.DEVICE, "1"),
            (TargetKind.DEVICE, "2"),
            (TargetKind.GROUP, "3"),
        ]
    ]
    assert all(a.native is label for a in made)
    assert mapping.carrier(
        build(native.ReleaseLabel, {"release_label_id": 5, "release_label_display_name": "Beta"})
    ) == Carrier(kind="release_label", id="5", name="Beta")


SERVER_FILTERS = [
    (Platform.IOS, "iOS", False),
    (Platform.IPADOS, "iOS", False),
    (Platform.MACOS, "iOS", False),
    (Platform.TVOS, "iOS", False),
    (Platform.ANDROID, "Android", True),
    (Platform.WINDOWS, "Windows", True),
    (Platform.CHROMEOS, None, False),
    (Platform.UNKNOWN, None, False),
]


@pytest.mark.parametrize(("platform", "server", "exact"), SERVER_FILTERS)
def test_the_server_filter_of_each_neutral_platform(
    platform: Platform, server: str | None, exact: bool
) -> None:
    assert mapping.SERVER_PLATFORMS.get(platform) == server
    assert (platform in mapping.EXACT_ON_SERVER) is exact


def test_every_neutral_platform_has_a_row() -> None:
    assert {row[0] for row in SERVER_FILTERS} == set(Platform)
