"""The fake ManageEngine's apps, labels, files, groups, users and profiles."""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import unquote

import aiohttp
import pytest

from mdmkit.testing import FakeClock, FakeManageEngine
from tests.testing.fakeapi import MDM, Api, Reply, mint, oauth

pytestmark = pytest.mark.anyio

APK = b"PK\x03\x04 pretend android package" * 50


async def upload(
    api: Api,
    name: str = "Field-Service.apk",
    data: bytes = APK,
    module: str | None = "MDM_APP_MGMT",
    accept: str = "application/json",
) -> Reply:
    form = aiohttp.FormData()
    form.add_field("file", data, filename=name, content_type="application/octet-stream")
    headers = {"Accept": accept} | ({"Module": module} if module else {})
    return await api.post("/emsapi/files", data=form, headers=headers)


def enterprise(file_id: int, **extra: Any) -> dict[str, Any]:
    body = {"app_name": "Field Service", "app_type": 3, "app_file": file_id}
    return body | {"app_category_id": 2, "supported_devices": 3} | extra


async def test_uploads_are_ready_at_once_by_default(me_api: Api) -> None:
    uploaded = await upload(me_api)
    assert uploaded.json["fileStatus"] == 2
    status = await me_api.get(f"{MDM}/files/{uploaded.json['fileID']}/status")
    assert (status.json["file_status"], status.json["status"]) == (2, "completed")


async def test_upload_then_poll_then_create_the_app(
    me_api: Api, me_fake: FakeManageEngine, clock: FakeClock
) -> None:
    me_fake.state.upload_delay = 5.0  # as FakeManageEngine(upload_delay=5.0)
    uploaded = await upload(me_api)
    assert uploaded.status == 200
    file_id = uploaded.json["fileID"]
    assert file_id > 2**53
    assert uploaded.json == {
        "fileID": file_id,
        "fileName": "Field-Service.apk",
        "fileStatus": 1,
        "contentType": "application/vnd.android.package-archive",
        "contentLength": len(APK),
    }
    status = await me_api.get(f"{MDM}/files/{file_id}/status")
    assert (status.json["file_status"], status.json["status"]) == (1, "pending")
    assert status.json["file_id"] == file_id
    assert status.json["expiry_time"] == int((clock.time() + 3600) * 1000)
    early = await me_api.post(f"{MDM}/apps", json=enterprise(file_id))
    assert (early.status, early.json["error_code"]) == (400, "COM0014")
    assert "app_file" in early.json["error_description"]
    clock.advance(5)
    status = await me_api.get(f"{MDM}/files/{file_id}/status")
    assert (status.json["file_status"], status.json["status"]) == (2, "completed")
    created = await me_api.post(f"{MDM}/apps", json=enterprise(file_id))
    assert created.status == 200
    app = created.json
    assert (app["app_type"], app["platform_type"], app["version"]) == (3, 2, "1.0")
    assert app["release_labels"] == [
        {
            "release_label_type": 1,
            "release_label_name": "Stable",
            "release_label_id": me_fake.state.stable_label_id,
            "app_version": "1.0",
        }
    ]
    assert (
        me_fake.state.apps[app["app_id"]].versions[me_fake.state.stable_label_id].app_file
        == file_id
    )


async def test_emsapi_checks_module_accept_and_extension(me_api: Api, clock: FakeClock) -> None:
    refused = await upload(me_api, accept="text/html")
    assert (refused.status, refused.json) == (
        406,
        {"errorCode": "406", "errorMsg": "Not Acceptable"},
    )
    assert (await upload(me_api, accept="*/*")).status == 200
    missing = await upload(me_api, module=None)
    assert (missing.status, missing.json["errorCode"]) == (400, "400")
    wrong = await upload(me_api, name="notes.txt")
    assert wrong.status == 400
    assert "not allowed" in wrong.json["errorMsg"]
    cert = await upload(me_api, name="root.pem", module="MDM_CERTIFICATES")
    assert cert.status == 200
    clock.advance(5)
    app = await me_api.post(f"{MDM}/apps", json=enterprise(cert.json["fileID"]))
    assert app.status == 400
    unauthorized = await Api(me_api.session, me_api.url, None).post("/emsapi/files")
    assert unauthorized.status == 401
    assert set(unauthorized.json) == {"errorCode", "errorMsg"}


async def test_a_corrupt_upload_fails(me_api: Api, clock: FakeClock) -> None:
    file_id = (await upload(me_api, name="broken-corrupt.ipa")).json["fileID"]
    clock.advance(5)
    status = (await me_api.get(f"{MDM}/files/{file_id}/status")).json
    assert (status["file_status"], status["status"]) == (3, "failed")
    assert (await me_api.post(f"{MDM}/apps", json=enterprise(file_id))).status == 400


async def test_files_expire_after_an_hour(
    me_api: Api, me_fake: FakeManageEngine, clock: FakeClock
) -> None:
    file_id = (await upload(me_api)).json["fileID"]
    clock.advance(3000)
    fake = me_fake
    token = await mint(
        me_api.session, fake.accounts_url, fake.client_id, fake.client_secret, fake.refresh_token
    )
    me_api.headers = {"Authorization": oauth(token)}
    clock.advance(600)
    reply = await me_api.post(f"{MDM}/apps", json=enterprise(file_id))
    assert reply.status == 400
    assert "expired" in reply.json["error_description"]


@pytest.mark.parametrize(
    "disposition", ["filename=Acme.ipa", 'attachment; filename="Acme.ipa"', "file_name=Acme.ipa"]
)
async def test_legacy_upload_is_complete_at_once(
    me_api: Api, clock: FakeClock, disposition: str
) -> None:
    headers = {"Content-Disposition": disposition, "Content-Type": "application/json"}
    reply = await me_api.post(f"{MDM}/files", data=b"\x00\x01ipa bytes", headers=headers)
    assert reply.status == 200
    assert set(reply.json) == {
        "content_type",
        "file_name",
        "file_id",
        "expiry_time",
        "content_length",
    }
    assert (reply.json["file_name"], reply.json["content_length"]) == ("Acme.ipa", 11)
    assert reply.json["content_type"] == "application/x-itunes-ipa"
    status = (await me_api.get(f"{MDM}/files/{reply.json['file_id']}/status")).json
    assert status["status"] == "completed"
    app = await me_api.post(f"{MDM}/apps", json=enterprise(reply.json["file_id"]))
    assert (app.status, app.json["platform_type"]) == (200, 1)


async def test_legacy_upload_needs_a_file_name(me_api: Api) -> None:
    reply = await me_api.post(f"{MDM}/files", data=b"bytes")
    assert (reply.status, reply.json["error_code"]) == (400, "COM0014")
    assert "Content-Disposition" in reply.json["error_description"]


async def test_store_app_create_validates_required_fields(
    me_api: Api, me_fake: FakeManageEngine
) -> None:
    body = {"app_name": "Notes", "app_type": 1, "app_category_id": 2, "supported_devices": 3}
    for missing in body:
        reply = await me_api.post(
            f"{MDM}/apps", json={k: v for k, v in body.items() if k != missing}
        )
        assert (reply.status, reply.json["error_code"]) == (400, "COM0014")
        assert missing in reply.json["error_description"]
    enterprise_without_file = await me_api.post(f"{MDM}/apps", json=body | {"app_type": 3})
    assert "app_file" in enterprise_without_file.json["error_description"]
    created = await me_api.post(f"{MDM}/apps", json=body | {"platform_type": 2})
    assert created.status == 200
    app_id = created.json["app_id"]
    assert (created.json["platform_type"], created.json["app_category"]) == (2, "Productivity")
    listed = await me_api.get(f"{MDM}/apps?search=notes")
    assert [a["app_id"] for a in listed.json["apps"]] == [app_id]
    assert (await me_api.delete(f"{MDM}/apps/{app_id}")).status == 204
    gone = await me_api.get(f"{MDM}/apps/{app_id}")
    assert (gone.status, gone.json["error_code"]) == (404, "COM0008")


async def test_apps_list_pages_with_totals(me_api: Api, me_fake: FakeManageEngine) -> None:
    reply = await me_api.get(f"{MDM}/apps?limit=10")
    assert reply.json["metadata"]["total_record_count"] == len(me_fake.state.apps)
    assert len(reply.json["apps"]) == 10
    app = reply.json["apps"][0]
    assert {"app_id", "app_name", "app_type", "version", "platform_type", "release_labels"} <= set(
        app
    )


async def test_beta_label_versions_associations_and_approval(
    me_api: Api, me_fake: FakeManageEngine, clock: FakeClock
) -> None:
    state = me_fake.state
    stable = state.stable_label_id
    first = (await upload(me_api)).json["fileID"]
    clock.advance(5)
    app_id = (await me_api.post(f"{MDM}/apps", json=enterprise(first))).json["app_id"]
    beta = (await me_api.post(f"{MDM}/labels", json={"channel_name": "Beta"})).json[
        "release_label_id"
    ]
    assert beta > 2**53
    duplicate = await me_api.post(f"{MDM}/labels", json={"channel_name": "beta"})
    assert duplicate.status == 400
    second = (await upload(me_api, name="Field-Service-2.apk")).json["fileID"]
    clock.advance(5)
    added = await me_api.put(
        f"{MDM}/apps/{app_id}/labels/{beta}", json={"app_file": second, "app_version": "2.0"}
    )
    assert added.status == 200
    assert (added.json["release_label_id"], added.json["version"]) == (beta, "2.0")
    again = await me_api.put(f"{MDM}/apps/{app_id}/labels/{beta}", json={"app_version": "2.1"})
    assert "force_update_in_label" in again.json["error_description"]
    forced = await me_api.put(
        f"{MDM}/apps/{app_id}/labels/{beta}",
        json={"app_version": "2.1", "force_update_in_label": True},
    )
    assert forced.json["version"] == "2.1"
    detail = (await me_api.get(f"{MDM}/apps/{app_id}")).json
    assert [(lb["release_label_name"], lb["app_version"]) for lb in detail["release_labels"]] == [
        ("Stable", "1.0"),
        ("Beta", "2.1"),
    ]
    android = [
        d.id for d in state.devices.values() if d.platform == "android" and d.managed_status == 2
    ][:3]
    group = next(iter(state.groups))
    to_beta = await me_api.post(
        f"{MDM}/apps/{app_id}/labels/{beta}/devices",
        json={"device_ids": android[:2], "silent_install": True, "notify_user_via_email": False},
    )
    assert (to_beta.status, to_beta.body) == (202, b"")
    to_stable = await me_api.post(
        f"{MDM}/apps/{app_id}/labels/{stable}/groups", json={"group_ids": [group]}
    )
    assert to_stable.status == 202
    app = state.apps[app_id]
    assert app.devices_in(beta) == set(android[:2])
    assert app.groups_in(stable) == {group}
    assert app.devices[android[0]].silent_install is True
    installed = (await me_api.get(f"{MDM}/devices/{android[0]}/apps")).json["apps"]
    assert {"app_id": app_id, "app_version": "2.1"}.items() <= next(
        a for a in installed if a["app_id"] == app_id
    ).items()
    unknown = await me_api.post(
        f"{MDM}/apps/{app_id}/labels/{beta}/devices", json={"device_ids": [7]}
    )
    assert unknown.status == 400
    assert (await me_api.delete(f"{MDM}/apps/{app_id}/devices/{android[1]}")).status == 204
    assert (await me_api.delete(f"{MDM}/apps/{app_id}/devices/{android[1]}")).status == 404
    assert (await me_api.delete(f"{MDM}/apps/{app_id}/groups/{group}")).status == 204
    approved_delete = await me_api.delete(f"{MDM}/apps/{app_id}/labels/{stable}/delete")
    assert (approved_delete.status, approved_delete.json["error_code"]) == (400, "COM0014")
    approve_body = {
        "silent_install": True,
        "retire_old_version": False,
        "notify_user_via_email": False,
    }
    incomplete = await me_api.post(f"{MDM}/apps/{app_id}/labels/{beta}/approve", json={})
    assert incomplete.status == 400
    approve = await me_api.post(f"{MDM}/apps/{app_id}/labels/{beta}/approve", json=approve_body)
    assert (approve.status, approve.body) == (204, b"")
    assert app.approved is not None
    assert app.approved.label_id == beta
    assert (await me_api.get(f"{MDM}/apps/{app_id}")).json["version"] == "2.1"
    assert (await me_api.delete(f"{MDM}/apps/{app_id}/labels/{stable}/delete")).status == 204
    assert list(app.versions) == [beta]
    assert (await me_api.get(f"{MDM}/apps/{app_id}/labels/{stable}")).status == 404
    assert (await me_api.get(f"{MDM}/apps/{app_id}/labels/{beta}")).json["is_approved"] is True


async def test_approve_with_retire_moves_associations(
    me_api: Api, me_fake: FakeManageEngine
) -> None:
    state = me_fake.state
    app = next(a for a in state.apps.values() if a.groups)
    stable = state.stable_label_id
    beta = (await me_api.post(f"{MDM}/labels", json={"channel_name": "Pilot"})).json[
        "release_label_id"
    ]
    await me_api.put(f"{MDM}/apps/{app.id}/labels/{beta}", json={"app_version": "9.9"})
    groups = set(app.groups)
    body = {
        "silent_install": "true",
        "retire_old_version": "true",
        "notify_user_via_email": "false",
    }
    assert (
        await me_api.post(f"{MDM}/apps/{app.id}/labels/{beta}/approve", json=body)
    ).status == 204
    assert stable not in app.versions
    assert app.groups_in(beta) == groups


async def test_groups(me_api: Api, me_fake: FakeManageEngine) -> None:
    state = me_fake.state
    listed = (await me_api.get(f"{MDM}/groups")).json
    assert listed["metadata"]["total_record_count"] == len(state.groups)
    assert {g["group_type"] for g in listed["groups"]} == {6, 7, 11}
    assert set(listed["groups"][0]) >= {"group_id", "name", "group_type", "domain", "member_count"}
    created = await me_api.post(
        f"{MDM}/groups", json={"name": "Couriers", "group_type": "6", "description": "Vans"}
    )
    assert created.status == 200
    group_id = created.json["group_id"]
    assert (created.json["group_type"], created.json["member_count"]) == (6, 0)
    assert (await me_api.post(f"{MDM}/groups", json={"name": "couriers"})).status == 400
    assert (await me_api.post(f"{MDM}/groups", json={"name": "X", "group_type": 3})).status == 400
    devices = list(state.devices)[:3]
    add = await me_api.post(f"{MDM}/groups/{group_id}/members", json={"member_ids": devices})
    assert (add.status, add.body) == (202, b"")
    users = list(state.users)[:1]
    wrong_kind = await me_api.post(f"{MDM}/groups/{group_id}/members", json={"member_ids": users})
    assert wrong_kind.status == 400
    got = (await me_api.get(f"{MDM}/groups/{group_id}?include=members")).json
    assert (got["member_ids"], got["member_count"]) == (sorted(devices), 3)
    assert "member_ids" not in (await me_api.get(f"{MDM}/groups/{group_id}")).json
    assert (await me_api.delete(f"{MDM}/groups/{group_id}/members/{devices[0]}")).status == 204
    assert (await me_api.delete(f"{MDM}/groups/{group_id}/members/{devices[0]}")).status == 404
    assert state.groups[group_id].member_ids == set(devices[1:])
    user_group = await me_api.post(f"{MDM}/groups", json={"name": "Drivers", "group_type": 7})
    add_users = await me_api.post(
        f"{MDM}/groups/{user_group.json['group_id']}/members", json={"member_ids": users}
    )
    assert add_users.status == 202
    assert (await me_api.delete(f"{MDM}/groups/{group_id}")).status == 204
    assert (await me_api.get(f"{MDM}/groups/{group_id}")).status == 404


async def test_users_page_with_a_skip_token(me_api: Api, me_fake: FakeManageEngine) -> None:
    state = me_fake.state
    url: str | None = f"{me_fake.base_url}{MDM}/users?limit=40"
    sizes, seen = [], []
    while url:
        async with me_api.session.get(url, headers=me_api.headers) as response:
            body = await response.json()
        assert body["metadata"]["total_record_count"] == len(state.users)
        sizes.append(len(body["users"]))
        seen += [u["user_id"] for u in body["users"]]
        url = body.get("paging", {}).get("next")
        if url:
            prefix = f"{me_fake.base_url}{MDM}/users?skip-token="
            assert url.startswith(prefix)
            token = unquote(url.removeprefix(prefix))
            kind, last, stamp = base64.b64decode(token).decode().split(":")
            assert (kind, int(last)) == ("users", seen[-1])
            assert stamp.isdigit()
    assert seen == sorted(state.users)
    assert sizes[0] == 40
    assert all(size == 50 for size in sizes[1:-1])
    bad = await me_api.get(f"{MDM}/users?skip-token=nonsense")
    assert (bad.status, bad.json["error_code"]) == (400, "COM0014")


async def test_user_search_and_get(me_api: Api, me_fake: FakeManageEngine) -> None:
    user = next(iter(me_fake.state.users.values()))
    found = (await me_api.get(f"{MDM}/users?search={user.email.upper()}")).json["users"]
    assert [u["user_id"] for u in found] == [user.id]
    got = (await me_api.get(f"{MDM}/users/{user.id}")).json
    assert got == {
        "user_id": user.id,
        "name": user.name,
        "user_name": user.name,
        "email_address": user.email,
        "phone_number": user.phone_number,
        "domain": "MDM",
    }
    assert (await me_api.get(f"{MDM}/users/1")).status == 404


async def test_profiles(me_api: Api, me_fake: FakeManageEngine) -> None:
    page = (await me_api.get(f"{MDM}/profiles?limit=3")).json
    assert page["metadata"]["total_record_count"] == len(me_fake.state.profiles)
    assert len(page["profiles"]) == 3
    profile = page["profiles"][0]
    assert {
        "profile_id",
        "profile_name",
        "profile_description",
        "platform_type",
        "profile_status",
        "profile_status_id",
        "creation_time",
        "last_modified_time",
    } <= set(profile)
    assert page["paging"]["next"].endswith("limit=3&offset=3")
