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
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mdmkit.core.errors import MDMError
from mdmkit.http.convert import make_converter
from mdmkit.http.response import ErrorDetail, Response
from mdmkit.simplemdm import models
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
