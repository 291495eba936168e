"""The shared engine seen through the ManageEngine client: ids, paging, retries, errors."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from mdmkit.core.errors import APIError, ConfigurationError, PaginationError, TransportError
from mdmkit.manageengine import ManageEngineClient
from mdmkit.testing import Drop, FakeClock, FakeManageEngine, Malformed, RateLimited, Reply

pytestmark = pytest.mark.anyio


async def test_an_18_digit_id_survives_list_then_get(
    fake: FakeManageEngine, me: ManageEngineClient
) -> None:
    listed = await me.devices.list(limit=5).first()
    assert listed is not None
    assert listed.device_id > 2**53  # beyond what a float holds exactly
    fetched = await me.devices.get(listed.device_id)
    assert fetched.device_id == listed.device_id
    assert fake.requests.last().path == f"/api/v1/mdm/devices/{listed.device_id}"
    raw_text = json.dumps(fetched.raw)
    assert str(listed.device_id) in raw_text


async def test_odd_ids_above_two_to_the_53_stay_exact(
    fake: FakeManageEngine, me: ManageEngineClient
) -> None:
    odd = [d async for d in me.devices.list() if d.device_id % 2 == 1]
    assert odd
    for device in odd[:5]:
        assert int(float(device.device_id)) != device.device_id  # a float would corrupt it
        assert device.device_id in fake.state.devices


async def test_paging_next_on_another_origin_is_refused_before_sending(
    fake: FakeManageEngine, me: ManageEngineClient
) -> None:
    evil = {
        "devices": [{"device_id": 1}],
        "metadata": {"total_record_count": 2},
        "paging": {"next": "https://evil.example/api/v1/mdm/devices?offset=1"},
    }
    fake.faults.add(Malformed(body=json.dumps(evil).encode()), route="GET */devices")
    pager = me.devices.list()
    with pytest.raises(PaginationError, match="another origin"):
        await pager.collect()
    assert fake.requests.count(path="/api/v1/mdm/devices") == 1


async def test_paging_follows_next_and_reports_the_total(
    fake: FakeManageEngine, me: ManageEngineClient
) -> None:
    pages = [page async for page in me.devices.list(limit=50).pages()]
    assert [len(p) for p in pages] == [50, 50, 20]
    assert {p.total for p in pages} == {120}
    ids = [d.device_id for p in pages for d in p]
    assert sorted(ids) == sorted(fake.state.devices)
    sent = fake.requests.filter(method="GET", path="/api/v1/mdm/devices")
    assert [r.query.get("offset") for r in sent] == ["0", "50", "100"]


async def test_a_dropped_action_post_is_not_sent_again(
    fake: FakeManageEngine, me: ManageEngineClient, device_of: Callable[[str], int]
) -> None:
    device = device_of("ios")
    fake.faults.add(Drop(after=True), route="POST */actions/lock")
    with pytest.raises(TransportError, match="not sent twice"):
        await me.devices.lock(device, lock_message="Lost")
    assert fake.requests.count(method="POST", path=f"*/devices/{device}/actions/lock") == 1
    assert fake.state.devices[device].lock_count == 1


async def test_a_throttled_action_is_retried_once_the_server_allows(
    fake: FakeManageEngine,
    me: ManageEngineClient,
    clock: FakeClock,
    device_of: Callable[[str], int],
) -> None:
    device = device_of("android")
    fake.faults.add(RateLimited(retry_after=4), route="POST */actions/restart")
    await me.devices.restart(device)
    statuses = [r.status for r in fake.requests.filter(path=f"*/{device}/actions/restart")]
    assert statuses == [429, 202]
    assert clock.sleeps == [4]


async def test_emsapi_errors_are_parsed(fake: FakeManageEngine, me: ManageEngineClient) -> None:
    fake.faults.add(Reply(406, "Not Acceptable"), route="POST /emsapi/files")
    with pytest.raises(APIError) as info:
        await me.files.upload(b"PK", filename="a.apk")
    assert (info.value.status, info.value.code, info.value.message) == (
        406,
        "406",
        "Not Acceptable",
    )


async def test_mdm_errors_carry_the_code(fake: FakeManageEngine, me: ManageEngineClient) -> None:
    with pytest.raises(APIError) as info:  # page/size are refused by ManageEngine
        await me.request("GET", "/api/v1/mdm/devices", params={"page": "1"})
    assert info.value.status == 400
    assert info.value.code == "COM0024"


def test_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("API_KEY", "SERVER_URL", "CLIENT_ID", "CLIENT_SECRET", "REFRESH_TOKEN"):
        monkeypatch.delenv(f"MANAGEENGINE_{name}", raising=False)
    with pytest.raises(ConfigurationError, match="MANAGEENGINE_CLIENT_ID"):
        ManageEngineClient.from_env()
    monkeypatch.setenv("MANAGEENGINE_API_KEY", "k")
    with pytest.raises(ConfigurationError, match="SERVER_URL"):
        ManageEngineClient.from_env()
    monkeypatch.setenv("MANAGEENGINE_SERVER_URL", "https://mdm.corp.example:8383")
    assert ManageEngineClient.from_env().base_url == "https://mdm.corp.example:8383"
    monkeypatch.delenv("MANAGEENGINE_API_KEY")
    monkeypatch.setenv("MANAGEENGINE_CLIENT_ID", "id")
    monkeypatch.setenv("MANAGEENGINE_CLIENT_SECRET", "secret")
    monkeypatch.setenv("MANAGEENGINE_REFRESH_TOKEN", "refresh")
    monkeypatch.setenv("MANAGEENGINE_DATA_CENTER", "ca")
    cloud = ManageEngineClient.from_env()
    assert cloud.base_url == "https://mdm.manageengine.ca"
    assert "zohocloud.ca" in repr(cloud.auth)


def test_cloud_configuration_is_checked_before_any_io() -> None:
    with pytest.raises(ConfigurationError, match="unknown data center"):
        ManageEngineClient("id", "secret", "refresh", data_center="xx")
    with pytest.raises(ConfigurationError, match="plain http"):
        ManageEngineClient("id", "secret", "refresh", base_url="http://mdm.example.com")
    with pytest.raises(ConfigurationError, match="refresh_token is empty"):
        ManageEngineClient("id", "secret", "")
    eu = ManageEngineClient("id", "secret", "refresh", data_center="eu")
    assert eu.base_url == "https://mdm.manageengine.eu"
