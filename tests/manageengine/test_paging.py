"""ManageEngine paging: where ``paging.next`` may lead, list bodies, error codes, page sizes.

``NextLinks.resolve`` is tested table by table; the rest against the fake, whose links can be
absolute, relative or on the origin a server behind a proxy sees.
"""

from __future__ import annotations

import json

import pytest

from mdmkit.core.errors import (
    ConfigurationError,
    InvalidRequestError,
    NotFoundError,
    PaginationError,
    ResponseFormatError,
    ValidationError,
)
from mdmkit.http.response import Response
from mdmkit.manageengine import ManageEngineClient
from mdmkit.manageengine.envelope import parse_error, read_collection
from mdmkit.manageengine.paging import NextLinks
from mdmkit.manageengine.resources._base import MAX_PAGE_SIZE
from mdmkit.testing import FakeClock, FakeManageEngine, Malformed
from tests.manageengine.conftest import client_for

pytestmark = pytest.mark.anyio

BASE = "https://mdm.corp.example"
PAGE = f"{BASE}/api/v1/mdm/devices?limit=200&offset=0"
LINKS = NextLinks.of(BASE, ["http://mdm-internal:9020"])


@pytest.mark.parametrize(
    ("link", "resolved"),
    [
        (f"{BASE}/api/v1/mdm/devices?offset=200", f"{BASE}/api/v1/mdm/devices?offset=200"),
        ("https://MDM.corp.example:443/x?y=1", "https://MDM.corp.example:443/x?y=1"),
        ("/api/v1/mdm/devices?skip-token=YWJj", f"{BASE}/api/v1/mdm/devices?skip-token=YWJj"),
        ("?skip-token=YWJj", f"{BASE}/api/v1/mdm/devices?skip-token=YWJj"),
        ("devices?skip-token=YWJj", f"{BASE}/api/v1/mdm/devices?skip-token=YWJj"),
        ("http://mdm-internal:9020/api/v1/mdm/devices?o=2", f"{BASE}/api/v1/mdm/devices?o=2"),
        ("HTTP://MDM-INTERNAL:9020/api?o=2", f"{BASE}/api?o=2"),
    ],
)
def test_links_resolve_onto_the_configured_base(link: str, resolved: str) -> None:
    assert LINKS.resolve(link, PAGE) == resolved


@pytest.mark.parametrize(
    "link",
    [
        "https://evil.example/api/v1/mdm/devices",
        "http://mdm.corp.example/api/v1/mdm/devices",  # the scheme is part of the origin
        "https://mdm.corp.example:8443/api",
        "//evil.example/api",
        "http://mdm-internal:9021/api",
        "http://127.0.0.1:abc/",
        "http://127.0.0.1:99999/",
        "http://evil.example\\@127.0.0.1/",
        "http://user:pass@mdm.corp.example/api",
        "https://token@mdm.corp.example/api",
        "http://[::1/",
        "http:/api",
        "javascript:alert(1)",
        "ftp://mdm.corp.example/api",
        "/api/v1/mdm/devices?x=1 2",
        "/api/v1/mdm/devices\r\nX-Injected: 1",
        "/api/v1/mdm/devicës",
        "",
    ],
)
def test_links_elsewhere_or_malformed_are_pagination_errors(link: str) -> None:
    with pytest.raises(PaginationError):
        LINKS.resolve(link, PAGE)


@pytest.mark.parametrize(
    ("link", "why"),
    [
        ("https://mdm.corp.example:abc/api", "port"),
        ("https://token@mdm.corp.example/api", "user name or password"),
        ("https://evil.example\\@mdm.corp.example/api", "backslash"),
        ("https://[::1/api", "IPv6"),
    ],
)
def test_a_malformed_link_on_the_base_host_says_what_is_wrong(link: str, why: str) -> None:
    with pytest.raises(PaginationError, match=why):
        LINKS.resolve(link, PAGE)


def test_a_relative_link_from_a_page_elsewhere_is_refused() -> None:
    with pytest.raises(PaginationError, match="another origin"):
        LINKS.resolve("devices?offset=2", "https://evil.example/api/v1/mdm/devices")


def test_one_alias_may_be_given_as_a_string() -> None:
    links = NextLinks.of(BASE, "http://inner:81")
    assert links.resolve("http://inner:81/api?x=1", PAGE) == f"{BASE}/api?x=1"


@pytest.mark.parametrize("alias", ["not a url", "http://", "http://h:abc", "ftp://h", "http://u@h"])
def test_an_alias_that_is_not_an_origin_is_a_configuration_error(alias: str) -> None:
    with pytest.raises(ConfigurationError, match="server_aliases"):
        NextLinks.of(BASE, [alias])


def answer(payload: object, status: int = 200) -> Response:
    return Response(
        status=status, headers={}, body=json.dumps(payload).encode(), method="GET", url=PAGE
    )


@pytest.mark.parametrize(
    "payload",
    [
        {"error_code": "COM0004", "error_description": "Internal error"},
        {"error_code": 1002, "error_description": "Unknown ID"},
        {"errorCode": "500", "errorMsg": "failed"},
        {"status": "failure"},
        {"apps": []},  # another list than the one asked for
    ],
)
def test_a_list_answer_without_its_list_is_a_format_error(payload: object) -> None:
    with pytest.raises(ResponseFormatError, match="expected a list under 'devices'"):
        read_collection(answer(payload), "devices")


def test_a_list_answer_with_only_paging_data_is_an_empty_page() -> None:
    page = read_collection(answer({"metadata": {"total_record_count": 0}}), "devices")
    assert (page.items, page.next_url, page.total) == ([], None, 0)


@pytest.mark.parametrize("link", [5, {"href": "/x"}, ["/x"], True])
def test_a_next_link_that_is_not_text_is_a_pagination_error(link: object) -> None:
    with pytest.raises(PaginationError):
        read_collection(answer({"devices": [], "paging": {"next": link}}), "devices")


@pytest.mark.parametrize(
    ("body", "message", "code"),
    [
        ({"error_code": 1002, "error_description": "Unknown ID"}, "Unknown ID", "1002"),
        ({"error_code": 0, "error_description": "zero"}, "zero", "0"),
        ({"error_code": "COM0008", "error_description": "gone"}, "gone", "COM0008"),
        ({"errorCode": 500, "errorMsg": "failed"}, "failed", "500"),
        ({"error_code": True, "error_description": "x"}, "x", None),
        ({"error_code": {"a": 1}, "error_description": ["x"]}, '{"error_code"', None),
        ({"error_code": 1.5, "error_description": "x"}, "x", None),
        ({"error_code": "COM0014", "error_description": 7}, "HTTP 400", "COM0014"),
    ],
)
def test_error_codes_parse_as_text(body: object, message: str, code: str | None) -> None:
    detail = parse_error(400, {}, json.dumps(body).encode())
    assert detail.message.startswith(message)
    assert detail.code == code


def test_a_deeply_nested_error_body_is_read_as_text() -> None:
    detail = parse_error(500, {}, b"[" * 5000)
    assert detail.message.startswith("[[[")


async def test_numeric_error_codes_from_the_server(clock: FakeClock) -> None:
    async with (
        FakeManageEngine(devices=5, clock=clock, numeric_error_codes=True) as fake,
        client_for(fake, clock) as me,
    ):
        with pytest.raises(ValidationError) as info:
            await me.devices.get(108870000001999999)
    assert (info.value.status, info.value.code, info.value.message) == (400, "1002", "Unknown ID")


async def test_a_200_error_body_on_a_list_is_not_an_empty_list(
    fake: FakeManageEngine, me: ManageEngineClient
) -> None:
    body = b'{"error_code":"COM0004","error_description":"Internal error"}'
    fake.faults.add(Malformed(body=body), route="GET */devices")
    with pytest.raises(ResponseFormatError, match="COM0004 Internal error"):
        await me.devices.list().collect()


@pytest.mark.parametrize("style", ["absolute", "relative"])
async def test_every_page_is_read_whatever_the_link_style(clock: FakeClock, style: str) -> None:
    async with (
        FakeManageEngine(devices=130, clock=clock, next_links=style) as fake,  # type: ignore[arg-type]
        client_for(fake, clock) as me,
    ):
        devices = await me.devices.list(limit=50).collect()
        users = await me.users.list(limit=7).collect()  # skip-token paging
        assert [d.device_id for d in devices] == list(fake.state.devices)
        assert [u.user_id for u in users] == list(fake.state.users)
        assert fake.requests.count(path="*/devices") == 3


async def test_a_proxy_s_inner_origin_is_not_followed_unless_declared(clock: FakeClock) -> None:
    inner = "http://mdm-internal.example:9020"
    async with FakeManageEngine(devices=130, clock=clock, next_links="proxy") as fake:
        async with client_for(fake, clock) as me:
            pages = me.devices.list(limit=50).pages()
            first = await anext(pages)
            with pytest.raises(PaginationError, match="server_aliases"):
                await anext(pages)
            assert len(first.items) == 50  # the first page came through before the refusal
            assert fake.requests.count(path="*/devices") == 1  # nothing sent for the link
        async with client_for(fake, clock, server_aliases=[inner]) as me:
            devices = await me.devices.list(limit=50).collect()
            assert len(devices) == 130
            assert fake.requests.count(path="*/devices") == 4


async def test_a_page_size_above_200_is_clamped_by_the_fake(clock: FakeClock) -> None:
    async with (
        FakeManageEngine(devices=250, clock=clock) as fake,
        client_for(fake, clock) as me,
    ):
        reply = await me.request("GET", "/api/v1/mdm/devices", params={"limit": 1000})
        body = reply.json()
        assert len(body["devices"]) == 200
        assert body["paging"]["next"].endswith("limit=200&offset=200")
        assert len(await me.devices.list().collect()) == 250  # two full pages of 200
        assert fake.requests.count(path="*/devices") == 1 + 2
        with pytest.raises(InvalidRequestError, match="limit"):
            me.devices.list(limit=MAX_PAGE_SIZE + 1)  # refused before anything is sent
        assert fake.requests.count(path="*/devices") == 3


async def test_an_unknown_device_is_still_a_404_by_default(
    fake: FakeManageEngine, me: ManageEngineClient
) -> None:
    with pytest.raises(NotFoundError) as info:
        await me.devices.get(108870000001999999)
    assert info.value.code == "COM0008"
