"""The fake SimpleMDM over real sockets: auth, envelopes, pagination, devices and commands."""

from __future__ import annotations

from collections.abc import Callable

import aiohttp
import pytest

from mdmkit.testing import FakeSimpleMDM
from tests.support import CLASSIC
from tests.testing.fakeapi import Api

pytestmark = pytest.mark.anyio

# Attribute names of a device in a response recorded from the real service (2022).
RECORDED_DEVICE_ATTRIBUTES = (
    "name", "last_seen_at", "last_seen_ip", "status", "enrollment_channels", "device_name",
    "os_version", "build_version", "model_name", "model", "product_name", "unique_identifier",
    "serial_number", "processor_architecture", "imei", "meid", "device_capacity",
    "available_device_capacity", "battery_level", "modem_firmware_version", "iccid",
    "bluetooth_mac", "ethernet_macs", "wifi_mac", "current_carrier_network",
    "sim_carrier_network", "subscriber_carrier_network", "carrier_settings_version",
    "phone_number", "voice_roaming_enabled", "data_roaming_enabled", "is_roaming",
    "subscriber_mcc", "subscriber_mnc", "simmnc", "current_mcc", "current_mnc",
    "hardware_encryption_caps", "passcode_present", "passcode_compliant",
    "passcode_compliant_with_profiles", "is_supervised", "is_dep_enrollment",
    "is_user_approved_enrollment", "is_device_locator_service_enabled",
    "is_do_not_disturb_in_effect", "personal_hotspot_enabled", "itunes_store_account_is_active",
    "cellular_technology", "last_cloud_backup_date", "is_activation_lock_enabled",
    "is_cloud_backup_enabled", "filevault_enabled", "filevault_recovery_key",
    "lost_mode_enabled", "firmware_password_enabled", "recovery_lock_password_enabled",
    "remote_desktop_enabled", "firmware_password", "recovery_lock_password", "firewall",
    "system_integrity_protection_enabled", "os_update", "service_subscriptions",
    "location_latitude", "location_longitude", "location_accuracy", "location_updated_at",
)  # fmt: skip


async def test_requests_need_the_api_key_as_basic_user(fake: FakeSimpleMDM) -> None:
    async with aiohttp.ClientSession() as session:
        for key in (None, "wrong-key"):
            reply = await Api(session, fake.url, key).get("/account")
            assert reply.status == 401
            assert reply.json == {"errors": [{"title": "Unauthorized"}]}
        password = {"Authorization": aiohttp.encode_basic_auth(fake.api_key, "secret")}
        assert (await Api(session, fake.url, None).get("/account", headers=password)).status == 401
        ok = await Api(session, fake.url, fake.api_key).get("/account")
    assert ok.status == 200
    assert ok.headers["Content-Type"] == "application/json; charset=utf-8"
    assert len(ok.headers["x-request-id"]) == 36
    assert ok.json["data"]["type"] == "account"


async def test_generated_api_key_and_url() -> None:
    async with FakeSimpleMDM(devices=10) as fake:
        assert fake.url.startswith("http://127.0.0.1:")
        assert fake.url.endswith("/api/v1")
        assert len(fake.api_key) >= 32


async def test_paging_250_devices_by_100(api: Api, fake: FakeSimpleMDM) -> None:
    sizes, seen, after = [], [], None
    while True:
        query = "?limit=100&include_awaiting_enrollment=true"
        reply = await api.get("/devices" + query + (f"&starting_after={after}" if after else ""))
        ids = [d["id"] for d in reply.json["data"]]
        sizes.append(len(ids))
        seen += ids
        if not reply.json["has_more"]:
            break
        after = ids[-1]
    assert sizes == [100, 100, 50]
    assert seen == sorted(fake.state.devices)
    assert len(set(seen)) == 250


async def test_default_listing_hides_awaiting_enrollment(api: Api, fake: FakeSimpleMDM) -> None:
    awaiting = {d.id for d in fake.state.devices.values() if d.status == "awaiting enrollment"}
    assert awaiting, "the generated fleet has devices awaiting enrollment"
    reply = await api.get("/devices?limit=100")
    assert not awaiting & {d["id"] for d in reply.json["data"]}
    assert len(reply.json["data"]) == 100


async def test_default_limit_direction_and_cursor(api: Api) -> None:
    first = await api.get("/apps")
    assert len(first.json["data"]) == 10
    assert first.json["has_more"] is True
    down = await api.get("/devices?direction=desc&limit=3&starting_after=100")
    assert [d["id"] for d in down.json["data"]] == [99, 98, 97]


@pytest.mark.parametrize("query", ["limit=101", "limit=0", "limit=ten", "direction=up"])
async def test_bad_paging_arguments_are_400(api: Api, query: str) -> None:
    reply = await api.get(f"/devices?{query}")
    assert reply.status == 400
    assert set(reply.json) == {"errors"}
    assert reply.json["errors"][0]["title"]


async def test_missing_objects_are_404_with_the_error_shape(api: Api) -> None:
    for path in ("/devices/999999", "/devices/abc", "/apps/0", "/no_such_section"):
        reply = await api.get(path)
        assert reply.status == 404
        assert reply.json == {"errors": [{"title": "object not found"}]}


@CLASSIC
async def test_device_json_has_the_recorded_shape(
    api: Api, device_of: Callable[[str], int]
) -> None:
    mac = (await api.get(f"/devices/{device_of('macos')}")).json["data"]
    assert set(mac) == {"type", "id", "attributes", "relationships"}
    assert set(RECORDED_DEVICE_ATTRIBUTES) <= set(mac["attributes"])
    assert {"enrolled_at", "dep_enrolled", "dep_assigned", "time_zone", "user_enrollment"} <= set(
        mac["attributes"]
    )
    assert set(mac["attributes"]["firewall"]) == {"enabled", "block_all_incoming", "stealth_mode"}
    assert mac["attributes"]["os_update"]["default_catalog"] is True
    assert mac["relationships"]["device_group"]["data"]["type"] == "device_group"
    assert mac["relationships"]["custom_attribute_values"] == {"data": []}
    phone = (await api.get(f"/devices/{device_of('ios')}")).json["data"]["attributes"]
    assert phone["product_name"].startswith("iPhone")
    assert len(phone["imei"].replace(" ", "")) == 15
    assert phone["phone_number"].startswith("+1")
    assert len(phone["serial_number"]) == 12
    assert not set(phone["serial_number"]) & {"I", "O"}


async def test_search_finds_by_serial(api: Api, fake: FakeSimpleMDM) -> None:
    device = fake.state.devices[5]
    assert device.gen is not None
    reply = await api.get(f"/devices?search={device.gen.serial_number.lower()}")
    assert [d["id"] for d in reply.json["data"]] == [5]


async def test_create_update_delete_device(api: Api, fake: FakeSimpleMDM) -> None:
    created = await api.post(
        "/devices",
        data=[("name", "Sara's iPad"), ("static_group_ids[]", "1"), ("static_group_ids[]", "2")],
    )
    assert created.status == 201
    body = created.json["data"]
    assert body["attributes"]["status"] == "awaiting enrollment"
    assert body["attributes"]["enrollment_url"].startswith("https://a.simplemdm.com/e/?c=")
    assert body["attributes"]["model_name"] == "Unknown"
    assert body["attributes"]["serial_number"] is None
    ident = body["id"]
    assert ident in fake.state.assignment_groups[1].device_ids
    assert ident in fake.state.assignment_groups[2].device_ids
    renamed = await api.patch(f"/devices/{ident}", data={"name": "Front desk"})
    assert renamed.json["data"]["attributes"]["name"] == "Front desk"
    assert (await api.delete(f"/devices/{ident}")).status == 204
    assert (await api.get(f"/devices/{ident}")).status == 404
    assert ident not in fake.state.devices
    assert (await api.post("/devices", data={"name": ""})).status == 422


async def test_lock_rules_and_counters(
    api: Api, fake: FakeSimpleMDM, device_of: Callable[[str], int]
) -> None:
    mac, phone = device_of("macos"), device_of("ios")
    assert (await api.post(f"/devices/{mac}/lock")).status == 422
    assert (await api.post(f"/devices/{mac}/lock", data={"pin": "12345"})).status == 422
    assert (await api.post(f"/devices/{mac}/lock", data={"pin": "123456"})).status == 202
    reply = await api.post(
        f"/devices/{phone}/lock", data={"message": "Call IT", "phone_number": "+1555"}
    )
    assert reply.status == 202
    assert reply.body == b""
    assert fake.state.devices[mac].lock_count == 1
    device = fake.state.devices[phone]
    assert (device.lock_count, device.last_lock_message) == (1, "Call IT")
    assert device.commands == [("lock", {"message": "Call IT", "phone_number": "+1555"})]


async def test_wipe_unenrolls_and_counts(api: Api, fake: FakeSimpleMDM) -> None:
    assert (await api.post("/devices/3/wipe")).status == 202
    device = fake.state.devices[3]
    assert (device.wipe_count, device.wiped, device.status) == (1, True, "unenrolled")
    reply = await api.get("/devices/3")
    assert reply.json["data"]["attributes"]["status"] == "unenrolled"


async def test_lost_mode_needs_message_or_phone(
    api: Api, fake: FakeSimpleMDM, device_of: Callable[[str], int]
) -> None:
    phone = device_of("ios")
    assert (await api.post(f"/devices/{phone}/lost_mode")).status == 422
    assert (await api.post(f"/devices/{phone}/lost_mode", data={"message": "Lost"})).status == 202
    assert fake.state.devices[phone].lost_mode_enabled is True
    got = await api.get(f"/devices/{phone}")
    assert got.json["data"]["attributes"]["lost_mode_enabled"] is True
    assert (await api.post(f"/devices/{phone}/lost_mode/update_location")).status == 202
    located = (await api.get(f"/devices/{phone}")).json["data"]["attributes"]
    assert located["location_latitude"] is not None
    assert (await api.delete(f"/devices/{phone}/lost_mode")).status == 202
    assert fake.state.devices[phone].lost_mode_enabled is False


async def test_every_device_command_answers_as_documented(api: Api, fake: FakeSimpleMDM) -> None:
    ident = next(d.id for d in fake.state.devices.values() if d.platform == "ios")
    commands = [
        ("POST", "push_apps"), ("POST", "refresh"), ("POST", "restart"), ("POST", "shutdown"),
        ("POST", "clear_passcode"), ("POST", "clear_firmware_password"),
        ("POST", "rotate_firmware_password"), ("POST", "clear_recovery_lock_password"),
        ("POST", "clear_restrictions_password"), ("POST", "rotate_recovery_lock_password"),
        ("POST", "rotate_filevault_key"), ("POST", "rotate_admin_password"),
        ("POST", "update_os"), ("POST", "remote_desktop"), ("DELETE", "remote_desktop"),
        ("POST", "bluetooth"), ("DELETE", "bluetooth"), ("POST", "unenroll"),
        ("POST", "lost_mode/play_sound"),
    ]  # fmt: skip
    for method, path in commands:
        reply = await api.call(method, f"/devices/{ident}/{path}")
        assert reply.status == 202, path
    assert (await api.post(f"/devices/{ident}/set_admin_password")).status == 422
    assert (
        await api.post(f"/devices/{ident}/set_admin_password", data={"new_password": "x" * 20})
    ).status == 202
    assert (await api.post(f"/devices/{ident}/set_time_zone")).status == 422
    tz = await api.post(f"/devices/{ident}/set_time_zone", data={"time_zone": "Europe/Paris"})
    assert tz.status == 204
    assert "Content-Type" not in tz.headers
    device = fake.state.devices[ident]
    assert device.time_zone == "Europe/Paris"
    assert device.status == "unenrolled"
    assert len(device.commands) == len(commands) + 2


async def test_update_os_validates_mode(api: Api, device_of: Callable[[str], int]) -> None:
    mac = device_of("macos")
    assert (await api.post(f"/devices/{mac}/update_os")).status == 422
    bad = await api.post(f"/devices/{mac}/update_os", data={"os_update_mode": "now"})
    assert bad.status == 422
    good = await api.post(
        f"/devices/{mac}/update_os",
        data={"os_update_mode": "smart_update", "version_type": "latest_minor_version"},
    )
    assert good.status == 202


async def test_arguments_in_query_string_and_json(
    api: Api, fake: FakeSimpleMDM, device_of: Callable[[str], int]
) -> None:
    mac = device_of("macos")
    assert (await api.post(f"/devices/{mac}/lock?pin=654321")).status == 202
    assert (await api.post(f"/devices/{mac}/lock", json={"pin": 111111})).status == 202
    assert fake.state.devices[mac].lock_count == 2


async def test_device_users_are_mac_only(
    api: Api, fake: FakeSimpleMDM, device_of: Callable[[str], int]
) -> None:
    mac = next(
        d.id for d in fake.state.devices.values() if d.is_macos and d.gen and d.gen.supervised
    )
    users = (await api.get(f"/devices/{mac}/users")).json["data"]
    assert users[0]["type"] == "device_user"
    assert users[0]["attributes"]["uid"] == 501
    assert (await api.delete(f"/devices/{mac}/users/{users[0]['id']}")).status == 202
    assert len((await api.get(f"/devices/{mac}/users")).json["data"]) == len(users) - 1
    assert (await api.delete(f"/devices/{mac}/users/1")).status == 404
    assert (await api.delete(f"/devices/{device_of('ios')}/users/1")).status == 422


async def test_installed_apps_of_a_device(
    api: Api, fake: FakeSimpleMDM, device_of: Callable[[str], int]
) -> None:
    phone = device_of("ios")
    apps = (await api.get(f"/devices/{phone}/installed_apps?limit=100")).json["data"]
    assert apps
    assert all(a["type"] == "installed_app" for a in apps)
    managed = next(a for a in apps if a["attributes"]["managed"])
    one = await api.get(f"/installed_apps/{managed['id']}")
    assert one.json["data"] == managed
    for verb, path in (("POST", "/update"), ("POST", "/request_management"), ("DELETE", "")):
        assert (await api.call(verb, f"/installed_apps/{managed['id']}{path}")).status == 202
    assert (await api.get(f"/installed_apps/{managed['id']}")).status == 404
    assert fake.state.devices[phone].command_names() == [
        "update_app",
        "request_management",
        "uninstall_app",
    ]


async def test_setup_helpers_add_objects_the_api_serves(api: Api, fake: FakeSimpleMDM) -> None:
    mac = fake.add_device("Build Mac", platform="macos", group_ids=[1])
    pending = fake.add_device("Spare iPad", status="awaiting enrollment")
    app = fake.add_app("Field Notes", bundle_identifier="com.example.fieldnotes")
    group = fake.add_assignment_group("Pilot", app_ids=[app.id], device_ids=[mac.id])
    fake.add_custom_attribute("cost_center", "42", secret=True)
    script = fake.add_script("Noop", "#!/bin/sh\ntrue\n")
    got = (await api.get(f"/devices/{mac.id}")).json["data"]["attributes"]
    assert got["name"] == "Build Mac"
    assert got["product_name"].startswith(("Mac", "iMac"))
    assert got["status"] == "enrolled"
    assert mac.id in fake.state.assignment_groups[1].device_ids
    assert (await api.get(f"/devices/{pending.id}")).json["data"]["attributes"]["enrollment_url"]
    assert (await api.get(f"/apps/{app.id}")).json["data"]["attributes"]["name"] == "Field Notes"
    rels = (await api.get(f"/assignment_groups/{group.id}")).json["data"]["relationships"]
    assert rels["devices"]["data"] == [{"type": "device", "id": mac.id}]
    assert (await api.get("/custom_attributes/cost_center")).status == 200
    assert (await api.get(f"/scripts/{script.id}")).status == 200
