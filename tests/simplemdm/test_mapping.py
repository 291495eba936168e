"""SimpleMDM native models to neutral ones, table by table, with no server."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from mdmkit.core.errors import InvalidRequestError
from mdmkit.core.models import (
    AppAssignment,
    AppKind,
    Carrier,
    DeviceStatus,
    GroupKind,
    InstallMode,
    Platform,
    Target,
    TargetKind,
    Vendor,
)
from mdmkit.http.convert import make_converter
from mdmkit.http.response import Response
from mdmkit.simplemdm import models as native
from mdmkit.simplemdm.envelope import read_list, read_one
from mdmkit.simplemdm.mapping import (
    Experience,
    app_kind,
    app_platforms,
    assignments_of,
    carrier_app_id,
    carrier_name,
    device_status,
    experience_of,
    experience_refused,
    install_of,
    model_of,
    native_id,
    nge_kind,
    parse_group_id,
    platform_of,
    targets_of,
    to_app,
    to_assignment_group,
    to_device,
    to_device_group,
)

FIXTURES = Path(__file__).parent / "fixtures"
SEEN = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
IOS_AND_IPADOS = frozenset({Platform.IOS, Platform.IPADOS})


@pytest.mark.parametrize(
    ("product_name", "model_name", "platform"),
    [
        ("iPhone16,2", "iPhone 15 Pro Max", Platform.IOS),
        ("iPod9,1", None, Platform.IOS),
        ("iPad13,16", "iPad Air (5th generation)", Platform.IPADOS),
        ("AppleTV14,1", None, Platform.TVOS),
        (None, "Apple TV 4K (3rd generation)", Platform.TVOS),
        ("Mac15,3", "MacBook Pro (14-inch, Nov 2023)", Platform.MACOS),
        ("MacBookAir10,1", None, Platform.MACOS),
        ("MacBookPro16,1", None, Platform.MACOS),
        ("iMac21,1", None, Platform.MACOS),
        ("Macmini9,1", None, Platform.MACOS),
        ("VirtualMac2,1", "Apple Virtual Machine 1", Platform.MACOS),
        (None, "MacBook Air (M1, 2020)", Platform.MACOS),
        (None, "iMac (24-inch, 2023)", Platform.MACOS),
        ("", "iPhone 15", Platform.IOS),  # an empty product name falls back to the model name
        ("iPhone16,2", "iPad Air", Platform.IOS),  # the product name wins
        ("RealityDevice14,1", "Apple Vision Pro", Platform.UNKNOWN),
        (None, "Unknown", Platform.UNKNOWN),  # awaiting enrollment
        (None, None, Platform.UNKNOWN),
        ("iphone16,2", None, Platform.UNKNOWN),  # Apple's identifiers are case-sensitive
    ],
)
def test_platform_from_product_name_then_model_name(
    product_name: str | None, model_name: str | None, platform: Platform
) -> None:
    assert platform_of(product_name, model_name) is platform


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("enrolled", DeviceStatus.ENROLLED),
        ("awaiting enrollment", DeviceStatus.AWAITING_ENROLLMENT),
        ("unenrolled", DeviceStatus.UNENROLLED),
        ("retired", DeviceStatus.UNKNOWN),
        ("Enrolled", DeviceStatus.UNKNOWN),
        (None, DeviceStatus.UNKNOWN),
    ],
)
def test_device_status(status: str | None, expected: DeviceStatus) -> None:
    assert device_status(status) is expected


@pytest.mark.parametrize(
    ("model_name", "model"),
    [
        ("iPad Air (5th generation)", "iPad Air (5th generation)"),
        ("Unknown", None),  # the placeholder of a device awaiting enrollment
        ("", None),
        (None, None),
    ],
)
def test_model_name(model_name: str | None, model: str | None) -> None:
    assert model_of(model_name) == model


@pytest.mark.parametrize(
    ("app_type", "platform_support", "kind"),
    [
        ("app store", "iOS", AppKind.STORE),
        ("app store", "macOS", AppKind.STORE),
        ("custom b2b", "iOS", AppKind.CUSTOM),
        ("enterprise", "iOS", AppKind.ENTERPRISE),
        ("enterprise", None, AppKind.ENTERPRISE),
        ("enterprise", "macOS", AppKind.PACKAGE),
        ("apple store", "iOS", AppKind.STORE),  # what the service answered in 2022
        ("apple store", None, AppKind.STORE),
        ("shared", "macOS", AppKind.SHARED),  # the shared catalog (include_shared=true)
        ("shared", None, AppKind.SHARED),
        ("munki", "macOS", AppKind.UNKNOWN),
        ("App Store", "iOS", AppKind.UNKNOWN),  # values are matched exactly
        (None, "iOS", AppKind.UNKNOWN),
    ],
)
def test_app_kind(app_type: str | None, platform_support: str | None, kind: AppKind) -> None:
    assert app_kind(app_type, platform_support) is kind


@pytest.mark.parametrize(
    ("platform_support", "platforms"),
    [
        ("iOS", IOS_AND_IPADOS),
        ("macOS", frozenset({Platform.MACOS})),
        ("tvOS", frozenset({Platform.TVOS})),
        ("iOS, tvOS", IOS_AND_IPADOS | {Platform.TVOS}),
        ("visionOS", frozenset()),
        (None, frozenset()),
    ],
)
def test_app_platforms(platform_support: str | None, platforms: frozenset[Platform]) -> None:
    assert app_platforms(platform_support) == platforms


@pytest.mark.parametrize(
    ("value", "parsed"),
    [
        ("device_group:7", ("device_group", 7)),
        ("assignment_group:12", ("assignment_group", 12)),
    ],
)
def test_group_ids_name_their_kind(value: str, parsed: tuple[str, int]) -> None:
    assert parse_group_id(value) == parsed


@pytest.mark.parametrize(
    "value",
    ["7", "device_group:", "device_group:x", "assignment_group:-1", "label:3", "group:3", "٣"],
)
def test_other_group_ids_are_refused_naming_the_forms(value: str) -> None:
    with pytest.raises(InvalidRequestError, match="'device_group:<id>'") as caught:
        parse_group_id(value)
    assert "'assignment_group:<id>'" in str(caught.value)
    assert caught.value.field == "group"


@pytest.mark.parametrize(("value", "number"), [("1", 1), ("872292", 872292), ("007", 7)])
def test_native_ids_are_digits(value: str, number: int) -> None:
    assert native_id(value, "device") == number


@pytest.mark.parametrize("value", ["abc", "1.5", "-3", "\uff11\uff12", ""])
def test_other_native_ids_are_refused(value: str) -> None:
    with pytest.raises(InvalidRequestError, match="SimpleMDM id") as caught:
        native_id(value, "device")
    assert caught.value.field == "device"


def test_device_maps_field_by_field() -> None:
    device = native.Device(
        id=121,
        name="Kiosk 4",
        status="enrolled",
        serial_number="DMQX7ABCDEF",
        unique_identifier="00008030-001A2B3C4D5E6F70",
        imei="35 123456 789012 3",
        product_name="iPad13,16",
        model_name="iPad Air (5th generation)",
        model="MM9C3LL",
        os_version="17.4.1",
        last_seen_at=SEEN,
        enrolled_at=SEEN.replace(year=2023),
        is_supervised=True,
        managed_apple_id="kiosk@example.org",
        device_group_id=3,
    )
    mapped = to_device(device, source="prod")
    assert mapped.id == "121"
    assert mapped.name == "Kiosk 4"
    assert mapped.serial_number == "DMQX7ABCDEF"
    assert mapped.udid == "00008030-001A2B3C4D5E6F70"
    assert mapped.imei == ("35 123456 789012 3",)
    assert mapped.platform is Platform.IPADOS
    assert mapped.os_version == "17.4.1"
    assert mapped.model == "iPad Air (5th generation)"
    assert mapped.status is DeviceStatus.ENROLLED
    assert mapped.last_seen_at == SEEN
    assert mapped.enrolled_at == SEEN.replace(year=2023)
    assert mapped.supervised is True
    assert mapped.user_email is None  # managed_apple_id stays in native
    assert mapped.group_ids == ("device_group:3",)
    assert (mapped.vendor, mapped.source) == (Vendor.SIMPLEMDM, "prod")
    assert mapped.native is device


def test_device_awaiting_enrollment_has_nothing_to_report() -> None:
    mapped = to_device(
        native.Device(id=9, name="New", status="awaiting enrollment", model_name="Unknown"),
        source="simplemdm",
    )
    assert mapped.platform is Platform.UNKNOWN
    assert mapped.status is DeviceStatus.AWAITING_ENROLLMENT
    assert (mapped.imei, mapped.group_ids, mapped.supervised) == ((), (), None)
    assert (mapped.serial_number, mapped.udid, mapped.model) == (None, None, None)


def test_recorded_device_maps() -> None:
    record = json.loads((FIXTURES / "devices.json").read_text())
    response = Response(
        status=200, headers={}, body=json.dumps(record["body"]).encode(), method="GET", url="/"
    )
    (device,), _, _ = read_list(response, native.Device, make_converter())
    mapped = to_device(device, source="simplemdm")
    assert mapped.id == "872292"
    assert mapped.name == "Fleet Mac 1"
    assert mapped.platform is Platform.MACOS  # product_name MacBookAir9,1
    assert mapped.model == "MacBook Air (Retina, 13-inch, 2020)"
    assert mapped.os_version == "12.0.1"
    assert mapped.status is DeviceStatus.ENROLLED
    assert mapped.serial_number == "F479D8C626D2"
    assert mapped.udid == "453C6F66-C609-5761-D1D1-F7AA1A476662"
    assert mapped.imei == ()
    assert mapped.supervised is True
    assert mapped.last_seen_at == datetime(2022, 6, 21, 21, 9, 52, tzinfo=UTC)
    assert mapped.enrolled_at is None  # the 2022 record predates enrolled_at
    assert mapped.group_ids == ("device_group:106751",)


@pytest.mark.parametrize(
    ("app", "kind", "platforms"),
    [
        (
            native.App(id=5, name="Slack", bundle_identifier="com.tinyspeck.chatlyio",
                       app_type="app store", itunes_store_id=618783545, platform_support="iOS"),
            AppKind.STORE,
            IOS_AND_IPADOS,
        ),
        (
            native.App(id=6, name="Tools", bundle_identifier="com.example.tools",
                       app_type="enterprise", version="2.1", platform_support="macOS"),
            AppKind.PACKAGE,
            frozenset({Platform.MACOS}),
        ),
        (
            native.App(id=7, name="Field", app_type="enterprise", version="1.0",
                       platform_support="iOS"),
            AppKind.ENTERPRISE,
            IOS_AND_IPADOS,
        ),
    ],
)  # fmt: skip
def test_app_maps(app: native.App, kind: AppKind, platforms: frozenset[Platform]) -> None:
    mapped = to_app(app, source="simplemdm")
    assert (mapped.id, mapped.name, mapped.bundle_id) == (
        str(app.id),
        app.name,
        app.bundle_identifier,
    )
    assert (mapped.version, mapped.kind, mapped.platforms) == (app.version, kind, platforms)
    assert mapped.channels == ()
    assert (mapped.vendor, mapped.source, mapped.native) == (Vendor.SIMPLEMDM, "simplemdm", app)


def test_legacy_device_group_maps() -> None:
    group = native.DeviceGroup(id=4, name="Kiosks")
    mapped = to_device_group(group, source="simplemdm")
    assert (mapped.id, mapped.name, mapped.kind) == ("device_group:4", "Kiosks", GroupKind.LEGACY)
    assert mapped.native is group


def group(ident: int, name: str, type: str | None, **fields: Any) -> native.AssignmentGroup:
    return native.AssignmentGroup(id=ident, name=name, type=type, **fields)


CLASSIC, NGE = Experience.CLASSIC, Experience.NEW_GROUPS


@pytest.mark.parametrize(
    ("native_group", "experience", "kind"),
    [
        (group(1, "Sales", "static"), NGE, GroupKind.STATIC),
        (group(2, "Macs on 14", "dynamic"), NGE, GroupKind.DYNAMIC),
        (group(3, "NGE", None, group_type="static"), NGE, GroupKind.STATIC),
        (group(4, "NGE munki", "munki", group_type="dynamic"), NGE, GroupKind.DYNAMIC),
        (group(5, "Apps", "standard"), NGE, None),
        (group(6, "mdmkit: Slack (5)", "static"), NGE, None),  # mdmkit's carrier
        (group(7, "mdmkit: Slack", "static"), NGE, GroupKind.STATIC),  # no app id: not a carrier
        # a classic account: every group carries apps, whatever group_type says
        (group(8, "Munki", "munki", group_type="dynamic"), CLASSIC, None),
        (group(9, "Apps", "standard", group_type="dynamic"), CLASSIC, None),
        (group(10, "Reference example", None), CLASSIC, None),  # the reference shows no type
        (group(11, "No type", None, group_type="dynamic"), CLASSIC, None),
        (group(12, "Sales", "static"), CLASSIC, GroupKind.STATIC),  # only NGE writes static
        (group(13, "Reference example", None), NGE, None),
    ],
)
def test_assignment_group_kinds(
    native_group: native.AssignmentGroup, experience: Experience, kind: GroupKind | None
) -> None:
    assert nge_kind(native_group, experience) is kind
    if kind is None:
        with pytest.raises(InvalidRequestError, match=f"carries apps on this {experience.value}"):
            to_assignment_group(native_group, experience, source="simplemdm")
    else:
        mapped = to_assignment_group(native_group, experience, source="simplemdm")
        assert (mapped.id, mapped.kind) == (f"assignment_group:{native_group.id}", kind)
        assert (mapped.name, mapped.native) == (native_group.name, native_group)


@pytest.mark.parametrize(("listed", "experience"), [(1, CLASSIC), (10, CLASSIC), (0, NGE)])
def test_an_account_with_device_groups_is_classic(listed: int, experience: Experience) -> None:
    assert experience_of(listed) is experience


@pytest.mark.parametrize(
    ("status", "experience"),
    [(404, NGE), (410, NGE), (422, NGE), (400, None), (401, None), (403, None), (429, None),
     (500, None), (503, None)],
)  # fmt: skip
def test_device_groups_gone_means_new_groups(status: int, experience: Experience | None) -> None:
    assert experience_refused(status) is experience


@pytest.mark.parametrize(
    ("app_name", "app_id", "name"),
    [
        ("Slack", 5, "mdmkit: Slack (5)"),
        ("Surf (Beta)", 12, "mdmkit: Surf (Beta) (12)"),
        (None, 3, "mdmkit: app (3)"),
    ],
)
def test_carrier_names_say_which_app(app_name: str | None, app_id: int, name: str) -> None:
    assert carrier_name(app_name, app_id) == name
    assert carrier_app_id(group(1, name, "standard")) == app_id


@pytest.mark.parametrize("name", ["Slack (5)", "mdmkit: Slack", "mdmkit: (x)", "", None])
def test_other_groups_are_not_carriers(name: str | None) -> None:
    assert carrier_app_id(native.AssignmentGroup(id=1, name=name)) is None


@pytest.mark.parametrize(
    ("type", "install_type", "auto_deploy", "install"),
    [
        # standard groups (and NGE groups): auto_deploy decides, install_type has no effect
        ("standard", None, True, InstallMode.AUTOMATIC),
        ("standard", None, False, InstallMode.ON_DEMAND),
        ("standard", None, None, InstallMode.AUTOMATIC),  # SimpleMDM's default
        ("standard", "self_serve", True, InstallMode.AUTOMATIC),  # no effect on standard
        ("static", "managed", False, InstallMode.ON_DEMAND),
        (None, None, False, InstallMode.ON_DEMAND),
        # munki groups: install_type decides
        ("munki", "managed", True, InstallMode.AUTOMATIC),
        ("munki", "managed", False, InstallMode.AUTOMATIC),  # Munki installs at its next run
        ("munki", None, True, InstallMode.AUTOMATIC),  # the reference's default: managed
        ("munki", "self_serve", True, InstallMode.ON_DEMAND),  # real: self_serve + auto_deploy
        ("munki", "self_serve", False, InstallMode.ON_DEMAND),
        ("munki", "default_installs", False, InstallMode.AUTOMATIC),
        ("munki", "managed_updates", True, InstallMode.ON_DEMAND),  # updates, never installs
        ("munki", "something_new", False, InstallMode.ON_DEMAND),  # unknown: auto_deploy
        ("munki", "something_new", True, InstallMode.AUTOMATIC),
    ],
)
def test_install_mode(
    type: str | None, install_type: str | None, auto_deploy: bool | None, install: InstallMode
) -> None:
    found = native.AssignmentGroup(
        id=1, type=type, install_type=install_type, auto_deploy=auto_deploy
    )
    assert install_of(found) is install


def test_a_static_group_is_its_own_target() -> None:
    nge = group(8, "Sales", "static", app_ids=(5, 6), device_ids=(3, 1), auto_deploy=False)
    assert targets_of(nge, NGE) == [Target(TargetKind.GROUP, "assignment_group:8")]
    assert assignments_of(nge, NGE, source="sm") == [
        AppAssignment(
            app_id=app,
            target=Target(TargetKind.GROUP, "assignment_group:8"),
            install=InstallMode.ON_DEMAND,
            carrier=Carrier(kind="assignment_group", id="8", name="Sales"),
            vendor=Vendor.SIMPLEMDM,
            source="sm",
        )
        for app in ("5", "6")
    ]


def test_a_carrying_group_gives_one_assignment_per_app_and_target() -> None:
    old = group(9, "Apps", "standard", app_ids=(5, 6), device_ids=(3, 1), device_group_ids=(2,))
    targets = [
        Target(TargetKind.DEVICE, "1"),
        Target(TargetKind.DEVICE, "3"),
        Target(TargetKind.GROUP, "device_group:2"),
    ]
    assert targets_of(old, CLASSIC) == targets_of(old, NGE) == targets
    found = assignments_of(old, CLASSIC, source="sm")
    assert [(a.app_id, a.target) for a in found] == [(a, t) for a in ("5", "6") for t in targets]
    assert {a.carrier for a in found} == {Carrier(kind="assignment_group", id="9", name="Apps")}
    assert all(a.install is InstallMode.AUTOMATIC and a.native is old for a in found)
    only = assignments_of(old, CLASSIC, source="sm", apps=[6])
    assert [(a.app_id, a.target) for a in only] == [("6", t) for t in targets]
    assert assignments_of(old, CLASSIC, source="sm", apps=[99]) == []


def classic_resource(ident: int, type: str, install_type: str | None) -> dict[str, Any]:
    """An assignment group as a classic account really answers it (real-world.md, 2026)."""
    attributes: dict[str, Any] = {
        "name": "Design tools",
        "auto_deploy": True,
        "priority": 6,
        "app_track_location": False,
        "type": type,
        "group_type": "dynamic",
    }
    if install_type is not None:
        attributes["install_type"] = install_type
    return {
        "type": "assignment_group",
        "id": ident,
        "attributes": attributes,
        "relationships": {
            "apps": {"data": [{"type": "app", "id": 328669}]},
            "device_groups": {"data": [{"type": "device_group", "id": g} for g in (71, 72)]},
            "devices": {"data": [{"type": "device", "id": d} for d in (9003, 9001)]},
            "media": {"data": [{"type": "media", "id": 41}]},
        },
    }


@pytest.mark.parametrize(
    ("type", "install_type", "install"),
    [
        ("munki", "managed", InstallMode.AUTOMATIC),
        ("munki", "self_serve", InstallMode.ON_DEMAND),
        ("standard", None, InstallMode.AUTOMATIC),
    ],
)
def test_a_real_classic_group_carries_its_apps_to_its_device_groups_and_devices(
    type: str, install_type: str | None, install: InstallMode
) -> None:
    body = {"data": classic_resource(436635, type, install_type)}
    response = Response(
        status=200, headers={}, body=json.dumps(body).encode(), method="GET", url="/"
    )
    read = read_one(response, native.AssignmentGroup, make_converter())
    assert (read.type, read.group_type, read.media_ids) == (type, "dynamic", (41,))
    assert (read.device_group_ids, read.device_ids) == ((71, 72), (9003, 9001))
    assert nge_kind(read, CLASSIC) is None
    found = assignments_of(read, CLASSIC, source="sm")
    assert [(a.app_id, a.target) for a in found] == [
        ("328669", Target(TargetKind.DEVICE, "9001")),
        ("328669", Target(TargetKind.DEVICE, "9003")),
        ("328669", Target(TargetKind.GROUP, "device_group:71")),
        ("328669", Target(TargetKind.GROUP, "device_group:72")),
    ]
    assert {a.install for a in found} == {install}
    assert {a.carrier for a in found} == {
        Carrier(kind="assignment_group", id="436635", name="Design tools")
    }


def test_recorded_apple_store_app_maps_to_the_store_kind() -> None:
    record = json.loads((FIXTURES / "apps_creativice.json").read_text())
    response = Response(
        status=200, headers={}, body=json.dumps(record["body"]).encode(), method="GET", url="/"
    )
    (app,), has_more, _ = read_list(response, native.App, make_converter())
    assert (app.app_type, has_more) == ("apple store", False)
    mapped = to_app(app, source="simplemdm")
    assert (mapped.id, mapped.name, mapped.kind) == ("490899", "SimpleMDM", AppKind.STORE)
    assert mapped.bundle_id == "com.unwiredrev.DeviceLink.public"
    assert app.itunes_store_id == 847612226
