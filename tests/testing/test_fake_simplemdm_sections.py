"""The fake SimpleMDM's other sections as stories: apps, groups, scripts, attributes, profiles."""

from __future__ import annotations

import io
import plistlib
import zipfile
from collections.abc import Callable

import aiohttp
import pytest

from mdmkit.testing import FakeClock, FakeSimpleMDM
from tests.support import CLASSIC
from tests.testing.fakeapi import Api

pytestmark = pytest.mark.anyio


def ipa(name: str, bundle: str, version: str) -> bytes:
    """A tiny .ipa: a zip whose Payload/<App>.app/Info.plist names the app, the same bytes
    on every call (a fixed entry time: the clock's would differ across a 2 s boundary)."""
    info = {
        "CFBundleName": name,
        "CFBundleIdentifier": bundle,
        "CFBundleShortVersionString": version,
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        entry = zipfile.ZipInfo(f"Payload/{name}.app/Info.plist", date_time=(2024, 1, 1, 0, 0, 0))
        archive.writestr(entry, plistlib.dumps(info))
    return buffer.getvalue()


def upload(field: str, data: bytes, filename: str, **fields: str) -> aiohttp.FormData:
    form = aiohttp.FormData()
    for key, value in fields.items():
        form.add_field(key, value)
    form.add_field(field, data, filename=filename, content_type="application/octet-stream")
    return form


async def test_create_app_then_list_and_get_it(api: Api, fake: FakeSimpleMDM) -> None:
    created = await api.post("/apps", data={"app_store_id": "618783545"})
    assert created.status == 201
    app = created.json["data"]
    assert app["attributes"]["name"] == "Slack"
    assert app["attributes"]["app_type"] == "app store"
    listed = await api.get(f"/apps?limit=100&starting_after={app['id'] - 1}")
    assert listed.json["data"][0] == app
    assert (await api.get(f"/apps/{app['id']}")).json["data"] == app
    by_bundle = await api.post("/apps", data={"bundle_id": "com.example.Notes", "name": "Notes"})
    assert by_bundle.json["data"]["attributes"]["name"] == "Notes"


@pytest.mark.parametrize(
    "fields",
    [{}, {"app_store_id": "1", "bundle_id": "com.x"}, {"name": "only a name"}],
)
async def test_create_app_needs_exactly_one_source(api: Api, fields: dict[str, str]) -> None:
    assert (await api.post("/apps", data=fields)).status == 422


async def test_upload_and_replace_binary(api: Api, fake: FakeSimpleMDM) -> None:
    created = await api.post(
        "/apps", data=upload("binary", ipa("Surf Report", "com.surf.report", "2.2"), "Surf.ipa")
    )
    app = created.json["data"]
    assert app["attributes"]["app_type"] == "enterprise"
    assert app["attributes"]["bundle_identifier"] == "com.surf.report"
    assert app["attributes"]["version"] == "2.2"
    assert fake.state.apps[app["id"]].binary is not None
    named = await api.post("/apps", data=upload("binary", b"pkg", "Tool.pkg", name="Our Tool"))
    assert named.json["data"]["attributes"]["name"] == "Our Tool"
    assert named.json["data"]["attributes"]["platform_support"] == "macOS"
    assert (await api.post("/apps", data=upload("binary", b"x", "notes.txt"))).status == 422
    updated = await api.patch(
        f"/apps/{app['id']}",
        data=upload(
            "binary",
            ipa("Surf Report", "com.surf.report", "2.3"),
            "Surf2.ipa",
            deploy_to="outdated",
        ),
    )
    assert updated.json["data"]["attributes"]["version"] == "2.3"
    assert fake.state.apps[app["id"]].deploys == ["outdated"]
    assert (await api.patch(f"/apps/{app['id']}", data={"deploy_to": "some"})).status == 422
    assert (await api.delete(f"/apps/{app['id']}")).status == 204
    assert (await api.get(f"/apps/{app['id']}")).status == 404


async def test_shared_apps_only_with_include_shared(api: Api, fake: FakeSimpleMDM) -> None:
    shared = next(a.id for a in fake.state.apps.values() if a.shared)
    plain = await api.get("/apps?limit=100")
    assert shared not in [a["id"] for a in plain.json["data"]]
    everything = await api.get("/apps?limit=100&include_shared=true")
    assert shared in [a["id"] for a in everything.json["data"]]


async def test_munki_and_managed_configs(api: Api, fake: FakeSimpleMDM) -> None:
    assert (
        await api.post("/apps/1/munki_pkginfo", data=upload("file", b"<plist/>", "p.plist"))
    ).status == 202
    assert fake.state.apps[1].munki_pkginfo is not None
    assert (await api.delete("/apps/1/munki_pkginfo")).status == 204
    created = await api.post(
        "/apps/1/managed_configs",
        data={"key": "serverURL", "value": "http://example.com", "value_type": "string"},
    )
    assert created.status == 201
    assert created.json["data"]["attributes"]["key"] == "serverURL"
    bad = {"key": "n", "value": "x", "value_type": "integer"}
    assert (await api.post("/apps/1/managed_configs", data=bad)).status == 422
    listed = await api.get("/apps/1/managed_configs")
    assert listed.json["data"] == [created.json["data"]]
    assert (await api.post("/apps/1/managed_configs/push")).status == 202
    assert fake.state.apps[1].managed_config_pushes == 1
    assert (await api.delete(f"/apps/1/managed_configs/{created.json['data']['id']}")).status == 204


async def test_app_installs_list_devices(api: Api, fake: FakeSimpleMDM) -> None:
    seen, after = [], None
    while True:
        reply = await api.get(
            "/apps/1/installs?limit=7" + (f"&starting_after={after}" if after else "")
        )
        seen += reply.json["data"]
        if not reply.json["has_more"]:
            break
        after = reply.json["data"][-1]["id"]
    bundle = fake.state.apps[1].bundle_identifier
    assert seen
    assert {i["attributes"]["identifier"] for i in seen} == {bundle}
    devices = [i["relationships"]["device"]["data"]["id"] for i in seen]
    assert devices == sorted(set(devices))


async def test_assignment_group_story(api: Api, fake: FakeSimpleMDM) -> None:
    created = await api.post(
        "/assignment_groups", data={"name": "Field Apps", "auto_deploy": "false"}
    )
    assert created.status == 201
    group = created.json["data"]
    assert group["attributes"]["type"] == "static"
    assert group["attributes"]["auto_deploy"] is False
    gid = group["id"]
    for path in ("apps/1", "devices/5", "profiles/1"):
        assert (await api.post(f"/assignment_groups/{gid}/{path}")).status == 204
        assert (await api.post(f"/assignment_groups/{gid}/{path}")).status == 409
    rels = (await api.get(f"/assignment_groups/{gid}")).json["data"]["relationships"]
    assert rels["apps"]["data"] == [{"type": "app", "id": 1}]
    assert rels["devices"]["data"] == [{"type": "device", "id": 5}]
    assert rels["device_groups"]["data"] == []  # an NGE account has no device groups
    assert (await api.post(f"/assignment_groups/{gid}/device_groups/1")).status == 404
    assert rels["profiles"]["data"] == [{"type": "profile", "id": 1}]
    assert (await api.delete(f"/assignment_groups/{gid}/apps/1")).status == 204
    assert (await api.delete(f"/assignment_groups/{gid}/apps/1")).status == 409
    assert (await api.post(f"/assignment_groups/{gid}/apps/99999")).status == 404
    assert (await api.post(f"/assignment_groups/{gid}/push_apps")).status == 202
    assert (await api.post(f"/assignment_groups/{gid}/update_apps")).status == 202
    record = fake.state.assignment_groups[gid]
    assert (record.push_apps_count, record.update_apps_count) == (1, 1)
    assert (await api.patch(f"/assignment_groups/{gid}", data={"name": "Renamed"})).status == 204
    assert record.name == "Renamed"
    assert (await api.post(f"/assignment_groups/{gid}/clone")).status == 204
    clone = fake.state.assignment_groups[max(fake.state.assignment_groups)]
    assert clone.device_ids == {5}
    assert (await api.delete(f"/assignment_groups/{gid}")).status == 204


async def test_a_device_may_sit_in_several_groups(api: Api, fake: FakeSimpleMDM) -> None:
    for gid in (1, 2, 3):
        await api.post(f"/assignment_groups/{gid}/devices/9")
    assert {1, 2, 3} <= set(fake.state.group_ids_of(9))


async def test_old_style_groups_and_clone_refusal() -> None:
    async with (
        FakeSimpleMDM(devices=20, new_groups=False, api_key="k") as fake,
        aiohttp.ClientSession() as session,
    ):
        api = Api(session, fake.url, "k")
        group = (await api.get("/assignment_groups/1")).json["data"]
        assert group["attributes"]["type"] == "standard"
        assert group["relationships"]["device_groups"]["data"] == [
            {"type": "device_group", "id": 1}
        ]
        munki = await api.post(
            "/assignment_groups", data={"name": "M", "type": "munki", "install_type": "self_serve"}
        )
        assert munki.json["data"]["attributes"]["type"] == "munki"
        assert (await api.post("/assignment_groups/1/clone")).status == 422
        assert (
            await api.post("/assignment_groups", data={"name": "X", "type": "odd"})
        ).status == 422


async def test_sync_profiles_allows_one_call_per_30_seconds(
    api: Api, fake: FakeSimpleMDM, clock: FakeClock
) -> None:
    assert (await api.post("/assignment_groups/1/sync_profiles")).status == 204
    limited = await api.post("/assignment_groups/1/sync_profiles")
    assert limited.status == 429
    assert limited.headers["X-RateLimit-Reset"] == str(int(clock.time()) + 30)
    assert (await api.post("/assignment_groups/2/sync_profiles")).status == 204
    clock.advance(30)
    assert (await api.post("/assignment_groups/1/sync_profiles")).status == 204
    assert fake.state.assignment_groups[1].sync_profiles_count == 2


@CLASSIC
async def test_device_groups(api: Api, fake: FakeSimpleMDM) -> None:
    listed = await api.get("/device_groups")
    assert listed.json["data"][0] == {
        "type": "device_group",
        "id": 1,
        "attributes": {"name": "Sales"},
    }
    assert (await api.post("/device_groups/3/devices/7")).status == 202
    device = (await api.get("/devices/7")).json["data"]
    assert device["relationships"]["device_group"]["data"] == {"type": "device_group", "id": 3}
    clone = await api.post("/device_groups/3/clone")
    assert clone.status == 201
    assert clone.json["data"]["relationships"] == {"devices": {"data": []}}


@CLASSIC
async def test_custom_attributes_and_values(api: Api, fake: FakeSimpleMDM) -> None:
    created = await api.post("/custom_attributes", data={"name": "Building", "default_value": "HQ"})
    assert created.json["data"] == {
        "type": "custom_attribute",
        "id": "building",
        "attributes": {"name": "building", "default_value": "HQ"},
    }
    assert (await api.post("/custom_attributes", data={"name": "bad name!"})).status == 422
    assert (await api.post("/custom_attributes", data={"name": "BUILDING"})).status == 422
    assert (
        await api.patch("/custom_attributes/building", data={"default_value": "Annex"})
    ).status == 204
    put = await api.put("/devices/4/custom_attribute_values/building", data={"value": "Lab"})
    assert put.json["data"] == {
        "type": "custom_attribute_value",
        "id": "building",
        "attributes": {"value": "Lab"},
    }
    values = {
        v["id"]: v["attributes"]
        for v in (await api.get("/devices/4/custom_attribute_values")).json["data"]
    }
    assert values["building"] == {"value": "Lab", "secret": False, "source": "device"}
    assert values["email_address"]["source"] == "account"
    bulk = await api.put(
        "/devices/4/custom_attribute_values",
        json={"data": [{"name": "building", "value": "B2"}, {"name": "full_name", "value": "Ann"}]},
    )
    assert bulk.status == 200
    assert fake.state.devices[4].custom_attribute_values == {"building": "B2", "full_name": "Ann"}
    assert (await api.put("/devices/4/custom_attribute_values", data={"name": "x"})).status == 422
    many = await api.put(
        "/custom_attribute_values/building",
        json={"data": [{"device_id": "5", "value": "C"}, {"device_id": 6, "value": "D"}]},
    )
    assert many.status == 200
    assert fake.state.devices[6].custom_attribute_values["building"] == "D"
    assert (
        await api.put("/device_groups/2/custom_attribute_values/building", data={"value": "G"})
    ).status == 200
    group_values = (await api.get("/device_groups/2/custom_attribute_values")).json["data"]
    assert {"value": "G", "secret": False, "source": "group"} in [
        v["attributes"] for v in group_values
    ]
    device = (await api.get("/devices/4")).json["data"]
    assert {
        "type": "custom_attribute_value",
        "id": "building",
        "attributes": {"secret": False, "value": "B2"},
    } in (device["relationships"]["custom_attribute_values"]["data"])
    assert (await api.delete("/custom_attributes/building")).status == 204
    assert "building" not in fake.state.devices[4].custom_attribute_values


async def test_secret_attribute_values_are_hidden_unless_asked(
    api: Api, fake: FakeSimpleMDM
) -> None:
    await api.put("/devices/4/custom_attribute_values/wifi_password", data={"value": "hunter2"})
    plain = (await api.get("/devices/4")).json["data"]["relationships"]["custom_attribute_values"]
    assert plain == {"data": []}
    asked = await api.get("/devices/4?include_secret_custom_attributes=true")
    values = asked.json["data"]["relationships"]["custom_attribute_values"]["data"]
    assert values[0]["attributes"]["secret"] is True


@CLASSIC
async def test_profiles_and_custom_profiles(api: Api, fake: FakeSimpleMDM) -> None:
    found = await api.get("/profiles?search=wi-fi")
    assert [p["attributes"]["name"] for p in found.json["data"]] == ["Office Wi-Fi"]
    assert (await api.post("/profiles/1/devices/8")).status == 204
    assert (await api.post("/profiles/1/devices/8")).status == 409
    assert (await api.delete("/profiles/1/device_groups/3")).status == 409
    assert (await api.post("/profiles/1/device_groups/3")).status == 204
    direct = await api.get("/devices/8/profiles")
    assert [p["id"] for p in direct.json["data"]] == [1]
    profile = (await api.get("/profiles/1")).json["data"]
    assert profile["attributes"]["device_count"] == 1
    assert profile["relationships"]["device_groups"]["data"] == [{"type": "device_group", "id": 3}]
    config = plistlib.dumps(
        {"PayloadIdentifier": "com.example.vpn", "PayloadType": "Configuration"}
    )
    created = await api.post(
        "/custom_configuration_profiles",
        data=upload("mobileconfig", config, "vpn.mobileconfig", name="VPN", user_scope="false"),
    )
    assert created.status == 201
    custom = created.json["data"]
    assert custom["attributes"]["profile_identifier"] == "com.example.vpn"
    assert custom["attributes"]["user_scope"] is False
    download = await api.get(f"/custom_configuration_profiles/{custom['id']}/download")
    assert download.body == config
    assert download.headers["Content-Type"].startswith("application/x-apple-aspen-config")
    assert (
        await api.post("/custom_configuration_profiles", data={"name": "No file"})
    ).status == 422
    renamed = await api.patch(
        f"/custom_configuration_profiles/{custom['id']}", data={"name": "VPN 2"}
    )
    assert renamed.json["data"]["attributes"]["name"] == "VPN 2"
    assert (
        await api.post(f"/custom_configuration_profiles/{custom['id']}/devices/8")
    ).status == 204
    assert (
        await api.delete(f"/custom_configuration_profiles/{custom['id']}/devices/8")
    ).status == 204
    assert (
        await api.delete(f"/custom_configuration_profiles/{custom['id']}/devices/8")
    ).status == 409
    assert (await api.delete("/custom_configuration_profiles/1")).status == 404  # not a custom one
    assert (await api.delete(f"/custom_configuration_profiles/{custom['id']}")).status == 204


async def test_scripts_and_jobs(
    api: Api, fake: FakeSimpleMDM, device_of: Callable[[str], int]
) -> None:
    created = await api.post(
        "/scripts",
        data=upload("file", b'#!/bin/bash\necho "Hi"\n', "hi.sh", name="Hi", variable_support="1"),
    )
    assert created.status == 201
    script = created.json["data"]
    assert script["attributes"]["content"] == '#!/bin/bash\necho "Hi"\n'
    assert script["attributes"]["variable_support"] is True
    as_text = await api.post("/scripts", data={"name": "Text", "file": "#!/bin/sh\ntrue\n"})
    assert as_text.status == 201
    assert (await api.post("/scripts", data={"name": "No shebang", "file": "echo"})).status == 422
    patched = await api.patch(
        f"/scripts/{script['id']}", data={"name": "Hello", "variable_support": "0"}
    )
    assert patched.json["data"]["attributes"]["variable_support"] is False
    mac, phone = device_of("macos"), device_of("ios")
    assert (await api.post("/script_jobs", data={"script_id": str(script["id"])})).status == 422
    job = await api.post(
        "/script_jobs",
        data={
            "script_id": str(script["id"]),
            "device_ids": f"{mac},{phone}",
            "assignment_group_ids": "1",
        },
    )
    assert job.status == 201
    body = job.json["data"]
    targets = [d["id"] for d in body["relationships"]["device"]["data"]]
    assert targets[0] == mac
    assert phone not in targets
    assert all(fake.state.devices[t].is_macos for t in targets)
    assert body["attributes"]["status"] == "pending"
    assert body["attributes"]["pending_count"] == len(targets)
    assert (await api.delete(f"/script_jobs/{body['id']}")).status == 204
    cancelled = (await api.get(f"/script_jobs/{body['id']}")).json["data"]
    assert cancelled["attributes"]["status"] == "cancelled"
    assert {d["status"] for d in cancelled["relationships"]["device"]["data"]} == {"cancelled"}
    assert (await api.delete(f"/scripts/{script['id']}")).status == 204


async def test_account_push_certificate_enrollments_dep_logs(api: Api, fake: FakeSimpleMDM) -> None:
    patched = await api.patch("/account", data={"name": "Acme", "apple_store_country_code": "AU"})
    assert patched.json["data"]["attributes"] == {"name": "Acme", "apple_store_country_code": "AU"}
    cert = await api.put(
        "/push_certificate", data=upload("file", b"cert", "apns.pem", apple_id="a@example.org")
    )
    assert cert.json["data"]["attributes"]["apple_id"] == "a@example.org"
    assert (await api.put("/push_certificate", data={"apple_id": "x"})).status == 422
    scsr = await api.get("/push_certificate/scsr")
    assert isinstance(scsr.json["data"], str)
    enrollment = (await api.get("/enrollments/1")).json["data"]
    assert enrollment["type"] == "enrollment"
    assert (
        await api.post("/enrollments/1/invitations", data={"contact": "a@example.org"})
    ).status == 200
    assert fake.state.enrollments[1].invitations == ["a@example.org"]
    assert (
        await api.post("/enrollments/2/invitations", data={"contact": "x@example.org"})
    ).status == 422
    assert (await api.delete("/enrollments/1")).status == 204
    assert (await api.post("/dep_servers/1/sync")).status == 202
    dep = (await api.get("/dep_servers/1/dep_devices?limit=1")).json["data"][0]
    assert (await api.get(f"/dep_servers/1/dep_devices/{dep['id']}")).json["data"] == dep
    await api.post("/devices/2/restart")
    serial = fake.state.devices[2].gen.serial_number if fake.state.devices[2].gen else ""
    logs = (await api.get(f"/logs?serial_number={serial}&limit=100")).json["data"]
    assert "device.restart" in [entry["attributes"]["event_type"] for entry in logs]
    entry = (await api.get(f"/logs/{logs[0]['id']}")).json["data"]
    assert entry == logs[0]
    assert len(entry["id"]) == 32
    assert entry["attributes"]["at"].count("/") == 2
