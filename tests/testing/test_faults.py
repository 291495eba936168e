"""Fault injection and the request log, seen from a plain aiohttp client."""

from __future__ import annotations

import hashlib
import time

import aiohttp
import pytest

from mdmkit.testing import FakeClock, FakeSimpleMDM
from mdmkit.testing.faults import (
    Drop,
    Faults,
    Latency,
    Malformed,
    RateLimited,
    ServerError,
    rule_spec,
)
from tests.testing.fakeapi import API_KEY, Api

pytestmark = pytest.mark.anyio


async def test_rate_limited_with_retry_after_hits_only_its_route(
    api: Api, fake: FakeSimpleMDM
) -> None:
    fake.faults.add(RateLimited(retry_after=1), route="POST */devices/*/lock", times=2)
    assert (await api.post("/devices/2/refresh")).status == 202
    for _ in range(2):
        reply = await api.post("/devices/2/lock", data={"message": "m"})
        assert reply.status == 429
        assert reply.headers["Retry-After"] == "1"
        assert reply.json == {"errors": [{"title": "rate limit exceeded"}]}
        assert "x-request-id" in reply.headers
    assert fake.state.devices[2].lock_count == 0
    assert (await api.post("/devices/2/lock", data={"message": "m"})).status in (202, 422)


async def test_rate_limit_reset_is_epoch_of_the_clock(
    api: Api, fake: FakeSimpleMDM, clock: FakeClock
) -> None:
    fake.faults.add(RateLimited(reset_in=2))
    reply = await api.get("/account")
    assert reply.status == 429
    assert reply.headers["X-RateLimit-Reset"] == str(int(clock.time() + 2))
    assert "Retry-After" not in reply.headers


@pytest.mark.parametrize("status", [500, 502, 503, 504])
async def test_server_errors(api: Api, fake: FakeSimpleMDM, status: int) -> None:
    fake.faults.add(
        ServerError(status, retry_after=3 if status == 503 else None), route="GET */devices*"
    )
    assert (await api.get("/account")).status == 200
    reply = await api.get("/devices/1")
    assert reply.status == status
    assert reply.json["errors"][0]["title"]
    assert (reply.headers.get("Retry-After") == "3") == (status == 503)
    assert (await api.get("/devices/1")).status == 200


def test_server_error_must_be_5xx() -> None:
    with pytest.raises(ValueError, match="5xx"):
        ServerError(404)


@pytest.mark.parametrize(("after", "wipes"), [(False, 0), (True, 1)])
async def test_drop_closes_the_connection(fake: FakeSimpleMDM, after: bool, wipes: int) -> None:
    """Drop(after=False) never applies the request; Drop(after=True) applies it, then hangs up."""
    fake.faults.add(Drop(after=after), route="POST */wipe")
    async with aiohttp.ClientSession() as session:
        with pytest.raises(aiohttp.ServerDisconnectedError):
            await Api(session, fake.url).post("/devices/3/wipe")
    assert fake.state.devices[3].wipe_count == wipes
    record = fake.requests.filter("POST", "*/devices/3/wipe")[0]
    assert (record.status, record.fault) == (0, "Drop")


async def test_malformed_body(api: Api, fake: FakeSimpleMDM) -> None:
    fake.faults.add(Malformed())
    reply = await api.get("/devices/1")
    assert reply.status == 200
    assert reply.json is None
    assert reply.body.startswith(b"{")


async def test_latency_delays_then_answers(api: Api, fake: FakeSimpleMDM) -> None:
    fake.faults.add(Latency(0.05))
    started = time.monotonic()
    assert (await api.get("/account")).status == 200
    assert time.monotonic() - started >= 0.05
    assert fake.requests.last().fault == "Latency"


async def test_faults_follow_rule_order_and_clear(api: Api, fake: FakeSimpleMDM) -> None:
    fake.faults.add(ServerError(502), route="GET */account", times=1)
    fake.faults.add(ServerError(500), times=None)
    assert (await api.get("/account")).status == 502
    assert (await api.get("/account")).status == 500
    assert (await api.get("/apps")).status == 500
    fake.faults.clear()
    assert (await api.get("/account")).status == 200


async def test_faults_apply_after_authentication(fake: FakeSimpleMDM) -> None:
    fake.faults.add(ServerError(500))
    async with aiohttp.ClientSession() as session:
        assert (await Api(session, fake.url, "bad").get("/account")).status == 401
        assert (await Api(session, fake.url).get("/account")).status == 500
    assert [r.authenticated for r in fake.requests] == [False, True]


async def test_random_faults_are_reproducible_with_a_seed() -> None:
    async def run() -> list[int]:
        async with FakeSimpleMDM(devices=10, api_key=API_KEY) as fake, aiohttp.ClientSession() as s:
            fake.faults.random(
                rate=0.3, faults=[RateLimited(retry_after=0), ServerError(500)], seed=7
            )
            api = Api(s, fake.url)
            return [(await api.get("/account")).status for _ in range(40)]

    first, second = await run(), await run()
    assert first == second
    assert {429, 500, 200} == set(first)


def test_random_rule_validation() -> None:
    faults = Faults()
    with pytest.raises(ValueError, match="at least one"):
        faults.random(0.5, [])
    with pytest.raises(ValueError, match="between 0 and 1"):
        faults.random(2.0, [ServerError()])
    with pytest.raises(ValueError, match="times"):
        faults.add(ServerError(), times=0)


async def test_request_log_records_bodies_and_redacts_auth(api: Api, fake: FakeSimpleMDM) -> None:
    await api.post("/devices/1/lock?pin=123456", data={"message": "hi"})
    form = aiohttp.FormData()
    form.add_field("name", "Hi")
    form.add_field("file", b"#!/bin/sh\necho hi\n", filename="hi.sh", content_type="text/x-sh")
    await api.post("/scripts", data=form)
    await api.put(
        "/devices/1/custom_attribute_values", json={"data": [{"name": "full_name", "value": "A"}]}
    )
    lock, script, bulk = fake.requests.all()
    assert lock.method == "POST"
    assert lock.path == "/api/v1/devices/1/lock"
    assert lock.query == {"pin": "123456"}
    assert lock.query_pairs == (("pin", "123456"),)
    assert lock.form == {"message": "hi"}
    assert lock.content_type == "application/x-www-form-urlencoded"
    assert lock.headers["Authorization"] == "<redacted>"
    assert API_KEY not in repr(lock)
    assert script.form == {"name": "Hi"}
    uploaded = script.files["file"]
    assert (uploaded.filename, uploaded.content_type, uploaded.size) == ("hi.sh", "text/x-sh", 18)
    assert uploaded.sha256 == hashlib.sha256(b"#!/bin/sh\necho hi\n").hexdigest()
    assert bulk.json == {"data": [{"name": "full_name", "value": "A"}]}
    assert bulk.status == 200
    assert fake.requests.count("POST") == 2
    assert len(fake.requests.filter(path="/api/v1/devices/*")) == 2
    assert len(fake.requests) == 3
    fake.requests.clear()
    assert fake.requests.all() == []


async def test_binary_upload_round_trips_through_the_log(api: Api, fake: FakeSimpleMDM) -> None:
    data = bytes(range(256)) * 64
    form = aiohttp.FormData()
    form.add_field("binary", data, filename="App.pkg", content_type="application/octet-stream")
    assert (await api.post("/apps", data=form)).status == 201
    assert fake.requests.last().files["binary"].sha256 == hashlib.sha256(data).hexdigest()


@pytest.mark.anyio
async def test_reply_answers_any_error_status_in_the_vendor_shape(
    fake: FakeSimpleMDM, api: Api
) -> None:
    from mdmkit.testing import Reply as ReplyFault

    fake.faults.add(ReplyFault(401, "token revoked"), route="GET */account")
    answer = await api.get("/account")
    assert answer.status == 401
    assert answer.json == {"errors": [{"title": "token revoked"}]}
    with pytest.raises(ValueError, match="error status"):
        ReplyFault(200)


async def test_throttle_limits_the_account_and_answers_429_with_retry_after(
    api: Api, fake: FakeSimpleMDM, clock: FakeClock
) -> None:
    throttle = fake.faults.throttle(2.0, burst=2)
    statuses = [(await api.get("/account")).status for _ in range(3)]
    assert statuses == [200, 200, 429]
    refused = await api.get("/account")
    assert refused.headers["Retry-After"] == "1"  # whole seconds, at least 1
    assert refused.json == {"errors": [{"title": "rate limit exceeded"}]}
    clock.advance(0.5)  # refills one request
    assert [(await api.get("/account")).status for _ in range(2)] == [200, 429]
    assert (throttle.passed, throttle.hits) == (3, 3)
    assert [r.fault for r in fake.requests][-2:] == [None, "RateLimited"]
    fake.faults.clear()
    assert (await api.get("/account")).status == 200


async def test_throttle_retry_after_covers_a_slow_refill(api: Api, fake: FakeSimpleMDM) -> None:
    fake.faults.throttle(0.25, burst=1)  # one request every four seconds
    assert (await api.get("/account")).status == 200
    assert (await api.get("/account")).headers["Retry-After"] == "4"


async def test_fake_simplemdm_takes_a_rate_limit_at_construction(clock: FakeClock) -> None:
    async with (
        FakeSimpleMDM(devices=1, api_key=API_KEY, clock=clock, requests_per_second=1) as fake,
        aiohttp.ClientSession() as session,
    ):
        api = Api(session, fake.url)
        assert [(await api.get("/account")).status for _ in range(2)] == [200, 429]
        assert fake.throttle is not None
        assert fake.throttle.hits == 1


@pytest.mark.parametrize(("rate", "burst"), [(0.0, 1), (-1.0, 1), (float("inf"), 1), (1.0, 0)])
def test_throttle_validation(rate: float, burst: int) -> None:
    with pytest.raises(ValueError, match="throttle"):
        Faults().throttle(rate, burst=burst)


def test_a_throttle_shows_in_the_rules_json() -> None:
    faults = Faults()
    faults.throttle(20, route="GET */account")
    assert [rule_spec(rule) for rule in faults.rules] == [
        {
            "route": "GET */account",
            "throttle": {"per_second": 20, "burst": 20},
            "passed": 0,
            "hits": 0,
        }
    ]
