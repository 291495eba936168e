"""The fake ManageEngine over real sockets: auth and scopes, paging, devices, actions, CLI."""

from __future__ import annotations

import json

import aiohttp
import anyio
import pytest

from mdmkit.testing import FakeClock, FakeManageEngine
from mdmkit.testing.faults import Drop, Latency, RateLimited
from tests.testing.fakeapi import MDM, Api, mint, oauth, serve_cli

pytestmark = pytest.mark.anyio

INVALID_TOKEN = {
    "error_code": "COM0013",
    "error_description": "Invalid OAuth token",
    "localized_error_description": "Invalid OAuth token",
}


async def token_for(session: aiohttp.ClientSession, fake: FakeManageEngine) -> str:
    return await mint(
        session, fake.accounts_url, fake.client_id, fake.client_secret, fake.refresh_token
    )


def device_of(fake: FakeManageEngine, platform: str) -> int:
    """A managed generated device of ``platform``."""
    return next(
        d.id
        for d in fake.state.devices.values()
        if d.platform == platform and d.managed_status == 2
    )


async def test_a_token_works_until_it_expires(me_fake: FakeManageEngine, clock: FakeClock) -> None:
    async with aiohttp.ClientSession() as session:
        api = Api(
            session, me_fake.base_url, None, authorization=oauth(await token_for(session, me_fake))
        )
        ok = await api.get(f"{MDM}/devices?limit=1")
        assert ok.status == 200
        assert ok.headers["Content-Type"] == "application/json;charset=UTF-8"
        assert "x-request-id" not in ok.headers
        clock.advance(3600)
        expired = await api.get(f"{MDM}/devices?limit=1")
        assert (expired.status, expired.json) == (401, INVALID_TOKEN)
        assert expired.headers["Content-Type"] == "application/json;charset=UTF-8"
        api.headers = {"Authorization": oauth(await token_for(session, me_fake))}
        assert (await api.get(f"{MDM}/devices?limit=1")).status == 200
        me_fake.accounts.expire_tokens()
        assert (await api.get(f"{MDM}/devices?limit=1")).status == 401


async def test_a_token_that_expires_while_its_request_waits_is_still_authorized(
    me_api: Api, me_fake: FakeManageEngine
) -> None:
    """Found by make soak: the scope check looked the token up again after an injected
    latency, so a token expired meanwhile answered 403 "Insufficient scope" (not the 200 a
    server that checked it on arrival gives)."""
    me_fake.faults.add(Latency(0.2), route="GET */users")
    replies: list[int] = []
    async with anyio.create_task_group() as group:

        async def ask() -> None:
            replies.append((await me_api.get(f"{MDM}/users")).status)

        group.start_soon(ask)
        await anyio.sleep(0.1)
        me_fake.accounts.expire_tokens()  # while the request sleeps in the fake
    assert replies == [200]
    assert (await me_api.get(f"{MDM}/users")).status == 401  # the next one is refused


@pytest.mark.parametrize(
    "authorization", [None, "Zoho-oauthtoken 1000.abc.def", "Bearer {token}", "{token}"]
)
async def test_only_a_live_zoho_oauthtoken_is_accepted(
    me_fake: FakeManageEngine, authorization: str | None
) -> None:
    async with aiohttp.ClientSession() as session:
        token = await token_for(session, me_fake)
        value = None if authorization is None else authorization.format(token=token)
        reply = await Api(session, me_fake.base_url, None, authorization=value).get(f"{MDM}/users")
    assert (reply.status, reply.json) == (401, INVALID_TOKEN)
    assert me_fake.requests.last().authenticated is False


async def test_a_revoked_refresh_token_ends_access(me_fake: FakeManageEngine) -> None:
    async with aiohttp.ClientSession() as session:
        token = await token_for(session, me_fake)
        api = Api(session, me_fake.base_url, None, authorization=oauth(token))
        assert (await api.get(f"{MDM}/groups")).status == 200
        await Api(session, me_fake.accounts_url, None).post(
            "/oauth/v2/token/revoke", data={"token": me_fake.refresh_token}
        )
        assert (await api.get(f"{MDM}/groups")).status == 401


@pytest.mark.parametrize(
    ("method", "path", "scope"),
    [
        ("GET", "/apps", "MDMOnDemand.MDMDeviceMgmt.READ"),
        ("PUT", "/devices/{device}", "MDMOnDemand.MDMInventory.UPDATE"),
        ("POST", "/devices/{device}/actions/scan", "MDMOnDemand.MDMInventory.CREATE"),
        ("POST", "/actions/restart", "MDMOnDemand.MDMInventory.CREATE"),
        ("GET", "/users", "MDMOnDemand.MDMUser.READ"),
        ("DELETE", "/groups/1", "MDMOnDemand.MDMDeviceMgmt.DELETE"),
        ("PUT", "/apps/1/labels/2", "MDMOnDemand.MDMDeviceMgmt.CREATE"),
    ],
)
async def test_a_missing_scope_is_403_naming_it(
    clock: FakeClock, method: str, path: str, scope: str
) -> None:
    async with (
        FakeManageEngine(devices=3, clock=clock, scopes="MDMOnDemand.MDMInventory.READ") as fake,
        aiohttp.ClientSession() as session,
    ):
        api = Api(session, fake.base_url, None, authorization=oauth(await token_for(session, fake)))
        assert (await api.get(f"{MDM}/devices")).status == 200
        reply = await api.call(method, MDM + path.format(device=next(iter(fake.state.devices))))
    message = f"Insufficient scope: {scope} is required"
    assert reply.status == 403
    assert reply.json == {
        "error_code": "COM0013",
        "error_description": message,
        "localized_error_description": message,
    }


async def test_all_grants_a_family_and_the_app_update_takes_update_too(clock: FakeClock) -> None:
    scopes = ["MDMOnDemand.MDMInventory.ALL", "MDMOnDemand.MDMDeviceMgmt.UPDATE"]
    async with (
        FakeManageEngine(devices=3, clock=clock, scopes=scopes) as fake,
        aiohttp.ClientSession() as session,
    ):
        api = Api(session, fake.base_url, None, authorization=oauth(await token_for(session, fake)))
        device = next(iter(fake.state.devices))
        assert (await api.put(f"{MDM}/devices/{device}", json={"asset_tag": "A1"})).status == 200
        app = next(iter(fake.state.apps))
        label = fake.state.stable_label_id
        update = await api.put(
            f"{MDM}/apps/{app}/labels/{label}", json={"force_update_in_label": True}
        )
        assert update.status == 200
        assert (await api.get(f"{MDM}/apps")).status == 403


async def test_on_premises_takes_the_raw_api_key(clock: FakeClock) -> None:
    async with (
        FakeManageEngine(devices=3, clock=clock, on_premises=True) as fake,
        aiohttp.ClientSession() as session,
    ):
        ok = await Api(session, fake.base_url, None, authorization=fake.api_key).get(f"{MDM}/apps")
        assert ok.status == 200
        token = await token_for(session, fake)
        for value in (oauth(token), "wrong-key", f"Zoho-oauthtoken {fake.api_key}"):
            reply = await Api(session, fake.base_url, None, authorization=value).get(f"{MDM}/apps")
            assert (reply.status, reply.json) == (401, INVALID_TOKEN)


async def test_paging_120_devices_by_50_follows_next(
    me_api: Api, me_fake: FakeManageEngine
) -> None:
    url = f"{me_fake.base_url}{MDM}/devices?limit=50"
    sizes, seen, previous = [], [], []
    while url:
        async with me_api.session.get(url, headers=me_api.headers) as response:
            body = await response.json()
        assert body["metadata"]["total_record_count"] == 120
        sizes.append(len(body["devices"]))
        seen += [d["device_id"] for d in body["devices"]]
        paging = body.get("paging", {})
        previous.append(paging.get("previous"))
        url = paging.get("next")
        if url:
            assert url.startswith(me_fake.base_url + MDM + "/devices?")
    assert sizes == [50, 50, 20]
    assert seen == sorted(me_fake.state.devices)
    assert previous[0] is None
    assert previous[2] == f"{me_fake.base_url}{MDM}/devices?limit=50&offset=50"


async def test_paging_keeps_filters_and_checks_its_parameters(me_api: Api) -> None:
    first = await me_api.get(f"{MDM}/devices?platform=android&limit=10")
    assert "platform=android" in first.json["paging"]["next"]
    assert first.json["paging"]["next"].endswith("limit=10&offset=10")
    assert all(d["platform_type"] == "android" for d in first.json["devices"])
    for query, parameter in (("limit=0", "limit"), ("limit=ten", "limit"), ("offset=x", "offset")):
        bad = await me_api.get(f"{MDM}/devices?{query}")
        assert (bad.status, bad.json["error_code"]) == (400, "COM0014")
        assert parameter in bad.json["error_description"]
    for query in ("page=2", "size=10"):
        bad = await me_api.get(f"{MDM}/devices?{query}")
        assert (bad.status, bad.json["error_code"]) == (400, "COM0024")
    beyond = await me_api.get(f"{MDM}/devices?offset=500")
    assert beyond.json["devices"] == []
    assert "next" not in beyond.json["paging"]


async def test_ids_above_2_53_survive_as_json_numbers(
    me_api: Api, me_fake: FakeManageEngine
) -> None:
    reply = await me_api.get(f"{MDM}/devices?limit=3")
    first = reply.json["devices"][0]
    device_id = first["device_id"]
    assert isinstance(device_id, int)
    assert device_id > 2**53
    assert len(str(device_id)) == 18
    assert float(device_id) != device_id
    assert f'"device_id":{device_id},'.encode() in reply.body
    assert device_id == json.loads(reply.body.decode())["devices"][0]["device_id"]
    assert device_id in me_fake.state.devices
    user_id = first["user"]["user_id"]
    assert f'"user_id":{user_id}'.encode() in reply.body
    assert (await me_api.get(f"{MDM}/devices/{device_id}")).json["device_id"] == device_id


async def test_device_quirks(me_api: Api) -> None:
    devices = (await me_api.get(f"{MDM}/devices?limit=120")).json["devices"]
    removed = {type(d["is_removed"]) for d in devices}
    assert removed == {str, bool}
    assert all(isinstance(d["imei"], list) for d in devices)
    assert any(d["imei"] for d in devices)
    assert {d["platform_type"] for d in devices} == {"ios", "android", "windows"}
    assert all(
        d["platform_type_id"] == {"ios": 1, "android": 2, "windows": 3}[d["platform_type"]]
        for d in devices
    )
    assert all(isinstance(v, str) for d in devices for v in d["summary"].values())
    assert {d["owned_by"] for d in devices} == {1, 2}
    assert {d["managed_status"] for d in devices} >= {2, 4}
    assert all(isinstance(d["registered_time"], int) for d in devices)


async def test_device_filters(me_api: Api, me_fake: FakeManageEngine) -> None:
    state = me_fake.state

    async def ids(query: str) -> set[int]:
        reply = await me_api.get(f"{MDM}/devices?limit=1000&{query}")
        assert reply.status == 200, reply.json
        return {d["device_id"] for d in reply.json["devices"]}

    devices = list(state.devices.values())
    assert await ids("platform=Android,WINDOWS") == {
        d.id for d in devices if d.platform in ("android", "windows")
    }
    assert await ids("exclude_removed=true") == {d.id for d in devices if not d.is_removed}
    assert await ids("include_all=true") == set(state.devices)
    one = devices[0]
    user = state.users[one.user_id or 0]
    assert one.id in await ids(f"search={one.name.split()[0].upper()}")
    assert one.id in await ids(f"search={user.name.split()[-1]}")
    assert await ids(f"serial_number={one.gen.serial_number.lower()}") == {one.id}
    cellular = next(d for d in devices if d.gen.imei)
    assert await ids(f"imei={cellular.gen.imei}") == {cellular.id}
    assert await ids("owned_by=Personal") == {d.id for d in devices if d.owned_by == 2}
    assert await ids("device_type=tablet,Laptop") == {
        d.id for d in devices if d.device_type in ("Tablet", "Laptop")
    }
    assert await ids(f"email={user.email.upper()}") == {
        d.id for d in devices if d.user_id == user.id
    }
    group = next(iter(state.groups.values()))
    assert await ids(f"group_id={group.id}") == group.member_ids
    for query in ("platform=symbian", "owned_by=Nobody", "device_type=fridge", "exclude_removed=x"):
        reply = await me_api.get(f"{MDM}/devices?{query}")
        assert (reply.status, reply.json["error_code"]) == (400, "COM0014")


async def test_device_detail_update_summary_and_apps(
    me_api: Api, me_fake: FakeManageEngine
) -> None:
    device_id = device_of(me_fake, "ios")
    detail = (await me_api.get(f"{MDM}/devices/{device_id}")).json
    assert detail["os"]["os_version"] == detail["os_version"]
    assert {"network", "security", "is_supervised", "model_name", "battery_level"} <= set(detail)
    update = await me_api.put(
        f"{MDM}/devices/{device_id}",
        json={"name": "Front Desk", "asset_tag": "AT-1", "purchase_date": 1_700_000_000_000},
    )
    assert update.status == 200
    assert (update.json["device_name"], update.json["asset_tag"]) == ("Front Desk", "AT-1")
    assert me_fake.state.devices[device_id].asset["purchase_date"] == 1_700_000_000_000
    bad = await me_api.put(f"{MDM}/devices/{device_id}", json={"purchase_date": "soon"})
    assert (bad.status, bad.json["error_code"]) == (400, "COM0014")
    unexpected = await me_api.put(f"{MDM}/devices/{device_id}", json={"colour": "red"})
    assert unexpected.json["error_code"] == "COM0024"
    summary = (await me_api.get(f"{MDM}/devices/{device_id}/summary")).json
    assert summary["device_name"] == "Front Desk"
    assert isinstance(summary["app_count"], str)
    apps = (await me_api.get(f"{MDM}/devices/{device_id}/apps")).json["apps"]
    assert len(apps) == int(summary["app_count"])
    assert all(
        set(a) == {"app_id", "app_name", "app_version", "identifier", "platform_type"} for a in apps
    )
    missing = await me_api.get(f"{MDM}/devices/123")
    assert (missing.status, missing.json["error_code"]) == (404, "COM0008")


async def test_actions_are_recorded_on_the_device(me_api: Api, me_fake: FakeManageEngine) -> None:
    phone = device_of(me_fake, "ios")
    lock = await me_api.post(
        f"{MDM}/devices/{phone}/actions/lock",
        json={"lock_message": "Call IT", "phone_number": "+1555"},
    )
    assert (lock.status, lock.body) == (202, b"")
    device = me_fake.state.devices[phone]
    assert (device.lock_count, device.last_lock_message) == (1, "Call IT")
    assert device.commands == [("lock", {"lock_message": "Call IT", "phone_number": "+1555"})]
    assert (
        await me_api.post(f"{MDM}/devices/{phone}/actions/enable_lost_mode", json={})
    ).status == 202
    assert device.lost_mode_enabled
    detail = (await me_api.get(f"{MDM}/devices/{phone}")).json
    assert detail["is_lost_mode_enabled"] is True
    assert (await me_api.post(f"{MDM}/devices/{phone}/actions/disable_lost_mode")).status == 202
    assert not device.lost_mode_enabled
    alarm = await me_api.post(f"{MDM}/devices/{phone}/actions/remote_alarm", json={})
    assert (alarm.status, alarm.json["error_code"]) == (400, "COM0014")
    assert "Action not applicable" in alarm.json["error_description"]
    unknown = await me_api.post(f"{MDM}/devices/{phone}/actions/self_destruct", json={})
    assert (unknown.status, unknown.json["error_code"]) == (404, "COM0008")
    wipe = await me_api.post(
        f"{MDM}/devices/{phone}/actions/complete_wipe", json={"wipe_sd_card": True}
    )
    assert wipe.status == 202
    assert device.wiped
    assert device.is_removed
    assert device.command_names() == [
        "lock",
        "enable_lost_mode",
        "disable_lost_mode",
        "complete_wipe",
    ]
    after = await me_api.post(f"{MDM}/devices/{phone}/actions/scan", json={})
    assert after.status == 400
    android = device_of(me_fake, "android")
    assert (
        await me_api.post(f"{MDM}/devices/{android}/actions/remote_alarm", json={})
    ).status == 202


async def test_available_actions_follow_the_platform(
    me_api: Api, me_fake: FakeManageEngine
) -> None:
    async def enabled(device_id: int) -> dict[str, bool]:
        actions = (await me_api.get(f"{MDM}/devices/{device_id}/actions")).json["actions"]
        return {a["name"]: a["is_enabled"] for a in actions}

    android, iphone, laptop = (device_of(me_fake, p) for p in ("android", "ios", "windows"))
    assert (await enabled(android))["remote_alarm"]
    assert not (await enabled(iphone))["remote_alarm"]
    assert (await enabled(iphone))["clear_passcode"]
    assert not (await enabled(laptop))["enable_lost_mode"]
    await me_api.post(f"{MDM}/devices/{iphone}/actions/scan", json={})
    actions = (await me_api.get(f"{MDM}/devices/{iphone}/actions")).json["actions"]
    scan = next(a for a in actions if a["name"] == "scan")
    assert (scan["status_code"], scan["status_description"]) == (1, "Initiated")


async def test_bulk_actions(me_api: Api, me_fake: FakeManageEngine) -> None:
    state = me_fake.state
    laptop, phone = device_of(me_fake, "windows"), device_of(me_fake, "ios")
    reply = await me_api.post(
        f"{MDM}/actions/enable_lost_mode", json={"device_ids": [laptop, phone, 42]}
    )
    assert reply.status == 200
    assert reply.json["success_list"] == [
        {"device_id": phone, "status": "success", "remarks": "Command initiated"}
    ]
    assert [item["device_id"] for item in reply.json["na_list"]] == [laptop, 42]
    assert (reply.json["total_count"], reply.json["success_count"]) == (3, 1)
    assert reply.json["not_applicable_count"] == 2
    assert state.devices[phone].lost_mode_enabled
    group = next(iter(state.groups.values()))
    restart = await me_api.post(f"{MDM}/actions/restart", json={"group_ids": [str(group.id)]})
    members = state.devices_of_group(group)
    assert restart.json["total_count"] == len(members)
    done = {item["device_id"] for item in restart.json["success_list"]}
    assert all(state.devices[d].command_names()[-1:] == ["restart"] for d in done)
    lock = await me_api.post(f"{MDM}/actions/lock", json={"device_ids": [phone]})
    assert (lock.status, lock.json["error_code"]) == (400, "COM0014")
    empty = await me_api.post(f"{MDM}/actions/restart", json={})
    assert empty.status == 400
    assert (
        await me_api.post(f"{MDM}/actions/teleport", json={"device_ids": [phone]})
    ).status == 404


async def test_faults_and_the_request_log(me_api: Api, me_fake: FakeManageEngine) -> None:
    me_fake.faults.add(RateLimited(retry_after=2), route=f"GET {MDM}/devices")
    limited = await me_api.get(f"{MDM}/devices")
    assert (limited.status, limited.headers["Retry-After"]) == (429, "2")
    assert limited.headers["Content-Type"] == "application/json;charset=UTF-8"
    assert set(limited.json) == {"error_code", "error_description", "localized_error_description"}
    assert (await me_api.get(f"{MDM}/devices")).status == 200
    phone = device_of(me_fake, "ios")
    me_fake.faults.add(Drop(after=True), route=f"POST {MDM}/devices/*/actions/lock")
    with pytest.raises(aiohttp.ServerDisconnectedError):
        await me_api.post(f"{MDM}/devices/{phone}/actions/lock", json={})
    assert me_fake.state.devices[phone].lock_count == 1
    records = me_fake.requests.filter("POST", f"{MDM}/devices/*/actions/lock")
    assert [(r.status, r.fault, r.json) for r in records] == [(0, "Drop", {})]
    first = me_fake.requests.all()[0]
    assert (first.status, first.fault) == (429, "RateLimited")
    assert first.headers["Authorization"] == "<redacted>"
    assert first.request_id is None


async def test_emsapi_faults_use_its_error_shape(me_api: Api, me_fake: FakeManageEngine) -> None:
    me_fake.faults.add(RateLimited(retry_after=1), route="POST /emsapi/files")
    reply = await me_api.post("/emsapi/files", headers={"Module": "MDM_APP_MGMT"})
    assert (reply.status, reply.json) == (
        429,
        {"errorCode": "429", "errorMsg": "rate limit exceeded"},
    )


async def test_add_device_helper(me_api: Api, me_fake: FakeManageEngine) -> None:
    group = next(iter(me_fake.state.groups))
    device = me_fake.add_device("Spare Pixel", platform="android", group_ids=[group])
    reply = await me_api.get(f"{MDM}/devices/{device.id}")
    assert (reply.json["device_name"], reply.json["platform_type"]) == ("Spare Pixel", "android")
    assert device.id in me_fake.state.groups[group].member_ids
    assert (await me_api.get(f"{MDM}/devices")).json["metadata"]["total_record_count"] == 121


@pytest.mark.parametrize("on_premises", [False, True])
async def test_entry_point_serves_until_terminated(on_premises: bool) -> None:
    args = ["manageengine", "--port", "0", "--devices", "12", "--seed", "3"]
    args += ["--on-premises"] if on_premises else []
    wanted = "api_key" if on_premises else "refresh_token"
    async with serve_cli(*args, until=wanted) as lines, aiohttp.ClientSession() as session:
        if on_premises:
            authorization = lines["api_key"]
            assert "accounts_url" not in lines
        else:
            token = await mint(
                session,
                lines["accounts_url"],
                lines["client_id"],
                lines["client_secret"],
                lines["refresh_token"],
            )
            authorization = oauth(token)
        reply = await Api(session, lines["url"], None, authorization=authorization).get(
            f"{MDM}/devices"
        )
    assert reply.status == 200
    assert reply.json["metadata"]["total_record_count"] == 12
