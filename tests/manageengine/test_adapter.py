"""``ManageEngine``, the common interface, against the stateful FakeManageEngine over real sockets.

Each test checks what the fake received (its request log), what changed in its state, and
what the neutral call returned. Uploads complete on the virtual clock: nothing really sleeps.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from mdmkit.core.errors import (
    ConfigurationError,
    InvalidRequestError,
    NotFoundError,
    PermissionDeniedError,
    UnsupportedOperation,
)
from mdmkit.core.models import (
    AppKind,
    Capability,
    Carrier,
    Device,
    DeviceStatus,
    GroupKind,
    InstallMode,
    Platform,
    Target,
    TargetKind,
    Vendor,
)
from mdmkit.manageengine import ManageEngine, mapping
from mdmkit.testing import FakeClock, FakeManageEngine, Reply
from mdmkit.testing.manageengine.records import App as FakeApp
from mdmkit.testing.manageengine.records import Device as FakeDevice
from mdmkit.testing.requestlog import RecordedRequest
from tests.contract.conftest import manageengine_on
from tests.manageengine.conftest import client_for

pytestmark = pytest.mark.anyio

M = "/api/v1/mdm"
APK = b"PK\x03\x04" + bytes(range(256)) * 8
APK_SHA = hashlib.sha256(APK).hexdigest()
STATUSES = {2: DeviceStatus.ENROLLED, 1: DeviceStatus.AWAITING_ENROLLMENT, 4: DeviceStatus.REMOVED}
FAKE_PLATFORMS = {
    Platform.IOS: "ios",
    Platform.IPADOS: "ipados",
    Platform.MACOS: "macos",
    Platform.TVOS: "tvos",
    Platform.ANDROID: "android",
    Platform.WINDOWS: "windows",
}
DeviceOf = Callable[[str], int]


@pytest.fixture
async def mdm(fake: FakeManageEngine, clock: FakeClock) -> AsyncIterator[ManageEngine]:
    async with manageengine_on(fake, clock, upload_defaults={"app_category_id": 2}) as backend:
        yield backend


def sent(fake: FakeManageEngine) -> list[tuple[str, str]]:
    """(method, path) of every request since the last look."""
    return [(r.method, r.path) for r in fake.requests.take()]


def only_request(fake: FakeManageEngine) -> RecordedRequest:
    (request,) = fake.requests.take()
    return request


def first_app(fake: FakeManageEngine, app_type: int) -> FakeApp:
    return next(a for a in fake.state.apps.values() if a.app_type == app_type)


# -- construction -----------------------------------------------------------------------------


async def test_the_backend_says_what_it_is_and_hides_its_secrets(
    fake: FakeManageEngine, mdm: ManageEngine
) -> None:
    assert mdm.vendor is Vendor.MANAGEENGINE
    assert mdm.name == "manageengine"
    assert mdm.capabilities == frozenset(Capability) - {Capability.ASSIGNMENTS_LIST}
    assert not mdm.supports(Capability.ASSIGNMENTS_LIST)
    assert mdm.supports(Capability.GROUPS_CREATE)
    assert mdm.max_concurrency == 4
    assert mdm.upload_defaults == {"supported_devices": 3, "app_category_id": 2}
    assert repr(mdm) == f"<ManageEngine 'manageengine' {fake.base_url}>"
    for secret in (fake.client_secret, fake.refresh_token):
        assert secret not in repr(mdm)
        assert secret not in repr(mdm.native)


async def test_closing_the_backend_closes_the_native_client(
    fake: FakeManageEngine, clock: FakeClock
) -> None:
    async with manageengine_on(fake, clock, name="tenant-a", max_concurrency=2) as backend:
        assert backend.max_concurrency == 2
        assert backend.name == "tenant-a"
        (first,) = await backend.devices.list().collect(limit=1)
        assert first.source == "tenant-a"
    with pytest.raises(ConfigurationError, match="closed"):
        await backend.devices.list().first()


async def test_from_client_wraps_a_native_client(fake: FakeManageEngine, clock: FakeClock) -> None:
    client = client_for(fake, clock)
    async with ManageEngine.from_client(client, name="eu") as backend:
        assert backend.native is client
        assert backend.name == "eu"
        assert backend.upload_defaults == {"supported_devices": 3}
        assert len(await backend.groups.list().collect()) == len(fake.state.groups)


async def test_on_premises_sends_the_key(clock: FakeClock) -> None:
    async with FakeManageEngine(devices=12, seed=3, clock=clock, on_premises=True) as fake:
        backend = ManageEngine.on_premises(
            fake.base_url, fake.api_key, name="corp", upload_defaults={"app_category_id": 1}
        )
        async with backend:
            devices = await backend.devices.list().collect()
        assert sorted(d.id for d in devices) == sorted(str(i) for i in fake.state.devices)
        assert {d.source for d in devices} == {"corp"}
        assert backend.upload_defaults["app_category_id"] == 1
        assert fake.accounts.requests.all() == []
        assert all(r.authenticated for r in fake.requests)


async def test_from_env_builds_either_kind(
    monkeypatch: pytest.MonkeyPatch, clock: FakeClock
) -> None:
    for name in ("API_KEY", "SERVER_URL", "CLIENT_ID", "CLIENT_SECRET", "REFRESH_TOKEN"):
        monkeypatch.delenv(f"MANAGEENGINE_{name}", raising=False)
    async with FakeManageEngine(devices=5, seed=4, clock=clock, on_premises=True) as fake:
        monkeypatch.setenv("MANAGEENGINE_API_KEY", fake.api_key)
        monkeypatch.setenv("MANAGEENGINE_SERVER_URL", fake.base_url)
        async with ManageEngine.from_env(name="env") as backend:
            assert len(await backend.devices.list().collect()) == 5
            assert backend.name == "env"
    monkeypatch.delenv("MANAGEENGINE_API_KEY")
    monkeypatch.setenv("MANAGEENGINE_CLIENT_ID", "id")
    monkeypatch.setenv("MANAGEENGINE_CLIENT_SECRET", "secret")
    monkeypatch.setenv("MANAGEENGINE_REFRESH_TOKEN", "refresh")
    monkeypatch.setenv("MANAGEENGINE_DATA_CENTER", "eu")
    cloud = ManageEngine.from_env(upload_defaults={"app_category_id": 3})
    assert cloud.native.base_url == "https://mdm.manageengine.eu"
    assert cloud.upload_defaults == {"supported_devices": 3, "app_category_id": 3}
    assert "secret" not in repr(cloud)


BAD_SETTINGS = [
    ({"upload_defaults": {"colour": "red"}}, "unknown apps.create field colour"),
    ({"upload_defaults": {"app_name": "x"}}, "app_name: set by the call"),
    ({"upload_defaults": {"app_type": 3}}, "app_type: set by the call"),
    ({"name": ""}, "name must be a non-empty string"),
    ({"data_center": "xx"}, "unknown data center"),
]


@pytest.mark.parametrize(("options", "message"), BAD_SETTINGS)
def test_bad_settings_fail_before_any_io(options: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        ManageEngine("id", "secret", "refresh", **options)
    if "upload_defaults" in options:
        with pytest.raises(ConfigurationError, match=message):
            ManageEngine.on_premises("https://mdm.corp.example", "key", **options)


# -- devices ----------------------------------------------------------------------------------


@pytest.mark.parametrize("platform", list(Platform))
async def test_list_with_each_platform_equals_the_fake_state(
    fake: FakeManageEngine, mdm: ManageEngine, platform: Platform
) -> None:
    fake.add_device("Lobby TV", platform="tvos")
    listed = await mdm.devices.list(platform=platform).collect()
    wanted = FAKE_PLATFORMS.get(platform)
    assert [d.id for d in listed] == [
        str(d.id) for d in fake.state.devices.values() if d.platform == wanted
    ]
    assert {d.platform for d in listed} <= {platform}
    queries = {r.query.get("platform") for r in fake.requests.filter("GET", f"{M}/devices")}
    assert queries == {mapping.SERVER_PLATFORMS.get(platform)}


async def test_list_refines_apple_pages_client_side(
    fake: FakeManageEngine, mdm: ManageEngine
) -> None:
    ipads = [str(d.id) for d in fake.state.devices.values() if d.platform == "ipados"]
    first = await mdm.devices.list(platform=Platform.IPADOS)
    assert first.total is None  # the server's total counts every Apple device
    assert [d.id for d in first] == ipads  # one page of the server's iOS devices holds them all
    android = await mdm.devices.list(platform=Platform.ANDROID)
    assert android.total == sum(d.platform == "android" for d in fake.state.devices.values())


async def test_list_without_a_platform_is_every_device_mapped(
    fake: FakeManageEngine, mdm: ManageEngine
) -> None:
    listed = await mdm.devices.list().collect()
    records = list(fake.state.devices.values())
    assert [d.id for d in listed] == [str(r.id) for r in records]
    assert sent(fake) == [("GET", f"{M}/devices")]  # 120 devices, 200 a page
    for device, record in zip(listed, records, strict=True):
        user = fake.state.users[record.user_id] if record.user_id is not None else None
        assert device == Device(
            id=str(record.id),
            name=record.name,
            serial_number=record.gen.serial_number,
            udid=record.gen.udid,
            imei=(record.gen.imei,) if record.gen.imei else (),
            platform=Platform(record.platform),
            os_version=record.gen.os_version,
            model=record.gen.model.model_name,
            status=STATUSES[record.managed_status],
            last_seen_at=device.last_seen_at,
            enrolled_at=device.enrolled_at,
            supervised=None,  # list items do not say
            user_email=user.email if user else None,
            group_ids=(),  # list items carry no groups
            vendor=Vendor.MANAGEENGINE,
            source="manageengine",
        )
        assert device.enrolled_at is not None
        assert abs(device.enrolled_at.timestamp() - record.registered_at) < 0.001
        assert device.native.device_id == record.id
    assert any(r.removed_as_text and r.managed_status == 4 for r in records)  # "true" strings


async def test_list_passes_the_search_to_the_server(
    fake: FakeManageEngine, mdm: ManageEngine
) -> None:
    record = fake.add_device("Front Desk Kiosk", platform="ipados")
    found = await mdm.devices.list(search="front desk", platform=Platform.IPADOS).collect()
    assert [d.id for d in found] == [str(record.id)]
    request = only_request(fake)
    assert (request.query["search"], request.query["platform"]) == ("front desk", "iOS")


async def test_list_refuses_a_platform_it_does_not_know(
    fake: FakeManageEngine, mdm: ManageEngine
) -> None:
    with pytest.raises(InvalidRequestError, match="platform must be a Platform"):
        mdm.devices.list(platform="amiga")  # type: ignore[arg-type]
    by_value = await mdm.devices.list(platform="android").collect()  # type: ignore[arg-type]
    assert {d.platform for d in by_value} == {Platform.ANDROID}


async def test_get_fills_group_ids_from_the_summary(
    fake: FakeManageEngine, mdm: ManageEngine
) -> None:
    state = fake.state
    record = next(
        d
        for d in state.devices.values()
        if len(state.group_ids_of(d)) >= 2 and d.managed_status == 2
    )
    (listed,) = [d async for d in mdm.devices.list() if d.id == str(record.id)]
    assert not listed.group_ids_known  # list items name no groups
    fake.requests.clear()

    device = await mdm.devices.get(listed)

    assert sorted(sent(fake)) == [
        ("GET", f"{M}/devices/{record.id}"),
        ("GET", f"{M}/devices/{record.id}/summary"),
    ]
    assert device.group_ids == tuple(str(g) for g in state.group_ids_of(record))
    assert device.group_ids_known
    assert device.supervised is record.gen.supervised
    assert device.model == record.gen.model.model_name
    assert (device.id, device.platform, device.serial_number) == (
        listed.id,
        listed.platform,
        listed.serial_number,
    )
    assert await mdm.devices.get(record.id) == device  # by id as an int too


async def test_get_raises_the_device_s_own_error_as_it_is(
    fake: FakeManageEngine, mdm: ManageEngine, device_of: DeviceOf
) -> None:
    with pytest.raises(NotFoundError, match="Device not found"):
        await mdm.devices.get("108870000001999999")
    device_id = device_of("android")
    fake.faults.add(Reply(403, "Insufficient scope"), route=f"GET */devices/{device_id}")
    with pytest.raises(PermissionDeniedError):
        await mdm.devices.get(device_id)


PHONE_ONLY = {"phone_number": "+15555550100"}
ACTIONS = [
    (
        "macos",
        "lock",
        {"message": "Call IT", "phone_number": "+15555550100", "pin": "123456"},
        "lock",
        {"lock_message": "Call IT", "phone_number": "+15555550100", "unlock_pin": "123456"},
    ),
    ("ios", "lock", {}, "lock", {}),
    ("android", "wipe", {"pin": "1234"}, "complete_wipe", {"wipe_lock_pin": "1234"}),
    ("ipados", "wipe", {}, "complete_wipe", {}),
    ("windows", "restart", {}, "restart", {}),
    ("android", "shutdown", {}, "shutdown", {}),
    ("macos", "refresh", {}, "scan", {}),
    ("ios", "clear_passcode", {}, "clear_passcode", {}),
    (
        "android",
        "enable_lost_mode",
        {"message": "Lost: call IT", "phone_number": "+15555550100"},
        "enable_lost_mode",
        {"lock_message": "Lost: call IT", "phone_number": "+15555550100"},
    ),
    ("ipados", "enable_lost_mode", PHONE_ONLY, "enable_lost_mode", PHONE_ONLY),
    ("ios", "disable_lost_mode", {}, "disable_lost_mode", {}),
]  # fmt: skip


@pytest.mark.parametrize(("platform", "method", "arguments", "action", "body"), ACTIONS)
async def test_each_action_reaches_its_native_route(
    fake: FakeManageEngine,
    mdm: ManageEngine,
    device_of: DeviceOf,
    platform: str,
    method: str,
    arguments: dict[str, Any],
    action: str,
    body: dict[str, Any],
) -> None:
    device_id = device_of(platform)
    assert await getattr(mdm.devices, method)(str(device_id), **arguments) is None
    request = only_request(fake)
    assert (request.method, request.path, request.status) == (
        "POST",
        f"{M}/devices/{device_id}/actions/{action}",
        202,
    )
    assert request.json == body
    assert fake.state.devices[device_id].commands == [(action, body)]


async def test_actions_change_the_fake_state(
    fake: FakeManageEngine, mdm: ManageEngine, device_of: DeviceOf
) -> None:
    record: FakeDevice = fake.state.devices[device_of("ios")]
    await mdm.devices.lock(record.id, message="Call IT", phone_number="+1555")
    assert (record.lock_count, record.last_lock_message) == (1, "Call IT")
    await mdm.devices.enable_lost_mode(record.id, message="Lost")
    assert (record.lost_mode_enabled, record.lost_mode_message) == (True, "Lost")
    await mdm.devices.disable_lost_mode(record.id)
    assert not record.lost_mode_enabled
    await mdm.devices.wipe(record.id)
    assert (record.wipe_count, record.managed_status) == (1, 4)
    assert (await mdm.devices.get(record.id)).status is DeviceStatus.REMOVED


LOST_MODE_MISTAKES = [
    ({"message": "Lost", "footnote": "Reward"}, "footnote", "no footnote"),
    ({"footnote": "Reward"}, "footnote", "no footnote"),
    ({}, "message", "a message or a phone number"),
    ({"message": "", "phone_number": ""}, "message", "a message or a phone number"),
]


@pytest.mark.parametrize(("arguments", "field", "message"), LOST_MODE_MISTAKES)
async def test_lost_mode_mistakes_raise_before_sending(
    fake: FakeManageEngine,
    mdm: ManageEngine,
    device_of: DeviceOf,
    arguments: dict[str, Any],
    field: str,
    message: str,
) -> None:
    device_id = device_of("ios")
    with pytest.raises(InvalidRequestError, match=message) as info:
        await mdm.devices.enable_lost_mode(device_id, **arguments)
    assert info.value.field == field
    assert len(fake.requests) == 0
    assert fake.state.devices[device_id].commands == []


async def test_run_sends_one_action_per_device(
    fake: FakeManageEngine, mdm: ManageEngine, device_of: DeviceOf
) -> None:
    targets: list[int | str] = [device_of("android"), device_of("windows"), "108870000001999999"]
    result = await mdm.devices.run("restart", targets)
    assert [outcome.ok for outcome in result] == [True, True, False]
    assert isinstance(result[2].error, NotFoundError)
    for device_id in targets[:2]:
        assert fake.state.devices[int(device_id)].command_names() == ["restart"]
    assert fake.requests.count("POST", f"{M}/devices/*/actions/restart") == 3


async def test_a_model_of_another_backend_is_refused_before_sending(
    fake: FakeManageEngine, mdm: ManageEngine
) -> None:
    other = Device(id="1", vendor=Vendor.MANAGEENGINE, source="other")
    with pytest.raises(InvalidRequestError, match="belongs to 'other'"):
        await mdm.devices.restart(other)
    assert len(fake.requests) == 0


# -- apps -------------------------------------------------------------------------------------


async def test_apps_list_and_get_equal_the_fake_state(
    fake: FakeManageEngine, mdm: ManageEngine
) -> None:
    apps = await mdm.apps.list().collect()
    stable = fake.state.stable_label
    assert [a.id for a in apps] == [str(a) for a in fake.state.apps]
    for app, record in zip(apps, fake.state.apps.values(), strict=True):
        assert (app.name, app.bundle_id, app.version) == (
            record.name,
            record.bundle_identifier,
            record.version,
        )
        assert app.kind is (AppKind.ENTERPRISE if record.app_type == 3 else AppKind.STORE)
        assert app.platforms == mapping.APP_PLATFORMS[record.platform_type]
        assert [(c.id, c.name) for c in app.channels] == [(str(stable.id), "Stable")]
    got = await mdm.apps.get(apps[0])
    assert got == apps[0]
    assert fake.requests.last().path == f"{M}/apps/{apps[0].id}"


async def test_delete_removes_the_app(fake: FakeManageEngine, mdm: ManageEngine) -> None:
    record = first_app(fake, 1)
    await mdm.apps.delete(str(record.id))
    assert sent(fake) == [("DELETE", f"{M}/apps/{record.id}")]
    assert record.id not in fake.state.apps


async def test_upload_creates_an_enterprise_app_through_the_upload_flow(
    fake: FakeManageEngine, mdm: ManageEngine, clock: FakeClock
) -> None:
    app = await mdm.apps.upload(APK, filename="FieldNotes.apk")

    requests = fake.requests.take()
    (file,) = fake.state.files.values()
    status = f"{M}/files/{file.id}/status"
    assert [(r.method, r.path) for r in requests] == [
        ("POST", "/emsapi/files"),
        ("GET", status),
        ("GET", status),
        ("GET", status),
        ("GET", status),
        ("POST", f"{M}/apps"),
    ]
    assert clock.sleeps == [2.0, 2.0, 2.0]  # the fake's 5 s of processing, on the virtual clock
    assert requests[0].files["file"].sha256 == APK_SHA
    assert requests[-1].json == {
        "app_name": "FieldNotes",
        "app_type": 3,
        "app_file": file.id,
        "app_category_id": 2,
        "supported_devices": 3,
    }
    record = fake.state.apps[int(app.id)]
    assert (record.name, record.app_type, record.category_id) == ("FieldNotes", 3, 2)
    assert (app.name, app.kind, app.platforms) == (
        "FieldNotes",
        AppKind.ENTERPRISE,
        frozenset({Platform.ANDROID}),
    )
    assert app.channels[0].name == "Stable"


@pytest.fixture
def package(tmp_path: Path) -> Path:
    path = tmp_path / "Surf Report.apk"
    path.write_bytes(APK)
    return path


async def test_upload_from_a_path_with_vendor_fields_over_the_defaults(
    fake: FakeManageEngine, clock: FakeClock, package: Path
) -> None:
    defaults = {"app_category_id": 4, "description": "Surf"}
    async with manageengine_on(
        fake, clock, upload_defaults=defaults, upload_strategy="legacy"
    ) as backend:
        app = await backend.apps.upload(package, supported_devices=2, app_category_id=5)
        named = await backend.apps.upload(package, name="Surf", strategy="emsapi", max_wait=60)
    creates = [r.json for r in fake.requests.filter("POST", f"{M}/apps")]
    assert creates[0] | {"app_file": None} == {
        "app_name": "Surf Report",
        "app_type": 3,
        "app_file": None,
        "app_category_id": 5,
        "supported_devices": 2,
        "description": "Surf",
    }
    assert (creates[1]["app_name"], creates[1]["supported_devices"]) == ("Surf", 3)
    assert fake.requests.count("POST", f"{M}/files") == 1  # the legacy upload, then emsapi
    assert fake.requests.count("POST", "/emsapi/files") == 1
    assert (app.name, named.name) == ("Surf Report", "Surf")
    assert fake.state.apps[int(app.id)].supported_devices == 2


async def test_add_from_store_creates_a_store_app(
    fake: FakeManageEngine, mdm: ManageEngine
) -> None:
    app = await mdm.apps.add_from_store("com.example.surf", name="Surf")
    paid = await mdm.apps.add_from_store(720111835, app_type=2, platform_type=2)
    free, priced = (r.json for r in fake.requests.filter("POST", f"{M}/apps"))
    assert free == {
        "app_name": "Surf",
        "app_type": 1,
        "bundle_identifier": "com.example.surf",
        "app_category_id": 2,
        "supported_devices": 3,
    }
    assert priced == {
        "app_name": "720111835",
        "app_type": 2,
        "bundle_identifier": "720111835",
        "app_category_id": 2,
        "supported_devices": 3,
        "platform_type": 2,
    }
    assert (app.kind, app.bundle_id, app.platforms) == (
        AppKind.STORE,
        "com.example.surf",
        frozenset({Platform.IOS, Platform.IPADOS}),
    )
    assert (paid.kind, paid.platforms) == (AppKind.STORE, frozenset({Platform.ANDROID}))
    assert fake.state.apps[int(paid.id)].app_type == 2


async def test_a_missing_app_category_raises_before_sending(
    fake: FakeManageEngine, clock: FakeClock
) -> None:
    async with manageengine_on(fake, clock, upload_defaults=None) as backend:
        with pytest.raises(
            InvalidRequestError, match=r"upload_defaults=\{'app_category_id'"
        ) as info:
            await backend.apps.upload(APK, filename="FieldNotes.apk")
        assert info.value.field == "app_category_id"
        with pytest.raises(InvalidRequestError, match="upload_defaults"):
            await backend.apps.add_from_store("com.example.surf")
        with pytest.raises(InvalidRequestError, match="upload_defaults"):
            await backend.apps.upload(APK, filename="a.apk", app_category_id=None)
    assert len(fake.requests) == 0
    assert len(fake.state.files) == 0


APP_MISTAKES = [
    ("upload", {"colour": "red"}, "colour", "unknown apps.create field colour"),
    ("upload", {"app_name": "x"}, "app_name", "set by the call"),
    ("upload", {"app_type": 1}, "app_type", "set by the call"),
    ("upload", {"app_file": 1}, "app_file", "set by the call"),
    ("store", {"bundle_identifier": "x"}, "bundle_identifier", "set by the call"),
    ("store", {"strategy": "legacy"}, "strategy", "unknown apps.create field strategy"),
]


@pytest.mark.parametrize(("call", "vendor", "field", "message"), APP_MISTAKES)
async def test_vendor_fields_are_checked_before_sending(
    fake: FakeManageEngine,
    mdm: ManageEngine,
    call: str,
    vendor: dict[str, Any],
    field: str,
    message: str,
) -> None:
    add = (
        mdm.apps.upload(APK, filename="a.apk", **vendor)
        if call == "upload"
        else mdm.apps.add_from_store("com.example.surf", **vendor)
    )
    with pytest.raises(InvalidRequestError, match=message) as info:
        await add
    assert info.value.field == field
    assert len(fake.requests) == 0


@pytest.mark.parametrize("identifier", ["", "  ", True, 1.5, None])
async def test_add_from_store_needs_an_identifier(
    fake: FakeManageEngine, mdm: ManageEngine, identifier: Any
) -> None:
    with pytest.raises(InvalidRequestError, match="identifier") as info:
        await mdm.apps.add_from_store(identifier)
    assert info.value.field == "identifier"
    assert len(fake.requests) == 0


async def test_upload_of_bytes_needs_a_filename(fake: FakeManageEngine, mdm: ManageEngine) -> None:
    with pytest.raises(InvalidRequestError, match="filename"):
        await mdm.apps.upload(APK)
    assert len(fake.requests) == 0


# -- groups -----------------------------------------------------------------------------------


async def test_groups_list_and_get_equal_the_fake_state(
    fake: FakeManageEngine, mdm: ManageEngine
) -> None:
    groups = await mdm.groups.list().collect()
    kinds = {6: GroupKind.STATIC, 7: GroupKind.USER, 11: GroupKind.TAG}
    assert [(g.id, g.name, g.kind) for g in groups] == [
        (str(g.id), g.name, kinds[g.group_type]) for g in fake.state.groups.values()
    ]
    assert await mdm.groups.get(groups[-1].id) == groups[-1]


async def test_group_lifecycle(
    fake: FakeManageEngine, mdm: ManageEngine, device_of: DeviceOf
) -> None:
    group = await mdm.groups.create("Field Team")
    record = fake.state.groups[int(group.id)]
    assert (group.name, group.kind, record.group_type) == ("Field Team", GroupKind.STATIC, 6)
    assert only_request(fake).json == {"name": "Field Team", "group_type": 6}
    assert await mdm.groups.members(group).collect() == []

    device = await mdm.devices.get(device_of("android"))
    await mdm.groups.add_device(group, device)
    assert record.member_ids == {int(device.id)}
    assert sent(fake)[-1] == ("POST", f"{M}/groups/{group.id}/members")
    members = await mdm.groups.members(group.id).collect()
    assert [m.id for m in members] == [device.id]
    assert fake.requests.last().query["group_id"] == group.id
    assert group.id in (await mdm.devices.get(device)).group_ids

    await mdm.groups.remove_device(group.id, device.id)
    assert sent(fake)[-1] == ("DELETE", f"{M}/groups/{group.id}/members/{device.id}")
    assert record.member_ids == set()
    assert await mdm.groups.members(group).collect() == []


async def test_members_of_a_user_group_are_its_users_devices(
    fake: FakeManageEngine, mdm: ManageEngine
) -> None:
    users = next(g for g in fake.state.groups.values() if g.group_type == 7)
    members = await mdm.groups.members(str(users.id)).collect()
    assert [m.id for m in members] == [str(d) for d in fake.state.devices_of_group(users)]
    assert members


# -- assignments ------------------------------------------------------------------------------


@pytest.mark.parametrize("install", list(InstallMode))
async def test_assign_to_devices_and_groups(
    fake: FakeManageEngine, mdm: ManageEngine, device_of: DeviceOf, install: InstallMode
) -> None:
    record = first_app(fake, 3)
    stable = fake.state.stable_label
    group_id = next(g.id for g in fake.state.groups.values() if g.group_type == 6)
    devices = [device_of("android"), device_of("windows")]

    made = await mdm.assignments.assign(
        str(record.id), devices=devices, groups=[group_id], install=install
    )

    silent = install is InstallMode.AUTOMATIC
    requests = fake.requests.take()
    label_path = f"{M}/apps/{record.id}/labels/{stable.id}"
    assert [(r.method, r.path) for r in requests] == [
        ("GET", f"{M}/apps/{record.id}"),
        ("POST", f"{label_path}/devices"),
        ("POST", f"{label_path}/groups"),
    ]
    assert requests[1].json == {"device_ids": devices, "silent_install": silent}
    assert requests[2].json == {"group_ids": [group_id], "silent_install": silent}
    for target in (*(record.devices[d] for d in devices), record.groups[group_id]):
        assert (target.label_id, target.silent_install) == (stable.id, silent)
    carrier = Carrier(kind="release_label", id=str(stable.id), name="Stable")
    assert [(a.app_id, a.target, a.install, a.carrier) for a in made] == [
        (str(record.id), Target(TargetKind.DEVICE, str(devices[0])), install, carrier),
        (str(record.id), Target(TargetKind.DEVICE, str(devices[1])), install, carrier),
        (str(record.id), Target(TargetKind.GROUP, str(group_id)), install, carrier),
    ]
    assert {(a.vendor, a.source) for a in made} == {(Vendor.MANAGEENGINE, "manageengine")}


async def test_assign_uses_stable_over_other_labels_and_else_the_first(
    fake: FakeManageEngine, mdm: ManageEngine, device_of: DeviceOf
) -> None:
    beta = await mdm.native.labels.create(channel_name="Beta")
    record = first_app(fake, 1)
    await mdm.native.apps.update(record.id, beta.release_label_id, app_version="2.0-beta")
    only_beta = await mdm.native.apps.create(
        app_name="Beta Only",
        app_type=1,
        app_category_id=1,
        supported_devices=3,
        release_label_id=beta.release_label_id,
    )
    device_id = device_of("ios")
    group_id = next(g.id for g in fake.state.groups.values() if g.group_type == 6)

    (both,) = await mdm.assignments.assign(record.id, devices=[device_id])
    (first,) = await mdm.assignments.assign(only_beta.app_id, groups=[group_id])

    assert both.carrier == Carrier(
        kind="release_label", id=str(fake.state.stable_label_id), name="Stable"
    )
    assert first.carrier == Carrier(
        kind="release_label", id=str(beta.release_label_id), name="Beta"
    )
    assert fake.state.apps[record.id].devices[device_id].label_id == fake.state.stable_label_id
    assert fake.state.apps[only_beta.app_id].groups[group_id].label_id == beta.release_label_id
    assert fake.state.apps[only_beta.app_id].devices == {}


async def test_assign_a_named_channel(
    fake: FakeManageEngine, mdm: ManageEngine, device_of: DeviceOf
) -> None:
    beta = await mdm.native.labels.create(channel_name="Beta")
    record = first_app(fake, 1)
    await mdm.native.apps.update(record.id, beta.release_label_id, app_version="2.0-beta")
    app = await mdm.apps.get(record.id)
    channel = next(c for c in app.channels if c.name == "Beta")
    device_id = device_of("ios")

    (made,) = await mdm.assignments.assign(app, devices=[device_id], channel=channel)

    assert made.carrier == Carrier(kind="release_label", id=channel.id, name="Beta")
    assert fake.state.apps[record.id].devices[device_id].label_id == beta.release_label_id
    fake.requests.clear()
    with pytest.raises(InvalidRequestError, match="has no channel 12345; its channels") as info:
        await mdm.assignments.assign(app, devices=[device_id], channel="12345")
    assert info.value.field == "channel"
    assert [r.method for r in fake.requests.all()] == ["GET"]  # only the app was read


async def test_unassign_removes_exactly_that_app_from_exactly_those_targets(
    fake: FakeManageEngine, mdm: ManageEngine, device_of: DeviceOf
) -> None:
    record = first_app(fake, 1)
    other = next(a for a in fake.state.apps.values() if a.id != record.id)
    devices = [device_of("android"), device_of("ios")]
    group_id = next(g.id for g in fake.state.groups.values() if g.group_type == 6)
    made = await mdm.assignments.assign(record.id, devices=devices, groups=[group_id])
    await mdm.assignments.assign(other.id, devices=devices)
    fake.requests.clear()

    await mdm.assignments.unassign(made[0])
    assert sent(fake) == [("DELETE", f"{M}/apps/{record.id}/devices/{devices[0]}")]
    assert set(record.devices) == {devices[1]}

    await mdm.assignments.unassign(str(record.id), devices=[devices[1]], groups=[group_id])
    assert sent(fake) == [
        ("DELETE", f"{M}/apps/{record.id}/devices/{devices[1]}"),
        ("DELETE", f"{M}/apps/{record.id}/groups/{group_id}"),
    ]
    assert (record.devices, group_id in record.groups) == ({}, False)
    assert set(other.devices) == set(devices)  # the other app stays on those devices


async def test_assigning_an_app_without_labels_raises(
    fake: FakeManageEngine, mdm: ManageEngine, device_of: DeviceOf
) -> None:
    record = first_app(fake, 1)
    record.versions.clear()
    with pytest.raises(InvalidRequestError, match="no release label") as info:
        await mdm.assignments.assign(record.id, devices=[device_of("ios")])
    assert info.value.field == "app"
    assert sent(fake) == [("GET", f"{M}/apps/{record.id}")]


@pytest.mark.parametrize("app", [None, "108870000003000001"])
async def test_assignments_list_is_unsupported(
    fake: FakeManageEngine, mdm: ManageEngine, app: str | None
) -> None:
    with pytest.raises(UnsupportedOperation) as info:
        mdm.assignments.list(app=app)
    assert (info.value.vendor, info.value.capability) == ("manageengine", "assignments.list")
    assert "manageengine does not support assignments.list" in str(info.value)
    assert "no endpoint that lists where an app is distributed" in str(info.value)
    assert len(fake.requests) == 0
