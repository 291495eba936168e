"""SimpleMDM envelopes: the recorded real responses parse, relationships become ids."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import attrs
import pytest

from mdmkit.core.errors import ResponseFormatError
from mdmkit.http.convert import make_converter
from mdmkit.http.response import Response
from mdmkit.simplemdm.envelope import flatten, parse_error, read_list, read_one
from mdmkit.simplemdm.models import Account, Device, DeviceUser, Enrollment, ScriptJob

FIXTURES = Path(__file__).parent / "fixtures"
converter = make_converter()


def recorded(name: str) -> Response:
    record = json.loads((FIXTURES / name).read_text())
    return Response(
        status=record["status"],
        headers=record["headers"],
        body=json.dumps(record["body"]).encode(),
        method=record["request"]["method"],
        url=record["request"]["path"],
    )


def body(data: Any) -> Response:
    return Response(status=200, headers={}, body=json.dumps(data).encode(), method="GET", url="/")


def test_recorded_account_parses() -> None:
    account = read_one(recorded("account.json"), Account, converter)
    assert account.name == "JupiterOne, Inc."
    assert account.apple_store_country_code == "US"
    assert account.subscription is None


def test_recorded_device_list_parses_every_attribute() -> None:
    response = recorded("devices.json")
    devices, has_more, last = read_list(response, Device, converter)
    assert (len(devices), has_more, last) == (1, False, "872292")
    device = devices[0]
    assert device.id == 872292
    assert device.last_seen_at == datetime(2022, 6, 21, 21, 9, 52, tzinfo=UTC)
    assert device.model_name == "MacBook Air (Retina, 13-inch, 2020)"
    assert device.enrollment_channels == ("device", "user")
    assert device.ethernet_macs == ("f4:81:64:46:0d:1b",)
    assert device.device_capacity == 250.0
    assert device.firewall is not None
    assert device.firewall.enabled is True
    assert device.os_update is not None
    assert device.os_update.previous_scan_result == "2"
    assert device.device_group_id == 106751
    # every recorded attribute is a field of the model, and the raw record is kept
    attributes = json.loads(response.body)["data"][0]["attributes"]
    fields = {f.name for f in attrs.fields(Device)}
    assert set(attributes) <= fields
    assert device.raw["attributes"] == attributes


def test_recorded_device_users_parse() -> None:
    users, _, _ = read_list(recorded("devices_ID_users.json"), DeviceUser, converter)
    assert users[0].username == "userone"
    assert users[0].uid == 501
    assert users[0].secure_token is True


def test_flatten_turns_relationships_into_ids() -> None:
    flat = flatten(
        {
            "type": "assignment_group",
            "id": 26,
            "attributes": {"name": "SimpleMDM", "type": "static"},
            "relationships": {
                "apps": {"data": [{"type": "app", "id": 49}]},
                "device_groups": {"data": []},
                "device_group": {"data": None},
                "custom_attribute_values": {
                    "data": [
                        {"type": "custom_attribute_value", "id": "x", "attributes": {"value": "1"}}
                    ]
                },
            },
        }
    )
    assert flat["id"] == 26
    assert flat["resource_type"] == "assignment_group"
    assert flat["type"] == "static"  # an attribute named type is not clobbered
    assert flat["app_ids"] == [49]
    assert flat["device_group_ids"] == []
    assert flat["device_group_id"] is None
    assert flat["custom_attribute_values"] == {"x": "1"}


def test_script_job_devices_carry_their_status() -> None:
    job = read_one(
        body(
            {
                "data": {
                    "type": "script_job",
                    "id": 331,
                    "attributes": {
                        "status": "pending",
                        "created_at": "2022-05-31T11:56:05.043-07:00",
                    },
                    "relationships": {
                        "device": {
                            "data": [
                                {
                                    "type": "device",
                                    "id": 28,
                                    "status": "completed",
                                    "status_code": "0",
                                    "response": "Hello!\n",
                                }
                            ]
                        },
                        "custom_attribute": {
                            "data": {"type": "custom_attribute", "id": "greeting"}
                        },
                    },
                }
            }
        ),
        ScriptJob,
        converter,
    )
    assert job.devices[0].response == "Hello!\n"
    assert job.devices[0].status == "completed"
    assert job.custom_attribute_id == "greeting"


def test_bare_resource_object_is_accepted() -> None:
    # The reference shows GET /enrollments/{id} without the "data" wrapper.
    enrollment = read_one(
        body({"type": "enrollment", "id": 2, "attributes": {"url": None, "welcome_screen": True}}),
        Enrollment,
        converter,
    )
    assert enrollment.id == 2
    assert enrollment.url is None


@pytest.mark.parametrize(
    "data",
    [{"data": [], "has_more": "yes"}, {"data": {}, "has_more": False}, [], {"has_more": False}],
)
def test_wrong_list_envelopes_raise(data: Any) -> None:
    with pytest.raises(ResponseFormatError, match="list envelope"):
        read_list(body(data), Device, converter)


def test_wrong_one_envelopes_raise() -> None:
    with pytest.raises(ResponseFormatError):
        read_one(body({"data": [1]}), Device, converter)
    with pytest.raises(ResponseFormatError, match="Device does not match"):
        read_one(body({"data": {"id": "abc", "attributes": {}}}), Device, converter)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b'{"errors":[{"title":"object not found"}]}', "object not found"),
        (b'{"errors":[{"title":"a"},{"title":"b"}]}', "a; b"),
        (b"Internal Server Error", "Internal Server Error"),
        (b"", "HTTP 502"),
        (b'{"errors": []}', '{"errors": []}'),
    ],
)
def test_parse_error(raw: bytes, message: str) -> None:
    assert parse_error(502, {}, raw).message == message


def rel(data: Any) -> dict[str, Any]:
    return {"type": "device", "id": 1, "relationships": {"device_group": data}}


def values(entry: Any) -> dict[str, Any]:
    return {"id": 1, "relationships": {"custom_attribute_values": {"data": [entry]}}}


DEEP = b"[" * 5000 + b"]" * 5000


@pytest.mark.parametrize(
    ("resource", "message"),
    [
        ({"id": 1, "attributes": 1}, "'attributes' of a resource"),
        ({"id": 1, "type": "device", "attributes": "abc"}, "'attributes' of a device"),
        ({"id": 1, "attributes": [["name", "pairs"]]}, "'attributes'"),  # not read as a dict
        ({"id": 1, "attributes": True}, "'attributes'"),
        ({"id": 1, "relationships": "abc"}, "'relationships'"),
        ({"id": 1, "relationships": [1]}, "'relationships'"),
        (rel(5), "relationship 'device_group' \\(an object"),
        (rel({"data": "abc"}), "data of relationship 'device_group'"),
        (rel({"data": 7}), "data of relationship 'device_group'"),
        (rel({"data": [1, 2]}), "an entry of relationship 'device_group'"),
        (rel({"data": [{"type": "device_group"}]}), "an entry of relationship 'device_group'"),
        (values({"id": "x", "attributes": "abc"}), "attributes of a custom attribute value"),
        (values({"id": "x", "attributes": 1}), "attributes of a custom attribute value"),
        (values({"id": 5}), "custom_attribute_values entry"),
        (values("x"), "an entry of relationship 'custom_attribute_values'"),
    ],
)  # fmt: skip
def test_hostile_resource_objects_are_response_format_errors(
    resource: dict[str, Any], message: str
) -> None:
    with pytest.raises(ResponseFormatError, match=message):
        flatten(resource)
    with pytest.raises(ResponseFormatError, match=message):
        read_one(body({"data": resource}), Device, converter)


def test_hostile_script_job_devices_are_response_format_errors() -> None:
    job = {"id": 3, "relationships": {"device": {"data": [{"id": 1, "status": "ok"}, "x"]}}}
    with pytest.raises(ResponseFormatError, match="an entry of relationship 'device'"):
        read_one(body({"data": job}), ScriptJob, converter)
    job["relationships"] = {"device": {"data": [{"id": 1, "status": {"not": "text"}}]}}
    with pytest.raises(ResponseFormatError, match="ScriptJob does not match"):
        read_one(body({"data": job}), ScriptJob, converter)


def test_null_attributes_and_relationships_read_as_empty() -> None:
    flat = flatten({"id": 4, "attributes": None, "relationships": None})
    assert flat == {"id": 4}
    user = read_one(body({"data": {"id": 4, "attributes": None}}), DeviceUser, converter)
    assert (user.id, user.username) == (4, None)


def test_an_error_body_nested_too_deep_is_its_excerpt() -> None:
    detail = parse_error(500, {}, DEEP)
    assert detail.message.startswith("[[[[")
    assert len(detail.message) < 300
