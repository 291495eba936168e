"""ManageEngine error bodies and models, from the quirks the research recorded."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from mdmkit.core.errors import ResponseFormatError
from mdmkit.http.convert import structure_model
from mdmkit.http.response import Response
from mdmkit.manageengine.envelope import parse_error, read_collection
from mdmkit.manageengine.models import App, Device, Group, imei_list, make_converter, platform_code
from mdmkit.manageengine.paging import next_offset as _next_offset
from mdmkit.manageengine.resources.actions import action_name
from mdmkit.manageengine.resources.devices import DEVICE_TYPES, PLATFORMS, _choices
from mdmkit.manageengine.resources.files import status_name

converter = make_converter()


def test_mdm_error_body() -> None:
    body = json.dumps(
        {
            "error_code": "COM0014",
            "error_description": "limit is invalid",
            "localized_error_description": "x",
        }
    ).encode()
    detail = parse_error(400, {}, body)
    assert (detail.code, detail.message, detail.scope) == ("COM0014", "limit is invalid", None)


def test_emsapi_error_body() -> None:
    detail = parse_error(406, {}, b'{"errorCode":"406","errorMsg":"Not Acceptable"}')
    assert (detail.code, detail.message) == ("406", "Not Acceptable")


def test_a_403_names_the_missing_scope_family() -> None:
    body = json.dumps(
        {
            "error_code": "COM0013",
            "error_description": "Insufficient scope: MDMOnDemand.MDMInventory.READ is required",
        }
    ).encode()
    detail = parse_error(403, {}, body)
    assert detail.scope == "MDMOnDemand.MDMInventory.READ"
    assert "scope family MDMOnDemand.MDMInventory" in detail.message
    assert parse_error(401, {}, body).scope is None


@pytest.mark.parametrize(("body", "message"), [(b"", "HTTP 500"), (b"<html>", "<html>")])
def test_unknown_error_bodies(body: bytes, message: str) -> None:
    assert parse_error(500, {}, body).message == message


def response(data: Any) -> Response:
    return Response(status=200, headers={}, body=json.dumps(data).encode(), method="GET", url="/x")


def test_collection_reads_items_next_and_total() -> None:
    page = read_collection(
        response(
            {
                "devices": [{"device_id": 1}],
                "metadata": {"total_record_count": "120"},
                "paging": {"next": "https://mdm.manageengine.com/api/v1/mdm/devices?offset=50"},
            }
        ),
        "devices",
    )
    assert page.items == [{"device_id": 1}]
    assert page.total == 120
    assert page.next_url is not None
    empty = read_collection(response({"metadata": {"total_record_count": "?"}}), "devices")
    assert (empty.items, empty.total, empty.next_url) == ([], None, None)
    with pytest.raises(ResponseFormatError, match="list under 'devices'"):
        read_collection(response({"devices": {}}), "devices")
    with pytest.raises(ResponseFormatError, match="JSON object"):
        read_collection(response([1]), "devices")


def test_next_offset_fallback() -> None:
    url = "/api/v1/mdm/devices?limit=50&offset=0"
    assert _next_offset(url, 50, 120) == "/api/v1/mdm/devices?limit=50&offset=50"
    assert _next_offset("/d?limit=50&offset=100", 20, 120) is None
    assert _next_offset(url, 50, None) is None
    assert _next_offset(url, 0, 120) is None
    assert _next_offset("/d?skip-token=abc", 50, 120) is None


def test_device_quirks() -> None:
    raw = json.loads(
        """{"device_id": 1234567890123456789, "is_removed": "false", "imei": ["35 1", "35 2"],
        "owned_by": "1", "platform_type": "ios", "platform_type_id": 1,
        "summary": {"app_count": "12", "group_count": ""},
        "user": {"user_id": "9007199254740993", "user_email": "a@example.com"},
        "last_contact_time": 1700000000000, "brand_new": true}"""
    )
    device = structure_model(converter, raw, Device)
    assert device.device_id == 1234567890123456789  # exact: never through float
    assert device.is_removed is False
    assert device.imei == ("35 1", "35 2")
    assert device.owned_by == 1
    assert device.summary is not None
    assert (device.summary.app_count, device.summary.group_count) == (12, None)
    assert device.user is not None
    assert device.user.user_id == 9007199254740993
    assert device.last_contact_time == datetime.fromtimestamp(1_700_000_000, tz=UTC)
    assert device.raw["brand_new"] is True


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, ()), ("", ()), ("351", ("351",)), (351, ("351",)), (["1", None, "2"], ("1", "2"))],
)
def test_imei_list(value: object, expected: tuple[str, ...]) -> None:
    assert imei_list(value) == expected


def test_imei_list_refuses_objects() -> None:
    with pytest.raises(ValueError, match="IMEI"):
        imei_list({"a": 1})


@pytest.mark.parametrize(
    ("value", "expected"),
    [(1, 1), ("2", 2), ("iOS", 1), ("android", 2), ("Windows", 3), (None, None), ("", None)],
)
def test_platform_code(value: object, expected: int | None) -> None:
    assert platform_code(value) == expected


def test_app_from_the_reference_example() -> None:
    example = {
        "app_id": 99731238129,
        "app_name": "ME MDM",
        "app_category": "Education",
        "app_type": 2,
        "bundle_identifier": "com.manageengine.mdm.iosagent",
        "version": "1.1.1",
        "platform_type": 2,
        "description": "The is an enterprise app",
        "icon": "https://mdm.manageengine.eu/mdm-logo.png",
        "store_url": "https://www.zylker.com/app/manageengine-mdm/id720111835?mt=8",
        "is_app_paid": False,
        "country_code": "US",
        "store_id": "720111835",
        "added_time": 192031023091,
        "modified_time": 192831120931,
        "release_labels": [
            {
                "release_label_type": 1,
                "release_label_name": "Stable",
                "release_label_id": 12345,
                "app_version": "12.3.45",
            }
        ],
    }
    app = structure_model(converter, example, App)
    assert app.app_id == 99731238129
    assert app.release_labels[0].release_label_name == "Stable"
    assert app.added_time is not None
    assert app.added_time.tzinfo is not None


def test_group_types_as_strings() -> None:
    group = structure_model(converter, {"group_id": "123", "group_type": "6", "name": "g"}, Group)
    assert (group.group_id, group.group_type) == (123, 6)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1, "pending"),
        ("2", "completed"),
        (3, "failed"),
        ("completed", "completed"),
        ("SUCCESS", "completed"),
        (None, "pending"),
        ("weird", "weird"),
    ],
)
def test_file_status_names(value: object, expected: str) -> None:
    assert status_name(value) == expected


def test_action_names_and_filters() -> None:
    assert action_name("enable_lost_mode") == "enable_lost_mode"
    for bad in ("lock/../wipe", "Lock", "", "a b", 3):
        with pytest.raises(ValueError, match="action name"):
            action_name(bad)
    assert _choices(["ios", "ANDROID"], PLATFORMS, "platform") == "iOS,Android"
    assert _choices("tv", DEVICE_TYPES, "device_type") == "Tv"
    assert _choices(None, PLATFORMS, "platform") is None
    with pytest.raises(ValueError, match="platform must be among iOS, Android, Windows"):
        _choices("macos", PLATFORMS, "platform")
