"""Every SimpleMDM parser, fed arbitrary JSON-ish input, yields its result or an MDMError.

Hypothesis builds bodies of the documented shape with hostile values in every place (attribute
names each model really has, relationships SimpleMDM sends, wrong types, NaN, huge numbers,
deep nesting), plus plain garbage. Nothing may escape as TypeError, KeyError, OverflowError or
anything else untyped: a user's ``except MDMError`` must be enough.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from mdmkit.core.errors import MDMError
from mdmkit.core.models import App, AppAssignment, Device, Group
from mdmkit.http.convert import make_converter
from mdmkit.http.response import ErrorDetail, Response
from mdmkit.simplemdm import mapping, models
from mdmkit.simplemdm.envelope import flatten, parse_error, read_list, read_one
from mdmkit.simplemdm.webhooks import EVENT_TYPES, WebhookEvent, parse_webhook

converter = make_converter()
CHECKS = settings(max_examples=75, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Every native model a response carries at its top level (nested ones are reached through them).
MODELS: list[type[Any]] = [
    getattr(models, name)
    for name in models.__all__
    if attrs.has(getattr(models, name)) and "raw" in attrs.fields_dict(getattr(models, name))
]
RELATIONSHIPS = [
    "apps",
    "custom_attribute",
    "custom_attribute_values",
    "device",
    "device_group",
    "device_groups",
    "devices",
    "media",
    "profiles",
]
FIELDS = sorted({f.name for cls in MODELS for f in attrs.fields(cls)} - {"raw"})

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=12)
    | st.sampled_from(["true", "false", "2024-05-01T12:00:00-07:00", "1e999", "", " 12", "NaN"])
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.text(max_size=8) | st.sampled_from(FIELDS), inner, max_size=4)
    ),
    max_leaves=16,
)
linked = st.fixed_dictionaries({"type": st.text(max_size=8), "id": values}) | values
relation = (
    st.fixed_dictionaries({"data": st.none() | linked | st.lists(linked, max_size=4) | values})
    | values
)
resources = st.fixed_dictionaries(
    {},
    optional={
        "type": st.text(max_size=12) | values,
        "id": st.integers(min_value=0, max_value=2**64) | values,
        "attributes": st.dictionaries(st.sampled_from(FIELDS), values, max_size=8) | values,
        "relationships": st.dictionaries(st.sampled_from(RELATIONSHIPS), relation, max_size=4)
        | values,
    },
)


def response(payload: Any) -> Response:
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return Response(status=200, headers={}, body=body, method="GET", url="/x")


def typed(call: Callable[[], Any]) -> Any:
    """The call's result, or None when it raised an MDMError; anything else fails the test."""
    try:
        return call()
    except MDMError:
        return None


envelopes_of_one = (
    st.fixed_dictionaries({"data": resources}) | resources | values | st.binary(max_size=40)
)
envelopes_of_many = (
    st.fixed_dictionaries(
        {"data": st.lists(resources, max_size=3) | values, "has_more": st.booleans() | values}
    )
    | values
    | st.binary(max_size=40)
)


@CHECKS
@given(cls=st.sampled_from(MODELS), payload=envelopes_of_one)
def test_read_one_gives_the_model_or_a_typed_error(cls: type[Any], payload: Any) -> None:
    found = typed(lambda: read_one(response(payload), cls, converter))
    assert found is None or isinstance(found, cls)


@CHECKS
@given(cls=st.sampled_from(MODELS), payload=envelopes_of_many)
def test_read_list_gives_models_or_a_typed_error(cls: type[Any], payload: Any) -> None:
    found = typed(lambda: read_list(response(payload), cls, converter))
    if found is not None:
        items, has_more, last = found
        assert all(isinstance(item, cls) for item in items)
        assert isinstance(has_more, bool)
        assert last is None or isinstance(last, str)


@CHECKS
@given(resource=resources)
def test_flatten_gives_a_flat_mapping_or_a_typed_error(resource: dict[str, Any]) -> None:
    found = typed(lambda: flatten(resource))
    assert found is None or isinstance(found, dict)


@CHECKS
@given(
    status=st.integers(min_value=400, max_value=599),
    payload=st.fixed_dictionaries({"errors": st.lists(values, max_size=3) | values})
    | values
    | st.binary(max_size=60),
)
def test_parse_error_always_gives_a_message(status: int, payload: Any) -> None:
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    detail = parse_error(status, {}, body)
    assert isinstance(detail, ErrorDetail)
    assert isinstance(detail.message, str)
    assert detail.message


webhook_devices = st.dictionaries(
    st.sampled_from(["id", "udid", "serial_number", "device_group_id", "model"]) | st.text(),
    values,
    max_size=5,
)
webhooks = (
    st.fixed_dictionaries(
        {},
        optional={
            "type": st.sampled_from([*EVENT_TYPES, "device.new_thing"]) | values,
            "at": st.sampled_from(["2024-05-01T12:00:00-07:00", 1e300, -1e18])
            | st.floats()
            | st.integers(min_value=-(2**70), max_value=2**70)
            | values,
            "data": st.fixed_dictionaries(
                {},
                optional={
                    "device": webhook_devices | values,
                    "devices": st.lists(webhook_devices | values, max_size=3) | values,
                },
            )
            | values,
        },
    )
    | values
)


@CHECKS
@given(payload=webhooks | st.binary(max_size=60))
def test_parse_webhook_gives_an_event_or_a_typed_error(payload: Any) -> None:
    body = payload if isinstance(payload, bytes) else json.dumps(payload)
    found = typed(lambda: parse_webhook(body))
    assert found is None or isinstance(found, WebhookEvent)


@pytest.mark.parametrize("cls", MODELS, ids=lambda cls: cls.__name__)
def test_every_model_parses_a_minimal_resource(cls: type[Any]) -> None:
    """The suite's models are the real ones: each reads a resource with just an id."""
    named = (models.CustomAttribute, models.CustomAttributeValue, models.Log)  # text ids
    ident: Any = "email_address" if cls in named else 1
    payload: dict[str, Any] = {"data": {"type": "x", "id": ident, "attributes": {}}}
    assert isinstance(read_one(response(payload), cls, converter), cls)


# -- the neutral mapping of whatever the parsers let through ------------------------------------

MAPPED: dict[type[Any], Callable[[Any, mapping.Experience], list[Any]]] = {
    models.Device: lambda m, e: [mapping.to_device(m, source="sm")],
    models.App: lambda m, e: [mapping.to_app(m, source="sm")],
    models.DeviceGroup: lambda m, e: [mapping.to_device_group(m, source="sm")],
    models.AssignmentGroup: lambda m, e: [
        mapping.to_assignment_group(m, e, source="sm"),
        *mapping.assignments_of(m, e, source="sm"),
        mapping.carrier_app_id(m),
    ],
}


def _mostly(documented: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """What SimpleMDM documents for a field 15 times in 16, else any hostile value."""
    return st.integers(0, 15).flatmap(lambda roll: values if roll == 0 else documented)


def _related(kind: str) -> st.SearchStrategy[Any]:
    ids = st.lists(st.integers(min_value=1, max_value=10**6), max_size=3)
    return _mostly(ids.map(lambda found: {"data": [{"type": kind, "id": i} for i in found]}))


TEXT = st.text(max_size=12)
ATTRIBUTES: dict[type[Any], dict[str, st.SearchStrategy[Any]]] = {
    models.Device: {
        "name": TEXT,
        "device_name": TEXT,
        "product_name": st.sampled_from(["iPhone15,2", "iPad13,1", "MacBookPro18,1", "Mac"]),
        "model_name": st.sampled_from(["iPhone 14 Pro", "iPad Pro", "MacBook Pro", "Apple TV"]),
        "status": st.sampled_from(["enrolled", "unenrolled", "awaiting enrollment", "retired"]),
        "serial_number": TEXT,
        "os_version": st.sampled_from(["17.4", "14.5", ""]),
        "last_seen_at": st.sampled_from(["2024-05-01T12:00:00-07:00", "2022-06-21T21:09:52Z"]),
    },
    models.App: {
        "name": TEXT,
        "app_type": st.sampled_from(
            ["app store", "enterprise", "custom b2b", "apple store", "shared", "macos"]
        ),
        "platform_support": st.sampled_from(["iOS", "macOS", "tvOS", "iOS,macOS"]),
        "bundle_identifier": TEXT,
        "version": TEXT,
    },
    models.DeviceGroup: {"name": TEXT},
    models.AssignmentGroup: {
        "name": TEXT,
        "type": st.sampled_from(["standard", "munki", "static", "dynamic"]),
        "group_type": st.sampled_from(["dynamic", "static"]) | st.none(),
        "install_type": st.sampled_from(
            ["managed", "self_serve", "default_installs", "managed_updates"]
        ),
        "auto_deploy": st.booleans() | st.none(),
        "priority": st.integers(min_value=0, max_value=20),
    },
}
RELATED = {
    models.AssignmentGroup: {
        "apps": _related("app"),
        "devices": _related("device"),
        "device_groups": _related("device_group"),
    },
    models.Device: {"device_group": _related("device_group")},
}


@st.composite
def realistic(draw: st.DrawFn) -> tuple[type[Any], Any]:
    """A model with its documented attributes, some of them swapped for hostile values."""
    cls = draw(st.sampled_from(sorted(MAPPED, key=lambda c: c.__name__)))
    fields = {name: _mostly(strategy) for name, strategy in ATTRIBUTES[cls].items()}
    related = RELATED.get(cls, {})
    resource = {
        "type": "x",
        "id": draw(_mostly(st.integers(min_value=1, max_value=10**6))),
        "attributes": draw(st.fixed_dictionaries({}, optional=fields)),
        "relationships": draw(st.fixed_dictionaries({}, optional=related)),
    }
    return cls, {"data": resource}


@settings(CHECKS, max_examples=200)
@given(case=realistic(), experience=st.sampled_from(list(mapping.Experience)))
def test_a_parsed_model_maps_to_the_neutral_one_or_a_typed_error(
    case: tuple[type[Any], Any], experience: mapping.Experience
) -> None:
    """What read_one accepts, the adapter maps: a neutral model, or an MDMError (e.g. an
    app-carrying group asked for as a group of devices), never a TypeError or KeyError."""
    cls, payload = case
    native = typed(lambda: read_one(response(payload), cls, converter))
    event("parsed" if native is not None else "refused by the parser")
    if native is None:
        return
    found = typed(lambda: MAPPED[cls](native, experience))
    event("mapped" if found is not None else "refused by the mapping")
    for item in found or []:
        assert item is None or isinstance(item, (Device, App, Group, AppAssignment, int))
