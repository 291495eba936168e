"""Hostile ids, URLs and file names are typed errors before anything reaches the server.

Each case once failed untyped (UnicodeEncodeError from quoting, aiohttp's ValueError for a
header, ValueError from urlsplit); here they go through real clients to the fakes, and the
fakes' request logs show that nothing was sent.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable

import pytest

from mdmkit import ManageEngine, SimpleMDM
from mdmkit.core.errors import ConfigurationError, InvalidRequestError, PaginationError
from mdmkit.manageengine import ManageEngineClient
from mdmkit.simplemdm import SimpleMDMClient
from mdmkit.testing import FakeManageEngine, FakeSimpleMDM, Malformed

pytest_plugins = ["mdmkit.testing.pytest_plugin"]
pytestmark = pytest.mark.anyio

HOSTILE_IDS = ["1\ud800", "1\r\n", "1\x00", "\u0661\u0662\u0663", " 121", "1/wipe", "a\u2028b"]
HOSTILE_NAMES = ["App\r\n.ipa", "App\n.ipa", "App\x00.ipa", "App\x1b[2J.ipa", "App\ud800.ipa"]


@pytest.mark.parametrize("device_id", HOSTILE_IDS)
async def test_a_hostile_id_never_reaches_simplemdm(
    fake_simplemdm: FakeSimpleMDM, simplemdm_client: SimpleMDMClient, device_id: str
) -> None:
    with pytest.raises(InvalidRequestError) as info:
        await simplemdm_client.devices.get(device_id)
    assert info.value.field == "device_id"
    assert len(fake_simplemdm.requests) == 0


@pytest.mark.parametrize("device_id", HOSTILE_IDS)
async def test_a_hostile_id_never_reaches_manageengine(
    fake_manageengine: FakeManageEngine, manageengine_client: ManageEngineClient, device_id: str
) -> None:
    with pytest.raises(InvalidRequestError):
        await manageengine_client.devices.get(device_id)
    assert len(fake_manageengine.requests) == 0


@pytest.mark.parametrize("filename", HOSTILE_NAMES)
async def test_a_hostile_file_name_is_refused_before_an_upload(
    fake_simplemdm: FakeSimpleMDM, simplemdm_client: SimpleMDMClient, filename: str
) -> None:
    with pytest.raises(InvalidRequestError) as info:
        await simplemdm_client.apps.create(binary=b"PK\x03\x04", filename=filename)
    assert info.value.field == "filename"
    assert len(fake_simplemdm.requests) == 0


@pytest.mark.parametrize("strategy", ["emsapi", "legacy"])
async def test_a_hostile_file_name_is_refused_before_either_manageengine_upload(
    fake_manageengine: FakeManageEngine, manageengine_client: ManageEngineClient, strategy: str
) -> None:
    for filename in HOSTILE_NAMES:
        with pytest.raises(InvalidRequestError):
            await manageengine_client.files.upload(
                b"PK\x03\x04",
                filename=filename,
                strategy=strategy,  # type: ignore[arg-type]
            )
    assert len(fake_manageengine.requests) == 0


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:abc/",
        "http://evil.example\\@127.0.0.1/",
        "http://[::1/",
        "http://user:secret@127.0.0.1/",
        "http://127.0.0.1:99999/",
        "http://127.0.0.1/\r\nX-Injected: 1",
        "https://evil.example/api/v1/devices",
    ],
)
async def test_the_escape_hatch_refuses_malformed_or_foreign_urls(
    fake_simplemdm: FakeSimpleMDM, simplemdm_client: SimpleMDMClient, url: str
) -> None:
    with pytest.raises(InvalidRequestError, match="another origin") as info:
        await simplemdm_client.request("GET", url)
    assert "secret" not in str(info.value)
    assert len(fake_simplemdm.requests) == 0


@pytest.mark.parametrize("path", ["/devices\r\n", "/devices 1", "/devices/\u00e9", "/a\ud800"])
async def test_the_escape_hatch_refuses_unencoded_paths(
    fake_simplemdm: FakeSimpleMDM, simplemdm_client: SimpleMDMClient, path: str
) -> None:
    with pytest.raises(InvalidRequestError, match="percent-encode"):
        await simplemdm_client.request("GET", path)
    assert len(fake_simplemdm.requests) == 0


async def test_the_escape_hatch_refuses_a_path_with_a_backslash(
    fake_simplemdm: FakeSimpleMDM, simplemdm_client: SimpleMDMClient
) -> None:
    """A server may read ``\\`` as ``/``; the engine's own origin check refuses it as well."""
    with pytest.raises(InvalidRequestError, match="holds a backslash"):
        await simplemdm_client.request("GET", "/devices\\..\\account")
    assert len(fake_simplemdm.requests) == 0


BAD_BASE_URLS = [
    "https://user:secret@a.simplemdm.com/api/v1",
    "https://a.simplemdm.com:99999/api/v1",
    "https://a.simplemdm.com:abc/api/v1",
    "https://[::1/api/v1",
    "https://[zz::1]/api/v1",
    "https://a.simplemdm.com/api/v1\r\n",
    "https://a.simplemdm .com/api/v1",
    "https://a.simplemdm.com\\@evil.example/api/v1",
    "https://a.simplemdm.com/api/v1?x=1",
]


@pytest.mark.parametrize("url", BAD_BASE_URLS)
async def test_a_bad_base_url_is_a_configuration_error_at_construction(url: str) -> None:
    with pytest.raises(ConfigurationError) as info:
        SimpleMDM(api_key="k", base_url=url)
    assert "secret" not in str(info.value)
    with pytest.raises(ConfigurationError):
        SimpleMDMClient("k", base_url=url)


@pytest.mark.parametrize("url", BAD_BASE_URLS)
async def test_bad_manageengine_urls_are_configuration_errors(url: str) -> None:
    root = url.removesuffix("/api/v1")
    with pytest.raises(ConfigurationError):
        ManageEngine(client_id="c", client_secret="s", refresh_token="r", base_url=root)
    with pytest.raises(ConfigurationError):
        ManageEngine(client_id="c", client_secret="s", refresh_token="r", accounts_url=root)
    with pytest.raises(ConfigurationError):
        ManageEngine.on_premises(root, api_key="k")


@pytest.mark.parametrize(
    "link",
    [
        "http://127.0.0.1:abc/api/v1/mdm/devices?skip-token=x",
        "http://evil.example\\@{host}/api/v1/mdm/devices",
        "http://user:pw@{host}/api/v1/mdm/devices",
        "http://[::1/api/v1/mdm/devices",
        "http://127.0.0.1:99999/api/v1/mdm/devices",
        "http://{host}/api/v1/mdm/devices?x=\r\nX-Injected:%201",
    ],
)
async def test_a_malformed_paging_link_is_a_pagination_error_and_not_followed(
    fake_manageengine: FakeManageEngine, manageengine_client: ManageEngineClient, link: str
) -> None:
    host = fake_manageengine.base_url.split("//", 1)[1].rstrip("/")
    page = {"devices": [{"device_id": 1}], "paging": {"next": link.format(host=host)}}
    fake_manageengine.faults.add(Malformed(body=json.dumps(page).encode()), route="GET */devices")
    with pytest.raises(PaginationError):
        await manageengine_client.devices.list().collect()
    assert fake_manageengine.requests.count(path="/api/v1/mdm/devices") == 1


async def test_text_utf8_cannot_encode_is_refused_in_a_form_and_a_multipart_body(
    fake_simplemdm: FakeSimpleMDM, simplemdm_client: SimpleMDMClient
) -> None:
    device = next(iter(fake_simplemdm.state.devices))
    calls: dict[str, Callable[[], Awaitable[object]]] = {
        "message": lambda: simplemdm_client.devices.lock(device, message="Lost \ud800"),
        "name": lambda: simplemdm_client.apps.create(binary=b"PK", filename="A.ipa", name="\udc00"),
        "note": lambda: simplemdm_client.request("POST", "/devices", form=[("note", "a\ud83d")]),
    }
    for field, call in calls.items():
        with pytest.raises(InvalidRequestError) as info:
            await call()
        assert info.value.field == field
        assert "lone surrogate" in str(info.value)
    assert len(fake_simplemdm.requests) == 0


@pytest.mark.parametrize("body", [{"x": float("nan")}, {"x": float("inf")}, {1, 2}, object()])
async def test_a_json_body_json_cannot_hold_is_refused(
    fake_manageengine: FakeManageEngine, manageengine_client: ManageEngineClient, body: object
) -> None:
    with pytest.raises(InvalidRequestError) as info:
        await manageengine_client.request("POST", "/api/v1/mdm/groups", json=body)
    assert info.value.field == "json"
    assert len(fake_manageengine.requests) == 0


@pytest.mark.parametrize(
    "bodies",
    [
        {"json": {"name": "x"}, "form": {"name": "x"}},
        {"json": None, "form": []},  # null is a JSON body; an empty form is a form given
        {"json": {}, "multipart": [("name", "x")]},
        {"form": {"name": "x"}, "multipart": [("name", "x")]},
    ],
)
async def test_two_bodies_in_one_request_are_refused(
    fake_simplemdm: FakeSimpleMDM, simplemdm_client: SimpleMDMClient, bodies: dict[str, object]
) -> None:
    # the escape hatch once kept the JSON and dropped the form without a word
    with pytest.raises(InvalidRequestError, match="at most one of form, json, multipart"):
        await simplemdm_client.request("POST", "/devices", **bodies)  # type: ignore[arg-type]
    assert len(fake_simplemdm.requests) == 0
