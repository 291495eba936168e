"""The fakes' HTTP control endpoints under ``/_fake``: faults, the request log, state and
snapshots, usable from any language; and the fault specs they read, table by table."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from mdmkit.testing import FakeManageEngine, FakeSimpleMDM, RateLimited, ServerError
from mdmkit.testing.faults import (
    Drop,
    Faults,
    Latency,
    Malformed,
    Reply,
    fault_from_spec,
    fault_spec,
    rule_from_spec,
)

pytestmark = pytest.mark.anyio


@pytest.fixture
async def fake() -> AsyncIterator[FakeSimpleMDM]:
    async with FakeSimpleMDM(devices=5, seed=1) as server:
        yield server


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def send(
    http: aiohttp.ClientSession, method: str, url: str, body: Any = None, **options: Any
) -> tuple[int, Any]:
    async with http.request(method, url, json=body, **options) as response:
        return response.status, await response.json(content_type=None)


def basic(key: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{key}:".encode()).decode()}


async def test_the_index_lists_every_endpoint(
    fake: FakeSimpleMDM, http: aiohttp.ClientSession
) -> None:
    status, index = await send(http, "GET", fake.control_url)
    assert status == 200
    assert index["server"] == "FakeSimpleMDM"
    assert "POST /_fake/faults" in index["endpoints"]


async def test_control_needs_no_credentials_and_stays_out_of_the_request_log(
    fake: FakeSimpleMDM, http: aiohttp.ClientSession
) -> None:
    await send(
        http,
        "POST",
        fake.control_url + "/faults",
        {"fault": {"type": "ServerError"}, "times": None},
    )
    status, log = await send(http, "GET", fake.control_url + "/requests")
    assert status == 200  # no Authorization header, and the catch-all 500 fault did not hit
    assert log == []
    assert len(fake.requests) == 0


async def test_a_posted_fault_answers_the_vendor_api_and_the_log_shows_it(
    fake: FakeSimpleMDM, http: aiohttp.ClientSession
) -> None:
    rule = {
        "fault": {"type": "RateLimited", "retry_after": 2},
        "route": "GET */account",
        "times": 1,
    }
    status, made = await send(http, "POST", fake.control_url + "/faults", rule)
    assert status == 201
    assert made["faults"] == [{"type": "RateLimited", "retry_after": 2, "reset_in": None}]
    async with http.get(fake.url + "/account", headers=basic(fake.api_key)) as first:
        assert first.status == 429
        assert first.headers["Retry-After"] == "2"
    async with http.get(fake.url + "/account", headers=basic(fake.api_key)) as second:
        assert second.status == 200
    _, log = await send(http, "GET", fake.control_url + "/requests?path=*/account")
    assert [(r["index"], r["status"], r["fault"]) for r in log] == [
        (0, 429, "RateLimited"),
        (1, 200, None),
    ]
    assert log[0]["headers"]["Authorization"] == "<redacted>"
    _, rules = await send(http, "GET", fake.control_url + "/faults")
    assert rules[0]["hits"] == 1
    assert rules[0]["remaining"] == 0


async def test_the_log_filters_by_method_path_and_since_and_can_be_cleared(
    fake: FakeSimpleMDM, http: aiohttp.ClientSession
) -> None:
    for path in ("/account", "/devices", "/account"):
        async with http.get(fake.url + path, headers=basic(fake.api_key)):
            pass
    async with http.post(fake.url + "/devices/1/refresh", headers=basic(fake.api_key)):
        pass
    _, since = await send(http, "GET", fake.control_url + "/requests?since=2")
    assert [r["index"] for r in since] == [2, 3]
    _, posts = await send(http, "GET", fake.control_url + "/requests?method=post")
    assert [r["path"] for r in posts] == ["/api/v1/devices/1/refresh"]
    await send(http, "DELETE", fake.control_url + "/requests")
    assert (await send(http, "GET", fake.control_url + "/requests"))[1] == []


async def test_an_uploaded_file_is_summarised_not_echoed(
    fake: FakeSimpleMDM, http: aiohttp.ClientSession
) -> None:
    form = aiohttp.FormData()
    form.add_field("binary", b"PK\x03\x04 not really an ipa", filename="Surf.ipa")
    async with http.post(fake.url + "/apps", data=form, headers=basic(fake.api_key)) as answer:
        assert answer.status == 201
    _, log = await send(http, "GET", fake.control_url + "/requests?method=POST")
    assert log[0]["body"] is None
    assert log[0]["files"]["binary"]["filename"] == "Surf.ipa"
    assert log[0]["files"]["binary"]["size"] == len(b"PK\x03\x04 not really an ipa")


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ({"fault": {"type": "Nope"}}, "unknown fault type 'Nope'"),
        ({"fault": {"type": "ServerError", "status": 404}}, "needs a 5xx status"),
        ({"fault": {"type": "Latency", "seconds": "1"}}, "Latency.seconds must be int or float"),
        ({"fault": {"type": "Drop", "after": 1}}, "Drop.after must be bool"),
        ({"fault": {"type": "Reply", "status": 401, "colour": "red"}}, "got 'colour'"),
        ({"fault": {"type": "ServerError"}, "times": 0}, "times must be at least 1"),
        ({"fault": {"type": "ServerError"}, "times": True}, "times must be a positive integer"),
        ({"fault": {"type": "ServerError"}, "rate": 0.5}, "rate and seed belong to a random"),
        ({"faults": [{"type": "ServerError"}], "rate": 2}, "rate must be between 0 and 1"),
        ({"faults": []}, "needs at least one fault"),
        ({"faults": {"type": "ServerError"}}, "faults must be a list"),
        ({"route": "*"}, "give either fault"),
        ({"fault": {"type": "ServerError"}, "when": "now"}, "unknown keys ['when']"),
        ({"fault": {"type": "ServerError"}, "route": 5}, "route must be a string"),
        ([1, 2], "a fault rule is a JSON object"),
        ({"fault": "ServerError"}, "a fault is a JSON object with a type"),
    ],
)
async def test_a_bad_fault_rule_is_refused_with_the_reason(
    fake: FakeSimpleMDM, http: aiohttp.ClientSession, rule: Any, message: str
) -> None:
    status, answer = await send(http, "POST", fake.control_url + "/faults", rule)
    assert status == 400
    assert message in answer["error"]
    assert fake.faults.rules == []


async def test_a_body_that_is_not_json_is_refused(
    fake: FakeSimpleMDM, http: aiohttp.ClientSession
) -> None:
    status, answer = await send(
        http,
        "POST",
        fake.control_url + "/faults",
        data=b"{nope",
        headers={"Content-Type": "application/json"},
    )
    assert (status, answer["error"]) == (400, "the body is not valid JSON")


async def test_a_random_rule_posted_as_json_is_reproducible(
    fake: FakeSimpleMDM, http: aiohttp.ClientSession
) -> None:
    rule = {
        "faults": [{"type": "ServerError", "status": 503}],
        "rate": 0.5,
        "seed": 7,
        "route": "GET */account",
    }
    statuses = []
    for _ in range(2):
        fake.faults.clear()
        await send(http, "POST", fake.control_url + "/faults", rule)
        run = []
        for _ in range(12):
            async with http.get(fake.url + "/account", headers=basic(fake.api_key)) as answer:
                run.append(answer.status)
        statuses.append(run)
    assert statuses[0] == statuses[1]
    assert {200, 503} == set(statuses[0])
    await send(http, "DELETE", fake.control_url + "/faults")
    assert fake.faults.rules == []


async def test_state_tables_records_and_paging(
    fake: FakeSimpleMDM, http: aiohttp.ClientSession
) -> None:
    _, state = await send(http, "GET", fake.control_url + "/state")
    assert state["tables"]["devices"] == 5
    assert state["settings"]["new_groups"] is True
    _, page = await send(http, "GET", fake.control_url + "/state/devices?offset=1&limit=2")
    assert (page["total"], page["offset"]) == (5, 1)
    assert [r["id"] for r in page["records"]] == [2, 3]
    _, one = await send(http, "GET", fake.control_url + "/state/devices/3")
    assert one["name"] == fake.state.devices[3].name
    assert one["gen"]["serial_number"] == fake.state.devices[3].gen.serial_number  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("path", "status", "message"),
    [
        ("/state/nope", 404, "no table 'nope'; tables: devices"),
        ("/state/devices/999", 404, "no record '999'"),
        ("/state/devices/abc", 404, "no record 'abc'"),
        ("/state/devices?limit=x", 400, "limit must be a non-negative integer"),
        ("/requests?since=-1", 400, "since must be a non-negative integer"),
        ("/nope", 404, "no control endpoint GET /_fake/nope"),
    ],
)
async def test_state_and_log_lookups_say_what_is_missing(
    fake: FakeSimpleMDM, http: aiohttp.ClientSession, path: str, status: int, message: str
) -> None:
    answer_status, answer = await send(http, "GET", fake.control_url + path)
    assert answer_status == status
    assert message in answer["error"]


async def test_a_lock_shows_in_the_state_a_snapshot_restores_it(
    fake: FakeSimpleMDM, http: aiohttp.ClientSession
) -> None:
    assert (await send(http, "POST", fake.control_url + "/snapshots", {"name": "clean"}))[0] == 201
    async with http.post(fake.url + "/devices/2/lock", headers=basic(fake.api_key)) as answer:
        assert answer.status == 202
    _, locked = await send(http, "GET", fake.control_url + "/state/devices/2")
    assert locked["lock_count"] == 1
    assert (await send(http, "GET", fake.control_url + "/snapshots"))[1] == ["clean"]
    status, _ = await send(http, "POST", fake.control_url + "/snapshots/clean/restore")
    assert status == 200
    assert fake.state.devices[2].lock_count == 0
    assert fake.state.fleet is not None  # the generated fleet is shared, not copied
    # a snapshot can be restored again: restoring copies it
    fake.state.devices[2].name = "changed"
    await send(http, "POST", fake.control_url + "/snapshots/clean/restore")
    assert fake.state.devices[2].name != "changed"


async def test_snapshot_mistakes(fake: FakeSimpleMDM, http: aiohttp.ClientSession) -> None:
    status, answer = await send(http, "POST", fake.control_url + "/snapshots", {"title": "x"})
    assert (status, answer["error"]) == (400, 'give the snapshot a name: {"name": "..."}')
    status, answer = await send(http, "POST", fake.control_url + "/snapshots/nope/restore")
    assert status == 404
    assert "no snapshot 'nope'" in answer["error"]


async def test_reset_clears_faults_and_log_and_rebuilds_state_only_with_a_factory(
    fake: FakeSimpleMDM, http: aiohttp.ClientSession
) -> None:
    fake.faults.add(ServerError(500))
    async with http.get(fake.url + "/account", headers=basic(fake.api_key)):
        pass
    fake.state.devices[1].name = "renamed"
    _, answer = await send(http, "POST", fake.control_url + "/reset")
    assert answer == {"faults": "cleared", "requests": "cleared", "state_rebuilt": False}
    assert fake.faults.rules == []
    assert len(fake.requests) == 0
    assert fake.state.devices[1].name == "renamed"
    fake.state_factory = lambda: FakeSimpleMDM(devices=5, seed=1).state
    _, answer = await send(http, "POST", fake.control_url + "/reset")
    assert answer["state_rebuilt"] is True
    assert fake.state.devices[1].name != "renamed"


async def test_settings_change_through_patch_and_are_checked() -> None:
    async with FakeManageEngine(devices=2, seed=1) as me, aiohttp.ClientSession() as http:
        url = me.control_url + "/state"
        status, answer = await send(http, "PATCH", url, {"settings": {"upload_delay": 0}})
        assert status == 200
        assert answer["settings"]["upload_delay"] == 0
        assert me.state.upload_delay == 0
        for body, message in (
            ({"settings": {"nope": 1}}, "no setting 'nope'"),
            ({"settings": {"upload_delay": "soon"}}, "upload_delay must be like 0"),
            ({"upload_delay": 0}, 'give {"settings"'),
        ):
            status, answer = await send(http, "PATCH", url, body)
            assert status == 400
            assert message in answer["error"]
        # the Zoho accounts server has its own control endpoints and request log
        _, index = await send(http, "GET", me.accounts.control_url)
        assert index["server"] == "FakeZohoAccounts"


# -- fault specs, without a server -------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "fault"),
    [
        ({"type": "RateLimited", "retry_after": 1.5}, RateLimited(retry_after=1.5)),
        ({"type": "RateLimited", "reset_in": 3}, RateLimited(reset_in=3)),
        ({"type": "ServerError", "status": 503, "retry_after": 2}, ServerError(503, retry_after=2)),
        ({"type": "Reply", "status": 401, "message": "expired"}, Reply(401, "expired")),
        ({"type": "Malformed", "body": "{oops"}, Malformed(body=b"{oops")),
        ({"type": "Drop", "after": True}, Drop(after=True)),
        ({"type": "Latency", "seconds": 0.25}, Latency(0.25)),
    ],
)
def test_fault_specs_round_trip(spec: dict[str, Any], fault: Any) -> None:
    assert fault_from_spec(spec) == fault
    assert fault_from_spec(fault_spec(fault)) == fault


def test_a_binary_malformed_body_is_shown_as_base64() -> None:
    spec = fault_spec(Malformed(body=b"\xff\xfe"))
    assert spec["body"] == {"base64": "//4="}


def test_a_rule_spec_adds_to_the_faults_it_is_given() -> None:
    faults = Faults()
    rule = rule_from_spec(
        faults, {"fault": {"type": "Drop"}, "route": "POST */wipe", "times": None}
    )
    assert faults.rules == [rule]
    assert rule.remaining is None
    assert faults.take("POST", "/api/v1/devices/1/wipe") == Drop()
