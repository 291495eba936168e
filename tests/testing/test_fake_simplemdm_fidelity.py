"""Where the fake SimpleMDM once differed from the service (issue 7), and the real shapes it
now answers with: classic assignment groups, shared and "apple store" apps, trailing slashes,
bodies labelled JSON that are not JSON, Macs-only user lists, and times with an offset."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

import pytest

from mdmkit.testing import FakeSimpleMDM
from mdmkit.testing.simplemdm.render import iso, pacific_offset
from tests.support import CLASSIC
from tests.testing.fakeapi import Api

pytestmark = pytest.mark.anyio

OFFSET = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}-0[78]:00")


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/devices/", 200),
        ("GET", "/devices/1/", 200),
        ("GET", "/account/", 200),
        ("POST", "/devices/1/refresh/", 202),
        ("GET", "/apps/1/installs/", 200),
    ],
)
async def test_a_trailing_slash_is_served_like_the_path_without(
    api: Api, method: str, path: str, status: int
) -> None:
    slashed = await api.call(method, path)
    plain = await api.call(method, path.rstrip("/"))
    assert (slashed.status, plain.status) == (status, status)
    if status == 200:
        assert slashed.json == plain.json


@pytest.mark.parametrize(
    "body",
    [
        b"name=Renamed",  # a form sent with the wrong label
        b'{"name": "Renamed"',  # cut short
        b'--b\r\nContent-Disposition: form-data; name="name"\r\n\r\nRenamed\r\n--b--\r\n',
    ],
)
async def test_a_body_labelled_json_that_is_not_json_is_refused_and_changes_nothing(
    api: Api, fake: FakeSimpleMDM, body: bytes
) -> None:
    before = fake.state.devices[1].name
    reply = await api.patch("/devices/1", data=body, headers={"Content-Type": "application/json"})
    assert reply.status == 400
    assert reply.json == {"errors": [{"title": "the request body is not valid JSON"}]}
    assert fake.state.devices[1].name == before
    good = await api.patch("/devices/1", json={"name": "Renamed"})
    assert (good.status, fake.state.devices[1].name) == (200, "Renamed")


async def test_users_of_a_device_that_is_not_a_mac_are_422(
    api: Api, device_of: Callable[[str], int]
) -> None:
    for platform in ("ios", "ipados", "tvos"):
        reply = await api.get(f"/devices/{device_of(platform)}/users")
        assert reply.status == 422
        assert reply.json == {
            "errors": [{"title": "listing users is available for macOS devices only"}]
        }
    mac = await api.get(f"/devices/{device_of('macos')}/users")
    assert mac.status == 200
    assert mac.json["data"]


async def test_times_are_written_with_an_offset_never_z(
    api: Api, device_of: Callable[[str], int]
) -> None:
    device = (await api.get(f"/devices/{device_of('macos')}")).json["data"]["attributes"]
    scripts = (await api.get("/scripts")).json["data"]
    written = [value for key, value in device.items() if key.endswith("_at") and value]
    written.append(scripts[0]["attributes"]["created_at"])
    assert len(written) >= 3
    assert all(OFFSET.fullmatch(text) for text in written), written


@pytest.mark.parametrize(
    ("utc", "text"),
    [
        ("2022-06-21T21:09:52.123", "2022-06-21T14:09:52.123-07:00"),  # summer: PDT
        ("2021-12-22T21:00:57.000", "2021-12-22T13:00:57.000-08:00"),  # winter: PST
        ("2024-03-10T09:59:59.000", "2024-03-10T01:59:59.000-08:00"),  # just before 2:00 PST
        ("2024-03-10T10:00:00.000", "2024-03-10T03:00:00.000-07:00"),  # clocks go forward
        ("2024-11-03T08:59:59.000", "2024-11-03T01:59:59.000-07:00"),  # first 1:59 (PDT)
        ("2024-11-03T09:00:00.000", "2024-11-03T01:00:00.000-08:00"),  # clocks go back
    ],
)
def test_the_offset_is_us_pacific_with_daylight_saving(utc: str, text: str) -> None:
    moment = dt.datetime.fromisoformat(utc).replace(tzinfo=dt.UTC)
    assert iso(moment.timestamp()) == text
    assert dt.datetime.fromisoformat(text) == moment
    assert pacific_offset(moment) == dt.datetime.fromisoformat(text).utcoffset()


async def test_shared_apps_read_shared_and_store_apps_may_read_apple_store(
    api: Api, fake: FakeSimpleMDM
) -> None:
    old = fake.add_app("Old Store App", app_type="apple store", itunes_store_id=847612226)
    shared = fake.add_app("Chrome", app_type="enterprise", platform_support="macOS", shared=True)
    listed = {a["id"]: a for a in (await api.get("/apps?limit=100")).json["data"]}
    assert listed[old.id]["attributes"]["app_type"] == "apple store"
    assert shared.id not in listed
    everything = await api.get("/apps?limit=100&include_shared=true")
    found = {a["id"]: a["attributes"]["app_type"] for a in everything.json["data"]}
    assert found[shared.id] == "shared"
    assert (await api.get(f"/apps/{shared.id}")).json["data"]["attributes"]["app_type"] == "shared"


@CLASSIC
async def test_classic_groups_read_like_the_real_ones(api: Api, fake: FakeSimpleMDM) -> None:
    listed = (await api.get("/assignment_groups?limit=100")).json["data"]
    assert {g["attributes"]["type"] for g in listed} == {"standard", "munki"}
    assert {g["attributes"]["group_type"] for g in listed} == {"dynamic"}
    for group in listed:
        attributes, relationships = group["attributes"], group["relationships"]
        assert {"apps", "device_groups", "devices", "media"} <= set(relationships)
        assert relationships["device_groups"]["data"] == [
            {"type": "device_group", "id": group["id"]}
        ]
        if attributes["type"] == "munki":
            assert attributes["install_type"] in ("managed", "self_serve")
        else:
            assert "install_type" not in attributes
    assert any(g["relationships"]["devices"]["data"] for g in listed)
    assert {
        i["attributes"]["install_type"] for i in listed if "install_type" in i["attributes"]
    } == {
        "managed",
        "self_serve",
    }
    devices = await api.get("/device_groups")
    assert (devices.status, len(devices.json["data"])) == (200, 8)
    refused = await api.post("/assignment_groups", data={"name": "S", "group_type": "static"})
    assert refused.status == 422
    media = fake.add_assignment_group("With media", media_ids=[3, 4])
    read = (await api.get(f"/assignment_groups/{media.id}")).json["data"]
    assert read["relationships"]["media"] == {
        "data": [{"type": "media", "id": 3}, {"type": "media", "id": 4}]
    }


async def test_a_new_groups_account_has_no_device_groups(api: Api, fake: FakeSimpleMDM) -> None:
    listed = await api.get("/device_groups")
    assert (listed.status, listed.json) == (200, {"data": [], "has_more": False})
    assert (await api.get("/device_groups/1")).status == 404
    groups = (await api.get("/assignment_groups?limit=100")).json["data"]
    assert {(g["attributes"]["type"], g["attributes"]["group_type"]) for g in groups} == {
        ("static", "static")
    }
    device = (await api.get("/devices/1")).json["data"]
    assert device["relationships"]["device_group"] == {"data": None}
