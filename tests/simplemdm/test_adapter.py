"""``SimpleMDM``, the common interface over the native client, as stories against the fake.

Each story drives the neutral API over real sockets and checks what the fake received and how
its state changed; the assignment stories check the carrier groups SimpleMDM ends up with.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import anyio
import pytest

from mdmkit.core.errors import (
    ConfigurationError,
    InvalidRequestError,
    NotFoundError,
    PermissionDeniedError,
    UnsupportedOperation,
    ValidationError,
)
from mdmkit.core.models import (
    AppAssignment,
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
from mdmkit.simplemdm import Experience, SimpleMDM, SimpleMDMClient
from mdmkit.testing import FakeClock, FakeSimpleMDM
from mdmkit.testing.faults import Reply
from mdmkit.testing.simplemdm.records import AssignmentGroup as FakeGroup
from tests.support import CLASSIC
from tests.testing.test_fake_simplemdm_sections import ipa

pytestmark = pytest.mark.anyio

API = "/api/v1"
PKG = b"xar!\x00\x1c\x00\x01" + bytes(range(256)) * 8  # a .pkg is a xar archive
DeviceOf = Callable[[str], int]
Calls = list[tuple[str, str]]


@pytest.fixture
async def mdm(fake: FakeSimpleMDM, clock: FakeClock) -> AsyncIterator[SimpleMDM]:
    async with SimpleMDM(
        fake.api_key, base_url=fake.url, clock=clock.time, sleep=clock.sleep
    ) as backend:
        yield backend


def calls(fake: FakeSimpleMDM) -> Calls:
    """(method, path under /api/v1) of every request since the last look."""
    return [(r.method, r.path.removeprefix(API)) for r in fake.requests.take()]


def enrolled(fake: FakeSimpleMDM, platform: str, count: int) -> list[int]:
    """The ids of the first ``count`` enrolled devices of a platform."""
    found = [
        d.id
        for d in fake.state.devices.values()
        if d.platform == platform and d.status == "enrolled"
    ]
    return found[:count]


def carriers(fake: FakeSimpleMDM, app_id: int) -> list[FakeGroup]:
    """The groups mdmkit made to carry an app, by their name."""
    return [
        g
        for g in fake.state.assignment_groups.values()
        if g.name.startswith("mdmkit: ") and g.name.endswith(f"({app_id})")
    ]


def snapshot(fake: FakeSimpleMDM) -> dict[int, tuple[Any, ...]]:
    """Everything assignments can change, per assignment group."""
    return {
        g.id: (list(g.app_ids), set(g.device_ids), list(g.device_group_ids), g.push_apps_count)
        for g in fake.state.assignment_groups.values()
    }


def carried(group: FakeGroup, name: str | None = None) -> Carrier:
    return Carrier(kind="assignment_group", id=str(group.id), name=name or group.name)


def expect(app: int, target: Target, install: InstallMode, carrier: Carrier) -> AppAssignment:
    return AppAssignment(
        app_id=str(app),
        target=target,
        install=install,
        carrier=carrier,
        vendor=Vendor.SIMPLEMDM,
        source="simplemdm",
    )


def device(ident: int) -> Target:
    return Target(TargetKind.DEVICE, str(ident))


def group(ident: str) -> Target:
    return Target(TargetKind.GROUP, ident)


async def shared_by_two(mdm: SimpleMDM, fake: FakeSimpleMDM) -> tuple[int, int, int, FakeGroup]:
    """A new app assigned to two iPhones: (app id, first, second, the carrier group)."""
    app = fake.add_app("Field Notes")
    d1, d2 = enrolled(fake, "ios", 2)
    made = await mdm.assignments.assign(app.id, devices=[d1, d2])
    (carrier,) = carriers(fake, app.id)
    assert [a.carrier for a in made] == [carried(carrier)] * 2
    return app.id, d1, d2, carrier


# -- construction ------------------------------------------------------------------------------


async def test_construction_names_the_backend_and_keeps_the_key_out_of_sight(
    fake: FakeSimpleMDM, clock: FakeClock
) -> None:
    async with SimpleMDM(fake.api_key, base_url=fake.url, clock=clock.time) as default:
        assert (default.vendor, default.name) == (Vendor.SIMPLEMDM, "simplemdm")
        assert default.capabilities == frozenset(Capability)
        assert default.max_concurrency == 4
        assert isinstance(default.native, SimpleMDMClient)
        assert default.native.base_url == fake.url
        assert repr(default) == f"<SimpleMDM 'simplemdm' {fake.url}>"
        assert fake.api_key not in repr(default) + repr(default.native)
    async with SimpleMDM(
        fake.api_key, base_url=fake.url, name="tenant-b", max_concurrency=2
    ) as named:
        assert (named.name, named.max_concurrency) == ("tenant-b", 2)
        assert (await named.devices.get(1)).source == "tenant-b"
    with pytest.raises(ConfigurationError, match="name"):
        SimpleMDM(fake.api_key, base_url=fake.url, name=" ")
    with pytest.raises(ConfigurationError, match="api_key"):
        SimpleMDM("", base_url=fake.url)


async def test_from_client_wraps_a_native_client(fake: FakeSimpleMDM) -> None:
    async with SimpleMDMClient(fake.api_key, base_url=fake.url) as client:
        wrapped = SimpleMDM.from_client(client, name="wrapped")
        assert (wrapped.native, wrapped.name) == (client, "wrapped")
        assert (await wrapped.devices.get("1")).id == "1"
    with pytest.raises(ConfigurationError, match="SimpleMDMClient"):
        SimpleMDM.from_client(object())  # type: ignore[arg-type]


async def test_from_env_reads_the_key_and_the_base_url(
    fake: FakeSimpleMDM, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SIMPLEMDM_API_KEY", fake.api_key)
    monkeypatch.setenv("SIMPLEMDM_BASE_URL", fake.url)
    async with SimpleMDM.from_env(name="env", max_concurrency=3, clock=clock.time) as backend:
        assert (backend.name, backend.max_concurrency, backend.native.base_url) == (
            "env",
            3,
            fake.url,
        )
        assert (await backend.devices.get(2)).id == "2"
    monkeypatch.delenv("SIMPLEMDM_API_KEY")
    with pytest.raises(ConfigurationError, match="SIMPLEMDM_API_KEY"):
        SimpleMDM.from_env()


# -- devices -----------------------------------------------------------------------------------


async def test_list_with_a_platform_filter_equals_the_fakes_macs(
    mdm: SimpleMDM, fake: FakeSimpleMDM
) -> None:
    macs = await mdm.devices.list(platform=Platform.MACOS).collect()
    expected = [
        d.id
        for d in fake.state.devices.values()
        if d.is_macos and d.gen is not None and d.gen.enrolled_at is not None
    ]
    assert [int(d.id) for d in macs] == expected
    assert {(d.platform, d.vendor, d.source) for d in macs} == {
        (Platform.MACOS, Vendor.SIMPLEMDM, "simplemdm")
    }
    queries = [dict(r.query) for r in fake.requests.take()]
    assert len(queries) == 3  # 250 devices, 100 a page: every device is read
    assert all(q["include_awaiting_enrollment"] == "true" and "platform" not in q for q in queries)


async def test_list_everything_includes_devices_awaiting_enrollment(
    mdm: SimpleMDM, fake: FakeSimpleMDM
) -> None:
    devices = await mdm.devices.list().collect()
    assert [int(d.id) for d in devices] == list(fake.state.devices)
    statuses = {d.id: d.status for d in devices}
    for record in fake.state.devices.values():
        assert statuses[str(record.id)].value == record.status
    waiting = [d for d in devices if d.status is DeviceStatus.AWAITING_ENROLLMENT]
    assert waiting
    assert all(d.platform is Platform.UNKNOWN for d in waiting)
    with pytest.raises(InvalidRequestError, match="Platform"):
        mdm.devices.list(platform="macos")  # type: ignore[arg-type]


async def test_list_searches_on_simplemdm(mdm: SimpleMDM, fake: FakeSimpleMDM) -> None:
    record = fake.state.devices[enrolled(fake, "ipados", 1)[0]]
    found = await mdm.devices.list(search=record.name, platform=Platform.IPADOS).collect()
    assert str(record.id) in [d.id for d in found]
    assert all(record.name.lower() in (d.name or "").lower() for d in found)
    assert {r.query["search"] for r in fake.requests.take()} == {record.name}


@CLASSIC
async def test_get_maps_the_device(
    mdm: SimpleMDM, fake: FakeSimpleMDM, device_of: DeviceOf
) -> None:
    record = fake.state.devices[device_of("macos")]
    got = await mdm.devices.get(str(record.id))
    assert record.gen is not None
    assert (got.id, got.name, got.serial_number, got.udid) == (
        str(record.id),
        record.name,
        record.gen.serial_number,
        record.gen.udid,
    )
    assert (got.platform, got.status, got.model) == (
        Platform.MACOS,
        DeviceStatus.ENROLLED,
        record.gen.model.model_name,
    )
    assert got.group_ids == (f"device_group:{record.device_group_id}",)
    assert got.native.id == record.id
    assert calls(fake) == [("GET", f"/devices/{record.id}")]


async def test_a_mac_lock_without_pin_is_refused_after_one_read(
    mdm: SimpleMDM, fake: FakeSimpleMDM, device_of: DeviceOf
) -> None:
    mac = device_of("macos")
    with pytest.raises(InvalidRequestError, match="6-digit pin") as caught:
        await mdm.devices.lock(mac, message="Call IT")
    assert caught.value.field == "pin"
    assert calls(fake) == [("GET", f"/devices/{mac}")]
    assert fake.state.devices[mac].lock_count == 0


async def test_lock_with_a_device_model_reads_nothing(
    mdm: SimpleMDM, fake: FakeSimpleMDM, device_of: DeviceOf
) -> None:
    mac = await mdm.devices.get(device_of("macos"))
    fake.requests.clear()
    with pytest.raises(InvalidRequestError, match="pin"):
        await mdm.devices.lock(mac)
    assert calls(fake) == []
    await mdm.devices.lock(mac, message="Call IT", phone_number="+15555550100", pin="123456")
    (request,) = fake.requests.take()
    assert (request.method, request.path, request.status) == (
        "POST",
        f"{API}/devices/{mac.id}/lock",
        202,
    )
    assert dict(request.form) == {
        "message": "Call IT",
        "phone_number": "+15555550100",
        "pin": "123456",
    }
    record = fake.state.devices[int(mac.id)]
    assert (record.lock_count, record.last_lock_message) == (1, "Call IT")


async def test_an_iphone_lock_refuses_a_pin_and_goes_through_without_one(
    mdm: SimpleMDM, fake: FakeSimpleMDM, device_of: DeviceOf
) -> None:
    phone = device_of("ios")
    with pytest.raises(InvalidRequestError, match="only Macs take a lock pin"):
        await mdm.devices.lock(str(phone), pin="123456")
    assert calls(fake) == [("GET", f"/devices/{phone}")]
    await mdm.devices.lock(phone, message="Lost", phone_number="+1555")
    assert calls(fake) == [("GET", f"/devices/{phone}"), ("POST", f"/devices/{phone}/lock")]
    record = fake.state.devices[phone]
    assert (record.lock_count, record.last_lock_phone_number) == (1, "+1555")


@pytest.mark.parametrize("pin", ["12345", "12ab56", "1234567"])
async def test_a_malformed_pin_is_refused_before_any_request(
    mdm: SimpleMDM, fake: FakeSimpleMDM, device_of: DeviceOf, pin: str
) -> None:
    with pytest.raises(InvalidRequestError, match="6 digits"):
        await mdm.devices.lock(device_of("macos"), pin=pin)
    with pytest.raises(InvalidRequestError, match="6 digits"):
        await mdm.devices.wipe(device_of("macos"), pin=pin)
    assert calls(fake) == []


async def test_wipe_takes_a_pin_for_macs_only(
    mdm: SimpleMDM, fake: FakeSimpleMDM, device_of: DeviceOf
) -> None:
    phone, mac = device_of("ios"), device_of("macos")
    with pytest.raises(InvalidRequestError, match="only Macs take a wipe pin"):
        await mdm.devices.wipe(phone, pin="123456")
    assert calls(fake) == [("GET", f"/devices/{phone}")]
    assert fake.state.devices[phone].wipe_count == 0
    await mdm.devices.wipe(phone)  # no pin: nothing to check, nothing read
    assert calls(fake) == [("POST", f"/devices/{phone}/wipe")]
    await mdm.devices.wipe(mac, pin="654321")  # passed through for Macs without a T2 chip
    assert calls(fake) == [("GET", f"/devices/{mac}"), ("POST", f"/devices/{mac}/wipe")]
    assert fake.state.devices[mac].commands[-1] == ("wipe", {"pin": "654321"})
    assert (fake.state.devices[phone].wipe_count, fake.state.devices[mac].wipe_count) == (1, 1)


async def test_device_actions_map_one_for_one(
    mdm: SimpleMDM, fake: FakeSimpleMDM, device_of: DeviceOf
) -> None:
    phone = device_of("ios")
    await mdm.devices.restart(phone)
    await mdm.devices.shutdown(phone)
    await mdm.devices.refresh(phone)
    await mdm.devices.clear_passcode(phone)
    await mdm.devices.enable_lost_mode(phone, message="Found me?", footnote="Acme IT")
    await mdm.devices.disable_lost_mode(phone)
    record = fake.state.devices[phone]
    assert record.command_names() == [
        "restart",
        "shutdown",
        "refresh",
        "clear_passcode",
        "enable_lost_mode",
        "disable_lost_mode",
    ]
    assert record.commands[4][1] == {"message": "Found me?", "footnote": "Acme IT"}
    fake.requests.clear()
    with pytest.raises(InvalidRequestError, match="message or a phone number"):
        await mdm.devices.enable_lost_mode(phone, footnote="no message")
    assert calls(fake) == []


async def test_bulk_runs_go_through_the_adapter(mdm: SimpleMDM, fake: FakeSimpleMDM) -> None:
    phones = enrolled(fake, "ios", 5)
    result = await mdm.devices.run("restart", [str(p) for p in phones])
    assert result.all_ok
    assert all(fake.state.devices[p].command_names() == ["restart"] for p in phones)


async def test_ids_and_foreign_models_are_refused_before_any_request(
    mdm: SimpleMDM, fake: FakeSimpleMDM
) -> None:
    foreign = Device(id="1", vendor=Vendor.SIMPLEMDM, source="other-tenant")
    with pytest.raises(InvalidRequestError, match="belongs to 'other-tenant'"):
        await mdm.devices.get(foreign)
    with pytest.raises(InvalidRequestError, match="SimpleMDM id"):
        await mdm.devices.restart("abc")
    with pytest.raises(InvalidRequestError, match="safe id"):
        await mdm.devices.wipe("1/wipe")
    assert calls(fake) == []


# -- apps --------------------------------------------------------------------------------------


async def test_apps_list_and_get_map_the_catalog(mdm: SimpleMDM, fake: FakeSimpleMDM) -> None:
    apps = await mdm.apps.list().collect()
    assert [int(a.id) for a in apps] == [a.id for a in fake.state.apps.values() if not a.shared]
    by_id = {a.id: a for a in apps}
    for ident, kind, platforms in [
        ("1", AppKind.STORE, frozenset({Platform.IOS, Platform.IPADOS})),
        ("21", AppKind.STORE, frozenset({Platform.MACOS})),
        ("24", AppKind.PACKAGE, frozenset({Platform.MACOS})),
        ("28", AppKind.ENTERPRISE, frozenset({Platform.IOS, Platform.IPADOS})),
    ]:
        record = fake.state.apps[int(ident)]
        assert (by_id[ident].name, by_id[ident].bundle_id) == (
            record.name,
            record.bundle_identifier,
        )
        assert (by_id[ident].kind, by_id[ident].platforms) == (kind, platforms)
    assert await mdm.apps.get(by_id["28"]) == by_id["28"]


async def test_apps_list_asks_for_the_shared_catalog_only_when_told(
    mdm: SimpleMDM, fake: FakeSimpleMDM
) -> None:
    old = fake.add_app("Old Store App", app_type="apple store")
    chrome = fake.add_app("Chrome", app_type="enterprise", platform_support="macOS", shared=True)
    own = await mdm.apps.list().collect()
    assert (own[-1].id, own[-1].kind) == (str(old.id), AppKind.STORE)
    assert str(chrome.id) not in {a.id for a in own}
    everything = await mdm.apps.list(include_shared=True).collect()
    shared = [(a.name, a.kind) for a in everything if a.kind is AppKind.SHARED]
    assert shared == [("Shared Catalog App", AppKind.SHARED), ("Chrome", AppKind.SHARED)]
    queries = [r.query_pairs for r in fake.requests.take()]
    assert queries == [(("limit", "100"),), (("include_shared", "true"), ("limit", "100"))]


async def test_upload_bytes_and_a_path(mdm: SimpleMDM, fake: FakeSimpleMDM, tmp_path: Path) -> None:
    data = ipa("Field Notes", "com.example.fieldnotes", "3.1")
    notes = await mdm.apps.upload(data, filename="FieldNotes.ipa")
    assert (notes.name, notes.bundle_id, notes.version, notes.kind) == (
        "Field Notes",
        "com.example.fieldnotes",
        "3.1",
        AppKind.ENTERPRISE,
    )
    path = tmp_path / "Tool.pkg"
    path.write_bytes(PKG)
    tool = await mdm.apps.upload(path, name="Our Tool")
    assert (tool.name, tool.kind, tool.platforms) == (
        "Our Tool",
        AppKind.PACKAGE,
        frozenset({Platform.MACOS}),
    )
    assert [r.files["binary"].filename for r in fake.requests.take()] == [
        "FieldNotes.ipa",
        "Tool.pkg",
    ]
    assert fake.state.apps[int(tool.id)].binary is not None
    with pytest.raises(InvalidRequestError, match="no SimpleMDM-specific options"):
        await mdm.apps.upload(path, deploy_to="all")
    assert calls(fake) == []


async def test_add_from_store_by_store_id_and_by_bundle_id(
    mdm: SimpleMDM, fake: FakeSimpleMDM
) -> None:
    by_id = await mdm.apps.add_from_store(424242)
    by_text_id = await mdm.apps.add_from_store("434343")
    by_bundle = await mdm.apps.add_from_store("com.example.notes")
    assert [dict(r.form) for r in fake.requests.take()] == [
        {"app_store_id": "424242"},
        {"app_store_id": "434343"},
        {"bundle_id": "com.example.notes"},
    ]
    assert {by_id.kind, by_text_id.kind, by_bundle.kind} == {AppKind.STORE}
    assert by_bundle.bundle_id == "com.example.notes"
    assert int(by_id.id) in fake.state.apps
    with pytest.raises(InvalidRequestError, match="names store apps itself"):
        await mdm.apps.add_from_store(424242, name="Mine")
    with pytest.raises(InvalidRequestError, match="identifier"):
        await mdm.apps.add_from_store(True)
    assert calls(fake) == []


async def test_delete_removes_the_app(mdm: SimpleMDM, fake: FakeSimpleMDM) -> None:
    app = await mdm.apps.get(30)
    await mdm.apps.delete(app)
    assert 30 not in fake.state.apps
    with pytest.raises(NotFoundError):
        await mdm.apps.get("30")


# -- groups ------------------------------------------------------------------------------------


async def test_groups_list_on_new_groups_lists_static_and_dynamic_groups(
    mdm: SimpleMDM, fake: FakeSimpleMDM
) -> None:
    dynamic = fake.add_assignment_group("Macs on 14", type="dynamic")
    fake.add_assignment_group("mdmkit: Slack (1)")  # a carrier: static on NGE, still hidden
    groups = await mdm.groups.list().collect()
    static = [
        (f"assignment_group:{i}", fake.state.assignment_groups[i].name, GroupKind.STATIC)
        for i in range(1, 9)
    ]
    assert [(g.id, g.name, g.kind) for g in groups] == [
        *static,
        (f"assignment_group:{dynamic.id}", "Macs on 14", GroupKind.DYNAMIC),
    ]
    # the account's experience is read once (GET /device_groups?limit=1: none), then kept
    requests = fake.requests.take()
    assert [(r.method, r.path.removeprefix(API), r.query.get("limit")) for r in requests] == [
        ("GET", "/device_groups", "1"),
        ("GET", "/assignment_groups", "100"),
    ]
    assert await mdm.experience() is Experience.NEW_GROUPS
    page = await mdm.groups.list()
    assert (len(page.items), page.has_more, page.cursor) == (0, True, "assignment_group:")
    resumed = [g async for p in mdm.groups.list().pages(page.cursor) for g in p.items]
    assert resumed == groups
    assert calls(fake) == [("GET", "/assignment_groups")]  # the first page needed nothing
    with pytest.raises(InvalidRequestError, match="not a cursor of this list"):
        await mdm.groups.list().pages("devices:3").__anext__()


@CLASSIC
async def test_groups_list_on_a_classic_account_lists_device_groups_only(
    mdm: SimpleMDM, fake: FakeSimpleMDM
) -> None:
    groups = await mdm.groups.list().collect()
    assert [(g.id, g.name, g.kind) for g in groups] == [
        (f"device_group:{g.id}", g.name, GroupKind.LEGACY)
        for g in fake.state.device_groups.values()
    ]
    # every classic assignment group (standard or munki, group_type "dynamic") carries apps
    assert {g.group_type for g in fake.state.assignment_groups.values()} == {"dynamic"}
    assert calls(fake) == [
        ("GET", "/device_groups"),
        ("GET", "/device_groups"),
        ("GET", "/assignment_groups"),
    ]
    assert await mdm.experience() is Experience.CLASSIC
    page = await mdm.groups.list()
    assert (len(page.items), page.has_more, page.cursor) == (8, True, "assignment_group:")


@pytest.mark.parametrize("status", [404, 410, 422])
async def test_device_groups_gone_means_new_groups(
    mdm: SimpleMDM, fake: FakeSimpleMDM, status: int
) -> None:
    fake.faults.add(Reply(status, "device groups are gone"), route="GET */device_groups")
    assert await mdm.experience() is Experience.NEW_GROUPS
    assert [g.kind for g in await mdm.groups.list().collect()] == [GroupKind.STATIC] * 8


@pytest.mark.parametrize(
    ("fault", "error"),
    [(Reply(403, "no access"), PermissionDeniedError), (Reply(400, "x"), ValidationError)],
)
async def test_other_answers_of_the_experience_probe_are_raised(
    mdm: SimpleMDM, fake: FakeSimpleMDM, fault: Reply, error: type[Exception]
) -> None:
    fake.faults.add(fault, route="GET */device_groups")
    with pytest.raises(error, match=fault.message):
        await mdm.groups.list().collect()
    assert await mdm.experience() is Experience.NEW_GROUPS  # read again: nothing was kept


async def test_the_experience_is_read_once_however_many_ask(
    mdm: SimpleMDM, fake: FakeSimpleMDM
) -> None:
    found: list[Experience] = []

    async def ask() -> None:
        found.append(await mdm.experience())

    async with anyio.create_task_group() as tasks:
        for _ in range(20):
            tasks.start_soon(ask)
    assert found == [Experience.NEW_GROUPS] * 20
    assert calls(fake) == [("GET", "/device_groups")]


async def test_groups_get_each_kind(mdm: SimpleMDM, fake: FakeSimpleMDM) -> None:
    static = await mdm.groups.get("assignment_group:2")
    assert (static.name, static.kind, static.native.id) == ("Engineering", GroupKind.STATIC, 2)
    assert await mdm.groups.get(static) == static
    carrier = fake.add_assignment_group("mdmkit: Slack (1)")
    with pytest.raises(InvalidRequestError, match="carries apps on this new groups account"):
        await mdm.groups.get(f"assignment_group:{carrier.id}")
    fake.requests.clear()
    for bad in ("3", 3, "group:3"):
        with pytest.raises(InvalidRequestError, match="device_group:<id>"):
            await mdm.groups.get(bad)
    assert calls(fake) == []
    with pytest.raises(NotFoundError):
        await mdm.groups.get("device_group:1")  # an NGE account has no device groups


@CLASSIC
async def test_groups_get_on_a_classic_account(mdm: SimpleMDM, fake: FakeSimpleMDM) -> None:
    legacy = await mdm.groups.get("device_group:3")
    assert (legacy.name, legacy.kind) == ("Kiosks", GroupKind.LEGACY)
    munki = next(g for g in fake.state.assignment_groups.values() if g.type == "munki")
    for ident in (1, munki.id):
        with pytest.raises(InvalidRequestError, match="carries apps on this classic account"):
            await mdm.groups.get(f"assignment_group:{ident}")
    with pytest.raises(NotFoundError):
        await mdm.groups.get("device_group:99")


async def test_members_of_static_and_dynamic_groups(mdm: SimpleMDM, fake: FakeSimpleMDM) -> None:
    static = await mdm.groups.members(await mdm.groups.get("assignment_group:2")).collect()
    assert {int(d.id) for d in static} == fake.state.assignment_groups[2].device_ids
    assert all(isinstance(d, Device) and d.source == "simplemdm" for d in static)
    dynamic = fake.add_assignment_group("Rules", type="dynamic", device_ids=[4, 9])
    members = await mdm.groups.members(f"assignment_group:{dynamic.id}").collect()
    assert [d.id for d in members] == ["4", "9"]
    with pytest.raises(InvalidRequestError, match="device_group:<id>"):
        mdm.groups.members("99")


@CLASSIC
async def test_members_of_a_legacy_device_group(mdm: SimpleMDM, fake: FakeSimpleMDM) -> None:
    legacy = await mdm.groups.members("device_group:3").collect()
    assert [int(d.id) for d in legacy] == [
        d.id for d in fake.state.devices.values() if d.device_group_id == 3
    ]
    assert all(d.group_ids == ("device_group:3",) for d in legacy)
    with pytest.raises(NotFoundError):
        await mdm.groups.members("device_group:99").collect()
    with pytest.raises(InvalidRequestError, match="carries apps"):
        await mdm.groups.members("assignment_group:1").collect()


async def test_create_makes_a_static_group(mdm: SimpleMDM, fake: FakeSimpleMDM) -> None:
    created = await mdm.groups.create("Field team")
    record = fake.state.assignment_groups[created.native.id]
    assert (record.name, record.type) == ("Field team", "static")
    assert (created.id, created.kind) == (f"assignment_group:{record.id}", GroupKind.STATIC)
    assert created in await mdm.groups.list().collect()


@CLASSIC
async def test_create_on_a_classic_account_is_unsupported_and_sends_nothing(
    mdm: SimpleMDM, fake: FakeSimpleMDM
) -> None:
    before = set(fake.state.assignment_groups)
    with pytest.raises(UnsupportedOperation, match="classic experience") as caught:
        await mdm.groups.create("Field team")
    assert caught.value.capability == "groups.create"
    assert set(fake.state.assignment_groups) == before
    assert calls(fake) == [("GET", "/device_groups")]  # the experience only: no POST


@CLASSIC
async def test_create_deletes_a_group_that_is_not_static_after_all(
    mdm: SimpleMDM, fake: FakeSimpleMDM
) -> None:
    # the probe says New Groups (no device groups), yet the account makes classic groups
    fake.faults.add(Reply(404, "gone"), route="GET */device_groups")
    before = set(fake.state.assignment_groups)
    created = fake.state.assignment_groups.next_id()
    with pytest.raises(UnsupportedOperation, match="not a static group, so it was deleted"):
        await mdm.groups.create("Field team")
    assert set(fake.state.assignment_groups) == before
    assert calls(fake) == [
        ("GET", "/device_groups"),
        ("POST", "/assignment_groups"),
        ("DELETE", f"/assignment_groups/{created}"),
    ]


async def test_add_and_remove_a_device_in_a_static_group(
    mdm: SimpleMDM, fake: FakeSimpleMDM, device_of: DeviceOf
) -> None:
    created = await mdm.groups.create("Field team")
    phone = device_of("ios")
    fake.requests.clear()
    await mdm.groups.add_device(created, phone)
    await mdm.groups.add_device(created.id, str(phone))  # already there: 409, which is success
    members = fake.state.assignment_groups[created.native.id].device_ids
    assert members == {phone}
    path = f"/assignment_groups/{created.native.id}/devices/{phone}"
    assert [(r.method, r.path.removeprefix(API), r.status) for r in fake.requests.take()] == [
        ("POST", path, 204),
        ("GET", f"/assignment_groups/{created.native.id}", 200),
        ("POST", path, 409),
    ]
    await mdm.groups.remove_device(created, phone)
    await mdm.groups.remove_device(created, phone)  # not there any more: 409 again
    assert members == set()


@CLASSIC
async def test_add_device_to_a_legacy_group_moves_it_and_remove_is_unsupported(
    mdm: SimpleMDM, fake: FakeSimpleMDM
) -> None:
    record = next(d for d in fake.state.devices.values() if d.device_group_id == 1)
    await mdm.groups.add_device("device_group:2", record.id)
    assert record.device_group_id == 2
    assert calls(fake) == [("POST", f"/device_groups/2/devices/{record.id}")]
    with pytest.raises(UnsupportedOperation, match="move it to another group with add_device"):
        await mdm.groups.remove_device("device_group:2", record.id)
    assert calls(fake) == []
    assert record.device_group_id == 2


async def test_dynamic_groups_take_their_members_from_rules(
    mdm: SimpleMDM, fake: FakeSimpleMDM
) -> None:
    dynamic = fake.add_assignment_group("Rules", type="dynamic")
    ident = f"assignment_group:{dynamic.id}"
    with pytest.raises(UnsupportedOperation, match="rules") as caught:
        await mdm.groups.add_device(ident, 1)
    assert caught.value.capability == "groups.add_device"
    assert calls(fake) == [("GET", "/device_groups"), ("GET", f"/assignment_groups/{dynamic.id}")]
    model = await mdm.groups.get(ident)
    fake.requests.clear()
    with pytest.raises(UnsupportedOperation, match="rules") as caught:
        await mdm.groups.remove_device(model, 1)
    assert caught.value.capability == "groups.remove_device"
    assert calls(fake) == []
    assert dynamic.device_ids == set()


# -- assignments -------------------------------------------------------------------------------


async def test_assign_to_a_static_group_and_two_devices(
    mdm: SimpleMDM, fake: FakeSimpleMDM
) -> None:
    app = fake.add_app("Field Notes", app_type="enterprise")
    d1, d2 = enrolled(fake, "ios", 2)
    sales = fake.state.assignment_groups[1]
    result = await mdm.assignments.assign(
        str(app.id), devices=[d1, str(d2)], groups=["assignment_group:1"]
    )
    (carrier,) = carriers(fake, app.id)
    assert carrier.name == f"mdmkit: Field Notes ({app.id})"
    assert (carrier.app_ids, carrier.device_ids, carrier.auto_deploy) == ([app.id], {d1, d2}, True)
    assert app.id in sales.app_ids
    assert (carrier.push_apps_count, sales.push_apps_count) == (1, 1)
    automatic = InstallMode.AUTOMATIC
    assert result == [
        expect(app.id, device(d1), automatic, carried(carrier)),
        expect(app.id, device(d2), automatic, carried(carrier)),
        expect(app.id, group("assignment_group:1"), automatic, carried(sales)),
    ]
    assert result[0].native.device_ids == (d1, d2)  # the carrier as it is now
    assert app.id in result[2].native.app_ids


async def test_on_demand_has_its_own_carrier_and_pushes_nothing(
    mdm: SimpleMDM, fake: FakeSimpleMDM
) -> None:
    app = fake.add_app("Field Notes")
    d1, d2 = enrolled(fake, "ipados", 2)
    await mdm.assignments.assign(app.id, devices=[d1])
    result = await mdm.assignments.assign(
        app.id, devices=[d2], groups=["assignment_group:3"], install=InstallMode.ON_DEMAND
    )
    automatic, on_demand = carriers(fake, app.id)
    assert automatic.name == on_demand.name
    assert (automatic.auto_deploy, automatic.device_ids, automatic.push_apps_count) == (
        True,
        {d1},
        1,
    )
    assert (on_demand.auto_deploy, on_demand.device_ids, on_demand.push_apps_count) == (
        False,
        {d2},
        0,
    )
    kiosks = fake.state.assignment_groups[3]
    assert (app.id in kiosks.app_ids, kiosks.push_apps_count) == (True, 0)
    assert [(a.target, a.install) for a in result] == [
        (device(d2), InstallMode.ON_DEMAND),
        # a static group keeps its own auto-deploy setting, and the assignment says so
        (group("assignment_group:3"), InstallMode.AUTOMATIC),
    ]
    pushed = [r.path.removeprefix(API) for r in fake.requests.filter("POST", "*/push_apps")]
    assert pushed == [f"/assignment_groups/{automatic.id}/push_apps"]


async def test_assign_to_groups_only_needs_no_carrier(mdm: SimpleMDM, fake: FakeSimpleMDM) -> None:
    app = fake.add_app("Field Notes")
    dynamic = fake.add_assignment_group("Rules", type="dynamic")
    dynamic.auto_deploy = False
    ident = f"assignment_group:{dynamic.id}"
    made = await mdm.assignments.assign(app.id, groups=[ident], install=InstallMode.ON_DEMAND)
    assert made == [expect(app.id, group(ident), InstallMode.ON_DEMAND, carried(dynamic))]
    assert (dynamic.app_ids, dynamic.push_apps_count, carriers(fake, app.id)) == ([app.id], 0, [])
    assert calls(fake) == [
        ("GET", "/device_groups"),  # the account's experience, read once
        ("GET", f"/assignment_groups/{dynamic.id}"),
        ("POST", f"/assignment_groups/{dynamic.id}/apps/{app.id}"),
        ("GET", f"/assignment_groups/{dynamic.id}"),
    ]


async def test_assigning_twice_changes_nothing_more(mdm: SimpleMDM, fake: FakeSimpleMDM) -> None:
    app = fake.add_app("Field Notes")
    d1, d2 = enrolled(fake, "ios", 2)
    targets: dict[str, Any] = {"devices": [d1, d2], "groups": ["assignment_group:1"]}
    first = await mdm.assignments.assign(app.id, **targets)
    before = snapshot(fake)
    fake.requests.clear()
    second = await mdm.assignments.assign(app.id, **targets)
    assert second == first
    assert len(carriers(fake, app.id)) == 1
    (carrier,) = carriers(fake, app.id)
    writes = [
        (r.method, r.path.removeprefix(API), r.status)
        for r in fake.requests.take()
        if r.method == "POST" and not r.path.endswith("/push_apps")
    ]
    assert writes == [
        ("POST", f"/assignment_groups/1/apps/{app.id}", 409),
        ("POST", f"/assignment_groups/{carrier.id}/apps/{app.id}", 409),
        ("POST", f"/assignment_groups/{carrier.id}/devices/{d1}", 409),
        ("POST", f"/assignment_groups/{carrier.id}/devices/{d2}", 409),
    ]
    after = snapshot(fake)
    for ident in (1, carrier.id):  # the same groups, pushed once more
        assert after[ident][:3] == before[ident][:3]
        assert after[ident][3] == before[ident][3] + 1


@CLASSIC
async def test_assign_to_a_legacy_device_group_goes_through_the_carrier(
    mdm: SimpleMDM, fake: FakeSimpleMDM
) -> None:
    app = fake.add_app("Field Notes")
    (result,) = await mdm.assignments.assign(app.id, groups=["device_group:3"])
    (carrier,) = carriers(fake, app.id)
    assert (carrier.type, carrier.device_group_ids, carrier.device_ids) == ("standard", [3], set())
    assert result == expect(
        app.id, group("device_group:3"), InstallMode.AUTOMATIC, carried(carrier)
    )
    fake.requests.clear()
    assert await mdm.assignments.assign(app.id, groups=["device_group:3"]) == [result]
    writes = [(r.path.removeprefix(API), r.status) for r in fake.requests.filter("POST", "*")]
    assert writes == [
        (f"/assignment_groups/{carrier.id}/apps/{app.id}", 409),
        (f"/assignment_groups/{carrier.id}/device_groups/3", 409),
        (f"/assignment_groups/{carrier.id}/push_apps", 202),
    ]
    with pytest.raises(InvalidRequestError, match="carries apps; it is not a static"):
        await mdm.assignments.assign(app.id, groups=["assignment_group:1"])


async def test_assign_checks_the_groups_before_changing_anything(
    mdm: SimpleMDM, fake: FakeSimpleMDM
) -> None:
    app = fake.add_app("Field Notes")
    old = fake.add_assignment_group("mdmkit: Slack (1)")  # a carrier
    before = snapshot(fake)
    with pytest.raises(InvalidRequestError, match="carries apps"):
        await mdm.assignments.assign(
            app.id, devices=[1], groups=["assignment_group:1", f"assignment_group:{old.id}"]
        )
    assert calls(fake) == [
        ("GET", "/device_groups"),
        ("GET", "/assignment_groups/1"),
        ("GET", f"/assignment_groups/{old.id}"),
    ]
    with pytest.raises(NotFoundError):
        await mdm.assignments.assign(999, devices=[1], groups=["assignment_group:1"])
    assert calls(fake) == [  # the group, the carriers, then the missing app
        ("GET", "/assignment_groups/1"),
        ("GET", "/assignment_groups"),
        ("GET", "/apps/999"),
    ]
    assert snapshot(fake) == before
    with pytest.raises(InvalidRequestError, match="device_group:<id>"):
        await mdm.assignments.assign(app.id, groups=["7"])
    with pytest.raises(InvalidRequestError, match="SimpleMDM id"):
        await mdm.assignments.assign(app.id, devices=["phone"])
    assert calls(fake) == []


async def test_list_shows_every_assignment(mdm: SimpleMDM, fake: FakeSimpleMDM) -> None:
    app = fake.add_app("Field Notes")
    d1, d2 = enrolled(fake, "ios", 2)
    made = await mdm.assignments.assign(app.id, devices=[d1, d2], groups=["assignment_group:4"])
    listed = await mdm.assignments.list(app=str(app.id)).collect()
    assert sorted(listed, key=repr) == sorted(made, key=repr)
    everything = await mdm.assignments.list().collect()
    expected = sum(
        len(g.app_ids)
        * (
            1
            if g.is_nge and not g.name.startswith("mdmkit: ")
            else len(g.device_ids) + len(g.device_group_ids)
        )
        for g in fake.state.assignment_groups.values()
    )
    assert len(everything) == expected
    assert [a for a in everything if a.app_id == str(app.id)] == listed
    sales = [a for a in everything if a.carrier == carried(fake.state.assignment_groups[1])]
    assert [(a.app_id, a.target) for a in sales] == [
        (str(a), group("assignment_group:1")) for a in fake.state.assignment_groups[1].app_ids
    ]


@CLASSIC
async def test_list_on_a_classic_account_targets_device_groups_and_devices(
    mdm: SimpleMDM, fake: FakeSimpleMDM
) -> None:
    everything = await mdm.assignments.list().collect()
    expected = [
        (str(a), t)
        for g in fake.state.assignment_groups.values()
        for a in g.app_ids
        for t in [device(d) for d in sorted(g.device_ids)]
        + [group(f"device_group:{i}") for i in g.device_group_ids]
    ]
    assert [(a.app_id, a.target) for a in everything] == expected
    assert any(a.target.kind is TargetKind.DEVICE for a in everything)
    assert not any(a.target.id.startswith("assignment_group:") for a in everything)
    munki = next(g for g in fake.state.assignment_groups.values() if g.type == "munki")
    installs = {a.install for a in everything if a.carrier == carried(munki)}
    assert installs == {
        InstallMode.ON_DEMAND if munki.install_type == "self_serve" else InstallMode.AUTOMATIC
    }


async def test_unassign_one_of_two_devices_takes_just_that_device_off_the_carrier(
    mdm: SimpleMDM, fake: FakeSimpleMDM
) -> None:
    app, d1, d2, carrier = await shared_by_two(mdm, fake)
    second = (await mdm.assignments.list(app=app).collect())[1]
    fake.requests.clear()
    await mdm.assignments.unassign(app, devices=[d1])
    assert calls(fake) == [
        ("GET", "/assignment_groups"),
        ("DELETE", f"/assignment_groups/{carrier.id}/devices/{d1}"),
    ]
    assert (carrier.app_ids, carrier.device_ids) == ([app], {d2})
    assert second.target == device(d2)
    await mdm.assignments.unassign(second)  # through the AppAssignment
    assert (carrier.app_ids, carrier.device_ids) == ([app], set())
    assert await mdm.assignments.list(app=app).collect() == []


@CLASSIC
async def test_unassign_a_legacy_device_group(mdm: SimpleMDM, fake: FakeSimpleMDM) -> None:
    app = fake.add_app("Field Notes")
    await mdm.assignments.assign(app.id, groups=["device_group:3", "device_group:4"])
    (carrier,) = carriers(fake, app.id)
    await mdm.assignments.unassign(app.id, groups=["device_group:3"])
    assert (carrier.app_ids, carrier.device_group_ids) == ([app.id], [4])


async def test_unassign_a_static_group_removes_only_that_app(
    mdm: SimpleMDM, fake: FakeSimpleMDM
) -> None:
    sales = fake.state.assignment_groups[1]
    others, members = [a for a in sales.app_ids if a != 16], set(sales.device_ids)
    group_model = await mdm.groups.get("assignment_group:1")
    await mdm.assignments.unassign(16, groups=[group_model])
    assert (sales.app_ids, sales.device_ids) == (others, members)
    assert calls(fake)[-1] == ("DELETE", "/assignment_groups/1/apps/16")


async def test_one_device_on_two_carriers_comes_off_both(
    mdm: SimpleMDM, fake: FakeSimpleMDM
) -> None:
    app = fake.add_app("Field Notes")
    (phone,) = enrolled(fake, "ios", 1)
    await mdm.assignments.assign(app.id, devices=[phone])
    await mdm.assignments.assign(app.id, devices=[phone], install=InstallMode.ON_DEMAND)
    await mdm.assignments.unassign(app.id, devices=[phone])
    assert [(c.app_ids, c.device_ids) for c in carriers(fake, app.id)] == [([app.id], set())] * 2


async def test_unassign_refuses_collateral_damage_on_a_shared_carrier(
    mdm: SimpleMDM, fake: FakeSimpleMDM
) -> None:
    app, d1, d2, carrier = await shared_by_two(mdm, fake)
    other = fake.add_app("Other")
    await mdm.native.assignment_groups.assign_app(carrier.id, other.id)  # someone shares it
    before = snapshot(fake)
    fake.requests.clear()
    with pytest.raises(InvalidRequestError) as caught:
        await mdm.assignments.unassign(app, devices=[d1])
    message = str(caught.value)
    assert f'assignment group "mdmkit: Field Notes ({app})" ({carrier.id})' in message
    assert f"also carries apps {other.id} and targets device {d2}" in message
    assert "remove more than asked" in message
    assert snapshot(fake) == before
    assert calls(fake) == [("GET", "/device_groups"), ("GET", "/assignment_groups")]


@CLASSIC
async def test_unassign_every_target_of_a_shared_group_takes_the_app_out_of_it(
    mdm: SimpleMDM, fake: FakeSimpleMDM
) -> None:
    a1, a2 = fake.add_app("One"), fake.add_app("Two")
    d1, d2 = enrolled(fake, "macos", 2)
    shared = await mdm.native.assignment_groups.create(name="Shared", type="standard")
    for call in (
        mdm.native.assignment_groups.assign_app(shared.id, a1.id),
        mdm.native.assignment_groups.assign_app(shared.id, a2.id),
        mdm.native.assignment_groups.assign_device(shared.id, d1),
        mdm.native.assignment_groups.assign_device(shared.id, d2),
    ):
        await call
    listed = await mdm.assignments.list(app=a1.id).collect()
    assert [a.target for a in listed] == [device(d1), device(d2)]
    fake.requests.clear()
    await mdm.assignments.unassign(a1.id, devices=[d1, d2])
    assert calls(fake)[-1] == ("DELETE", f"/assignment_groups/{shared.id}/apps/{a1.id}")
    record = fake.state.assignment_groups[shared.id]
    assert (record.app_ids, record.device_ids) == ([a2.id], {d1, d2})


async def test_unassign_refuses_to_take_profiles_off_a_device(
    mdm: SimpleMDM, fake: FakeSimpleMDM
) -> None:
    app, d1, d2, carrier = await shared_by_two(mdm, fake)
    await mdm.native.assignment_groups.assign_profile(carrier.id, 1)
    with pytest.raises(InvalidRequestError, match="also carries profiles 1 and targets device"):
        await mdm.assignments.unassign(app, devices=[d1])
    assert carrier.device_ids == {d1, d2}


async def test_unassign_what_is_not_assigned_says_so(mdm: SimpleMDM, fake: FakeSimpleMDM) -> None:
    app = fake.add_app("Field Notes")
    d1, d2 = enrolled(fake, "ios", 2)
    with pytest.raises(InvalidRequestError, match=f"app {app.id} is not assigned to device {d1}"):
        await mdm.assignments.unassign(app.id, devices=[d1])
    await mdm.assignments.assign(app.id, devices=[d1])
    (carrier,) = carriers(fake, app.id)
    fake.requests.clear()
    with pytest.raises(InvalidRequestError, match=f"not assigned to device {d2}$") as caught:
        await mdm.assignments.unassign(app.id, devices=[d1, d2])  # every target checked first
    assert caught.value.field == "devices"
    assert carrier.device_ids == {d1}
    assert calls(fake) == [("GET", "/assignment_groups")]
    member = min(fake.state.assignment_groups[1].device_ids)  # Sales carries app 8
    with pytest.raises(InvalidRequestError, match="through group assignment_group:1"):
        await mdm.assignments.unassign(8, devices=[member])
    with pytest.raises(InvalidRequestError, match="not assigned to group assignment_group:2"):
        await mdm.assignments.unassign(8, groups=["assignment_group:2"])


@pytest.mark.anyio
async def test_simplemdm_apps_have_no_channels(fake: FakeSimpleMDM, mdm: SimpleMDM) -> None:
    app = await mdm.apps.list().first()
    device = await mdm.devices.list().first()
    assert app is not None
    assert device is not None
    assert app.channels == ()
    fake.requests.clear()
    with pytest.raises(InvalidRequestError, match="no release channels") as info:
        await mdm.assignments.assign(app, devices=[device], channel="beta")
    assert info.value.field == "channel"
    assert fake.requests.all() == []
